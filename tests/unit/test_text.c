/* Unit tests for lib/text.c: control characters, UTF-8, quoting, shapes. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "breakglass/base/text.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* The problem for s is NULL when want is NULL, else contains want. */
static void check_problem(const char *s, const char *why, const char *want)
{
	if (want == NULL) {
		if (why != NULL)
			fail_msg("\"%s\" refused: %s", s, why);
		return;
	}
	if (why == NULL)
		fail_msg("\"%s\" accepted, expected \"%s\"", s, want);
	if (strstr(why, want) == NULL)
		fail_msg("\"%s\": got \"%s\", expected \"%s\"", s, why, want);
}

static void test_text_has_control_table(void **state)
{
	static const struct {
		const char *s;
		bool want;
	} cases[] = {
		{ "", false },
		{ "plain text", false },
		{ "~!@#$%^&*()_+{}|:\"<>?", false },
		{ "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac", false },      /* UTF-8 */
		{ "\xc2\x9b", true },   /* C1 CSI as UTF-8 */
		{ "\xc2\xa0", false },  /* NO-BREAK SPACE follows C1 */
		{ "\xc2\x7f", true },
		{ "\x01", true },
		{ "a\tb", true },
		{ "line\n", true },
		{ "\r", true },
		{ "\x1b[31m", true },
		{ "\x1f", true },
		{ "del\x7f", true },
		{ "x\x7f" "y", true },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N_ELEMS(cases); i++)
		if (bg_text_has_control(cases[i].s) != cases[i].want)
			fail_msg("case %zu: expected %d", i, cases[i].want);
}

static void test_text_has_control_every_byte(void **state)
{
	unsigned c;

	(void)state;
	for (c = 1; c < 256; c++) {
		char s[4] = { 'a', (char)c, 'b', '\0' };

		assert_int_equal(bg_text_has_control(s), c < 0x20 || c == 0x7f);
	}
}

