/* Tests for pam_breakglass.so through the real PAM stack: the login
 * dialogue, TOTP window and replay, lockout, recovery codes and refusals,
 * driven by libpamtest (the harness is pam_harness.c); approval is tested
 * in test_pam_approval.c, concurrent logins in test_pam_concurrent.c. */
#include "config.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "breakglass/base/buf.h"
#include "breakglass/evidence/grant.h"
#include "helpers.h"
#include "pam_harness.h"
#include "test_pam.h"

/* ---- the success path ---- */

static void test_success_writes_grant_and_close_removes_it(void **state)
{
	const char *me = ph_people[ME].name, *id = NULL;
	struct pam_testcase steps[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
		pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS),
		pam_test(PAMTEST_GETENVLIST, 0),
		pam_test(PAMTEST_KEEPHANDLE, 0),
	};
	struct pam_testcase ending[] = { pam_test(PAMTEST_CLOSE_SESSION, PAM_SUCCESS) };
	char code[16], **env;
	struct bg_grant *g;
	struct talk t;
	time_t t0;
	size_t i;

	(void)state;
	t0 = ph_fresh_now();
	ph_code_at(&ph_people[ME], t0, code);
	ph_talk_init(&t, TICKET, WHY, code, NULL, NULL);
	assert_int_equal(run_pamtest(SERVICE, me, &t.data, steps, NULL), PAMTEST_ERR_OK);
	assert_non_null(strstr(t.info[0], "recorded"));
	assert_string_equal(t.err[0], "");
	env = steps[3].case_out.envlist;
	for (i = 0; env != NULL && env[i] != NULL; i++) {
		if (strncmp(env[i], "BREAKGLASS_SESSION=", 19) == 0)
			id = env[i] + 19;
		/* The token sshd would carry over is spent, and not passed on. */
		assert_null(strstr(env[i], "BREAKGLASS_AUTH"));
	}
	assert_non_null(id);
	assert_true(bg_grant_id_valid(id));
	ph_assert_grant(id, t0);
	assert_int_equal(ph_auth_entries(), 0);

	/* The same handle: the session data of the open is needed. */
	assert_int_equal(run_pamtest(SERVICE, me, &t.data, ending, steps[4].case_out.ph),
			 PAMTEST_ERR_OK);
	assert_int_equal(bg_grant_read(ph_cfg->paths.run_dir, id, geteuid(), &g), BG_ENOENT);
	ph_assert_session_logged(id);
	pamtest_free_env(env);
}

/* The recorder runs the shell with the grant's uid: an account the system
 * does not know may authenticate, but gets no grant. */
static void test_session_needs_system_account(void **state)
{
	struct pam_testcase tc[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_OPEN_SESSION, PAM_SESSION_ERR),
	};
	char code[16];
	struct talk t;

	(void)state;
	assert_null(getpwnam("alice"));
	ph_code_at(&ph_people[ALICE], ph_fresh_now(), code);
	ph_talk_init(&t, TICKET, WHY, code, NULL, NULL);
	assert_int_equal(run_pamtest(SERVICE, "alice", &t.data, tc, NULL), PAMTEST_ERR_OK);
	assert_int_equal(ph_count_grants(), 0);
	assert_int_equal(ph_count_events("session_open", NULL, NULL), 0);
	assert_true(ph_logged("no session"));
}

/* ---- wrong answers ---- */

#define WRONG "(a wrong code)"
#define RIGHT NULL

