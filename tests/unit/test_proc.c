/* Tests for lib/base/proc.c: the parent and start time of real processes
 * (this one and its children), and ancestry, which a later process with
 * a reused pid or another start time must not pass. */
#include "config.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "breakglass/base/proc.h"

static void test_proc_self_and_parent(void **state)
{
	struct bg_proc me, parent;

	(void)state;
	assert_int_equal(bg_proc_read(getpid(), &me), BG_OK);
	assert_int_equal(me.ppid, getppid());
	assert_true(me.start > 0);
	assert_int_equal(bg_proc_read(getppid(), &parent), BG_OK);
	/* A parent starts before its child. */
	assert_true(parent.start <= me.start);
	assert_int_equal(bg_proc_read(0, &me), BG_EINVAL);
	assert_int_equal(bg_proc_read(-5, &me), BG_EINVAL);
}

/* A process may name itself anything, parentheses and spaces included:
 * the fields are still found. */
static void test_proc_hostile_name(void **state)
{
	struct bg_proc pr;
	int p[2], q[2];
	pid_t pid;
	char c;

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(pipe(q), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		(void)prctl(PR_SET_NAME, ") Z 1 2 3 (", 0, 0, 0);
		(void)!write(p[1], "x", 1);
		(void)!read(q[0], &c, 1);
		_exit(0);
	}
	assert_int_equal(read(p[0], &c, 1), 1);
	assert_int_equal(bg_proc_read(pid, &pr), BG_OK);
	assert_int_equal(pr.ppid, getpid());
	assert_true(pr.start > 0);
	assert_int_equal(write(q[1], "x", 1), 1);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	(void)close(p[0]);
	(void)close(p[1]);
	(void)close(q[0]);
	(void)close(q[1]);
}

static void test_proc_gone_is_enoent(void **state)
{
	struct bg_proc pr;
	pid_t pid = fork();

	(void)state;
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_int_equal(bg_proc_read(pid, &pr), BG_ENOENT);
}

/* What a grandchild of this process finds: this process is its ancestor
 * with its own start time only, and the grandchild none of this one's. */
static int grandchild(pid_t top, unsigned long long start)
{
	bool yes = false;
	int r = 0;

	if (bg_proc_has_ancestor(getpid(), top, start, &yes) != BG_OK || !yes)
		r |= 1;
	if (bg_proc_has_ancestor(getpid(), top, start + 1, &yes) != BG_OK || yes)
		r |= 2;
	if (bg_proc_has_ancestor(top, getpid(), 0, &yes) != BG_OK || yes)
		r |= 4;
	return r;
}

static void test_proc_ancestry(void **state)
{
	struct bg_proc me;
	pid_t child, gc;
	int st;

	(void)state;
	assert_int_equal(bg_proc_read(getpid(), &me), BG_OK);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		pid_t top = getppid();

		if ((gc = fork()) == 0)
			_exit(grandchild(top, me.start));
		if (gc < 0 || waitpid(gc, &st, 0) != gc || !WIFEXITED(st))
			_exit(100);
		_exit(WEXITSTATUS(st));
	}
	assert_int_equal(waitpid(child, &st, 0), child);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* The start time is checked too: a parent pid with another start time
 * is a different process. */
static void test_proc_parent_start_checked(void **state)
{
	struct bg_proc parent;
	bool yes = false;

	(void)state;
	assert_int_equal(bg_proc_read(getppid(), &parent), BG_OK);
	assert_int_equal(bg_proc_has_ancestor(getpid(), getppid(), parent.start, &yes), BG_OK);
	assert_true(yes);
	assert_int_equal(bg_proc_has_ancestor(getpid(), getppid(), parent.start + 1, &yes), BG_OK);
	assert_false(yes);
	/* Itself is not its own ancestor. */
	assert_int_equal(bg_proc_read(getpid(), &parent), BG_OK);
	assert_int_equal(bg_proc_has_ancestor(getpid(), getpid(), parent.start, &yes), BG_OK);
	assert_false(yes);
}

/* A /proc file of a process, whole or cut at the buffer, always
 * terminated; -1 for no such process, a bad pid or no room. */
static void test_proc_file(void **state)
{
	char buf[64], tiny[5];

	(void)state;
	assert_int_equal(prctl(PR_SET_NAME, "bg-proc-test", 0, 0, 0), 0);
	assert_int_equal(bg_proc_file(getpid(), "comm", buf, sizeof(buf)), 13);
	assert_string_equal(buf, "bg-proc-test\n");
	assert_int_equal(bg_proc_file(getpid(), "comm", tiny, sizeof(tiny)), 4);
	assert_string_equal(tiny, "bg-p");
	assert_int_equal(bg_proc_file(getpid(), "no-such-file", buf, sizeof(buf)), -1);
	assert_int_equal(bg_proc_file(0, "comm", buf, sizeof(buf)), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(bg_proc_file(getpid(), "comm", buf, 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proc_self_and_parent),
		cmocka_unit_test(test_proc_hostile_name),
		cmocka_unit_test(test_proc_gone_is_enoent),
		cmocka_unit_test(test_proc_ancestry),
		cmocka_unit_test(test_proc_parent_start_checked),
		cmocka_unit_test(test_proc_file),
	};

	return cmocka_run_group_tests_name("proc", tests, NULL, NULL);
}