static void test_text_utf8_chars_counts_characters(void **state)
{
	static const struct {
		const char *s;
		size_t want;
	} cases[] = {
		{ "", 0 },
		{ "abc", 3 },
		{ "\xc3\xa9", 1 },                      /* é: 2 bytes */
		{ "\xe6\x97\xa5\xe6\x9c\xac", 2 },      /* 日本: 6 bytes */
		{ "\xf0\x9f\x98\x80", 1 },              /* emoji: 4 bytes */
		{ "a\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80", 4 },
		{ "caf\xc3\xa9", 4 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N_ELEMS(cases); i++)
		assert_int_equal(bg_text_utf8_chars(cases[i].s), cases[i].want);
}

static void test_text_quote_table(void **state)
{
	static const struct {
		const char *s;
		size_t max, outlen;
		const char *want;
	} cases[] = {
		{ "abc", 10, 64, "abc" },
		{ "", 5, 64, "" },
		{ "abc", 3, 64, "abc" },                /* exactly max: no cut */
		{ "abcdef", 3, 64, "abc..." },
		{ "abc", 0, 64, "..." },
		{ "a\x1b[31m", 100, 64, "a\\x1b[31m" },
		{ "line\nnext", 100, 64, "line\\x0anext" },
		{ "tab\there", 100, 64, "tab\\x09here" },
		{ "del\x7f", 100, 64, "del\\x7f" },
		{ "back\\slash", 100, 64, "back\\x5cslash" },
		{ "\xc3\xa9", 100, 64, "\\xc3\\xa9" },
		{ "\"q\"", 100, 64, "\"q\"" },
		/* max counts input bytes, not output bytes. */
		{ "\x01\x02\x03", 2, 64, "\\x01\\x02..." },
		/* Cut by the output size: still marked. */
		{ "abcdefghij", 100, 12, "abcde..." },
		{ "abcdefghij", 100, 8, "a..." },
		{ "\x01\x01\x01", 100, 12, "\\x01\\x01..." },
		{ "abcdefghij", 100, 4, "..." },
		{ "abcdefghij", 100, 3, "" },
		{ "abcdefghij", 100, 1, "" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N_ELEMS(cases); i++) {
		char out[64];

		memset(out, 'Z', sizeof(out));
		bg_text_quote(cases[i].s, cases[i].max, out, cases[i].outlen);
		assert_string_equal(out, cases[i].want);
	}
}

static void test_text_quote_small_outlen_stays_in_bounds(void **state)
{
	static const char *const inputs[] = {
		"",
		"x",
		"abcdefghijklmnopqrstuvwxyz",
		"\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a",
		"\\\\\\\\\\\\\\\\",
		"a\x1b" "b\xff" "c\x7f" "d\xc3\xa9",
	};
	enum { CANARY = 16 };
	size_t i, outlen, j;

	(void)state;
	for (i = 0; i < N_ELEMS(inputs); i++) {
		char full[256];

		bg_text_quote(inputs[i], 1000, full, sizeof(full));
		for (outlen = 0; outlen <= 48; outlen++) {
			/* Exact size for the sanitizers, canaries for the rest. */
			char *out = malloc(outlen + CANARY);
			size_t n;

			assert_non_null(out);
			memset(out, 'Z', outlen + CANARY);
			bg_text_quote(inputs[i], 1000, out, outlen);
			for (j = outlen; j < outlen + CANARY; j++)
				assert_int_equal(out[j], 'Z');
			if (outlen == 0) {
				free(out);
				continue;
			}
			assert_non_null(memchr(out, '\0', outlen));
			n = strlen(out);
			if (strcmp(out, full) != 0) {
				/* Cut: a prefix of the full quote, marked if room. */
				size_t body = n;

				if (outlen >= 4) {
					assert_true(n >= 3);
					assert_string_equal(out + n - 3, "...");
					body = n - 3;
				} else {
					assert_int_equal(n, 0);
				}
				assert_memory_equal(out, full, body);
				/* An escape is never split. */
				if (inputs[i][0] == '\x01' || inputs[i][0] == '\\')
					assert_int_equal(body % 4, 0);
			}
			free(out);
		}
	}
}

static void test_text_quote_outlen_zero_writes_nothing(void **state)
{
	char out[2] = { 'Z', 'Z' };

	(void)state;
	bg_text_quote("abc", 10, out, 0);
	assert_memory_equal(out, "ZZ", 2);
}

static void test_text_path_problem_table(void **state)
{
	static const struct {
		const char *s;
		const char *want;       /* NULL: accepted */
	} cases[] = {
		{ "/", NULL },
		{ "/etc/x", NULL },
		{ "/etc/breakglass/config.json", NULL },
		{ "/a/.hidden", NULL },
		{ "/a/..b", NULL },
		{ "/a/b.", NULL },
		{ "/a./b", NULL },
		{ "/...", NULL },
		{ "", "absolute" },
		{ "relative/x", "absolute" },
		{ "./x", "absolute" },
		{ "../x", "absolute" },
		{ "x", "absolute" },
		{ "/..", ". or .." },
		{ "/.", ". or .." },
		{ "/a/../b", ". or .." },
		{ "/a/./b", ". or .." },
		{ "/a/..", ". or .." },
		{ "/a/.", ". or .." },
		{ "/./a", ". or .." },
		{ "/a//b", "empty" },
		{ "//a", "empty" },
		{ "/a/", "empty" },
		{ "/a/b//", "empty" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N_ELEMS(cases); i++)
		check_problem(cases[i].s, bg_text_path_problem(cases[i].s),
			      cases[i].want);
}

static void test_text_url_problem_table(void **state)
{
	static const struct {
		const char *s;
		const char *want;       /* NULL: accepted */
	} cases[] = {
		{ "https://example.com", NULL },
		{ "http://example.com/", NULL },
		{ "https://example.com/path?q=1&r=2#frag", NULL },
		{ "https://h:8443/x", NULL },
		{ "https://10.0.0.1/", NULL },
		{ "https://[::1]/hook", NULL },
		{ "", "http:// or https://" },
		{ "ftp://example.com/", "http:// or https://" },
		{ "example.com", "http:// or https://" },
		{ "https:/example.com", "http:// or https://" },
		{ " https://example.com", "http:// or https://" },
		{ "http://", "host" },
		{ "https://", "host" },
		{ "https:///x", "host" },
		{ "https://@h", "host" },
		{ "https://?q", "host" },
		{ "https://#f", "host" },
		{ "https://:443/", "host" },
		{ "https://exa mple.com", "spaces" },
		{ "https://example.com/a b", "spaces" },
		{ "https://example.com/\"x\"", "spaces" },
		{ "https://example.com/<x>", "spaces" },
		{ "https://example.com/a\\b", "spaces" },
		{ "https://example.com/a^b", "spaces" },
		{ "https://example.com/a`b", "spaces" },
		{ "https://example.com/a|b", "spaces" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N_ELEMS(cases); i++)
		check_problem(cases[i].s, bg_text_url_problem(cases[i].s),
			      cases[i].want);
}

static void test_text_name_problem_table(void **state)
{
	/* 32 and 33 characters. */
	static const char n32[] = "abcdefghijklmnopqrstuvwxyz012345";
	static const char n33[] = "abcdefghijklmnopqrstuvwxyz0123456";
	static const char g32[] = "%abcdefghijklmnopqrstuvwxyz012345";
	static const char g33[] = "%abcdefghijklmnopqrstuvwxyz0123456";
	static const struct {
		const char *s;
		const char *want;       /* NULL: accepted */
	} cases[] = {
		{ "alice", NULL },
		{ "a", NULL },
		{ "%oncall-leads", NULL },
		{ "bob.smith_2", NULL },
		{ "x-", NULL },
		{ "Admin01", NULL },
		{ n32, NULL },
		{ g32, NULL },
		{ "", "1 to 32" },
		{ "%", "1 to 32" },
		{ "-x", "must not start with - or ." },
		{ "..", "must not start with - or ." },
		{ ".", "must not start with - or ." },
		{ "%.hidden", "must not start with - or ." },
		{ "%-x", "must not start with - or ." },
		{ n33, "1 to 32" },
		{ g33, "1 to 32" },
		{ "a b", "letters" },
		{ "a;b", "letters" },
		{ "a/b", "letters" },
		{ "a%b", "letters" },
		{ "%%x", "letters" },
		{ "a:b", "letters" },
		{ "a\nb", "letters" },
		{ "Jos\xc3\xa9", "letters" },
		{ "\xc3\xa4", "letters" },
	};
	size_t i;

	(void)state;
	assert_int_equal(strlen(n32), 32);
	assert_int_equal(strlen(n33), 33);
	for (i = 0; i < N_ELEMS(cases); i++)
		check_problem(cases[i].s, bg_text_name_problem(cases[i].s),
			      cases[i].want);
}

static void test_text_redact_url_table(void **state)
{
	static const struct { const char *in; bool drop_path; const char *out; } cases[] = {
		{ "https://h.example/a?b=c#d", false, "https://h.example/a?REDACTED" },
		{ "https://u:p@h.example/a", false, "https://REDACTED@h.example/a" },
		{ "https://u:p@SECRET@h.example/a", false, "https://REDACTED@h.example/a" },
		{ "https://u@h.example", false, "https://REDACTED@h.example" },
		{ "http://h.example:8080/x/{ticket}", false, "http://h.example:8080/x/{ticket}" },
		{ "https://h.example/hooks/T0K3N", true, "https://h.example/REDACTED" },
		{ "https://h.example?x", true, "https://h.example/REDACTED" },
		{ "https://h.example", true, "https://h.example" },
		{ "not a url", false, "not a url" },
		{ "", false, "" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bg_buf b;

		bg_buf_init(&b, 256);
		assert_int_equal(bg_text_redact_url(cases[i].in, cases[i].drop_path, &b), BG_OK);
		assert_string_equal(bg_buf_str(&b), cases[i].out);
		bg_buf_free(&b);
	}
}

/* The one way times are written: UTC to the second, and a time that has
 * no such form refused with out untouched. */
static void test_text_utc_table(void **state)
{
	static const struct {
		time_t t;
		int rc;
		const char *want;
	} cases[] = {
		{ 0, BG_OK, "1970-01-01T00:00:00Z" },
		{ 1796683459, BG_OK, "2026-12-07T22:44:19Z" },
		{ -1, BG_OK, "1969-12-31T23:59:59Z" },
		{ (time_t)INT64_MAX, BG_EINVAL, "untouched" },
	};
	char out[BG_TEXT_UTC_LEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(out, sizeof(out), "untouched");
		assert_int_equal(bg_text_utc(cases[i].t, out), cases[i].rc);
		assert_string_equal(out, cases[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_has_control_table),
		cmocka_unit_test(test_text_has_control_every_byte),
		cmocka_unit_test(test_text_utf8_chars_counts_characters),
		cmocka_unit_test(test_text_quote_table),
		cmocka_unit_test(test_text_quote_small_outlen_stays_in_bounds),
		cmocka_unit_test(test_text_quote_outlen_zero_writes_nothing),
		cmocka_unit_test(test_text_path_problem_table),
		cmocka_unit_test(test_text_url_problem_table),
		cmocka_unit_test(test_text_name_problem_table),
		cmocka_unit_test(test_text_redact_url_table),
		cmocka_unit_test(test_text_utc_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
