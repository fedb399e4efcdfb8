/* Tests for sessions (lib/login/session.c): the key check before a login
 * and its audit event, a remembered login recalled as the login it was,
 * the events of a session's open and close, and who gets none. */
#include "config.h"

#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>

#include "breakglass/base/proc.h"
#include "breakglass/login/login.h"
#include "breakglass/login/session.h"
#include "helpers.h"

#define NOW 1700000000

struct fixture {
	char *dir;
	struct bg_config *cfg;
	char user[64];          /* the account running the tests */
	struct bg_login lg;     /* a login as the dialogue leaves it */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct passwd *pw = getpwuid(geteuid());
	char *conf;

	assert_non_null(f);
	assert_non_null(pw);
	assert_true(snprintf(f->user, sizeof(f->user), "%s", pw->pw_name) <
		    (int)sizeof(f->user));
	f->dir = th_mkdtemp();
	conf = th_config(f->dir, "\"recorder\": {\"containment\": \"best-effort\"}, "
			 "\"grant\": {\"concurrent\": \"allow\"}");
	f->cfg = th_config_load(conf);
	free(conf);
	/* Borrowed strings: only bg_login_new's logins are freed. */
	f->lg = (struct bg_login){ .service = (char *)"sshd", .user = f->user,
				   .uid = (long)geteuid(), .rhost = (char *)"192.0.2.7",
				   .tty = (char *)"pts/3", .ticket = (char *)"INC-4711",
				   .justification = (char *)"primary database down",
				   .approver = (char *)"bob", .mfa = (char *)"totp" };
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	bg_config_free(f->cfg);
	th_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* How many lines the audit log has; the last one parsed in *last. */
static size_t audit_lines(const struct fixture *f, json_t **last)
{
	char *text = th_slurp(f->cfg->paths.audit_log, NULL), *line, *nl;
	json_error_t e;
	size_t n = 0;

	*last = NULL;
	if (text == NULL)
		return 0;
	for (line = text; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		*nl = '\0';
		json_decref(*last);
		assert_non_null(*last = json_loads(line, 0, &e));
		n++;
	}
	free(text);
	return n;
}

static const char *member(json_t *ev, const char *key)
{
	return json_string_value(json_object_get(ev, key));
}

/* Keys as th_config makes them pass, and leave nothing in the audit log. */
static void test_session_keys_usable_not_audited(void **state)
{
	struct fixture *f = *state;
	json_t *ev;

	assert_int_equal(bg_session_check_keys(f->cfg, "alice"), BG_OK);
	assert_int_equal(audit_lines(f, &ev), 0);
}

/* A key that is unsafe or missing refuses, with one "auth" failure event
 * for the user and nothing it does not know (no uid, no service). */
static void test_session_keys_unusable_audited(void **state)
{
	struct fixture *f = *state;
	json_t *ev;

	assert_int_equal(chmod(f->cfg->paths.host_key, 0666), 0);
	assert_int_equal(bg_session_check_keys(f->cfg, "alice"), BG_EUNSAFE);
	assert_int_equal(audit_lines(f, &ev), 1);
	assert_string_equal(member(ev, "event"), "auth");
	assert_string_equal(member(ev, "result"), "failure");
	assert_string_equal(member(ev, "reason"), "keys_unusable");
	assert_string_equal(member(ev, "user"), "alice");
	assert_null(json_object_get(ev, "uid"));
	assert_null(json_object_get(ev, "service"));
	json_decref(ev);

	assert_int_equal(chmod(f->cfg->paths.host_key, 0600), 0);
	assert_int_equal(unlink(f->cfg->paths.auditor_keys.v[0]), 0);
	assert_int_equal(bg_session_check_keys(f->cfg, "bob\n"), BG_EUNSAFE);
	assert_int_equal(audit_lines(f, &ev), 2);
	/* A hostile name stays one escaped value of one line. */
	assert_string_equal(member(ev, "user"), "bob\n");
	json_decref(ev);
}

/* Remember, then recall: the login comes back whole, through the
 * service that recalls it; mfa is one of the two the dialogue sets. */
static void test_session_recall_gives_the_login(void **state)
{
	static const struct {
		const char *mfa, *want;
	} cases[] = {
		{ "totp", "totp" }, { "recovery_code", "recovery_code" },
		{ NULL, "totp" }, { "sms", "totp" },
	};
	struct fixture *f = *state;
	char token[BG_SESSION_ID_LEN + 1];
	struct bg_login *got;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		f->lg.mfa = (char *)cases[i].mfa;
		f->lg.ticket_unverified = i % 2 == 1;
		assert_int_equal(bg_session_remember(f->cfg, &f->lg, NOW, token), BG_OK);
		got = (struct bg_login *)1;
		assert_int_equal(bg_session_recall(f->cfg, token, f->user,
						   i == 0 ? NULL : "login", NOW + 1, &got), BG_OK);
		if (i == 0)
			assert_null(got->service);
		else
			assert_string_equal(got->service, "login");
		assert_string_equal(got->user, f->user);
		assert_int_equal(got->uid, (long)geteuid());
		assert_string_equal(got->rhost, "192.0.2.7");
		assert_string_equal(got->tty, "pts/3");
		assert_string_equal(got->ticket, "INC-4711");
		assert_string_equal(got->justification, "primary database down");
		assert_string_equal(got->approver, "bob");
		assert_string_equal(got->mfa, cases[i].want);
		assert_int_equal(got->ticket_unverified, i % 2 == 1);
		bg_login_free(got);
		assert_int_equal(bg_session_forget(f->cfg, token), BG_OK);
	}
}