static void test_wrong_answers_refused_with_reason(void **state)
{
	static const struct {
		const char *user, *ticket, *why, *code, *message, *reason;
	} rows[] = {
		{ "alice", "TICKET-1", WHY, RIGHT, "does not have the form", "bad_ticket" },
		{ "alice", "INC-", WHY, RIGHT, "does not have the form", "bad_ticket" },
		{ "alice", TICKET, "disk full", RIGHT, "is too short", "bad_justification" },
		{ "alice", TICKET, WHY, WRONG, "Verification failed", "bad_code" },
		{ "alice", TICKET, WHY, "12ab56", "Verification failed", "bad_code" },
		{ "alice", TICKET, WHY, "1234567", "Verification failed", "bad_code" },
		{ "zoe", TICKET, WHY, RIGHT, "Verification failed", "not_enrolled" },
	};
	char right[16], wrong[16];
	const char *code;
	struct talk t;
	time_t now;
	size_t i;

	(void)state;
	now = ph_fresh_now();
	ph_code_at(&ph_people[ALICE], now, right);
	ph_wrong_code(&ph_people[ALICE], now, wrong);
	for (i = 0; i < N_ELEMS(rows); i++) {
		code = rows[i].code == RIGHT ? right :
		       strcmp(rows[i].code, WRONG) == 0 ? wrong : rows[i].code;
		ph_talk_init(&t, rows[i].ticket, rows[i].why, code, NULL, NULL);
		print_message("row %zu: %s\n", i, rows[i].reason);
		ph_assert_refused(rows[i].user, rows[i].reason, ph_auth(rows[i].user, &t), &t,
				  rows[i].message);
	}
	assert_int_equal(ph_count_events("auth", "failure", NULL), N_ELEMS(rows));
	/* The refusals were about the answers: the right code still works. */
	assert_int_equal(ph_login("alice", right, NULL, NULL, &t), PAM_SUCCESS);
	ph_assert_last_auth("alice", "success", "");
}

/* ---- TOTP window, replay, configured digits and period ---- */

struct edge {
	int steps;              /* code of now + steps periods */
	int rv;
	const char *reason;
};

/* Each row in order, all inside one time step. */
static void check_edges(const struct edge *rows, size_t n)
{
	long period = ph_cfg->auth.totp.period_seconds;
	char code[16];
	struct talk t;
	time_t now = ph_fresh_now();
	size_t i;

	for (i = 0; i < n; i++) {
		ph_code_at(&ph_people[ALICE], now + rows[i].steps * period, code);
		print_message("step %+d\n", rows[i].steps);
		assert_int_equal(ph_login("alice", code, NULL, NULL, &t), rows[i].rv);
		ph_assert_last_auth("alice", rows[i].rv == PAM_SUCCESS ? "success" : "failure",
				    rows[i].reason);
	}
}

static void test_window_one_edges(void **state)
{
	/* Refusals first: an accepted later step would make them replays. */
	static const struct edge rows[] = {
		{ -2, PAM_AUTH_ERR, "bad_code" }, { 2, PAM_AUTH_ERR, "bad_code" },
		{ -1, PAM_SUCCESS, "" }, { 1, PAM_SUCCESS, "" },
	};

	(void)state;
	check_edges(rows, N_ELEMS(rows));
}

static void test_window_zero_edges(void **state)
{
	static const struct edge rows[] = {
		{ -1, PAM_AUTH_ERR, "bad_code" }, { 1, PAM_AUTH_ERR, "bad_code" },
		{ 0, PAM_SUCCESS, "" },
	};

	(void)state;
	check_edges(rows, N_ELEMS(rows));
}

static void test_same_code_twice_refused(void **state)
{
	char code[16];
	struct talk t;

	(void)state;
	ph_code_at(&ph_people[ALICE], ph_fresh_now(), code);
	assert_int_equal(ph_login("alice", code, NULL, NULL, &t), PAM_SUCCESS);
	ph_assert_refused("alice", "code_reused", ph_login("alice", code, NULL, NULL, &t), &t,
			  "Verification failed");
}

static void test_digits_and_period_from_config(void **state)
{
	char code[16];
	struct talk t;

	(void)state;
	assert_int_equal(ph_cfg->auth.totp.digits, 8);
	ph_code_at(&ph_people[ALICE], ph_fresh_now(), code);
	/* Its last six digits are the six-digit code of the same step. */
	ph_assert_refused("alice", "bad_code", ph_login("alice", code + 2, NULL, NULL, &t), &t,
			  "Verification failed");
	assert_int_equal(ph_login("alice", code, NULL, NULL, &t), PAM_SUCCESS);
}

