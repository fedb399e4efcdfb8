/* Tests for lib/login/alone.c: one emergency login per user at a time,
 * from grants whose login process still runs and from processes. */
#include "config.h"

#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "breakglass/base/proc.h"
#include "breakglass/evidence/grant.h"
#include "breakglass/login/alone.h"
#include "helpers.h"

#define ID "0123456789abcdef0123456789abcdef"
#define NOBODY_UID ((uid_t)3999999)     /* no process runs as it */

static void grant(const struct bg_config *cfg, uid_t uid, long pid, unsigned long long start)
{
	struct bg_grant g = { .start = 1000, .expires = 5000, .login_pid = pid,
			      .login_start = start };

	memcpy(g.session, ID, sizeof(g.session));
	g.user = (char *)"alice";
	g.uid = (long)uid;
	g.ticket = (char *)"INC-1";
	g.justification = (char *)"primary database down";
	assert_int_equal(bg_grant_write(cfg->paths.run_dir, &g, (gid_t)-1), BG_OK);
}

/* A uid with nothing running: alone; an open session of it (its login
 * process is this one) is not; a grant left by a login that is gone
 * (another start time) does not count. */
static void test_alone_by_grants(void **state)
{
	char *dir = th_mkdtemp(), *conf, why[256] = "";
	struct bg_config *cfg;
	struct bg_proc me;

	(void)state;
	conf = th_config(dir, NULL);
	cfg = th_config_load(conf);
	assert_int_equal(bg_alone_check(cfg, NOBODY_UID, getpid(), why, sizeof(why)), BG_OK);
	assert_int_equal(bg_proc_read(getpid(), &me), BG_OK);
	grant(cfg, NOBODY_UID, (long)getpid(), me.start);
	assert_int_equal(bg_alone_check(cfg, NOBODY_UID, getpid(), why, sizeof(why)), BG_EBUSY);
	assert_string_equal(why, "session " ID " is still open");
	grant(cfg, NOBODY_UID, (long)getpid(), me.start + 1);
	assert_int_equal(bg_alone_check(cfg, NOBODY_UID, getpid(), why, sizeof(why)), BG_OK);
	/* Another uid's session is not this one's. */
	grant(cfg, NOBODY_UID + 1, (long)getpid(), me.start);
	assert_int_equal(bg_alone_check(cfg, NOBODY_UID, getpid(), why, sizeof(why)), BG_OK);
	bg_config_free(cfg);
	th_rmtree(dir);
	free(dir);
	free(conf);
}

/* The caller's own children are its login's; a process outside it (the
 * parent, which ran this test) is named, with its name escaped. */
static void test_alone_by_processes(void **state)
{
	char *dir = th_mkdtemp(), *conf, why[256] = "";
	struct bg_config *cfg;
	pid_t child;

	(void)state;
	/* Root is left to the grants (init and the kernel run as root). */
	if (getuid() == 0) {
		th_rmtree(dir);
		free(dir);
		skip();
	}
	conf = th_config(dir, NULL);
	cfg = th_config_load(conf);
	if ((child = fork()) == 0) {
		pause();
		_exit(0);
	}
	assert_true(child > 0);
	/* Seen from the child's side, this process is outside its login. */
	assert_int_equal(bg_alone_check(cfg, getuid(), child, why, sizeof(why)), BG_EBUSY);
	assert_non_null(strstr(why, "is running"));
	/* From the parent's side, the child is below it; what is left is
	 * the processes above (make, the shell) that the check must name. */
	assert_int_equal(bg_alone_check(cfg, getuid(), getpid(), why, sizeof(why)), BG_EBUSY);
	assert_int_equal(strncmp(why, "process ", 8), 0);
	assert_int_not_equal(strtol(why + 8, NULL, 10), (long)child);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	/* A zombie is passed over: nothing of NOBODY_UID runs at all. */
	assert_int_equal(bg_alone_check(cfg, NOBODY_UID, getpid(), why, sizeof(why)), BG_OK);
	bg_config_free(cfg);
	th_rmtree(dir);
	free(dir);
	free(conf);
}

/* As root: a process of another uid below this one is this login's; seen
 * from a sibling's login, it is named. */
static void test_alone_other_uid_as_root(void **state)
{
	char *dir = th_mkdtemp(), *conf, why[256] = "", want[64];
	struct bg_config *cfg;
	pid_t child, sibling;

	(void)state;
	if (getuid() != 0) {
		th_rmtree(dir);
		free(dir);
		skip();
	}
	conf = th_config(dir, NULL);
	cfg = th_config_load(conf);
	if ((child = fork()) == 0) {
		if (setresgid(NOBODY_UID, NOBODY_UID, NOBODY_UID) != 0 ||
		    setresuid(NOBODY_UID, NOBODY_UID, NOBODY_UID) != 0)
			_exit(1);
		pause();
		_exit(0);
	}
	if ((sibling = fork()) == 0) {
		pause();
		_exit(0);
	}
	assert_true(child > 0 && sibling > 0);
	for (int i = 0; i < 200 && bg_alone_check(cfg, NOBODY_UID, sibling, why,
						  sizeof(why)) == BG_OK; i++)
		usleep(10000);  /* until the child has taken the uid */
	(void)snprintf(want, sizeof(want), "process %ld (", (long)child);
	assert_int_equal(bg_alone_check(cfg, NOBODY_UID, sibling, why, sizeof(why)), BG_EBUSY);
	assert_int_equal(strncmp(why, want, strlen(want)), 0);
	assert_int_equal(bg_alone_check(cfg, NOBODY_UID, getpid(), why, sizeof(why)), BG_OK);
	kill(child, SIGKILL);
	kill(sibling, SIGKILL);
	waitpid(child, NULL, 0);
	waitpid(sibling, NULL, 0);
	bg_config_free(cfg);
	th_rmtree(dir);
	free(dir);
	free(conf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alone_by_grants),
		cmocka_unit_test(test_alone_by_processes),
		cmocka_unit_test(test_alone_other_uid_as_root),
	};

	return cmocka_run_group_tests_name("alone", tests, NULL, NULL);
}
