/* Unit tests for lib/secret.c: guarded secret buffers. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "breakglass/base/secret.h"

/* True if the first n bytes of p are all zero. */
static int all_zero(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

static void test_secret_new_cap_zero_is_einval(void **state)
{
	struct bg_secret *s = (struct bg_secret *)&s;  /* any non-NULL value */

	(void)state;
	assert_int_equal(bg_secret_new(0, &s), BG_EINVAL);
	assert_null(s);
}

static void test_secret_new_is_empty_and_zeroed(void **state)
{
	struct bg_secret *s = NULL;

	(void)state;
	assert_int_equal(bg_secret_new(32, &s), BG_OK);
	assert_non_null(s);
	assert_int_equal(bg_secret_len(s), 0);
	assert_int_equal(bg_secret_cap(s), 32);
	assert_non_null(bg_secret_data(s));
	assert_true(all_zero(bg_secret_data(s), 32));
	bg_secret_free(s);
}

static void test_secret_set_within_cap(void **state)
{
	struct bg_secret *s;

	(void)state;
	assert_int_equal(bg_secret_new(16, &s), BG_OK);
	assert_int_equal(bg_secret_set(s, "hunter2", 7), BG_OK);
	assert_int_equal(bg_secret_len(s), 7);
	assert_memory_equal(bg_secret_data(s), "hunter2", 7);
	assert_true(all_zero(bg_secret_data(s) + 7, 16 - 7));
	bg_secret_free(s);
}

static void test_secret_set_exactly_cap(void **state)
{
	struct bg_secret *s;

	(void)state;
	assert_int_equal(bg_secret_new(8, &s), BG_OK);
	assert_int_equal(bg_secret_set(s, "12345678", 8), BG_OK);
	assert_int_equal(bg_secret_len(s), 8);
	assert_memory_equal(bg_secret_data(s), "12345678", 8);
	bg_secret_free(s);
}

static void test_secret_set_zero_bytes(void **state)
{
	struct bg_secret *s;

	(void)state;
	assert_int_equal(bg_secret_new(8, &s), BG_OK);
	assert_int_equal(bg_secret_set(s, "abc", 3), BG_OK);
	assert_int_equal(bg_secret_set(s, "", 0), BG_OK);
	assert_int_equal(bg_secret_len(s), 0);
	assert_true(all_zero(bg_secret_data(s), 8));
	bg_secret_free(s);
}

static void test_secret_set_over_cap_is_etoobig_and_empty(void **state)
{
	struct bg_secret *s;

	(void)state;
	assert_int_equal(bg_secret_new(8, &s), BG_OK);
	assert_int_equal(bg_secret_set(s, "old", 3), BG_OK);
	assert_int_equal(bg_secret_set(s, "123456789", 9), BG_ETOOBIG);
	assert_int_equal(bg_secret_len(s), 0);
	/* The old contents are gone too. */
	assert_true(all_zero(bg_secret_data(s), 8));
	assert_int_equal(bg_secret_cap(s), 8);
	bg_secret_free(s);
}

static void test_secret_set_shorter_wipes_tail(void **state)
{
	struct bg_secret *s;

	(void)state;
	assert_int_equal(bg_secret_new(16, &s), BG_OK);
	assert_int_equal(bg_secret_set(s, "abcdefghij", 10), BG_OK);
	assert_int_equal(bg_secret_set(s, "xy", 2), BG_OK);
	assert_int_equal(bg_secret_len(s), 2);
	assert_memory_equal(bg_secret_data(s), "xy", 2);
	assert_true(all_zero(bg_secret_data(s) + 2, 14));
	bg_secret_free(s);
}

static void test_secret_clear_zeroes_data(void **state)
{
	struct bg_secret *s;
	unsigned char *data;

	(void)state;
	assert_int_equal(bg_secret_new(16, &s), BG_OK);
	assert_int_equal(bg_secret_set(s, "0123456789abcdef", 16), BG_OK);
	data = bg_secret_data(s);
	bg_secret_clear(s);
	assert_int_equal(bg_secret_len(s), 0);
	assert_int_equal(bg_secret_cap(s), 16);
	/* Same allocation, every byte wiped. */
	assert_ptr_equal(bg_secret_data(s), data);
	assert_true(all_zero(bg_secret_data(s), 16));
	/* Still usable. */
	assert_int_equal(bg_secret_set(s, "k", 1), BG_OK);
	assert_true(bg_secret_equal(s, "k", 1));
	bg_secret_free(s);
}

static void test_secret_clear_wipes_bytes_written_through_data(void **state)
{
	struct bg_secret *s;

	(void)state;
	assert_int_equal(bg_secret_new(16, &s), BG_OK);
	assert_int_equal(bg_secret_set(s, "ab", 2), BG_OK);
	/* Callers may fill the buffer directly, past len. */
	memset(bg_secret_data(s), 0xa5, 16);
	bg_secret_clear(s);
	assert_int_equal(bg_secret_len(s), 0);
	assert_true(all_zero(bg_secret_data(s), 16));
	bg_secret_free(s);
}

static void test_secret_equal_table(void **state)
{
	static const struct {
		const char *p;
		size_t n;
		int want;
	} cases[] = {
		{ "123456", 6, 1 },
		{ "123457", 6, 0 },     /* last byte differs */
		{ "023456", 6, 0 },     /* first byte differs */
		{ "12345", 5, 0 },      /* prefix */
		{ "1234567", 7, 0 },    /* longer */
		{ "", 0, 0 },
	};
	struct bg_secret *s;
	size_t i;

	(void)state;
	assert_int_equal(bg_secret_new(16, &s), BG_OK);
	assert_int_equal(bg_secret_set(s, "123456", 6), BG_OK);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (bg_secret_equal(s, cases[i].p, cases[i].n) != cases[i].want)
			fail_msg("case %zu (\"%s\"): expected %d", i, cases[i].p,
				 cases[i].want);
	bg_secret_free(s);
}

static void test_secret_equal_empty(void **state)
{
	struct bg_secret *s;

	(void)state;
	assert_int_equal(bg_secret_new(4, &s), BG_OK);
	assert_int_equal(bg_secret_equal(s, "", 0), 1);
	assert_int_equal(bg_secret_equal(s, "a", 1), 0);
	bg_secret_free(s);
}

static void test_secret_equal_binary_with_nul(void **state)
{
	static const unsigned char key[] = { 0x00, 0xff, 0x00, 0x7f };
	static const unsigned char other[] = { 0x00, 0xff, 0x00, 0x7e };
	struct bg_secret *s;

	(void)state;
	assert_int_equal(bg_secret_new(4, &s), BG_OK);
	assert_int_equal(bg_secret_set(s, key, sizeof(key)), BG_OK);
	assert_int_equal(bg_secret_equal(s, key, sizeof(key)), 1);
	assert_int_equal(bg_secret_equal(s, other, sizeof(other)), 0);
	bg_secret_free(s);
}

static void test_secret_free_null_is_ok(void **state)
{
	struct bg_secret *s;

	(void)state;
	bg_secret_free(NULL);
	/* The library still works afterwards. */
	assert_int_equal(bg_secret_new(1, &s), BG_OK);
	assert_int_equal(bg_secret_set(s, "z", 1), BG_OK);
	bg_secret_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secret_new_cap_zero_is_einval),
		cmocka_unit_test(test_secret_new_is_empty_and_zeroed),
		cmocka_unit_test(test_secret_set_within_cap),
		cmocka_unit_test(test_secret_set_exactly_cap),
		cmocka_unit_test(test_secret_set_zero_bytes),
		cmocka_unit_test(test_secret_set_over_cap_is_etoobig_and_empty),
		cmocka_unit_test(test_secret_set_shorter_wipes_tail),
		cmocka_unit_test(test_secret_clear_zeroes_data),
		cmocka_unit_test(test_secret_clear_wipes_bytes_written_through_data),
		cmocka_unit_test(test_secret_equal_table),
		cmocka_unit_test(test_secret_equal_empty),
		cmocka_unit_test(test_secret_equal_binary_with_nul),
		cmocka_unit_test(test_secret_free_null_is_ok),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
