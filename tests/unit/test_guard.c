/* Tests for the recorder's start-up guards (recorder/guard.c): limits
 * lowered by the caller are raised or refused, and a terminal already
 * open in another process is found; each case runs in a child so that
 * the limits it changes do not reach the next one. */
#include "config.h"

#include <grp.h>
#include <sched.h>
#include <stdbool.h>
#include <sys/prctl.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "guard.h"

/* Run body in a child; its exit status (0: every check held). */
static int in_child(int (*body)(void))
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(body());
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
}

static int lowered_soft_raised(void)
{
	struct rlimit nofile = { 4, 0 }, fsize = { 1024, 0 }, got;
	char why[256];

	if (getrlimit(RLIMIT_NOFILE, &got) != 0 || got.rlim_max < 1024)
		return 77;
	nofile.rlim_max = got.rlim_max;
	if (getrlimit(RLIMIT_FSIZE, &got) != 0 || got.rlim_max != RLIM_INFINITY)
		return 77;
	fsize.rlim_max = RLIM_INFINITY;
	if (setrlimit(RLIMIT_NOFILE, &nofile) != 0 || setrlimit(RLIMIT_FSIZE, &fsize) != 0)
		return 2;
	if (guard_limits(why, sizeof(why)) != 0)
		return 3;
	if (getrlimit(RLIMIT_NOFILE, &got) != 0 || got.rlim_cur != 1024)
		return 4;
	if (getrlimit(RLIMIT_FSIZE, &got) != 0 || got.rlim_cur != RLIM_INFINITY)
		return 5;
	if (getrlimit(RLIMIT_CORE, &got) != 0 || got.rlim_cur != 0)
		return 6;
	return 0;
}

static void test_guard_lowered_soft_limits_raised(void **state)
{
	int rc;

	(void)state;
	rc = in_child(lowered_soft_raised);
	if (rc == 77)
		skip();
	assert_int_equal(rc, 0);
}

/* hard: the limit res is lowered to (both soft and hard, as `ulimit`
 * does); want: a word of the refusal. */
static struct {
	int res;
	rlim_t hard;
	const char *want;
} low;

static int lowered_hard_refused(void)
{
	struct rlimit rl = { low.hard, low.hard };
	char why[256] = "";

	if (setrlimit(low.res, &rl) != 0)
		return 2;
	if (guard_limits(why, sizeof(why)) != -1)
		return 3;
	return strstr(why, low.want) != NULL && strstr(why, "hard limit") != NULL ? 0 : 4;
}

static void test_guard_lowered_hard_limits_refused(void **state)
{
	(void)state;
	low.res = RLIMIT_FSIZE, low.hard = 1024, low.want = "file size";
	assert_int_equal(in_child(lowered_hard_refused), 0);
	low.res = RLIMIT_NOFILE, low.hard = 4, low.want = "open files";
	assert_int_equal(in_child(lowered_hard_refused), 0);
	low.res = RLIMIT_CPU, low.hard = 100000, low.want = "CPU time";
	assert_int_equal(in_child(lowered_hard_refused), 0);
	low.res = RLIMIT_DATA, low.hard = 1 << 20, low.want = "data size";
	assert_int_equal(in_child(lowered_hard_refused), 0);
}

/* A new pty: its master and its slave, both open here. */
static void pty_pair(int *m, int *s)
{
	assert_true((*m = posix_openpt(O_RDWR | O_NOCTTY)) >= 0);
	assert_int_equal(grantpt(*m), 0);
	assert_int_equal(unlockpt(*m), 0);
	assert_true((*s = open(ptsname(*m), O_RDWR | O_NOCTTY)) >= 0);
}