/* ---- lockout ---- */

/* max_failures (3) wrong codes for alice; the right code of now in good. */
static void fail_three_times(char good[16])
{
	char bad[16];
	struct talk t;
	time_t now = ph_fresh_now();
	int i;

	ph_code_at(&ph_people[ALICE], now, good);
	ph_wrong_code(&ph_people[ALICE], now, bad);
	for (i = 0; i < 3; i++)
		ph_assert_refused("alice", "bad_code", ph_login("alice", bad, NULL, NULL, &t), &t,
				  "Verification failed");
}

static void test_lockout_then_unlock(void **state)
{
	const char *argv[] = { getenv("BREAKGLASSCTL"), "-c", ph_conf_path, "unlock", "alice",
			       NULL };
	char good[16], out[256];
	time_t until;
	size_t failures;
	struct talk t;

	(void)state;
	fail_three_times(good);
	ph_assert_refused("alice", "locked", ph_login("alice", good, NULL, NULL, &t), &t, "locked");
	ph_state_of("alice", &until, &failures);
	assert_true(until > time(NULL) + 800);

	assert_int_equal(th_run(argv, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "Unlocked alice"));
	ph_state_of("alice", &until, &failures);
	assert_int_equal(until, 0);
	ph_code_at(&ph_people[ALICE], ph_fresh_now(), good);
	assert_int_equal(ph_login("alice", good, NULL, NULL, &t), PAM_SUCCESS);
	ph_assert_last_auth("alice", "success", "");
}

static void test_lockout_expires(void **state)
{
	char good[16];
	time_t until;
	size_t failures;
	struct talk t;

	(void)state;
	fail_three_times(good);
	ph_state_of("alice", &until, &failures);
	assert_true(until > 0);
	sleep(2);
	ph_code_at(&ph_people[ALICE], ph_fresh_now(), good);
	assert_int_equal(ph_login("alice", good, NULL, NULL, &t), PAM_SUCCESS);
	ph_assert_last_auth("alice", "success", "");
}

/* ---- recovery codes ---- */

static void test_recovery_code_works_once(void **state)
{
	const char *code = bg_recovery_code(&ph_people[ALICE].codes, 3);
	struct talk t;

	(void)state;
	assert_int_equal(ph_login("alice", code, NULL, NULL, &t), PAM_SUCCESS);
	ph_assert_last_auth("alice", "success", "");
	ph_assert_last_member("mfa", "recovery_code");
	ph_assert_refused("alice", "bad_code", ph_login("alice", code, NULL, NULL, &t), &t,
			  "Verification failed");
}

/* ---- refusals at the PAM edge ---- */

/* A conversation that answers nothing (libpamtest needs the empty lists). */
static void test_no_answers_refused(void **state)
{
	struct talk t;

	(void)state;
	ph_talk_init(&t, NULL, NULL, NULL, NULL, NULL);
	assert_int_equal(ph_auth("alice", &t), PAM_AUTH_ERR);
	ph_assert_last_auth("alice", "failure", "no_conversation");
}

static void test_account_and_session_need_auth(void **state)
{
	struct pam_testcase tc[] = {
		pam_test(PAMTEST_ACCOUNT, PAM_PERM_DENIED),
		pam_test(PAMTEST_OPEN_SESSION, PAM_SESSION_ERR),
	};
	struct talk t;

	(void)state;
	ph_talk_init(&t, NULL, NULL, NULL, NULL, NULL);
	assert_int_equal(run_pamtest(SERVICE, ph_people[ME].name, &t.data, tc, NULL),
			 PAMTEST_ERR_OK);
	assert_true(ph_logged("no break-glass authentication"));
	assert_int_equal(ph_count_events(NULL, NULL, NULL), 0);
	assert_int_equal(access(ph_cfg->paths.run_dir, F_OK), -1);
}

