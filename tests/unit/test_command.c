/* Tests for the command line of a non-interactive session
 * (lib/evidence/command.c): the cap and its mark, the exact bytes
 * through JSON (text or hex), a table of hostile JSON, the meta event
 * and the log line. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "breakglass/evidence/command.h"

#define MIB (1024 * 1024)

/* c[0..n-1] to JSON text and back: the same bytes, lengths and sources. */
static void round_trip(const struct bg_command *c, size_t n)
{
	struct bg_command *back = NULL;
	size_t k = 0, i;
	json_t *a = bg_command_json(c, n), *again;
	char *text;

	assert_non_null(a);
	assert_non_null(text = json_dumps(a, JSON_COMPACT | JSON_ENSURE_ASCII));
	json_decref(a);
	assert_non_null(again = json_loads(text, 0, NULL));
	free(text);
	assert_null(bg_command_from_json(again, &back, &k));
	json_decref(again);
	assert_int_equal(k, n);
	for (i = 0; i < n; i++) {
		assert_int_equal(back[i].source, c[i].source);
		assert_int_equal(back[i].len, c[i].len);
		assert_int_equal(back[i].length, c[i].length);
		assert_memory_equal(back[i].bytes, c[i].bytes, c[i].len + 1);
	}
	bg_command_free(back, k);
}

static void test_command_exact_bytes_text_or_hex(void **state __attribute__((unused)))
{
	static const char *const cases[] = {
		"echo hi; id", "", "scp -t /tmp", "/usr/lib/openssh/sftp-server",
		"printf '\\033[2J'\x1b[31m\r\n\x7f", "caf\xc3\xa9 \xf0\x9f\x94\x91",
		"bad \xc3 utf-8", "overlong \xc0\xaf", "surrogate \xed\xa0\x80", "\xff\xfe",
	};
	struct bg_command c[2];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(bg_command_set(&c[0], BG_COMMAND_ARG, cases[i]), BG_OK);
		assert_int_equal(bg_command_set(&c[1], BG_COMMAND_SSH, cases[i]), BG_OK);
		assert_int_equal(c[0].len, strlen(cases[i]));
		assert_int_equal(c[0].length, strlen(cases[i]));
		assert_null(bg_command_problem(c, 2));
		round_trip(c, 1);
		round_trip(c, 2);
		round_trip(&c[1], 1);
		free(c[0].bytes);
		free(c[1].bytes);
	}
}

/* 1 MiB is cut to 64 KiB, and said so; a cut never splits a character. */
static void test_command_cap_is_marked(void **state __attribute__((unused)))
{
	char *big = malloc(MIB + 1), *meta = NULL;
	struct bg_command c;
	json_t *a;

	assert_non_null(big);
	memset(big, 'a', MIB);
	big[MIB] = '\0';
	assert_int_equal(bg_command_set(&c, BG_COMMAND_SSH, big), BG_OK);
	assert_int_equal(c.len, BG_COMMAND_MAX);
	assert_int_equal(c.length, MIB);
	assert_non_null(a = bg_command_json(&c, 1));
	assert_int_equal(json_integer_value(json_object_get(json_array_get(a, 0), "length")), MIB);
	assert_true(json_is_true(json_object_get(json_array_get(a, 0), "truncated")));
	json_decref(a);
	assert_int_equal(bg_command_meta(&c, 1, &meta), BG_OK);
	assert_true(strlen(meta) < BG_COMMAND_MAX + 200);
	assert_non_null(strstr(meta, "\"length\":1048576,\"truncated\":true}]}"));
	free(meta);
	round_trip(&c, 1);
	free(c.bytes);
	/* "é" across the cap: kept whole or not at all, so still text. */
	big[BG_COMMAND_MAX - 1] = '\xc3';
	big[BG_COMMAND_MAX] = '\xa9';
	assert_int_equal(bg_command_set(&c, BG_COMMAND_ARG, big), BG_OK);
	assert_int_equal(c.len, BG_COMMAND_MAX - 1);
	assert_non_null(a = bg_command_json(&c, 1));
	assert_non_null(json_object_get(json_array_get(a, 0), "text"));
	json_decref(a);
	free(c.bytes);
	free(big);
}

