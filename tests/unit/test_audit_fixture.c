/* The fixture that test_audit and test_auditverify share: a
 * configuration whose audit log is in a scratch directory, events to
 * append, and the log read back and verified. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "breakglass/audit/audit.h"
#include "breakglass/audit/auditverify.h"
#include "fake_syslog.h"
#include "helpers.h"
#include "test_audit.h"

int audit_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char text[3 * PATH_MAX + 128], *key;

	assert_non_null(f);
	f->dir = th_mkdtemp();
	key = th_config_key(f->dir);
	assert_true(strlen(f->dir) < PATH_MAX - 32);
	snprintf(f->logdir, sizeof(f->logdir), "%.*s/log", PATH_MAX - 32, f->dir);
	snprintf(f->log, sizeof(f->log), "%.*s/log/audit.jsonl", PATH_MAX - 32, f->dir);
	snprintf(f->tmp, sizeof(f->tmp), "%.*s/t.jsonl", PATH_MAX - 32, f->dir);
	assert_true(snprintf(text, sizeof(text), "{\"paths\": {\"host_key\": \"%s\", "
			     "\"auditor_keys\": [\"%s\"], \"audit_log\": \"%s\"}}",
			     key, key, f->log) < (int)sizeof(text));
	f->cfg = th_config_json(f->dir, text);
	free(key);
	fake_calls = 0;
	*state = f;
	return 0;
}

int audit_teardown(void **state)
{
	struct fixture *f = *state;

	bg_config_free(f->cfg);
	th_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

struct bg_audit_event event_for(long uid)
{
	/* An event only reads the strings of its request. */
	struct bg_audit_event ev = {
		.event = "auth", .result = "success", .service = (char *)"sshd",
		.user = (char *)"alice", .uid = uid, .rhost = (char *)"192.0.2.7",
		.ticket = (char *)"INC-4711", .justification = (char *)"primary database down",
		.mfa = (char *)"totp",
	};

	return ev;
}

void append_n(struct fixture *f, long first_uid, int n)
{
	struct bg_audit_event ev;
	int i;

	for (i = 0; i < n; i++) {
		ev = event_for(first_uid + i);
		assert_int_equal(bg_audit_append(f->cfg, &ev, NULL), BG_OK);
	}
}

void read_text(const char *path, struct text *t)
{
	size_t i;

	t->data = th_slurp(path, &t->len);
	assert_non_null(t->data);
	t->n = 0;
	t->start[0] = 0;
	for (i = 0; i < t->len; i++)
		if (t->data[i] == '\n' && t->n + 1 < N_ELEMS(t->start))
			t->start[++t->n] = i + 1;
}

/* verify on path gives bad line want, or, with want 0, want_lines intact. */
void expect(const char *label, const char *path, size_t want,
	    size_t want_lines, const char *why_want)
{
	size_t lines = 99, bad = 99;
	char why[128];
	int r = bg_auditverify_run(path, &lines, &bad, why, sizeof(why));

	if (r != (want ? BG_EINTEGRITY : BG_OK) || bad != want ||
	    lines != (want ? want - 1 : want_lines) ||
	    (why_want != NULL && strcmp(why, why_want) != 0))
		fail_msg("%s: got %d, bad line %zu, %zu lines, \"%s\"; want bad "
			 "line %zu, \"%s\"", label, r, bad, lines, why, want,
			 why_want ? why_want : "");
}

/* The next character of the same kind (digit, hex letter, letter). */
char bump(char c)
{
	if (c >= '0' && c <= '9')
		return c == '9' ? '0' : c + 1;
	if (c >= 'a' && c <= 'f')
		return c == 'f' ? 'a' : c + 1;
	return c == 'Z' ? 'A' : c + 1;
}
