/* Tests for the recorder's start-up guards (recorder/guard.c): limits
 * lowered by the caller are raised or refused, and a terminal already
 * open in another process is found; each case runs in a child so that
 * the limits it changes do not reach the next one. */
#include "config.h"

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

/* A pty slave open here and, while one child holds it too, not alone. */
static void test_guard_terminal_held_elsewhere(void **state)
{
	int m, s, p[2];
	char why[256] = "", pid[32], c;
	pid_t holder;

	(void)state;
	assert_true((m = posix_openpt(O_RDWR | O_NOCTTY)) >= 0);
	assert_int_equal(grantpt(m), 0);
	assert_int_equal(unlockpt(m), 0);
	assert_true((s = open(ptsname(m), O_RDWR | O_NOCTTY)) >= 0);
	assert_int_equal(guard_terminal_alone(s, why, sizeof(why)), 0);
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
		cmocka_unit_test(test_guard_not_a_terminal),
	};

	return cmocka_run_group_tests_name("guard", tests, NULL, NULL);
}