/* Someone else's, expired, early, forged or forgotten tokens give nothing. */
static void test_session_recall_refusals(void **state)
{
	struct fixture *f = *state;
	char token[BG_SESSION_ID_LEN + 1];
	struct bg_login *got;

	assert_int_equal(bg_session_remember(f->cfg, &f->lg, NOW, token), BG_OK);
	got = (struct bg_login *)1;
	assert_int_equal(bg_session_recall(f->cfg, token, "mallory", "sshd", NOW, &got),
			 BG_ENOENT);
	assert_null(got);
	assert_int_equal(bg_session_recall(f->cfg, token, f->user, "sshd",
					   NOW + BG_AUTH_TTL + 1, &got), BG_ENOENT);
	assert_int_equal(bg_session_recall(f->cfg, token, f->user, "sshd", NOW - 1, &got),
			 BG_ENOENT);
	assert_int_equal(bg_session_recall(f->cfg, "../../etc/passwd", f->user, "sshd",
					   NOW, &got), BG_EINVAL);
	assert_null(got);
	assert_int_equal(bg_session_forget(f->cfg, token), BG_OK);
	assert_int_equal(bg_session_recall(f->cfg, token, f->user, "sshd", NOW, &got),
			 BG_ENOENT);
	assert_null(got);
}

/* grant.concurrent refuse (the default): with a session of the user
 * still open (its login process is this one), no session, and the
 * refusal is audited with what runs. */
