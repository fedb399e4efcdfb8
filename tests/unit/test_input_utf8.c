/* Unit tests for lib/input.c's UTF-8 validation: boundaries of RFC 3629,
 * every code point, agreement with glibc's decoder on random bytes, and
 * only fixed sentences said about random answers. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "breakglass/base/input.h"
#include "test_input.h"

void test_input_utf8_valid_boundaries(void **state)
{
	static const struct {
		const char *s;
		size_t len;
		bool want;
	} cases[] = {
		{ B(""), true }, { B("\0"), true }, { B("\x7f"), true },
		{ B("\xc2\x80"), true }, { B("\xdf\xbf"), true },
		{ B("\xe0\xa0\x80"), true }, { B("\xed\x9f\xbf"), true },
		{ B("\xee\x80\x80"), true }, { B("\xef\xbf\xbf"), true },
		{ B("\xf0\x90\x80\x80"), true }, { B("\xf4\x8f\xbf\xbf"), true },
		{ B("\xc0\xaf"), false }, { B("\xe0\x80\xaf"), false },
		{ B("\xf0\x80\x80\xaf"), false }, { B("\xed\xa0\x80"), false },
		{ B("\xed\xbf\xbf"), false }, { B("\xf4\x90\x80\x80"), false },
		{ B("\xf5\x80\x80\x80"), false }, { B("\x80"), false },
		{ B("\xe2\x82"), false }, { B("\xc2"), false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N_ELEMS(cases); i++)
		if (bg_input_utf8_valid(cases[i].s, cases[i].len) !=
		    cases[i].want)
			fail_msg("case %zu: expected %d", i, cases[i].want);
	/* A NUL-free prefix of a longer buffer: only len bytes are read. */
	assert_true(bg_input_utf8_valid("\xc3\xa9\xff", 2));
	assert_false(bg_input_utf8_valid("\xc3\xa9\xff", 3));
	/* A sequence completed only past len is truncated. */
	assert_false(bg_input_utf8_valid("a\xc3\xa9", 2));
	assert_false(bg_input_utf8_valid("\xf0\x9f\x94\xa5", 3));
}

/* Independent reference: glibc's decoder.  glibc already refuses
 * surrogates, overlongs and truncation, but decodes ISO 10646's old
 * 31-bit range (F4 90.. to FD, 5 and 6 byte forms), which RFC 3629
 * section 3 removed: so code points above U+10FFFF are refused here,
 * and surrogates too in case another libc lets them through. */
static bool ref_utf8_valid(const char *s, size_t len)
{
	mbstate_t st;
	size_t i = 0, r;
	wchar_t w;

	memset(&st, 0, sizeof(st));
	while (i < len) {
		r = mbrtowc(&w, s + i, len - i, &st);
		if (r == (size_t)-1 || r == (size_t)-2)
			return false;
		if ((uint32_t)w > 0x10ffff ||
		    ((uint32_t)w >= 0xd800 && (uint32_t)w <= 0xdfff))
			return false;
		i += r == 0 ? 1 : r;	/* r == 0: a NUL, one byte */
	}
	return true;
}

static uint64_t rng_next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Random bytes, or (half the time) bytes from the boundaries of the
 * RFC 3629 table so that multi-byte forms, valid and not, are common. */
static size_t random_bytes(uint64_t *x, char *s, size_t max)
{
	static const unsigned char edge[] = {
		0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0,
		0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0,
		0xf1, 0xf3, 0xf4, 0xf5, 0xf7, 0xf8, 0xfc, 0xfe, 0xff,
	};
	size_t n = rng_next(x) % (max + 1), i;
	bool biased = rng_next(x) & 1;

	for (i = 0; i < n; i++) {
		uint64_t r = rng_next(x);

		if (!biased)
			s[i] = (char)(r & 0xff);
		else if (r % 3 == 0)
			s[i] = (char)edge[(r >> 8) % sizeof(edge)];
		else
			s[i] = (char)(0x80 | ((r >> 8) & 0x3f));
	}
	return n;
}

void test_input_utf8_valid_agrees_with_mbrtowc(void **state)
{
	uint64_t x = 0x9e3779b97f4a7c15u;
	size_t i, n, valid = 0;
	char s[16];

	(void)state;
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		skip();
	for (i = 0; i < 100000; i++) {
		bool want, got;

		n = random_bytes(&x, s, sizeof(s));
		want = ref_utf8_valid(s, n);
		got = bg_input_utf8_valid(s, n);
		if (got != want) {
			char hex[3 * sizeof(s) + 1];
			size_t k;

			for (k = 0; k < n; k++)
				snprintf(hex + 3 * k, 4, "%02x ",
					 (unsigned char)s[k]);
			hex[3 * n] = '\0';
			setlocale(LC_CTYPE, "C");
			fail_msg("[%s]: got %d, mbrtowc says %d", hex, got,
				 want);
		}
		valid += got;
	}
	setlocale(LC_CTYPE, "C");
	/* Not vacuous: both answers came up thousands of times. */
	assert_true(valid > 5000 && valid < 95000);
}

void test_input_utf8_valid_every_code_point(void **state)
{
	char s[4];
	uint32_t c;

	(void)state;
	for (c = 0; c <= 0x10ffff; c++)
		if (bg_input_utf8_valid(s, encode(c, s)) !=
		    (c < 0xd800 || c > 0xdfff))
			fail_msg("U+%04X", (unsigned)c);
}

/* Whatever comes in, what comes out is one of the documented sentences. */
void test_input_problem_says_only_fixed_sentences(void **state)
{
	static const char *const known[] = {
		EMPTY, NUL, UTF8, BREAK, CTRL, FMT, SPACES, SHORT, LONG,
	};
	uint64_t x = 42;
	char s[16];
	size_t i, k, n;

	(void)state;
	for (i = 0; i < 20000; i++) {
		const char *m;

		n = random_bytes(&x, s, sizeof(s));
		m = bg_input_problem(s, n, 3, 8);
		if (m == NULL)
			continue;
		for (k = 0; k < N_ELEMS(known); k++)
			if (m == known[k] || strcmp(m, known[k]) == 0)
				break;
		if (k == N_ELEMS(known))
			fail_msg("unknown message \"%s\"", m);
	}
}
