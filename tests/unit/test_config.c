/* Tests for loading breakglass.json (lib/config/conf.c). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>

#include "breakglass/config/conf.h"
#include "helpers.h"

struct fixture {
	char *dir;
	char *key;      /* an existing, private key file */
	char keys[2048];  /* a "paths" member naming it, for config texts */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = th_mkdtemp();
	f->key = th_write_str(f->dir, "k", "key");
	assert_true(snprintf(f->keys, sizeof(f->keys),
			     "\"host_key\": \"%s\", \"auditor_keys\": [\"%s\"]",
			     f->key, f->key) < (int)sizeof(f->keys));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	th_rmtree(f->dir);
	free(f->dir);
	free(f->key);
	free(f);
	return 0;
}

/* Load text; returns the result and leaves the findings in d. */
static int load(struct fixture *f, const char *text, struct bg_config **cfg,
		struct bg_config_diags *d)
{
	char *p = th_write_str(f->dir, "breakglass.json", text);
	int r = bg_config_load(p, geteuid(), cfg, d);

	free(p);
	return r;
}

static const struct bg_config_diag *find_diag(const struct bg_config_diags *d,
					      const char *keypath)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (d->v[i].keypath != NULL && strcmp(d->v[i].keypath, keypath) == 0)
			return &d->v[i];
	return NULL;
}

static void test_config_empty_object_gives_defaults(void **state)
{
	struct bg_config_diags d;
	struct bg_config *c;

	(void)state;
	assert_int_equal(load(*state, "{}", &c, &d), BG_OK);
	assert_int_equal(d.errors, 0);
	assert_int_equal(c->auth.totp.digits, 6);
	assert_int_equal(c->auth.totp.period_seconds, 30);
	assert_int_equal(c->auth.lockout.max_failures, 5);
	assert_int_equal(c->grant.max_minutes, 240);
	assert_int_equal(c->recorder.segment_bytes, 8388608);
	assert_int_equal(c->storage.type, BG_STORAGE_FILE);
	assert_string_equal(c->paths.users_dir, BG_SYSCONFDIR "/breakglass/users");
	assert_string_equal(c->auth.prompts.code, "Verification code: ");
	assert_int_equal(regexec(&c->auth.ticket_re, "INC-123", 0, NULL, 0), 0);
	assert_int_not_equal(regexec(&c->auth.ticket_re, "INC-", 0, NULL, 0), 0);
	/* The default key files do not exist here: warnings, not errors. */
	assert_non_null(find_diag(&d, "paths.host_key"));
	assert_int_equal(find_diag(&d, "paths.host_key")->severity, BG_DIAG_WARNING);
	bg_config_free(c);
	bg_config_diags_free(&d);
}

static void test_config_full_file_is_read(void **state)
{
	struct fixture *f = *state;
	struct bg_config_diags d;
	struct bg_config *c;
	char text[8192];

	assert_true(snprintf(text, sizeof(text),
		"{\"paths\": {%s, \"users_dir\": \"/srv/bg/users\"},\n"
		" \"auth\": {\"ticket_pattern\": \"^T-[0-9]+$\", \"justification_min\": 5,\n"
		"  \"totp\": {\"digits\": 8, \"period_seconds\": 60, \"window\": 0},\n"
		"  \"lockout\": {\"max_failures\": 3, \"window_seconds\": 60, \"lock_seconds\": 120},\n"
		"  \"approval\": {\"required\": true, \"approvers\": [\"alice\", \"%%leads\"]},\n"
		"  \"ticket_check\": {\"url\": \"https://itsm.example/t/{ticket}\", \"fail_policy\": \"open\"}},\n"
		" \"grant\": {\"default_minutes\": 30, \"max_minutes\": 90},\n"
		" \"recorder\": {\"input\": \"record\", \"on_disk_full\": \"continue-unrecorded\"},\n"
		" \"storage\": {\"type\": \"s3\", \"endpoint\": \"https://s3.example\", \"bucket\": \"bg\",\n"
		"  \"region\": \"eu-west-1\", \"credentials_file\": \"%s\"},\n"
		" \"notify\": {\"webhook_url\": \"https://chat.example/hook\", \"timeout_seconds\": 5}}\n",
		f->keys, f->key) < (int)sizeof(text));
	assert_int_equal(load(f, text, &c, &d), BG_OK);
	assert_int_equal(d.n, 0);
	assert_string_equal(c->paths.users_dir, "/srv/bg/users");
	assert_int_equal(c->auth.totp.digits, 8);
	assert_int_equal(c->auth.totp.window, 0);
	assert_int_equal(c->auth.lockout.lock_seconds, 120);
	assert_true(c->auth.approval.required);
	assert_string_equal(c->auth.approval.approvers.v[1], "%leads");
	assert_int_equal(c->auth.ticket_check.fail_policy, BG_FAIL_OPEN);
	assert_int_equal(c->grant.default_minutes, 30);
	assert_int_equal(c->recorder.input, BG_INPUT_RECORD);
	assert_int_equal(c->recorder.on_disk_full, BG_DISK_FULL_CONTINUE);
	assert_int_equal(c->storage.type, BG_STORAGE_S3);
	assert_string_equal(c->storage.region, "eu-west-1");
	assert_int_equal(c->notify.timeout_seconds, 5);
	assert_int_equal(regexec(&c->auth.ticket_re, "T-9", 0, NULL, 0), 0);
	bg_config_free(c);
	bg_config_diags_free(&d);
}

