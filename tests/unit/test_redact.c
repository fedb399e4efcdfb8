/* Tests for the redaction rules (recorder/redact.c): the default password
 * prompts against a table of prompts and ordinary lines, terminal escape
 * sequences, hostile output, and how input splits into spans. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "breakglass/config/confschema.h"
#include "redact.h"

#define CASE(name) static void name(void **state __attribute__((unused)))

static struct bg_config *cfg;

/* The configuration's default prompts, compiled as at load. */
static int setup(void **state __attribute__((unused)))
{
	assert_non_null(cfg = calloc(1, sizeof(*cfg)));
	assert_int_equal(bg_confschema_set_default(
				 bg_confschema_find("recorder.password_prompts"), cfg), BG_OK);
	return 0;
}

static int teardown(void **state __attribute__((unused)))
{
	bg_confschema_clear(bg_confschema_find("recorder.password_prompts"), cfg);
	free(cfg);
	return 0;
}

static void start(struct redact *d, int policy)
{
	redact_init(d, policy, cfg->recorder.prompt_re, cfg->recorder.password_prompts.n);
}

static void out(struct redact *d, const char *s, size_t n)
{
	redact_output(d, (const unsigned char *)s, n);
}

#define S(s) s, sizeof(s) - 1

CASE(test_default_prompts_table)
{
	static const struct { const char *out; size_t len; bool prompt; } t[] = {
		{ S("[sudo] password for alice: "), true },
		{ S("Password: "), true },
		{ S("Password:"), true },
		{ S("alice@db1.example's password: "), true },
		{ S("Enter passphrase for key '/home/alice/.ssh/id_ed25519': "), true },
		{ S("Current password: "), true },
		{ S("New password: "), true },
		{ S("Retype new password: "), true },
		{ S("Enter pass phrase for server.key:"), true },
		{ S("Enter PIN for 'PIV Card Holder pin (PIV_II)': "), true },
		{ S("PIN: "), true },
		{ S("$ sudo -k ls\r\n[sudo] password for alice: "), true },
		/* tmux and script: cursor, colour, title and erase sequences */
		{ S("\x1b[?25l\x1b[24;1H\x1b[K[sudo] password for alice: \x1b[?25h"), true },
		{ S("\x1b]0;alice@bastion: ~\x07\x1b[1mPassword: \x1b[0m"), true },
		{ S("\x1bP1$r0m\x1b\\\x1b(BPassword: "), true },
		{ S("working...\rPassword: "), true },
		{ S("Passwd\b\bword: "), true },
		{ S("Pass\0word: "), true },                   /* NUL shows nothing */
		/* ordinary output */
		{ S("password reset instructions were sent\r\n"), false },
		{ S("see the password reset instructions"), false },
		{ S("Password: changed"), false },
		{ S("[sudo] password for alice: \r\n"), false },
		{ S("alice@bastion:~$ "), false },
		{ S("SPINNING: "), false },
		{ S("Password: \x1b[2K\r$ "), false },
		{ S(""), false },
		/* invalid UTF-8 and 8-bit bytes on the line, before the prompt */
		{ S("\xff\xfe\xc3(Password: "), true },
		{ S("\xff\xfe\xc3("), false },
	};
	struct redact d;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		print_message("case %zu\n", i);
		start(&d, BG_INPUT_REDACT_NO_ECHO);
		out(&d, t[i].out, t[i].len);
		assert_int_equal(redact_at_prompt(&d), t[i].prompt);
	}
}

CASE(test_prompt_split_across_chunks_and_escapes)
{
	static const char s[] = "\x1b[1;31m[sudo] pass\x1b]0;t: \x07word for x: ";
	struct redact d;
	size_t i;

	/* one byte at a time: the escape state carries over */
	start(&d, BG_INPUT_REDACT_NO_ECHO);
	for (i = 0; i < sizeof(s) - 1; i++)
		out(&d, s + i, 1);
	assert_true(redact_at_prompt(&d));
}

/* tmux 3.3 drawing a pane whose program prompts: the prompt, the rest of
 * the pane, the status line, then the cursor back after the prompt. */
CASE(test_tmux_redraw_keeps_the_prompt_row)
{
	static const char draw[] =
		"\x1b[?1049h\x1b[22;0;0t\x1b[?1h\x1b=\x1b[H\x1b[2J\x1b[?12l\x1b[?25h"
		"\x1b[1;1H\x1b[1;24r\x1b[>c\x1b[>q\x1b[1;1H\x1b[?25lalice@db1's password: "
		"\x1b[K\r\n\x1b[K\r\n\x1b[K\r\n\x1b[K\x1b[30m\x1b[42m\r\n"
		"[0] 0:sh*                        \"vm\" 23:38 07-Dec-26\x1b(B\x1b[m"
		"\x1b[?12l\x1b[?25h\x1b[1;23H";
	struct redact d;

	start(&d, BG_INPUT_REDACT_NO_ECHO);
	out(&d, S("$ tmux\r\n"));
	out(&d, S(draw));
	assert_true(redact_at_prompt(&d));
	/* the status line redrawn, the cursor saved and restored around it */
	out(&d, S("\x1b" "7\x1b[24;1H[0] 0:ssh* 23:39\x1b" "8"));
	assert_true(redact_at_prompt(&d));
	/* the cursor left on the status line: no prompt there */
	out(&d, S("\x1b[24;1H[0] 0:ssh* 23:40"));
	assert_false(redact_at_prompt(&d));
	/* cleared: nothing left */
	out(&d, S("\x1b[1;23H\x1b[2J"));
	assert_false(redact_at_prompt(&d));
}

