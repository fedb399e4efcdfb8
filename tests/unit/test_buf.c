/* Unit tests for lib/buf.c: bounded buffers and escaping; bg_strlcpy
 * and bg_snprintf are tested in test_buf_strings.c. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "breakglass/base/buf.h"
#include "test_buf.h"

/* A string literal and its length, embedded NULs included. */
#define BYTES(s) s, sizeof(s) - 1

static void test_buf_init_is_empty(void **state)
{
	struct bg_buf b;

	(void)state;
	bg_buf_init(&b, 10);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	assert_int_equal(b.max, 10);
	assert_non_null(bg_buf_str(&b));
	assert_string_equal(bg_buf_str(&b), "");
	bg_buf_free(&b);
}

static void test_buf_append_within_max(void **state)
{
	struct bg_buf b;

	(void)state;
	bg_buf_init(&b, 10);
	assert_int_equal(bg_buf_append(&b, "abc", 3), BG_OK);
	assert_int_equal(bg_buf_append(&b, "de", 2), BG_OK);
	assert_int_equal(b.len, 5);
	assert_true(b.cap >= b.len + 1);
	assert_string_equal(bg_buf_str(&b), "abcde");
	bg_buf_free(&b);
}

static void test_buf_append_exactly_max(void **state)
{
	struct bg_buf b;

	(void)state;
	bg_buf_init(&b, 10);
	assert_int_equal(bg_buf_append(&b, "abcd", 4), BG_OK);
	assert_int_equal(bg_buf_append(&b, "efghij", 6), BG_OK);
	assert_int_equal(b.len, 10);
	assert_string_equal(bg_buf_str(&b), "abcdefghij");
	/* Full: not even one more byte. */
	assert_int_equal(bg_buf_append(&b, "k", 1), BG_ETOOBIG);
	assert_int_equal(b.len, 10);
	assert_string_equal(bg_buf_str(&b), "abcdefghij");
	bg_buf_free(&b);
}

static void test_buf_append_over_max_leaves_contents(void **state)
{
	struct bg_buf b;

	(void)state;
	bg_buf_init(&b, 10);
	assert_int_equal(bg_buf_append(&b, "abc", 3), BG_OK);
	assert_int_equal(bg_buf_append(&b, "12345678", 8), BG_ETOOBIG);
	assert_int_equal(b.len, 3);
	assert_string_equal(bg_buf_str(&b), "abc");
	/* A smaller append still fits afterwards. */
	assert_int_equal(bg_buf_append(&b, "1234567", 7), BG_OK);
	assert_string_equal(bg_buf_str(&b), "abc1234567");
	bg_buf_free(&b);
}

static void test_buf_append_over_max_on_empty(void **state)
{
	struct bg_buf b;

	(void)state;
	bg_buf_init(&b, 4);
	assert_int_equal(bg_buf_append(&b, "abcde", 5), BG_ETOOBIG);
	assert_int_equal(b.len, 0);
	assert_string_equal(bg_buf_str(&b), "");
	/* A huge n must be refused, not wrap around. */
	assert_int_equal(bg_buf_append(&b, "x", SIZE_MAX), BG_ETOOBIG);
	assert_int_equal(b.len, 0);
	bg_buf_free(&b);
}

static void test_buf_append_zero_bytes_terminates(void **state)
{
	struct bg_buf b;

	(void)state;
	bg_buf_init(&b, 0);
	assert_int_equal(bg_buf_append(&b, "", 0), BG_OK);
	assert_int_equal(b.len, 0);
	assert_non_null(b.data);
	assert_int_equal(b.data[0], '\0');
	assert_string_equal(bg_buf_str(&b), "");
	assert_int_equal(bg_buf_append(&b, "x", 1), BG_ETOOBIG);
	bg_buf_free(&b);
}

static void test_buf_append_keeps_embedded_nul(void **state)
{
	struct bg_buf b;

	(void)state;
	bg_buf_init(&b, 16);
	assert_int_equal(bg_buf_append(&b, BYTES("a\0b")), BG_OK);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.data, "a\0b", 4);
	bg_buf_free(&b);
}