/* A pty slave open here and, while one child holds it too, not alone. */
static void test_guard_terminal_held_elsewhere(void **state)
{
	int m, s, p[2];
	char why[256] = "", pid[32], c;
	pid_t holder;

	(void)state;
	pty_pair(&m, &s);
	if (guard_terminal_alone(s, why, sizeof(why)) != 0)
		fail_msg("not alone: %s", why);
	assert_int_equal(pipe(p), 0);
	holder = fork();
	assert_true(holder >= 0);
	if (holder == 0) {
		(void)!write(p[1], "x", 1);
		pause();
		_exit(0);
	}
	assert_int_equal(read(p[0], &c, 1), 1);
	assert_int_equal(guard_terminal_alone(s, why, sizeof(why)), -1);
	(void)!snprintf(pid, sizeof(pid), "pid %ld", (long)holder);
	assert_non_null(strstr(why, pid));
	assert_int_equal(kill(holder, SIGKILL), 0);
	assert_int_equal(waitpid(holder, NULL, 0), holder);
	assert_int_equal(guard_terminal_alone(s, why, sizeof(why)), 0);
	/* Exclusive: a later open fails, except for root, whom it spares. */
	assert_int_equal(guard_terminal_exclusive(s, why, sizeof(why)), 0);
	if (geteuid() != 0) {
		errno = 0;
		assert_int_equal(open(ptsname(m), O_RDWR | O_NOCTTY), -1);
		assert_int_equal(errno, EBUSY);
	}
	close(p[0]);
	close(p[1]);
	close(s);
	close(m);
}

/* A thread with an fd table of its own (clone without CLONE_FILES)
 * holds the terminal: /proc/PID/fd does not show it, the thread's does. */
static int thread_opens(void *arg)
{
	int *a = arg, fd = open(ptsname(a[0]), O_RDWR | O_NOCTTY);

	(void)!write(a[1], fd >= 0 ? "y" : "n", 1);
	pause();
	return 0;
}

static void test_guard_terminal_held_by_a_thread(void **state)
{
	static char stack[64 * 1024] __attribute__((aligned(16)));
	int m, s, p[2], arg[2];
	char why[256] = "", pid[32], c = 0;
	pid_t holder;

	(void)state;
	pty_pair(&m, &s);
	assert_int_equal(pipe(p), 0);
	holder = fork();
	assert_true(holder >= 0);
	if (holder == 0) {
		/* Only the thread's table is to hold it; gone in time should
		 * the test fail before it kills it. */
		close(s);
		alarm(30);
		arg[0] = m;
		arg[1] = p[1];
		if (clone(thread_opens, stack + sizeof(stack),
			  CLONE_VM | CLONE_SIGHAND | CLONE_THREAD, arg) < 0)
			(void)!write(p[1], "c", 1);
		pause();
		_exit(0);
	}
	assert_int_equal(read(p[0], &c, 1), 1);
	assert_int_equal(c, 'y');
	assert_int_equal(guard_terminal_alone(s, why, sizeof(why)), -1);
	(void)!snprintf(pid, sizeof(pid), "pid %ld", (long)holder);
	assert_non_null(strstr(why, pid));
	assert_int_equal(kill(holder, SIGKILL), 0);
	assert_int_equal(waitpid(holder, NULL, 0), holder);
	close(p[0]);
	close(p[1]);
	close(s);
	close(m);
}

/* The user of the hiding cases: ids far above any real account's. */
#define TU ((uid_t)1999999000)
#define TG ((gid_t)1999999000)
#define TG2 ((gid_t)1999999001)

/* How the process that hides its files stands to the recorder (the
 * scanner): beside it, its ancestor whose parent is root's (as sshd's
 * process of the login is), or its ancestor below another of the
 * user's processes. */
enum shape { BESIDE, ANCESTOR, ANCESTOR_OF_USER };

static const struct hcase {
	const char *name;
	enum shape shape;
	gid_t rgid, egid;       /* the hider's real, effective and saved */
	int dumpable;
	bool refused;
} hcases[] = {
	{ "non-dumpable", BESIDE, TG, TG, 0, true },
	{ "in another group (sg)", BESIDE, TG2, TG2, 1, true },
	{ "a setgid program", BESIDE, TG, TG2, 0, false },
	{ "sshd's process of the login", ANCESTOR, TG, TG, 0, false },
	{ "an ancestor below the user's", ANCESTOR_OF_USER, TG, TG, 0, true },
};

/* The user's ids (gids rgid, egid) from root's; below the user's own
 * process, only the dumpable flag changes. */
static void become(gid_t rgid, gid_t egid, int dumpable)
{
	if ((getuid() != TU && (setgroups(0, NULL) != 0 || setresgid(rgid, egid, egid) != 0 ||
				setresuid(TU, TU, TU) != 0)) ||
	    prctl(PR_SET_DUMPABLE, dumpable, 0, 0, 0) != 0)
		_exit(90);
}