static void test_command_meta_event(void **state __attribute__((unused)))
{
	struct bg_command c[2];
	char *meta = NULL;

	assert_int_equal(bg_command_set(&c[0], BG_COMMAND_ARG, "echo hi; id\x1b"), BG_OK);
	assert_int_equal(bg_command_set(&c[1], BG_COMMAND_SSH, "x\xff"), BG_OK);
	assert_int_equal(bg_command_meta(c, 2, &meta), BG_OK);
	assert_string_equal(meta, "{\"command\":[{\"source\":\"-c\",\"text\":\"echo hi; id\\u001B\","
			    "\"length\":12,\"truncated\":false},{\"source\":\"SSH_ORIGINAL_COMMAND\","
			    "\"hex\":\"78ff\",\"length\":2,\"truncated\":false}]}");
	free(meta);
	/* Not two of one source, nor none. */
	c[1].source = BG_COMMAND_ARG;
	assert_int_equal(bg_command_meta(c, 2, &meta), BG_EINVAL);
	assert_int_equal(bg_command_meta(c, 0, &meta), BG_EINVAL);
	assert_null(meta);
	free(c[0].bytes);
	free(c[1].bytes);
}

/* The log line: escaped, cut, the length and the cut said. */
static void test_command_describe_for_the_log(void **state __attribute__((unused)))
{
	const char *tail = "...\" (100000 bytes, truncated)";
	char *big = malloc(100001), out[BG_COMMAND_DESCRIBE_LEN];
	struct bg_command c[2];
	size_t i;

	bg_command_describe(NULL, 0, out, sizeof(out));
	assert_string_equal(out, "-");
	assert_int_equal(bg_command_set(&c[0], BG_COMMAND_ARG, "id\n\x1b]0;pwned\x07\\ \xc3\xa9"),
			 BG_OK);
	assert_non_null(big);
	memset(big, '\r', 100000);
	big[100000] = '\0';
	assert_int_equal(bg_command_set(&c[1], BG_COMMAND_SSH, big), BG_OK);
	bg_command_describe(c, 2, out, sizeof(out));
	for (i = 0; out[i] != '\0'; i++)
		assert_true(out[i] >= 0x20 && out[i] < 0x7f);
	assert_non_null(strstr(out, "-c \"id\\x0a\\x1b]0;pwned\\x07\\x5c \\xc3\\xa9\" (17 bytes), "));
	assert_non_null(strstr(out, "SSH_ORIGINAL_COMMAND \"\\x0d\\x0d"));
	assert_non_null(strstr(out, "...\" (100000 bytes, truncated)"));
	/* Both at their longest still fit, the lengths said. */
	free(c[0].bytes);
	assert_int_equal(bg_command_set(&c[0], BG_COMMAND_ARG, big), BG_OK);
	bg_command_describe(c, 2, out, sizeof(out));
	assert_non_null(strstr(out, "...\" (100000 bytes, truncated), SSH_ORIGINAL_COMMAND \""));
	assert_true(strlen(out) > strlen(tail));
	assert_string_equal(out + strlen(out) - strlen(tail), tail);
	/* A small buffer: cut, terminated. */
	bg_command_describe(c, 2, out, 10);
	assert_int_equal(strlen(out), 9);
	free(c[0].bytes);
	free(c[1].bytes);
	free(big);
}

#define OBJ(body) "[{\"source\":\"-c\"," body "}]"
#define GOOD(t) "\"text\":\"" t "\",\"length\":1,\"truncated\":false"

