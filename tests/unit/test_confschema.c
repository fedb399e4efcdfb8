/* Tests for the configuration key table and value checks
 * (lib/config/confschema.c); values printed back (confprint.c) as they
 * are read. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "breakglass/config/confprint.h"
#include "breakglass/config/confschema.h"

struct reports {
	size_t n;
	long index[8];
	char msg[8][512];
};

static void record(void *ctx, long index, const char *msg)
{
	struct reports *r = ctx;

	if (r->n < 8) {
		r->index[r->n] = index;
		strncpy(r->msg[r->n], msg, sizeof(r->msg[0]) - 1);
	}
	r->n++;
}

static struct bg_config *defaults(void)
{
	struct bg_config *c = calloc(1, sizeof(*c));
	size_t i;

	assert_non_null(c);
	for (i = 0; i < bg_confschema_len; i++)
		assert_int_equal(bg_confschema_set_default(&bg_confschema[i], c), BG_OK);
	return c;
}

static void release(struct bg_config *c)
{
	size_t i;

	for (i = 0; i < bg_confschema_len; i++)
		bg_confschema_clear(&bg_confschema[i], c);
	free(c);
}

/* Parse text (a JSON value) into key; returns the result, fills r. */
static int parse(struct bg_config *c, const char *key, const char *text,
		 struct reports *r)
{
	const struct bg_conffield *f = bg_confschema_find(key);
	json_error_t e;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &e);
	int rc;

	assert_non_null(f);
	assert_non_null(v);
	memset(r, 0, sizeof(*r));
	rc = bg_confschema_parse(f, v, c, record, r);
	json_decref(v);
	return rc;
}

static void test_confschema_every_default_passes_its_own_check(void **state)
{
	struct bg_config *c = defaults();
	struct reports r;
	size_t i;

	(void)state;
	for (i = 0; i < bg_confschema_len; i++) {
		const struct bg_conffield *f = &bg_confschema[i];
		json_t *v;

		if (f->kind == BG_CK_OBJECT)
			continue;
		print_message("key: %s\n", f->path);
		v = bg_confprint_value(f, c);
		assert_non_null(v);
		memset(&r, 0, sizeof(r));
		assert_int_equal(bg_confschema_parse(f, v, c, record, &r), BG_OK);
		assert_int_equal(r.n, 0);
		json_decref(v);
	}
	release(c);
}

static void test_confschema_sections_come_before_their_keys(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < bg_confschema_len; i++) {
		const char *dot = strrchr(bg_confschema[i].path, '.');
		char parent[128];
		const struct bg_conffield *p;

		if (dot == NULL) {
			assert_int_equal(bg_confschema[i].kind, BG_CK_OBJECT);
			continue;
		}
		assert_true((size_t)(dot - bg_confschema[i].path) < sizeof(parent));
		memcpy(parent, bg_confschema[i].path, (size_t)(dot - bg_confschema[i].path));
		parent[dot - bg_confschema[i].path] = '\0';
		p = bg_confschema_find(parent);
		assert_non_null(p);
		assert_int_equal(p->kind, BG_CK_OBJECT);
		assert_true(p < &bg_confschema[i]);
		assert_ptr_equal(bg_confschema_find(bg_confschema[i].path), &bg_confschema[i]);
	}
	assert_null(bg_confschema_find("auth.bogus"));
	assert_null(bg_confschema_find(""));
}

static void test_confschema_integer_checks(void **state)
{
	struct bg_config *c = defaults();
	struct reports r;

	(void)state;
	assert_int_equal(parse(c, "auth.lockout.max_failures", "7", &r), BG_OK);
	assert_int_equal(c->auth.lockout.max_failures, 7);
	assert_int_equal(parse(c, "auth.lockout.max_failures", "0", &r), BG_EINVAL);
	assert_string_equal(r.msg[0], "must be between 1 and 1000 (got 0)");
	assert_int_equal(parse(c, "auth.lockout.max_failures", "1001", &r), BG_EINVAL);
	assert_int_equal(parse(c, "auth.lockout.max_failures", "-1", &r), BG_EINVAL);
	assert_int_equal(parse(c, "auth.lockout.max_failures", "5.0", &r), BG_EINVAL);
	assert_string_equal(r.msg[0], "must be an integer (got number with a fraction)");
	assert_int_equal(parse(c, "auth.lockout.max_failures", "\"5\"", &r), BG_EINVAL);
	assert_string_equal(r.msg[0], "must be an integer (got string)");
	assert_int_equal(parse(c, "auth.lockout.max_failures", "true", &r), BG_EINVAL);
	/* A refused value leaves the previous one. */
	assert_int_equal(c->auth.lockout.max_failures, 7);
	release(c);
}