/* The recorder's check with the user's ids: 0 alone, 1 refused naming
 * the hider, 2 refused otherwise. */
static int scan(int s, pid_t hider)
{
	char why[256] = "", pid[32];

	become(TG, TG, 1);
	if (guard_terminal_alone(s, why, sizeof(why)) == 0)
		return 0;
	(void)!snprintf(pid, sizeof(pid), "(pid %ld, ", (long)hider);
	if (strstr(why, pid) != NULL && strstr(why, "hides its open files") != NULL)
		return 1;
	fprintf(stderr, "refused: %s\n", why);
	return 2;
}

/* The child's exit status. */
static int reap(pid_t pid)
{
	int st;

	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return 91;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
}

/* The hider: keeps s open, as it would after opening the next login's
 * terminal; ancestor of the scanner, or told to stay until killed. */
static int hide(int s, const struct hcase *c, int ready)
{
	pid_t me = getpid(), sc;

	become(c->rgid, c->egid, c->dumpable);
	if (c->shape == BESIDE) {
		(void)!write(ready, "x", 1);
		alarm(30);
		pause();
		return 0;
	}
	if ((sc = fork()) == 0)
		_exit(scan(s, me));
	return reap(sc);
}

static void test_guard_terminal_hidden_by_the_user(void **state)
{
	const struct hcase *c;
	int m, s, p[2], rc;
	pid_t h, sc;
	size_t i;
	char x;

	(void)state;
	if (geteuid() != 0)
		skip();
	pty_pair(&m, &s);
	assert_int_equal(fchown(s, TU, TG), 0);
	for (i = 0; i < sizeof(hcases) / sizeof(hcases[0]); i++) {
		c = &hcases[i];
		assert_int_equal(pipe(p), 0);
		assert_true((h = fork()) >= 0);
		if (h == 0) {
			/* That process of the user's must not hold it. */
			if (c->shape == ANCESTOR_OF_USER) {
				become(TG, TG, 1);
				close(s);
				if ((h = fork()) != 0)
					_exit(reap(h));
				if ((s = open(ptsname(m), O_RDWR | O_NOCTTY)) < 0)
					_exit(92);
			}
			_exit(hide(s, c, p[1]));
		}
		if (c->shape == BESIDE) {
			assert_int_equal(read(p[0], &x, 1), 1);
			assert_true((sc = fork()) >= 0);
			if (sc == 0)
				_exit(scan(s, h));
			rc = reap(sc);
			assert_int_equal(kill(h, SIGKILL), 0);
			(void)reap(h);
		} else {
			rc = reap(h);
		}
		close(p[0]);
		close(p[1]);
		if (rc != (c->refused ? 1 : 0))
			fail_msg("%s: scan gave %d, wanted %s", c->name, rc,
				 c->refused ? "a refusal naming it" : "none");
	}
	/* A zombie of the user's: /proc shows its (closed) files as root's. */
	assert_true((h = fork()) >= 0);
	if (h == 0) {
		become(TG, TG, 1);
		_exit(0);
	}
	assert_int_equal(waitid(P_PID, (id_t)h, NULL, WEXITED | WNOWAIT), 0);
	assert_true((sc = fork()) >= 0);
	if (sc == 0)
		_exit(scan(s, h));
	rc = reap(sc);
	(void)reap(h);
	assert_int_equal(rc, 0);
	close(s);
	close(m);
}

static void test_guard_not_a_terminal(void **state)
{
	char why[64] = "";
	int fd = open("/dev/null", O_RDWR);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(guard_terminal_exclusive(fd, why, sizeof(why)), 0);
	assert_int_equal(guard_terminal_alone(fd, why, sizeof(why)), 0);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_guard_lowered_soft_limits_raised),
		cmocka_unit_test(test_guard_lowered_hard_limits_refused),
		cmocka_unit_test(test_guard_terminal_held_elsewhere),
		cmocka_unit_test(test_guard_terminal_held_by_a_thread),
		cmocka_unit_test(test_guard_terminal_hidden_by_the_user),
		cmocka_unit_test(test_guard_not_a_terminal),
	};

	return cmocka_run_group_tests_name("guard", tests, NULL, NULL);
}
