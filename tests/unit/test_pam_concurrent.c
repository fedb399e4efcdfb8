/* Tests for pam_breakglass.so under concurrent logins through the real
 * PAM stack: one code used at once by many processes is accepted once,
 * and lockout state, replay state and the audit chain stay consistent. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "breakglass/audit/auditverify.h"
#include "pam_harness.h"
#include "test_pam.h"

#define NPROC 50

/* One of the concurrent logins: its exit status says how it went. */
static void child_login(int ready, int gate, const char *code)
{
	struct pam_testcase warm[] = { pam_test(PAMTEST_GETENVLIST, 0) };
	struct pam_testcase tc[] = { pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS) };
	struct talk t;
	char c = 'r';

	/* Without PAM_WRAPPER pam_wrapper does not set itself up again in
	 * this process (a new /tmp/pam.X each, of which there are only 62)
	 * but keeps the parent's service files.  The warm-up loads the
	 * module before the gate, so that only the logins run at once. */
	unsetenv("PAM_WRAPPER");
	ph_talk_init(&t, TICKET, WHY, code, NULL, NULL);
	(void)run_pamtest(SERVICE, "alice", &t.data, warm, NULL);
	pamtest_free_env(warm[0].case_out.envlist);
	if (write(ready, &c, 1) != 1)
		_exit(3);
	close(ready);
	/* Everyone starts when the parent closes the other end. */
	while (read(gate, &c, 1) < 0 && errno == EINTR)
		;
	(void)run_pamtest(SERVICE, "alice", &t.data, tc, NULL);
	/* _exit: pam_wrapper's destructor would remove the parent's
	 * directory, and cmocka must not go on in a child. */
	_exit(tc[0].op_rv == PAM_SUCCESS ? 0 : tc[0].op_rv == PAM_AUTH_ERR ? 1 : 2);
}

/* NPROC children log in with one code at the same moment; their exit
 * statuses counted into n[0..3]. */
static void concurrent_logins(const char *code, int n[4])
{
	int gate[2], ready[2], status, forked;
	pid_t pids[NPROC];
	ssize_t got = 1;
	char c;

	assert_int_equal(pipe(gate), 0);
	fflush(NULL);
	for (forked = 0; forked < NPROC && got == 1; forked++) {
		assert_int_equal(pipe(ready), 0);
		assert_true((pids[forked] = fork()) >= 0);
		if (pids[forked] == 0) {
			close(gate[1]);
			close(ready[0]);
			child_login(ready[1], gate[0], code);
		}
		close(ready[1]);
		/* End of file instead of a byte: that child died setting up,
		 * counted below; the others are let go, not left hanging. */
		while ((got = read(ready[0], &c, 1)) < 0 && errno == EINTR)
			;
		close(ready[0]);
	}
	close(gate[0]);
	close(gate[1]);
	memset(n, 0, 4 * sizeof(n[0]));
	while (forked-- > 0) {
		while (waitpid(pids[forked], &status, 0) < 0)
			assert_int_equal(errno, EINTR);
		n[WIFEXITED(status) && WEXITSTATUS(status) < 3 ? WEXITSTATUS(status) : 3]++;
	}
}

void test_concurrent_logins_one_code(void **state)
{
	size_t lines, bad, failures;
	char code[16], why[128];
	time_t now, until;
	int n[4];

	(void)state;
	now = ph_fresh_now();
	ph_code_at(&ph_people[ALICE], now, code);
	concurrent_logins(code, n);
	assert_int_equal(n[0], 1);              /* PAM_SUCCESS */
	assert_int_equal(n[1], NPROC - 1);      /* PAM_AUTH_ERR */
	assert_int_equal(n[2] + n[3], 0);
	ph_state_of("alice", &until, &failures);
	assert_int_equal(failures, NPROC - 1);
	assert_int_equal(until, 0);
	assert_int_equal(ph_count_events("auth", NULL, NULL), NPROC);
	assert_int_equal(ph_count_events("auth", "success", ""), 1);
	assert_int_equal(ph_count_events("auth", "failure", "code_reused"), NPROC - 1);
	assert_int_equal(bg_auditverify_run(ph_audit_path, &lines, &bad, why, sizeof(why)), BG_OK);
	assert_int_equal(lines, NPROC);
}
