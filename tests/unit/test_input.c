/* Unit tests for lib/input.c: hostile answers at the login prompts, and
 * the code check; UTF-8 validation is tested in test_input_utf8.c. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "breakglass/base/input.h"
#include "test_input.h"

/* Exact message (or NULL) expected for s[len], given in a buffer of
 * exactly len bytes so that ASan sees any read past the end. */
static void expect(const char *s, size_t len, size_t min, size_t max,
		   const char *want, const char *label)
{
	char *copy = malloc(len > 0 ? len : 1);
	const char *got;

	assert_non_null(copy);
	memcpy(copy, s, len);
	got = bg_input_problem(copy, len, min, max);
	free(copy);

	if (want == NULL && got != NULL)
		fail_msg("%s: refused: %s", label, got);
	if (want != NULL && (got == NULL || strcmp(got, want) != 0))
		fail_msg("%s: got \"%s\", expected \"%s\"", label,
			 got ? got : "(accepted)", want);
}

/* c as UTF-8 into out[4]; the test's own encoder, to feed the decoder. */
size_t encode(uint32_t c, char *out)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | c >> 12);
		out[1] = (char)(0x80 | (c >> 6 & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | c >> 18);
	out[1] = (char)(0x80 | (c >> 12 & 0x3f));
	out[2] = (char)(0x80 | (c >> 6 & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

static void test_input_problem_hostile_table(void **state)
{
	static const struct {
		const char *s;
		size_t len;
		const char *want;
	} cases[] = {
		/* Blank, and spaces (ASCII or Unicode) at either end. */
		{ B(""), EMPTY }, { B("   "), EMPTY },
		{ B("\xc2\xa0\xe3\x80\x80"), EMPTY },	/* NBSP, ideographic */
		{ B(" INC-1"), SPACES }, { B("INC-1 "), SPACES },
		{ B("\xc2\xa0INC-1"), SPACES }, { B("INC-1\xe3\x80\x80"), SPACES },
		{ B("INC-1\xe2\x80\xaf"), SPACES },	/* narrow NBSP */
		/* Line breaks: a second, forged audit line. */
		{ B("INC-1\r"), BREAK }, { B("INC-1\n"), BREAK },
		{ B("INC-1\r\nfake log line"), BREAK },
		{ B("a\xc2\x85" "b"), BREAK },		/* NEL */
		{ B("a\xe2\x80\xa8" "b"), BREAK }, { B("a\xe2\x80\xa9" "b"), BREAK },
		/* NUL: len is the true length, C would stop early. */
		{ B("INC-1\0 admin approved"), NUL }, { B("\0"), NUL },
		/* Terminal control: ESC, CSI/OSC, C1 CSI, DEL, tab. */
		{ B("a\tb"), CTRL }, { B("\tINC-1"), CTRL }, { B("\x1b"), CTRL },
		{ B("\x1b[2J"), CTRL }, { B("ok\x1b]0;title\x07"), CTRL },
		{ B("x\xc2\x9b" "2J"), CTRL }, { B("x\xc2\x80"), CTRL },
		{ B("x\xc2\x9f"), CTRL }, { B("del\x7f"), CTRL },
		/* The first bad character decides, ends come after content. */
		{ B("\x1b\xff"), CTRL }, { B("\xff\x1b"), UTF8 },
		{ B(" \x1b"), CTRL },
		/* Overlong forms, "modified UTF-8" NUL. */
		{ B("\xc0\xaf"), UTF8 }, { B("\xc1\xbf"), UTF8 },
		{ B("\xe0\x80\xaf"), UTF8 }, { B("\xe0\x9f\xbf"), UTF8 },
		{ B("\xf0\x80\x80\xaf"), UTF8 }, { B("\xf0\x8f\xbf\xbf"), UTF8 },
		{ B("\xc0\x80"), UTF8 },
		/* Surrogates, CESU-8, above U+10FFFF, F5..FF leads. */
		{ B("a\xed\xa0\x80" "b"), UTF8 }, { B("\xed\xbf\xbf"), UTF8 },
		{ B("\xed\xa0\xbd\xed\xb4\xa5"), UTF8 },
		{ B("\xf4\x90\x80\x80"), UTF8 }, { B("\xf5\x80\x80\x80"), UTF8 },
		{ B("\xf7\xbf\xbf\xbf"), UTF8 }, { B("\xf8\x88\x80\x80\x80"), UTF8 },
		{ B("\xfc\x84\x80\x80\x80\x80"), UTF8 },
		{ B("ab\xfe"), UTF8 }, { B("ab\xff"), UTF8 },
		/* Lone continuation bytes, truncated and interrupted forms. */
		{ B("ab\x80"), UTF8 }, { B("\xbf" "abc"), UTF8 },
		{ B("abc\xc3"), UTF8 }, { B("abc\xe2\x82"), UTF8 },
		{ B("abc\xf0\x9f\x94"), UTF8 }, { B("\xe2\x82x"), UTF8 },
		{ B("\xf0\x9f\x94\x1b"), UTF8 },
		/* Bidi controls (Trojan Source), BOM, zero-width, tags. */
		{ B("pay\xe2\x80\xaetxt.exe"), FMT },	/* RLO */
		{ B("a\xe2\x80\xaa" "b"), FMT }, { B("a\xe2\x81\xa6" "b"), FMT },
		{ B("a\xe2\x81\xa9" "b"), FMT }, { B("a\xe2\x80\x8e" "b"), FMT },
		{ B("a\xe2\x80\x8f" "b"), FMT }, { B("a\xd8\x9c" "b"), FMT },
		{ B("\xef\xbb\xbfINC-1"), FMT }, { B("IN\xe2\x80\x8b" "C-1"), FMT },
		{ B("a\xe2\x81\xa0" "b"), FMT },
		{ B("ok\xf3\xa0\x81\x81\xf3\xa0\x81\x82"), FMT },
	};
	char label[32];
	size_t i;

	(void)state;
	for (i = 0; i < N_ELEMS(cases); i++) {
		snprintf(label, sizeof(label), "case %zu", i);
		expect(cases[i].s, cases[i].len, 1, 100, cases[i].want, label);
	}
}

static void test_input_problem_every_c0_c1_and_del(void **state)
{
	char label[32];
	unsigned c;

	(void)state;
	for (c = 0x01; c <= 0x1f; c++) {
		char s[3] = { 'a', (char)c, 'b' };

		snprintf(label, sizeof(label), "C0 0x%02x", c);
		expect(s, 3, 1, 100, c == '\n' || c == '\r' ? BREAK : CTRL,
		       label);
	}
	for (c = 0x80; c <= 0x9f; c++) {
		char s[4] = { 'a', (char)0xc2, (char)c, 'b' };

		snprintf(label, sizeof(label), "C1 U+%04X", c);
		expect(s, 4, 1, 100, c == 0x85 ? BREAK : CTRL, label);
	}
	expect(B("a\x7f" "b"), 1, 100, CTRL, "DEL");
}

static void test_input_problem_every_bidi_control(void **state)
{
	static const unsigned cps[] = {
		0x061c, 0x200b, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c,
		0x202d, 0x202e, 0x2060, 0x2066, 0x2067, 0x2068, 0x2069,
		0x206a, 0x206f, 0xfeff, 0xfff9, 0xfffb, 0xe0001, 0xe007f,
	};
	char s[8], label[32];
	size_t i, n;

	(void)state;
	for (i = 0; i < N_ELEMS(cps); i++) {
		s[0] = 'x';
		n = 1 + encode(cps[i], s + 1);
		s[n++] = 'y';
		snprintf(label, sizeof(label), "U+%04X", cps[i]);
		expect(s, n, 1, 100, FMT, label);
	}
}

static void test_input_problem_accepts_scripts(void **state)
{
	static const char *const ok[] = {
		"INC-1234",
		"caf\xc3\xa9 down, restarting the r\xc3\xa9plica",
		"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"
		"\xe3\x81\xae\xe9\x9a\x9c\xe5\xae\xb3",	/* Japanese */
		"\xf0\x9f\x94\xa5 prod is on fire \xf0\x9f\x94\xa5",
		"\xd0\xa1\xd0\xb5\xd1\x80\xd0\xb2\xd0\xb5\xd1\x80 "
		"\xd1\x83\xd0\xbf\xd0\xb0\xd0\xbb",		/* Cyrillic */
		"\xce\x94\xce\xb9\xce\xb1\xce\xba\xce\xbf\xcf\x80\xce\xae",
		"\xd8\xa7\xd9\x84\xd8\xae\xd8\xa7\xd8\xaf\xd9\x85",	/* Arabic */
		"\xd7\xa9\xd7\xa8\xd7\xaa",				/* Hebrew */
		"\xe0\xa4\x95\xe0\xa5\x8d\xe2\x80\x8d\xe0\xa4\xb7",	/* ZWJ */
		"\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb",	/* ZWJ emoji */
		"Justification\xc2\xa0: disk  full",	/* NBSP, two spaces */
		"~!@#$%^&*()_+{}|:\"<>?`-=[]\\;',./",
		"\xef\xbf\xbd \xef\xbf\xbe \xf4\x8f\xbf\xbf",	/* U+FFFD FFFE 10FFFF */
	};
	size_t i;

	(void)state;
	for (i = 0; i < N_ELEMS(ok); i++)
		expect(ok[i], strlen(ok[i]), 1, 100, NULL, ok[i]);
}

/* n copies of unit into a new buffer; the length is n * strlen(unit). */
static char *repeat(const char *unit, size_t n)
{
	size_t u = strlen(unit), i;
	char *p = malloc(u * n + 1);

	assert_non_null(p);
	for (i = 0; i < n; i++)
		memcpy(p + i * u, unit, u);
	p[u * n] = '\0';
	return p;
}

static void test_input_problem_length_counts_characters(void **state)
{
	static const struct {
		const char *unit;
		size_t n, min, max;
		const char *want;
	} cases[] = {
		{ "a", 20, 20, 1000, NULL },
		{ "a", 19, 20, 1000, SHORT },
		{ "\xc3\xa9", 20, 20, 1000, NULL },	/* 40 bytes, 20 chars */
		{ "\xc3\xa9", 19, 20, 1000, SHORT },
		{ "a", 1000, 20, 1000, NULL },
		{ "a", 1001, 20, 1000, LONG },
		{ "\xc3\xa9", 1000, 20, 1000, NULL },
		{ "\xc3\xa9", 1001, 20, 1000, LONG },
		{ "\xe6\x97\xa5", 1000, 1, 1000, NULL },
		{ "\xf0\x9f\x94\xa5", 1000, 1, 1000, NULL },	/* 4000 bytes */
		{ "\xf0\x9f\x94\xa5", 1001, 1, 1000, LONG },
		{ "x", 5, 10, 3, SHORT },		/* min > max: refused */
	};
	char label[48];
	size_t i;

	(void)state;
	for (i = 0; i < N_ELEMS(cases); i++) {
		char *s = repeat(cases[i].unit, cases[i].n);

		snprintf(label, sizeof(label), "case %zu", i);
		expect(s, strlen(s), cases[i].min, cases[i].max, cases[i].want,
		       label);
		free(s);
	}
}

static void test_input_problem_min_zero_allows_empty_only(void **state)
{
	(void)state;
	expect(B(""), 0, 10, NULL, "empty");
	expect(B("  "), 0, 10, SPACES, "blank");
	assert_string_equal(bg_input_problem(NULL, 0, 0, 10), EMPTY);
}

/* Speed is for benchmarks, not tests: this checks what is said. */
static void test_input_problem_one_mib_line(void **state)
{
	const size_t len = 1024 * 1024;
	char *s = repeat("a", len);

	(void)state;
	expect(s, len, 20, 1000, LONG, "1 MiB");
	/* The whole line is read: the escape at its end is what is said. */
	s[len - 1] = '\x1b';
	expect(s, len, 20, 1000, CTRL, "1 MiB + ESC");
	s[len - 1] = '\xc3';
	expect(s, len, 20, 1000, UTF8, "1 MiB + truncated");
	free(s);
}

static void test_input_code_problem_table(void **state)
{
	static const struct {
		const char *s;
		unsigned digits;
		const char *want;
	} cases[] = {
		{ "123456", 6, NULL }, { "000000", 6, NULL },
		{ "987654", 6, NULL }, { "12345678", 8, NULL },
		{ "00000000", 8, NULL },
		{ "", 6, EMPTY }, { "", 8, EMPTY }, { "", 0, EMPTY },
		{ "12345", 6, SHORT }, { "1", 6, SHORT },
		{ "1234567", 8, SHORT }, { "123456", 8, SHORT },
		{ "1234567", 6, LONG }, { "12345678", 6, LONG },
		{ "123456789", 8, LONG }, { "0", 0, LONG },
		{ " 123456", 6, DIGITS }, { "123456 ", 6, DIGITS },
		{ "123 456", 6, DIGITS }, { "+123456", 6, DIGITS },
		{ "-12345", 6, DIGITS }, { "12345a", 6, DIGITS },
		{ "0x1234", 6, DIGITS }, { "123456\n", 6, DIGITS },
		{ "12345\t", 6, DIGITS }, { "1234567\x1b", 8, DIGITS },
		{ "1.2345", 6, DIGITS }, { "12,345678", 8, DIGITS },
		/* Arabic-Indic and fullwidth digits are not code digits. */
		{ "\xd9\xa1\xd9\xa2\xd9\xa3\xd9\xa4\xd9\xa5\xd9\xa6", 6, DIGITS },
		{ "\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94\xef\xbc\x95"
		  "\xef\xbc\x96", 6, DIGITS },
		{ "12345\xd9\xa6", 6, DIGITS },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N_ELEMS(cases); i++) {
		const char *got = bg_input_code_problem(cases[i].s,
							cases[i].digits);
		const char *want = cases[i].want;

		if (want == NULL ? got != NULL
				 : got == NULL || strcmp(got, want) != 0)
			fail_msg("case %zu: got \"%s\", expected \"%s\"", i,
				 got ? got : "(accepted)",
				 want ? want : "(accepted)");
	}
	assert_string_equal(bg_input_code_problem(NULL, 6), EMPTY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_input_problem_hostile_table),
		cmocka_unit_test(test_input_problem_every_c0_c1_and_del),
		cmocka_unit_test(test_input_problem_every_bidi_control),
		cmocka_unit_test(test_input_problem_accepts_scripts),
		cmocka_unit_test(test_input_problem_length_counts_characters),
		cmocka_unit_test(test_input_problem_min_zero_allows_empty_only),
		cmocka_unit_test(test_input_problem_one_mib_line),
		cmocka_unit_test(test_input_utf8_valid_boundaries),
		cmocka_unit_test(test_input_utf8_valid_agrees_with_mbrtowc),
		cmocka_unit_test(test_input_utf8_valid_every_code_point),
		cmocka_unit_test(test_input_problem_says_only_fixed_sentences),
		cmocka_unit_test(test_input_code_problem_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
