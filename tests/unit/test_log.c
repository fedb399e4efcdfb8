/* Unit tests for lib/log.c: stderr lines, escaping, levels and long
 * messages; the syslog sink is tested in test_log_syslog.c. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "breakglass/base/log.h"
#include "fake_syslog.h"
#include "test_log.h"

/* The library formats at most 2047 bytes of a message before escaping. */
#define RAW_MAX 2047

void capture_start(struct capture *c)
{
	fflush(stderr);
	c->tmp = tmpfile();
	assert_non_null(c->tmp);
	c->saved = dup(STDERR_FILENO);
	assert_true(c->saved >= 0);
	assert_true(dup2(fileno(c->tmp), STDERR_FILENO) >= 0);
}

/* Restore stderr and return what was written to it (to free). */
char *capture_end(struct capture *c)
{
	char *text;
	size_t len = 0, cap = 4096;
	ssize_t r;
	int rc;

	fflush(stderr);
	rc = dup2(c->saved, STDERR_FILENO);
	close(c->saved);
	assert_true(rc >= 0);
	text = malloc(cap);
	assert_non_null(text);
	while ((r = pread(fileno(c->tmp), text + len, cap - len - 1,
			  (off_t)len)) > 0) {
		len += (size_t)r;
		if (cap - len - 1 == 0) {
			cap *= 2;
			text = realloc(text, cap);
			assert_non_null(text);
		}
	}
	assert_true(r == 0);
	text[len] = '\0';
	fclose(c->tmp);
	return text;
}

/* Every test but the first starts from the same known state. */
void log_reset(void)
{
	bg_log_open("bgtest", BG_LOG_STDERR, LOG_AUTHPRIV);
	bg_log_set_level(BG_LOG_INFO);
	fake_reset();
}

/* Must run first: nothing has called bg_log_open or bg_log_set_level. */
static void test_log_defaults_info_level_and_ident(void **state)
{
	struct capture c;
	char *out;

	(void)state;
	capture_start(&c);
	bg_debug("not shown");
	bg_info("shown %d", 1);
	out = capture_end(&c);
	assert_string_equal(out,
		"breakglass: test_log_defaults_info_level_and_ident: shown 1\n");
	free(out);
}

static void test_log_stderr_line_has_ident_and_function(void **state)
{
	struct capture c;
	char *out;

	(void)state;
	log_reset();
	capture_start(&c);
	bg_error("hello %s %d", "world", 42);
	out = capture_end(&c);
	assert_string_equal(out,
		"bgtest: test_log_stderr_line_has_ident_and_function: hello world 42\n");
	free(out);
}

static void test_log_null_ident_uses_default(void **state)
{
	struct capture c;
	char *out;

	(void)state;
	log_reset();
	bg_log_open(NULL, BG_LOG_STDERR, LOG_AUTHPRIV);
	capture_start(&c);
	bg_warn("x");
	out = capture_end(&c);
	assert_string_equal(out, "breakglass: test_log_null_ident_uses_default: x\n");
	free(out);
}

static void test_log_escapes_control_characters(void **state)
{
	static const struct {
		const char *arg;
		const char *want;
	} cases[] = {
		{ "\x1b[31mred", "\\x1b[31mred" },
		{ "a\nforged: line", "a\\x0aforged: line" },
		{ "tab\there\r", "tab\\x09here\\x0d" },
		{ "del\x7f", "del\\x7f" },
		{ "back\\slash", "back\\x5cslash" },
		{ "caf\xc3\xa9", "caf\\xc3\\xa9" },
		{ "\x01\x02", "\\x01\\x02" },
	};
	size_t i;

	(void)state;
	log_reset();
	for (i = 0; i < N_ELEMS(cases); i++) {
		char want[256];
		struct capture c;
		char *out;

		capture_start(&c);
		bg_error("got %s.", cases[i].arg);
		out = capture_end(&c);
		snprintf(want, sizeof(want),
			 "bgtest: test_log_escapes_control_characters: got %s.\n",
			 cases[i].want);
		assert_string_equal(out, want);
		/* Nothing raw: one newline, at the end, and no ESC. */
		assert_null(strchr(out, '\x1b'));
		assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1);
		free(out);
	}
}

static void test_log_escapes_control_in_format(void **state)
{
	struct capture c;
	char *out;

	(void)state;
	log_reset();
	capture_start(&c);
	bg_info("bell\a and\x1b" "c reset");
	out = capture_end(&c);
	assert_string_equal(out,
		"bgtest: test_log_escapes_control_in_format: "
		"bell\\x07 and\\x1b" "c reset\n");
	free(out);
}