CASE(test_long_lines_keep_only_the_tail)
{
	char *big = malloc(1 << 20);
	struct redact d;

	assert_non_null(big);
	memset(big, 'x', 1 << 20);
	start(&d, BG_INPUT_REDACT_NO_ECHO);
	/* a megabyte line then the prompt: still seen */
	out(&d, big, 1 << 20);
	out(&d, S("Password: "));
	assert_true(redact_at_prompt(&d));
	/* the prompt, then a long line: gone from the tail */
	out(&d, big, REDACT_COLS);
	assert_false(redact_at_prompt(&d));
	/* an escape sequence that never ends hides the rest, but no more */
	out(&d, S("\x1b]0;"));
	out(&d, big, 1 << 20);
	assert_false(redact_at_prompt(&d));
	out(&d, S("\x07Password: "));
	assert_true(redact_at_prompt(&d));
	free(big);
}

CASE(test_no_prompts_configured)
{
	struct redact d;

	redact_init(&d, BG_INPUT_REDACT_NO_ECHO, NULL, 3);
	out(&d, S("Password: "));
	assert_false(redact_at_prompt(&d));
}

/* Input split by redact_next, as record.c does: "h5" for five hidden
 * bytes, "v3" for three recorded, "[7/1]" for a span of 7 bytes, 1 line. */
static void feed(struct redact *d, const char *in, size_t n, bool echo_off, char *log,
		 size_t cap)
{
	struct redact_span s;
	bool hidden;
	size_t k, used = strlen(log);

	for (; n > 0; in += k, n -= k) {
		k = redact_next(d, (const unsigned char *)in, n, echo_off, &hidden);
		assert_true(k > 0 && k <= n);
		if (!hidden && redact_ended(d, &s))
			used += (size_t)snprintf(log + used, cap - used, "[%llu/%llu]",
						 (unsigned long long)s.bytes,
						 (unsigned long long)s.lines);
		used += (size_t)snprintf(log + used, cap - used, "%c%zu", hidden ? 'h' : 'v', k);
		if (hidden && redact_ended(d, &s))
			used += (size_t)snprintf(log + used, cap - used, "[%llu/%llu]",
						 (unsigned long long)s.bytes,
						 (unsigned long long)s.lines);
		assert_true(used < cap);
	}
}

#define FEED(d, s, echo_off) feed(d, S(s), echo_off, log, sizeof(log))

CASE(test_raw_mode_prompt_answer_redacted_up_to_enter)
{
	struct redact d;
	char log[256] = "";

	start(&d, BG_INPUT_REDACT_NO_ECHO);
	out(&d, S("$ "));
	FEED(&d, "sudo -k id\r", false);
	out(&d, S("sudo -k id\r\n[sudo] password for x: "));
	/* typed a key at a time, then the next command in the same read */
	FEED(&d, "s", false);
	FEED(&d, "ecret", false);
	FEED(&d, "\rid\r", false);
	assert_string_equal(log, "v11h1h5h1[7/1]v3");
	/* the prompt is used up: a new one is needed */
	log[0] = '\0';
	FEED(&d, "x\r", false);
	out(&d, S("Sorry, try again.\r\n[sudo] password for x: "));
	FEED(&d, "pw\r\n", false);
	assert_string_equal(log, "v2h3[3/1]v1");
}

CASE(test_answer_without_enter_ends_at_the_cap)
{
	char big[REDACT_ANSWER_MAX + 10];
	struct redact d;
	char log[256] = "";

	memset(big, 'a', sizeof(big));
	start(&d, BG_INPUT_REDACT_NO_ECHO);
	out(&d, S("Password: "));
	feed(&d, big, sizeof(big), false, log, sizeof(log));
	assert_string_equal(log, "h4096[4096/1]v10");
}

CASE(test_echoed_answer_is_no_password)
{
	struct redact d;
	char log[256] = "";

	/* PS1='Password: ': the shell echoes what is typed */
	start(&d, BG_INPUT_REDACT_NO_ECHO);
	out(&d, S("Password: "));
	FEED(&d, "l", false);
	out(&d, S("l"));
	FEED(&d, "s", false);
	FEED(&d, " -l\r", false);
	assert_string_equal(log, "h1[1/1]v1v4");
	/* a typed "echo Password: " is an echo too: the next key is kept */
	start(&d, BG_INPUT_REDACT_NO_ECHO);
	log[0] = '\0';
	out(&d, S("$ echo Password"));
	FEED(&d, ":", false);
	out(&d, S(":"));
	FEED(&d, " ", false);
	out(&d, S(" "));
	FEED(&d, "x", false);
	assert_string_equal(log, "v1v1v1");
}