static void test_buf_grows_across_many_appends(void **state)
{
	static char want[20000];
	struct bg_buf b;
	size_t i, n, off = 0;

	(void)state;
	bg_buf_init(&b, sizeof(want));
	/* Pieces of 1 to 13 bytes, so that growth happens mid-piece. */
	for (i = 0; off < sizeof(want) - 13; i++) {
		char piece[13];
		size_t j;

		n = i % 13 + 1;
		for (j = 0; j < n; j++)
			piece[j] = (char)('a' + (off + j) % 26);
		assert_int_equal(bg_buf_append(&b, piece, n), BG_OK);
		memcpy(want + off, piece, n);
		off += n;
		assert_int_equal(b.len, off);
		assert_true(b.cap > b.len);
		assert_int_equal(b.data[b.len], '\0');
	}
	assert_true(off > 19000);
	assert_memory_equal(b.data, want, off);
	assert_int_equal(strlen(bg_buf_str(&b)), off);
	bg_buf_free(&b);
}

static void test_buf_appendf_formats(void **state)
{
	struct bg_buf b;

	(void)state;
	bg_buf_init(&b, 64);
	assert_int_equal(bg_buf_appendf(&b, "%d-%s", 42, "x"), BG_OK);
	assert_int_equal(bg_buf_appendf(&b, "/%05u/%c", 7u, 'z'), BG_OK);
	assert_int_equal(bg_buf_append(&b, "!", 1), BG_OK);
	assert_string_equal(bg_buf_str(&b), "42-x/00007/z!");
	assert_int_equal(b.len, strlen("42-x/00007/z!"));
	bg_buf_free(&b);
}

static void test_buf_appendf_empty_result(void **state)
{
	struct bg_buf b;

	(void)state;
	bg_buf_init(&b, 8);
	assert_int_equal(bg_buf_appendf(&b, "%s", ""), BG_OK);
	assert_int_equal(b.len, 0);
	assert_string_equal(bg_buf_str(&b), "");
	bg_buf_free(&b);
}

static void test_buf_appendf_at_and_over_max(void **state)
{
	struct bg_buf b;

	(void)state;
	bg_buf_init(&b, 8);
	assert_int_equal(bg_buf_appendf(&b, "%s", "abc"), BG_OK);
	assert_int_equal(bg_buf_appendf(&b, "%d", 123456), BG_ETOOBIG);
	assert_int_equal(b.len, 3);
	assert_string_equal(bg_buf_str(&b), "abc");
	assert_int_equal(bg_buf_appendf(&b, "%d", 12345), BG_OK);
	assert_string_equal(bg_buf_str(&b), "abc12345");
	bg_buf_free(&b);
}

static void test_buf_append_escaped_table(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		const char *want;
	} cases[] = {
		{ BYTES(""), "" },
		{ BYTES("plain text 0-9 ~!"), "plain text 0-9 ~!" },
		{ BYTES("\"quoted\" 'x' {y}"), "\"quoted\" 'x' {y}" },
		{ BYTES("\0"), "\\x00" },
		{ BYTES("\x01"), "\\x01" },
		{ BYTES("\t"), "\\x09" },
		{ BYTES("\n"), "\\x0a" },
		{ BYTES("\r"), "\\x0d" },
		{ BYTES("\x1b"), "\\x1b" },
		{ BYTES("\x1f"), "\\x1f" },
		{ BYTES(" "), " " },
		{ BYTES("~"), "~" },
		{ BYTES("\x7f"), "\\x7f" },
		{ BYTES("\\"), "\\x5c" },
		{ BYTES("\\x41"), "\\x5cx41" },
		{ BYTES("\x80"), "\\x80" },
		{ BYTES("\xff"), "\\xff" },
		{ BYTES("\xc3\xa9"), "\\xc3\\xa9" },
		{ BYTES("a\x1b[31mred\nforged: x"),
		  "a\\x1b[31mred\\x0aforged: x" },
		{ BYTES("a\0b"), "a\\x00b" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bg_buf b;

		bg_buf_init(&b, 256);
		assert_int_equal(bg_buf_append_escaped(&b, cases[i].in, cases[i].len),
				 BG_OK);
		assert_string_equal(bg_buf_str(&b), cases[i].want);
		assert_int_equal(b.len, strlen(cases[i].want));
		bg_buf_free(&b);
	}
}