static void test_session_refused_while_another_is_open(void **state)
{
	struct fixture *f = *state;
	struct bg_grant g, open = { .session = "0123456789abcdef0123456789abcdef",
				    .start = NOW, .expires = NOW + 60 };
	struct bg_contain c;
	struct bg_proc self;
	json_t *ev = NULL;
	char *conf;

	bg_config_free(f->cfg);
	conf = th_config(f->dir, "\"recorder\": {\"containment\": \"best-effort\"}");
	f->cfg = th_config_load(conf);
	free(conf);
	assert_int_equal(f->cfg->grant.concurrent, BG_CONCURRENT_REFUSE);
	assert_int_equal(bg_proc_read(getpid(), &self), BG_OK);
	open.req = f->lg.req;
	open.login_pid = (long)getpid();
	open.login_start = self.start;
	assert_int_equal(bg_grant_write(f->cfg->paths.run_dir, &open, (gid_t)-1), BG_OK);
	assert_int_equal(bg_session_open(f->cfg, &f->lg, NOW, &g, &c), BG_EBUSY);
	assert_int_equal(audit_lines(f, &ev), 1);
	assert_string_equal(json_string_value(json_object_get(ev, "event")), "session_open");
	assert_string_equal(json_string_value(json_object_get(ev, "reason")),
			    "concurrent_session");
	assert_string_equal(json_string_value(json_object_get(ev, "note")),
			    "session 0123456789abcdef0123456789abcdef is still open");
	json_decref(ev);
}

/* The grant holds the whole request; the session's events all of it but
 * the justification, which the login's event already holds. */
static void test_session_open_close_events(void **state)
{
	struct fixture *f = *state;
	struct bg_grant g, *read;
	struct bg_contain c;
	struct bg_proc self;
	json_t *ev;
	int i;

	f->lg.ticket_unverified = true;
	assert_int_equal(bg_session_open(f->cfg, &f->lg, NOW, &g, &c), BG_OK);
	assert_int_equal(bg_grant_read(f->cfg->paths.run_dir, g.session, geteuid(), &read),
			 BG_OK);
	assert_string_equal(read->justification, "primary database down");
	assert_string_equal(read->approver, "bob");
	assert_true(read->ticket_unverified);
	assert_int_equal(read->start, NOW);
	/* The login process is the caller, with its start time. */
	assert_int_equal(bg_proc_read(getpid(), &self), BG_OK);
	assert_int_equal(read->login_pid, getpid());
	assert_true(read->login_start == self.start);
	bg_grant_free(read);
	assert_true(strcmp(c.what, "cgroup") == 0 || strcmp(c.what, "none") == 0);
	for (i = 0; i < 2; i++) {
		if (i == 1)
			assert_int_equal(bg_session_close(f->cfg, &f->lg, g.session, &c), BG_OK);
		assert_int_equal(audit_lines(f, &ev), (size_t)i + 1);
		assert_string_equal(member(ev, "event"), i == 0 ? "session_open" : "session_close");
		assert_string_equal(member(ev, "result"), "success");
		assert_string_equal(member(ev, "session"), g.session);
		assert_string_equal(member(ev, "service"), "sshd");
		assert_string_equal(member(ev, "user"), f->user);
		assert_string_equal(member(ev, "rhost"), "192.0.2.7");
		assert_string_equal(member(ev, "tty"), "pts/3");
		assert_string_equal(member(ev, "ticket"), "INC-4711");
		assert_string_equal(member(ev, "approver"), "bob");
		assert_string_equal(member(ev, "mfa"), "totp");
		assert_true(json_is_true(json_object_get(ev, "ticket_unverified")));
		assert_null(json_object_get(ev, "justification"));
		/* What the session got (test_contain: which one when). */
		if (i == 0)
			assert_string_equal(member(ev, "containment"), c.what);
		else
			assert_null(json_object_get(ev, "containment"));
		json_decref(ev);
	}
}

/* A user who is no account here gets no grant and no event: the
 * recorder could not run a shell for them. */
static void test_session_open_refuses_unknown_account(void **state)
{
	struct fixture *f = *state;
	struct bg_contain c;
	struct bg_grant g;
	json_t *ev;

	f->lg.uid = -1;
	assert_int_equal(bg_session_open(f->cfg, &f->lg, NOW, &g, &c), BG_EINVAL);
	assert_int_equal(audit_lines(f, &ev), 0);
	assert_int_equal(access(f->cfg->paths.run_dir, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_session_refused_while_another_is_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_keys_usable_not_audited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_keys_unusable_audited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_recall_gives_the_login, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_recall_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_open_close_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_open_refuses_unknown_account, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