CASE(test_echo_off_spans_and_their_lines)
{
	struct redact d;
	char log[256] = "";

	/* a password read with echo off: one span of one line */
	start(&d, BG_INPUT_REDACT_NO_ECHO);
	FEED(&d, "hunter2\r", true);
	FEED(&d, "ls\r", false);
	assert_string_equal(log, "h8[8/1]v3");
	/* stty -echo, three commands typed blind, ended by stty echo */
	log[0] = '\0';
	FEED(&d, "id\r", true);
	FEED(&d, "cat /etc/shadow\r", true);
	FEED(&d, "stty echo\r", true);
	FEED(&d, "ls\r", false);
	assert_string_equal(log, "h3h16h10[29/3]v3");
	/* commands handed over with ^D instead of Enter are lines too */
	log[0] = '\0';
	FEED(&d, "id\004ls\004cat /etc/shadow\004", true);
	FEED(&d, "ls\r", false);
	assert_string_equal(log, "h22[22/3]v3");
}

/* Prompts on the session's own terminal, echo off throughout: each
 * answer is a span of one line, ended at its Enter, so that neither
 * passwd nor a sudo retry looks like stty -echo. */
CASE(test_echo_off_prompt_answers_are_spans_of_their_own)
{
	struct redact d;
	char log[256] = "";

	start(&d, BG_INPUT_REDACT_NO_ECHO);
	out(&d, S("$ passwd\r\nChanging password for x.\r\nCurrent password: "));
	FEED(&d, "o", true);
	FEED(&d, "ld\r", true);
	out(&d, S("\r\nNew password: "));
	FEED(&d, "new1\r", true);
	out(&d, S("\r\nRetype new password: "));
	FEED(&d, "new2\r", true);
	out(&d, S("\r\nSorry, passwords do not match.\r\n$ "));
	FEED(&d, "ls\r", false);
	assert_string_equal(log, "h1h3[4/1]h5[5/1]h5[5/1]v3");
	/* sudo asking again after a typo: the same prompt shown anew */
	log[0] = '\0';
	out(&d, S("[sudo] password for x: "));
	FEED(&d, "typo\r", true);
	out(&d, S("\r\nSorry, try again.\r\n[sudo] password for x: "));
	FEED(&d, "right\r", true);
	FEED(&d, "ls\r", false);
	assert_string_equal(log, "h5[5/1]h6[6/1]v3");
	/* typed blind after an answer, with no prompt shown: a span of its
	 * own, which still counts every line */
	log[0] = '\0';
	out(&d, S("Password: "));
	FEED(&d, "pw\rid\rpwd\r", true);
	FEED(&d, "ls\r", false);
	assert_string_equal(log, "h3[3/1]h7[7/2]v3");
}

CASE(test_finish_marks_the_open_span)
{
	struct redact d;
	struct redact_span s;
	char log[64] = "";

	/* CR LF is one line end; bytes after the last make one more line */
	start(&d, BG_INPUT_REDACT_NO_ECHO);
	FEED(&d, "a\r\nb\nc", true);
	assert_string_equal(log, "h6");
	assert_false(redact_ended(&d, &s));
	redact_finish(&d);
	assert_true(redact_ended(&d, &s));
	assert_int_equal(s.bytes, 6);
	assert_int_equal(s.lines, 3);
	assert_false(redact_ended(&d, &s));
	redact_finish(&d);
	assert_false(redact_ended(&d, &s));
}

CASE(test_policies_record_and_redact_make_no_spans)
{
	struct redact d;
	char log[64] = "";

	start(&d, BG_INPUT_RECORD);
	out(&d, S("Password: "));
	FEED(&d, "pw\r", true);
	assert_string_equal(log, "v3");
	log[0] = '\0';
	start(&d, BG_INPUT_REDACT);
	FEED(&d, "ls\r", false);
	FEED(&d, "a\rb\r", true);
	redact_finish(&d);
	assert_string_equal(log, "h3h4");
	assert_false(redact_ended(&d, &(struct redact_span){ 0, 0 }));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_default_prompts_table),
		T(test_prompt_split_across_chunks_and_escapes),
		T(test_tmux_redraw_keeps_the_prompt_row),
		T(test_long_lines_keep_only_the_tail),
		T(test_no_prompts_configured),
		T(test_raw_mode_prompt_answer_redacted_up_to_enter),
		T(test_answer_without_enter_ends_at_the_cap),
		T(test_echoed_answer_is_no_password),
		T(test_echo_off_spans_and_their_lines),
		T(test_echo_off_prompt_answers_are_spans_of_their_own),
		T(test_finish_marks_the_open_span),
		T(test_policies_record_and_redact_make_no_spans),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