static void test_config_every_error_is_reported_with_its_place(void **state)
{
	struct fixture *f = *state;
	struct bg_config_diags d;
	struct bg_config *c;
	const struct bg_config_diag *g;
	char text[4096];

	assert_true(snprintf(text, sizeof(text),
		"{\"paths\": {%s},\n"
		" \"auth\": {\n"
		"   \"lockout\": {\"max_failures\": 0},\n"
		"   \"ticket_pattern\": \"([\",\n"
		"   \"approval\": {\"approvers\": [\"ok\", \"not ok\"]}},\n"
		" \"grant\": {\"bogus\": 1, \"default_minutes\": 300},\n"
		" \"storage\": \"s3\",\n"
		" \"recorder\": {\"password_prompts\": [\"ok: $\", \"(PIN\"]}}\n",
		f->keys) < (int)sizeof(text));
	assert_int_equal(load(f, text, &c, &d), BG_ECONFIG);
	assert_null(c);
	assert_int_equal(d.errors, 7);
	g = find_diag(&d, "recorder.password_prompts[1]");
	assert_non_null(g);
	assert_int_equal(g->line, 8);
	assert_int_equal(g->col, 45);
	assert_non_null(strstr(g->message, "invalid regular expression \"(PIN\""));
	g = find_diag(&d, "auth.lockout.max_failures");
	assert_non_null(g);
	assert_int_equal(g->line, 3);
	assert_int_equal(g->col, 16);
	assert_string_equal(g->message, "must be between 1 and 1000 (got 0)");
	g = find_diag(&d, "auth.ticket_pattern");
	assert_non_null(g);
	assert_int_equal(g->line, 4);
	g = find_diag(&d, "auth.approval.approvers[1]");
	assert_non_null(g);
	assert_int_equal(g->line, 5);
	assert_int_equal(g->col, 37);
	g = find_diag(&d, "grant.bogus");
	assert_non_null(g);
	assert_string_equal(g->message, "unknown key");
	assert_int_equal(g->line, 6);
	/* A cross-key rule is checked even when other keys are wrong. */
	g = find_diag(&d, "grant.default_minutes");
	assert_non_null(g);
	assert_string_equal(g->message, "must not exceed grant.max_minutes (240)");
	g = find_diag(&d, "storage");
	assert_non_null(g);
	assert_string_equal(g->message, "must be an object (got string)");
	bg_config_diags_free(&d);
}

static void test_config_syntax_error_has_line_and_column(void **state)
{
	struct bg_config_diags d;
	struct bg_config *c;

	assert_int_equal(load(*state, "{\n  \"auth\": {\n    \"a\": 1,,\n  }\n}\n", &c, &d),
			 BG_ECONFIG);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].line, 3);
	assert_true(d.v[0].col >= 12);
	assert_null(d.v[0].keypath);
	bg_config_diags_free(&d);
}