static void test_confschema_bool_and_enum(void **state)
{
	struct bg_config *c = defaults();
	struct reports r;

	(void)state;
	assert_int_equal(parse(c, "auth.approval.required", "true", &r), BG_OK);
	assert_true(c->auth.approval.required);
	assert_int_equal(parse(c, "auth.approval.required", "1", &r), BG_EINVAL);
	assert_string_equal(r.msg[0], "must be true or false (got integer)");
	assert_int_equal(parse(c, "storage.type", "\"s3\"", &r), BG_OK);
	assert_int_equal(c->storage.type, BG_STORAGE_S3);
	assert_int_equal(parse(c, "storage.type", "\"S3\"", &r), BG_EINVAL);
	assert_string_equal(r.msg[0], "must be one of file, s3, http (got \"S3\")");
	assert_int_equal(parse(c, "recorder.on_disk_full", "null", &r), BG_EINVAL);
	assert_string_equal(r.msg[0], "must be one of terminate, continue-unrecorded (got null)");
	assert_int_equal(parse(c, "recorder.input", "\"redact\"", &r), BG_OK);
	assert_int_equal(c->recorder.input, BG_INPUT_REDACT);
	release(c);
}

static void test_confschema_strings(void **state)
{
	static const struct { const char *key, *json, *msg; } bad[] = {
		{ "paths.audit_log", "\"log\"", "must be an absolute path (got \"log\")" },
		{ "paths.audit_log", "\"/a/../b\"", "must not contain . or .. components (got \"/a/../b\")" },
		{ "paths.audit_log", "\"\"", "must be 1 to 4095 characters long (got 0)" },
		{ "paths.audit_log", "7", "must be a string (got integer)" },
		{ "auth.prompts.ticket", "\"\\u001b[2J\"", "must not contain control characters (got \"\\x1b[2J\")" },
		{ "auth.prompts.ticket", "\"a\\nb\"", "must not contain control characters (got \"a\\x0ab\")" },
		{ "auth.ticket_pattern", "\"([\"", NULL },
		{ "auth.ticket_check.url", "\"ftp://x/{ticket}\"", "must be an http:// or https:// URL" },
		{ "notify.webhook_url", "\"https://u:pw@h/x y\"", "must not contain spaces or \" < > \\ ^ ` |" },
		{ "storage.bucket", "\"0123456789012345678901234567890123456789012345678901234567890123\"", NULL },
	};
	struct bg_config *c = defaults();
	struct reports r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("%s = %s\n", bad[i].key, bad[i].json);
		assert_int_equal(parse(c, bad[i].key, bad[i].json, &r), BG_EINVAL);
		assert_int_equal(r.n, 1);
		assert_int_equal(r.index[0], -1);
		if (bad[i].msg != NULL)
			assert_string_equal(r.msg[0], bad[i].msg);
	}
	assert_non_null(strstr(r.msg[0], "must be 0 to 63 characters"));
	assert_int_equal(parse(c, "auth.ticket_pattern", "\"^T-[0-9]+$\"", &r), BG_OK);
	assert_int_equal(regexec(&c->auth.ticket_re, "T-42", 0, NULL, 0), 0);
	assert_int_not_equal(regexec(&c->auth.ticket_re, "INC-42", 0, NULL, 0), 0);
	assert_int_equal(parse(c, "auth.ticket_check.url", "\"\"", &r), BG_OK);
	assert_string_equal(c->auth.ticket_check.url, "");
	release(c);
}

static void test_confschema_lists_report_each_bad_element(void **state)
{
	struct bg_config *c = defaults();
	struct reports r;

	(void)state;
	assert_int_equal(parse(c, "auth.approval.approvers",
			       "[\"alice\", \"a b\", \"%oncall\", 5, \"-x\"]", &r), BG_EINVAL);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.index[0], 1);
	assert_int_equal(r.index[1], 3);
	assert_string_equal(r.msg[1], "must be a string (got integer)");
	assert_int_equal(r.index[2], 4);
	assert_int_equal(c->auth.approval.approvers.n, 0);
	assert_int_equal(parse(c, "auth.approval.approvers", "[\"alice\", \"%oncall\"]", &r), BG_OK);
	assert_int_equal(c->auth.approval.approvers.n, 2);
	assert_string_equal(c->auth.approval.approvers.v[1], "%oncall");
	assert_int_equal(parse(c, "paths.auditor_keys", "[]", &r), BG_EINVAL);
	assert_string_equal(r.msg[0], "must have 1 to 16 entries (got 0)");
	assert_int_equal(parse(c, "paths.auditor_keys", "\"/a.pub\"", &r), BG_EINVAL);
	assert_string_equal(r.msg[0], "must be an array of strings (got string)");
	assert_int_equal(parse(c, "paths.auditor_keys", "[\"/a.pub\", \"/b.pub\"]", &r), BG_OK);
	assert_int_equal(c->paths.auditor_keys.n, 2);
	release(c);
}