static void test_bad_module_argument_fails_closed(void **state)
{
	char code[16];
	struct talk t;

	(void)state;
	ph_code_at(&ph_people[ALICE], ph_fresh_now(), code);
	ph_talk_init(&t, TICKET, WHY, code, NULL, NULL);
	assert_int_equal(ph_auth_via(SERVICE_BADARG, "alice", &t), PAM_AUTH_ERR);
	assert_true(ph_logged("unknown or invalid argument: bogus=1"));
	assert_int_equal(ph_count_events(NULL, NULL, NULL), 0);
}

static void test_bad_config_fails_closed(void **state)
{
	char dir[PATH_MAX], code[16], *path;
	struct talk t;

	(void)state;
	assert_int_equal(bg_snprintf(dir, sizeof(dir), "%s/badconf", ph_base), BG_OK);
	ph_code_at(&ph_people[ALICE], ph_fresh_now(), code);
	/* Missing, then present but out of range. */
	ph_talk_init(&t, TICKET, WHY, code, NULL, NULL);
	assert_int_equal(ph_auth_via(SERVICE_BADCONF, "alice", &t), PAM_AUTH_ERR);
	path = th_write_str(dir, "breakglass.json", "{\"auth\": {\"totp\": {\"digits\": 99}}}\n");
	ph_talk_init(&t, TICKET, WHY, code, NULL, NULL);
	assert_int_equal(ph_auth_via(SERVICE_BADCONF, "alice", &t), PAM_AUTH_ERR);
	assert_true(ph_logged("auth.totp.digits"));
	assert_true(ph_logged("unusable: refusing"));
	(void)unlink(path);
	free(path);
}

/* Runs last: it reads what the whole run logged. */
static void test_no_secret_in_logs(void **state)
{
	(void)state;
	ph_assert_no_secret_logged("refused alice");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		PH_T(test_success_writes_grant_and_close_removes_it),
		PH_T(test_session_needs_system_account),
		PH_T(test_wrong_answers_refused_with_reason),
		PH_TC(test_window_one_edges, "\"auth\": {\"totp\": {\"window\": 1}, "
		      LOCKOUT(100, 900) "}"),
		PH_TC(test_window_zero_edges, "\"auth\": {\"totp\": {\"window\": 0}, "
		      LOCKOUT(100, 900) "}"),
		PH_T(test_same_code_twice_refused),
		PH_TC(test_digits_and_period_from_config,
		      "\"auth\": {\"totp\": {\"digits\": 8, \"period_seconds\": 60}}"),
		PH_TC(test_lockout_then_unlock, "\"auth\": {" LOCKOUT(3, 900) "}"),
		PH_TC(test_lockout_expires, "\"auth\": {" LOCKOUT(3, 1) "}"),
		PH_T(test_recovery_code_works_once),
		PH_TC(test_approval_by_bob, CONF_APPROVAL("\"bob\", \"carol\"")),
		PH_TC(test_approval_empty_answer, CONF_APPROVAL("\"bob\", \"carol\"")),
		PH_TC(test_approval_self, CONF_APPROVAL("\"alice\", \"bob\", \"carol\"")),
		PH_TC(test_approval_not_an_approver, CONF_APPROVAL("\"bob\", \"carol\"")),
		PH_TC(test_approval_wrong_code, CONF_APPROVAL("\"bob\", \"carol\"")),
		PH_TC(test_approval_code_replayed, CONF_APPROVAL("\"bob\", \"carol\"")),
		PH_T(test_approval_through_group),
		PH_T(test_no_answers_refused),
		PH_T(test_account_and_session_need_auth),
		PH_T(test_bad_module_argument_fails_closed),
		PH_T(test_bad_config_fails_closed),
		PH_TC(test_concurrent_logins_one_code, "\"auth\": {" LOCKOUT(1000, 900) "}"),
		PH_T(test_no_secret_in_logs),
	};

	(void)argc;
	return PH_MAIN(argv, tests);
}
