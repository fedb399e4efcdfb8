/* Unit tests for lib/buf.c's fixed-size strings: bg_strlcpy and
 * bg_snprintf, which never write past the size and say when they cut. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "breakglass/base/buf.h"
#include "test_buf.h"

void test_strlcpy_table(void **state)
{
	static const struct {
		const char *src;
		size_t size;
		const char *want;
		int rc;
	} cases[] = {
		{ "abc", 4, "abc", BG_OK },             /* exact fit */
		{ "abc", 10, "abc", BG_OK },
		{ "abc", 3, "ab", BG_ETRUNC },
		{ "abc", 2, "a", BG_ETRUNC },
		{ "abc", 1, "", BG_ETRUNC },
		{ "", 1, "", BG_OK },
		{ "", 5, "", BG_OK },
		{ "abcdefghijklmnop", 8, "abcdefg", BG_ETRUNC },
	};
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char dst[32];

		memset(dst, 'Z', sizeof(dst));
		assert_int_equal(bg_strlcpy(dst, cases[i].src, cases[i].size),
				 cases[i].rc);
		assert_string_equal(dst, cases[i].want);
		/* Nothing is written past size. */
		for (j = cases[i].size; j < sizeof(dst); j++)
			assert_int_equal(dst[j], 'Z');
	}
}

void test_strlcpy_size_zero(void **state)
{
	char dst[4] = { 'Z', 'Z', 'Z', 'Z' };

	(void)state;
	assert_int_equal(bg_strlcpy(dst, "abc", 0), BG_ETRUNC);
	assert_memory_equal(dst, "ZZZZ", 4);
	assert_int_equal(bg_strlcpy(dst, "", 0), BG_ETRUNC);
	assert_memory_equal(dst, "ZZZZ", 4);
}

void test_snprintf_fits(void **state)
{
	char dst[16];

	(void)state;
	assert_int_equal(bg_snprintf(dst, sizeof(dst), "%s=%d", "n", 5), BG_OK);
	assert_string_equal(dst, "n=5");
	/* 15 characters and the terminator: exact fit. */
	assert_int_equal(bg_snprintf(dst, sizeof(dst), "%s", "123456789012345"),
			 BG_OK);
	assert_string_equal(dst, "123456789012345");
}

void test_snprintf_truncation(void **state)
{
	char dst[16];
	size_t j;

	(void)state;
	memset(dst, 'Z', sizeof(dst));
	assert_int_equal(bg_snprintf(dst, 8, "%s-%d", "abcdef", 1234), BG_ETRUNC);
	assert_string_equal(dst, "abcdef-");
	for (j = 8; j < sizeof(dst); j++)
		assert_int_equal(dst[j], 'Z');
	/* One character too many. */
	assert_int_equal(bg_snprintf(dst, 4, "%s", "abcd"), BG_ETRUNC);
	assert_string_equal(dst, "abc");
}

void test_snprintf_size_zero(void **state)
{
	char dst[2] = { 'Z', 'Z' };

	(void)state;
	assert_int_equal(bg_snprintf(dst, 0, "%s", "x"), BG_ETRUNC);
	assert_memory_equal(dst, "ZZ", 2);
	/* Even an empty result does not fit in 0 bytes. */
	assert_int_equal(bg_snprintf(dst, 0, "%s", ""), BG_ETRUNC);
}
