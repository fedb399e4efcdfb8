/* Tests for locating members and elements in JSON text (lib/jsonpos.c). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "breakglass/base/jsonpos.h"

static const char doc[] =
	"{\n"
	"  \"paths\": {\"a\": 1, \"list\": [\"x\", {\"k\": [1, 2]}, \"z\"]},\n"
	"  \"s\": \"br\\\"ace } ]\",\n"
	"  \"auth\": {\n"
	"    \"lockout\": { \"max_failures\": 0 },\n"
	"    \"caf\\u00e9\": true,\n"
	"    \"\xc3\xa9t\xc3\xa9\": 1, \"after\": 2\n"
	"  }\n"
	"}\n";

struct pos_case {
	const char *name;
	struct bg_jsonpos_step path[4];
	size_t depth;
	int want;
	unsigned line, col;
};

static void test_jsonpos_table(void **state)
{
	static const struct pos_case cases[] = {
		{ "top member", { { "paths", 0 } }, 1, BG_OK, 2, 3 },
		{ "nested member", { { "paths", 0 }, { "a", 0 } }, 2, BG_OK, 2, 13 },
		{ "array element", { { "paths", 0 }, { "list", 0 }, { NULL, 2 } }, 3, BG_OK, 2, 50 },
		{ "inside element", { { "paths", 0 }, { "list", 0 }, { NULL, 1 }, { "k", 0 } }, 4, BG_OK, 2, 36 },
		{ "skips strings with braces", { { "auth", 0 } }, 1, BG_OK, 4, 3 },
		{ "deep member", { { "auth", 0 }, { "lockout", 0 }, { "max_failures", 0 } }, 3, BG_OK, 5, 18 },
		{ "escaped key decoded", { { "auth", 0 }, { "caf\xc3\xa9", 0 } }, 2, BG_OK, 6, 5 },
		{ "columns count characters", { { "auth", 0 }, { "after", 0 } }, 2, BG_OK, 7, 15 },
		{ "missing key", { { "nope", 0 } }, 1, BG_ENOENT, 0, 0 },
		{ "index past end", { { "paths", 0 }, { "list", 0 }, { NULL, 3 } }, 3, BG_ENOENT, 0, 0 },
		{ "key into array", { { "paths", 0 }, { "list", 0 }, { "x", 0 } }, 3, BG_ENOENT, 0, 0 },
		{ "index into object", { { "paths", 0 }, { NULL, 0 } }, 2, BG_ENOENT, 0, 0 },
		{ "into a scalar", { { "s", 0 }, { "x", 0 } }, 2, BG_ENOENT, 0, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned line = 99, col = 99;
		int r = bg_jsonpos_find(doc, strlen(doc), cases[i].path,
					cases[i].depth, &line, &col);

		print_message("case: %s\n", cases[i].name);
		assert_int_equal(r, cases[i].want);
		assert_int_equal(line, cases[i].line);
		assert_int_equal(col, cases[i].col);
	}
}

static void test_jsonpos_truncated_text_is_not_found(void **state)
{
	static const struct bg_jsonpos_step path[] = { { "b", 0 } };
	static const char *const bad[] = {
		"", "{", "{\"a\"", "{\"a\": [1, 2", "{\"a\": \"x", "{\"a\\",
		"{\"a\": {\"b\": 1}", "[1]", "{\"a\": \"\\u12\"}",
	};
	unsigned line, col;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("input: %s\n", bad[i]);
		assert_int_not_equal(bg_jsonpos_find(bad[i], strlen(bad[i]), path, 1,
						     &line, &col), BG_OK);
	}
}

static void test_jsonpos_stops_at_length(void **state)
{
	static const char text[] = "{\"a\": 1, \"b\": 2}";
	static const struct bg_jsonpos_step path[] = { { "b", 0 } };
	unsigned line, col;

	(void)state;
	/* The member exists in the buffer but past the given length. */
	assert_int_not_equal(bg_jsonpos_find(text, 8, path, 1, &line, &col), BG_OK);
	assert_int_equal(bg_jsonpos_find(text, sizeof(text) - 1, path, 1, &line, &col), BG_OK);
	assert_int_equal(col, 10);
}

static void test_jsonpos_empty_path_is_invalid(void **state)
{
	unsigned line, col;

	(void)state;
	assert_int_equal(bg_jsonpos_find("{}", 2, NULL, 0, &line, &col), BG_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jsonpos_table),
		cmocka_unit_test(test_jsonpos_truncated_text_is_not_found),
		cmocka_unit_test(test_jsonpos_stops_at_length),
		cmocka_unit_test(test_jsonpos_empty_path_is_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