static const struct hostile {
	const char *name, *json, *why;  /* why NULL: accepted */
} hostile[] = {
	{ "valid", OBJ(GOOD("x")), NULL },
	{ "valid hex", OBJ("\"hex\":\"ff\",\"length\":1,\"truncated\":false"), NULL },
	{ "valid, cut", OBJ("\"text\":\"x\",\"length\":9,\"truncated\":true"), NULL },
	{ "not an array", "{\"source\":\"-c\"}", "not an array" },
	{ "empty array", "[]", "not an array" },
	{ "three", "[" OBJ(GOOD("x")) "," OBJ(GOOD("x")) "," OBJ(GOOD("x")) "]", "not an array" },
	{ "text a number", OBJ("\"text\":1,\"length\":1,\"truncated\":false"), "not exactly" },
	{ "source a number", "[{\"source\":1," GOOD("x") "}]", "not exactly" },
	{ "unknown source", "[{\"source\":\"-e\"," GOOD("x") "}]", "source" },
	{ "text and hex", OBJ("\"text\":\"x\",\"hex\":\"78\",\"length\":1,\"truncated\":false"),
	  "not exactly" },
	{ "neither text nor hex", OBJ("\"length\":1,\"truncated\":false"), "not exactly" },
	{ "extra member", OBJ(GOOD("x") ",\"argv\":[]"), "not exactly" },
	{ "length short", OBJ("\"text\":\"xy\",\"length\":1,\"truncated\":false"), "length" },
	{ "length negative", OBJ("\"text\":\"\",\"length\":-1,\"truncated\":false"), "length" },
	{ "cut, not marked", OBJ("\"text\":\"x\",\"length\":2,\"truncated\":false"), "truncated" },
	{ "marked, not cut", OBJ("\"text\":\"x\",\"length\":1,\"truncated\":true"), "truncated" },
	{ "truncated a string", OBJ("\"text\":\"x\",\"length\":1,\"truncated\":\"no\""), "not exactly" },
	{ "hex upper case", OBJ("\"hex\":\"FF\",\"length\":1,\"truncated\":false"), "hex" },
	{ "hex odd", OBJ("\"hex\":\"fff\",\"length\":1,\"truncated\":false"), "hex" },
	{ "hex of text", OBJ("\"hex\":\"78\",\"length\":1,\"truncated\":false"), "hex of UTF-8" },
	{ "hex with a NUL", OBJ("\"hex\":\"ff00\",\"length\":2,\"truncated\":false"), "NUL" },
	{ "NUL in text", OBJ("\"text\":\"a\\u0000b\",\"length\":3,\"truncated\":false"), "NUL" },
	{ "two -c", "[{\"source\":\"-c\"," GOOD("x") "},{\"source\":\"-c\"," GOOD("x") "}]", "two" },
	{ "ssh first", "[{\"source\":\"SSH_ORIGINAL_COMMAND\"," GOOD("x") "},{\"source\":\"-c\","
	  GOOD("x") "}]", "two" },
};

static void test_command_hostile_json(void **state __attribute__((unused)))
{
	struct bg_command *c = (struct bg_command *)1;
	const char *why;
	size_t i, n = 7;
	json_t *a;

	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		const struct hostile *h = &hostile[i];

		/* NUL allowed here: the reader of manifests refuses it earlier. */
		if ((a = json_loads(h->json, JSON_ALLOW_NUL, NULL)) == NULL)
			fail_msg("%s: not JSON", h->name);
		why = bg_command_from_json(a, &c, &n);
		json_decref(a);
		if ((why == NULL) != (h->why == NULL) || (why != NULL && strstr(why, h->why) == NULL))
			fail_msg("%s: got \"%s\", want \"%s\"", h->name, why ? why : "ok",
				 h->why ? h->why : "ok");
		assert_true(why == NULL ? c != NULL && n >= 1 : c == NULL && n == 0);
		bg_command_free(c, n);
	}
}

/* Over the cap, in the JSON: refused, not cut again. */
static void test_command_overlong_json_refused(void **state __attribute__((unused)))
{
	struct bg_command *c = NULL;
	size_t n = 0;
	char *s = malloc(BG_COMMAND_MAX + 2);
	json_t *a;

	assert_non_null(s);
	memset(s, 'a', BG_COMMAND_MAX + 1);
	s[BG_COMMAND_MAX + 1] = '\0';
	assert_non_null(a = json_pack("[{s:s, s:s, s:I, s:b}]", "source", "-c", "text", s,
				      "length", (json_int_t)BG_COMMAND_MAX + 1, "truncated", 0));
	assert_non_null(strstr(bg_command_from_json(a, &c, &n), "longer than"));
	assert_null(c);
	json_decref(a);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_command_exact_bytes_text_or_hex),
		cmocka_unit_test(test_command_cap_is_marked),
		cmocka_unit_test(test_command_meta_event),
		cmocka_unit_test(test_command_describe_for_the_log),
		cmocka_unit_test(test_command_hostile_json),
		cmocka_unit_test(test_command_overlong_json_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