static void test_config_hostile_files(void **state)
{
	static const struct { const char *name, *text; size_t len; const char *needle; } cases[] = {
		{ "empty", "", 0, "expected" },
		{ "truncated", "{\"auth\": {", 10, "" },
		{ "trailing garbage", "{} x", 4, "end of file expected" },
		{ "NUL byte", "{\"a\":\0 1}", 9, "" },
		{ "invalid UTF-8", "{\"a\": \"\xff\"}", 10, "unable to decode byte 0xff" },
		{ "duplicate key", "{\"grant\": {}, \"grant\": {}}", 26, "duplicate object key" },
		{ "top-level array", "[]", 2, "top level must be an object (got array)" },
		{ "escaped NUL", "{\"a\": \"\\u0000\"}", 15, "u0000 is not allowed" },
		{ "control character in key", "{\"\\u001b[2J\": 1}", 16, "unknown key" },
	};
	struct bg_config_diags d;
	struct bg_config *c;
	size_t i, j;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *p = th_write(((struct fixture *)*state)->dir, "h.json",
				   cases[i].text, cases[i].len, 0600);

		print_message("case: %s\n", cases[i].name);
		assert_int_equal(bg_config_load(p, geteuid(), &c, &d), BG_ECONFIG);
		assert_null(c);
		assert_true(d.errors >= 1);
		assert_non_null(strstr(d.v[0].message, cases[i].needle));
		for (j = 0; j < d.n; j++) {
			/* Nothing hostile is ever carried into a message. */
			const char *m = d.v[j].message, *k = d.v[j].keypath;

			for (; *m; m++)
				assert_true(*m >= 0x20 && *m < 0x7f);
			for (; k != NULL && *k; k++)
				assert_true(*k >= 0x20 && *k < 0x7f);
		}
		bg_config_diags_free(&d);
		free(p);
	}
}

static void test_config_unsafe_key_file_is_an_error(void **state)
{
	struct fixture *f = *state;
	struct bg_config_diags d;
	struct bg_config *c;
	char text[4096], *bad = th_write(f->dir, "bad.pub", "k", 1, 0666);

	assert_true(snprintf(text, sizeof(text),
			     "{\"paths\": {\"host_key\": \"%s\", \"auditor_keys\": [\"%s\", \"%s\"]}}",
			     f->key, f->key, bad) < (int)sizeof(text));
	assert_int_equal(load(f, text, &c, &d), BG_ECONFIG);
	assert_int_equal(d.errors, 1);
	assert_non_null(find_diag(&d, "paths.auditor_keys[1]"));
	assert_non_null(strstr(find_diag(&d, "paths.auditor_keys[1]")->message,
			       "writable by group or others"));
	bg_config_diags_free(&d);
	free(bad);
}

/* Escrow keys: none by default; checked like auditor keys, and never
 * one of them (every auditor could open the escrow). */
static void test_config_escrow_keys(void **state)
{
	struct fixture *f = *state;
	struct bg_config_diags d;
	struct bg_config *c;
	char text[4096], *esc = th_write(f->dir, "esc.pub", "k", 1, 0644),
	     *bad = th_write(f->dir, "bad.pub", "k", 1, 0666);

	assert_int_equal(load(f, "{}", &c, &d), BG_OK);
	assert_int_equal(c->paths.escrow_keys.n, 0);
	bg_config_free(c);
	bg_config_diags_free(&d);
	assert_true(snprintf(text, sizeof(text), "{\"paths\": {%s, \"escrow_keys\": [\"%s\"]}}",
			     f->keys, esc) < (int)sizeof(text));
	assert_int_equal(load(f, text, &c, &d), BG_OK);
	assert_int_equal(c->paths.escrow_keys.n, 1);
	assert_string_equal(c->paths.escrow_keys.v[0], esc);
	bg_config_free(c);
	bg_config_diags_free(&d);
	assert_true(snprintf(text, sizeof(text),
			     "{\"paths\": {%s, \"escrow_keys\": [\"%s\", \"%s\"]}}", f->keys, esc,
			     bad) < (int)sizeof(text));
	assert_int_equal(load(f, text, &c, &d), BG_ECONFIG);
	assert_non_null(find_diag(&d, "paths.escrow_keys[1]"));
	assert_non_null(strstr(find_diag(&d, "paths.escrow_keys[1]")->message,
			       "writable by group or others"));
	bg_config_diags_free(&d);
	assert_true(snprintf(text, sizeof(text), "{\"paths\": {%s, \"escrow_keys\": [\"%s\"]}}",
			     f->keys, f->key) < (int)sizeof(text));
	assert_int_equal(load(f, text, &c, &d), BG_ECONFIG);
	assert_non_null(find_diag(&d, "paths.escrow_keys"));
	assert_non_null(strstr(find_diag(&d, "paths.escrow_keys")->message,
			       "also in paths.auditor_keys"));
	bg_config_diags_free(&d);
	free(esc);
	free(bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_config_empty_object_gives_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_full_file_is_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_every_error_is_reported_with_its_place, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_syntax_error_has_line_and_column, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_hostile_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_unsafe_key_file_is_an_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_escrow_keys, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