static void test_buf_append_escaped_every_byte(void **state)
{
	struct bg_buf b;
	unsigned c;

	(void)state;
	for (c = 0; c < 256; c++) {
		unsigned char in = (unsigned char)c;
		char want[8];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			snprintf(want, sizeof(want), "%c", (int)c);
		else
			snprintf(want, sizeof(want), "\\x%02x", c);
		bg_buf_init(&b, 16);
		assert_int_equal(bg_buf_append_escaped(&b, &in, 1), BG_OK);
		assert_string_equal(bg_buf_str(&b), want);
		bg_buf_free(&b);
	}
}

static void test_buf_append_escaped_over_max(void **state)
{
	struct bg_buf b;

	(void)state;
	/* One escaped byte needs 4; 3 is not enough and nothing is added. */
	bg_buf_init(&b, 3);
	assert_int_equal(bg_buf_append_escaped(&b, "\x01", 1), BG_ETOOBIG);
	assert_int_equal(b.len, 0);
	assert_string_equal(bg_buf_str(&b), "");
	bg_buf_free(&b);

	bg_buf_init(&b, 4);
	assert_int_equal(bg_buf_append_escaped(&b, "\x01", 1), BG_OK);
	assert_string_equal(bg_buf_str(&b), "\\x01");
	assert_int_equal(bg_buf_append_escaped(&b, "a", 1), BG_ETOOBIG);
	assert_string_equal(bg_buf_str(&b), "\\x01");
	bg_buf_free(&b);
}

static void test_buf_reset_wipes_and_keeps_allocation(void **state)
{
	struct bg_buf b;
	char *data;
	size_t cap, i;

	(void)state;
	bg_buf_init(&b, 100);
	assert_int_equal(bg_buf_append(&b, "secret-ish", 10), BG_OK);
	data = b.data;
	cap = b.cap;
	bg_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_ptr_equal(b.data, data);
	assert_int_equal(b.cap, cap);
	assert_string_equal(bg_buf_str(&b), "");
	for (i = 0; i < cap; i++)
		assert_int_equal(b.data[i], 0);
	assert_int_equal(bg_buf_append(&b, "new", 3), BG_OK);
	assert_string_equal(bg_buf_str(&b), "new");
	bg_buf_free(&b);
}

static void test_buf_reset_on_empty(void **state)
{
	struct bg_buf b;

	(void)state;
	bg_buf_init(&b, 8);
	bg_buf_reset(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_string_equal(bg_buf_str(&b), "");
	bg_buf_free(&b);
}

static void test_buf_free_then_reuse(void **state)
{
	struct bg_buf b;

	(void)state;
	bg_buf_init(&b, 32);
	assert_int_equal(bg_buf_append(&b, "first", 5), BG_OK);
	bg_buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	assert_int_equal(b.max, 32);
	assert_string_equal(bg_buf_str(&b), "");
	assert_int_equal(bg_buf_append(&b, "second", 6), BG_OK);
	assert_string_equal(bg_buf_str(&b), "second");
	bg_buf_free(&b);
	/* Freeing twice is harmless. */
	bg_buf_free(&b);
	assert_null(b.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_init_is_empty),
		cmocka_unit_test(test_buf_append_within_max),
		cmocka_unit_test(test_buf_append_exactly_max),
		cmocka_unit_test(test_buf_append_over_max_leaves_contents),
		cmocka_unit_test(test_buf_append_over_max_on_empty),
		cmocka_unit_test(test_buf_append_zero_bytes_terminates),
		cmocka_unit_test(test_buf_append_keeps_embedded_nul),
		cmocka_unit_test(test_buf_grows_across_many_appends),
		cmocka_unit_test(test_buf_appendf_formats),
		cmocka_unit_test(test_buf_appendf_empty_result),
		cmocka_unit_test(test_buf_appendf_at_and_over_max),
		cmocka_unit_test(test_buf_append_escaped_table),
		cmocka_unit_test(test_buf_append_escaped_every_byte),
		cmocka_unit_test(test_buf_append_escaped_over_max),
		cmocka_unit_test(test_buf_reset_wipes_and_keeps_allocation),
		cmocka_unit_test(test_buf_reset_on_empty),
		cmocka_unit_test(test_buf_free_then_reuse),
		cmocka_unit_test(test_strlcpy_table),
		cmocka_unit_test(test_strlcpy_size_zero),
		cmocka_unit_test(test_snprintf_fits),
		cmocka_unit_test(test_snprintf_truncation),
		cmocka_unit_test(test_snprintf_size_zero),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