static void test_confschema_password_prompts_compiled_and_bounded(void **state)
{
	struct bg_config *c = defaults();
	struct reports r;
	char many[40 * 8 + 8], *p = many;
	size_t i;

	(void)state;
	/* the default: compiled, anchored at the end of the line */
	assert_int_equal(c->recorder.password_prompts.n, 2);
	assert_int_equal(regexec(&c->recorder.prompt_re[0], "[sudo] password for a: ", 0, NULL, 0), 0);
	assert_int_not_equal(regexec(&c->recorder.prompt_re[0], "password reset sent", 0, NULL, 0), 0);
	/* each bad pattern located by its index; the old list stays */
	assert_int_equal(parse(c, "recorder.password_prompts",
			       "[\"ok: $\", \"([\", \"a\\nb\", \"\", 7]", &r), BG_EINVAL);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.index[0], 1);
	assert_non_null(strstr(r.msg[0], "invalid regular expression \"([\""));
	assert_int_equal(r.index[1], 2);
	assert_string_equal(r.msg[1], "must not contain control characters (got \"a\\x0ab\")");
	assert_int_equal(r.index[2], 3);
	assert_string_equal(r.msg[2], "must be 1 to 256 characters long (got 0)");
	assert_int_equal(r.index[3], 4);
	assert_int_equal(c->recorder.password_prompts.n, 2);
	/* at most 32 of at most 256 characters */
	*p++ = '[';
	for (i = 0; i < 33; i++)
		p += snprintf(p, (size_t)(many + sizeof(many) - p), "%s\"x%zu\"", i ? "," : "", i);
	*p++ = ']';
	*p = '\0';
	assert_int_equal(parse(c, "recorder.password_prompts", many, &r), BG_EINVAL);
	assert_string_equal(r.msg[0], "must have 0 to 32 entries (got 33)");
	/* replaced, compiled; an empty list turns the rule off */
	assert_int_equal(parse(c, "recorder.password_prompts", "[\"PIN: $\", \"^Code: $\"]", &r),
			 BG_OK);
	assert_int_equal(c->recorder.password_prompts.n, 2);
	assert_int_equal(regexec(&c->recorder.prompt_re[1], "Code: ", 0, NULL, 0), 0);
	assert_int_equal(parse(c, "recorder.password_prompts", "[]", &r), BG_OK);
	assert_int_equal(c->recorder.password_prompts.n, 0);
	assert_null(c->recorder.prompt_re);
	release(c);
}

static void test_confschema_urls_printed_without_secrets(void **state)
{
	static const struct { const char *key, *in, *out; } cases[] = {
		{ "auth.ticket_check.url", "https://u:pw@itsm.example/t/{ticket}?token=abc",
		  "https://REDACTED@itsm.example/t/{ticket}?REDACTED" },
		{ "auth.ticket_check.url", "https://itsm.example/t/{ticket}",
		  "https://itsm.example/t/{ticket}" },
		{ "notify.webhook_url", "https://chat.example/hooks/SECRET",
		  "https://chat.example/REDACTED" },
		{ "notify.webhook_url", "https://chat.example", "https://chat.example" },
		{ "storage.endpoint", "http://127.0.0.1:9000", "http://127.0.0.1:9000" },
	};
	struct bg_config *c = defaults();
	struct reports r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bg_conffield *f = bg_confschema_find(cases[i].key);
		json_t *in = json_string(cases[i].in), *out;

		memset(&r, 0, sizeof(r));
		assert_int_equal(bg_confschema_parse(f, in, c, record, &r), BG_OK);
		out = bg_confprint_value(f, c);
		assert_string_equal(json_string_value(out), cases[i].out);
		json_decref(in);
		json_decref(out);
	}
	release(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_confschema_every_default_passes_its_own_check),
		cmocka_unit_test(test_confschema_sections_come_before_their_keys),
		cmocka_unit_test(test_confschema_integer_checks),
		cmocka_unit_test(test_confschema_bool_and_enum),
		cmocka_unit_test(test_confschema_strings),
		cmocka_unit_test(test_confschema_lists_report_each_bad_element),
		cmocka_unit_test(test_confschema_password_prompts_compiled_and_bounded),
		cmocka_unit_test(test_confschema_urls_printed_without_secrets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