static void test_log_level_filter(void **state)
{
	static const struct {
		enum bg_log_level set, msg;
		bool shown;
	} cases[] = {
		{ BG_LOG_INFO, BG_LOG_DEBUG, false },
		{ BG_LOG_INFO, BG_LOG_INFO, true },
		{ BG_LOG_INFO, BG_LOG_ERR, true },
		{ BG_LOG_DEBUG, BG_LOG_DEBUG, true },
		{ BG_LOG_WARN, BG_LOG_INFO, false },
		{ BG_LOG_WARN, BG_LOG_WARN, true },
		{ BG_LOG_ERR, BG_LOG_WARN, false },
		{ BG_LOG_ERR, BG_LOG_ERR, true },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N_ELEMS(cases); i++) {
		struct capture c;
		char *out;

		log_reset();
		bg_log_set_level(cases[i].set);
		capture_start(&c);
		bg_log_msg(cases[i].msg, __func__, "case %zu", i);
		out = capture_end(&c);
		if (cases[i].shown) {
			char want[128];

			snprintf(want, sizeof(want),
				 "bgtest: test_log_level_filter: case %zu\n", i);
			assert_string_equal(out, want);
		} else if (out[0] != '\0') {
			fail_msg("case %zu: should be dropped, got \"%s\"", i, out);
		}
		free(out);
	}
}

static void test_log_debug_shown_after_set_level_debug(void **state)
{
	struct capture c;
	char *out;

	(void)state;
	log_reset();
	capture_start(&c);
	bg_debug("first");
	bg_log_set_level(BG_LOG_DEBUG);
	bg_debug("second");
	out = capture_end(&c);
	assert_string_equal(out,
		"bgtest: test_log_debug_shown_after_set_level_debug: second\n");
	free(out);
}

static void test_log_long_message_is_cut(void **state)
{
	static const char prefix[] = "bgtest: test_log_long_message_is_cut: ";
	char *msg, *out;
	struct capture c;
	size_t i, n;

	(void)state;
	log_reset();
	msg = malloc(10001);
	assert_non_null(msg);
	memset(msg, 'x', 10000);
	msg[10000] = '\0';
	capture_start(&c);
	bg_error("%s", msg);
	out = capture_end(&c);
	n = strlen(out);
	assert_int_equal(n, strlen(prefix) + RAW_MAX + strlen("...\n"));
	assert_memory_equal(out, prefix, strlen(prefix));
	for (i = strlen(prefix); i < strlen(prefix) + RAW_MAX; i++)
		assert_int_equal(out[i], 'x');
	assert_string_equal(out + n - 4, "...\n");
	free(out);
	free(msg);
}

static void test_log_long_escaped_message_is_cut(void **state)
{
	static const char prefix[] = "bgtest: test_log_long_escaped_message_is_cut: ";
	char *msg, *out;
	struct capture c;
	size_t i, n, p = strlen(prefix);

	(void)state;
	log_reset();
	msg = malloc(10001);
	assert_non_null(msg);
	memset(msg, '\x1b', 10000);
	msg[10000] = '\0';
	capture_start(&c);
	bg_error("%s", msg);
	out = capture_end(&c);
	/* Quadrupled by escaping, still written and still marked as cut. */
	n = strlen(out);
	assert_int_equal(n, p + 4 * RAW_MAX + strlen("...\n"));
	assert_memory_equal(out, prefix, p);
	for (i = 0; i < RAW_MAX; i++)
		assert_memory_equal(out + p + 4 * i, "\\x1b", 4);
	assert_string_equal(out + n - 4, "...\n");
	assert_null(strchr(out, '\x1b'));
	free(out);
	free(msg);
}

static void test_log_message_at_limit_is_not_cut(void **state)
{
	static const char prefix[] = "bgtest: test_log_message_at_limit_is_not_cut: ";
	char msg[RAW_MAX + 1], *out;
	struct capture c;

	(void)state;
	log_reset();
	memset(msg, 'y', RAW_MAX);
	msg[RAW_MAX] = '\0';
	capture_start(&c);
	bg_error("%s", msg);
	out = capture_end(&c);
	assert_int_equal(strlen(out), strlen(prefix) + RAW_MAX + 1);
	assert_memory_equal(out, prefix, strlen(prefix));
	assert_memory_equal(out + strlen(prefix), msg, RAW_MAX);
	assert_string_equal(out + strlen(prefix) + RAW_MAX, "\n");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* First: it checks the defaults. */
		cmocka_unit_test(test_log_defaults_info_level_and_ident),
		cmocka_unit_test(test_log_stderr_line_has_ident_and_function),
		cmocka_unit_test(test_log_null_ident_uses_default),
		cmocka_unit_test(test_log_escapes_control_characters),
		cmocka_unit_test(test_log_escapes_control_in_format),
		cmocka_unit_test(test_log_level_filter),
		cmocka_unit_test(test_log_debug_shown_after_set_level_debug),
		cmocka_unit_test(test_log_long_message_is_cut),
		cmocka_unit_test(test_log_long_escaped_message_is_cut),
		cmocka_unit_test(test_log_message_at_limit_is_not_cut),
		cmocka_unit_test(test_log_syslog_priority_and_text),
		cmocka_unit_test(test_log_syslog_level_to_priority),
		cmocka_unit_test(test_log_syslog_percent_is_not_a_format),
		cmocka_unit_test(test_log_syslog_level_filter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
