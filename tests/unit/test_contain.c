/* Tests for per-session cgroups (lib/login/contain.c): made, entered,
 * killed and removed for real when run as root with a cgroup2 mount and
 * a breakglass account; refused or skipped by "required" and
 * "best-effort" where they cannot be made (as another user). */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "breakglass/login/contain.h"

#define ID "0123456789abcdef0123456789abcdef"

static struct bg_config cfg;

/* Whether this run can make cgroups: root, a cgroup2 mount, the account. */
static bool can_contain(void)
{
	return geteuid() == 0 && getpwnam(BG_ACCOUNT) != NULL &&
	       access("/proc/self/mountinfo", R_OK) == 0 &&
	       system("grep -q ' - cgroup2 ' /proc/self/mountinfo") == 0;
}

/* As another user nothing can be made: "required" refuses, "best-effort"
 * goes on uncontained; either way nothing is left behind. */
static int unprivileged(void)
{
	struct bg_contain c;
	char dir[PATH_MAX];

	if (geteuid() == 0 && setresuid(65534, 65534, 65534) != 0)
		return 1;
	cfg.recorder.containment = BG_CONTAIN_REQUIRED;
	if (bg_contain_open(&cfg, ID, &c) != BG_EUNSAFE || strcmp(c.what, "none") != 0 ||
	    c.dir[0] != '\0')
		return 2;
	cfg.recorder.containment = BG_CONTAIN_BEST_EFFORT;
	if (bg_contain_open(&cfg, ID, &c) != BG_OK || strcmp(c.what, "none") != 0)
		return 3;
	if (bg_contain_close(&c) != BG_OK)
		return 4;
	if (bg_contain_find(ID, dir, sizeof(dir)) != BG_ENOENT)
		return 5;
	return bg_contain_open(&cfg, "../x", &c) == BG_EINVAL ? 0 : 6;
}

static void test_contain_refused_or_uncontained_without_rights(void **state)
{
	pid_t pid;
	int st;

	(void)state;
	assert_true((pid = fork()) >= 0);
	if (pid == 0)
		_exit(unprivileged());
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void assert_owner(const char *dir, const char *file, uid_t uid)
{
	char path[PATH_MAX];
	struct stat st;

	assert_true(snprintf(path, sizeof(path), "%s/%s", dir, file) < (int)sizeof(path));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_uid, uid);
}

/* Dead: no such process, or a zombie (the grandchildren are init's,
 * which may take its time to reap them). */
static bool gone(pid_t pid)
{
	char path[64], line[512], *p;
	FILE *f;
	bool z = true;

	assert_true(snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid) < (int)sizeof(path));
	if ((f = fopen(path, "r")) == NULL)
		return true;
	if (fgets(line, sizeof(line), f) != NULL && (p = strrchr(line, ')')) != NULL)
		z = p[1] == ' ' && p[2] == 'Z';
	fclose(f);
	return z;
}

/* A child that moves itself into the user cgroup, then leaves a setsid'ed
 * grandchild behind (as nohup ... & disown would) and exits. */
static pid_t leave_behind(const char *dir, pid_t *grandchild)
{
	int p[2];
	pid_t pid, gc = 0;

	assert_int_equal(pipe(p), 0);
	assert_true((pid = fork()) >= 0);
	if (pid == 0) {
		if (bg_contain_enter(dir, BG_CONTAIN_USER, 0) != BG_OK)
			_exit(1);
		if ((gc = fork()) == 0) {
			(void)setsid();
			pause();
			_exit(0);
		}
		(void)!write(p[1], &gc, sizeof(gc));
		_exit(0);
	}
	assert_int_equal(read(p[0], &gc, sizeof(gc)), (ssize_t)sizeof(gc));
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	close(p[0]);
	close(p[1]);
	*grandchild = gc;
	return pid;
}

/* The whole life of a session's cgroup, for real. */
static void test_contain_made_entered_killed_removed(void **state)
{
	struct passwd *pw;
	struct bg_contain c;
	char dir[PATH_MAX];
	pid_t gc;

	(void)state;
	if (!can_contain())
		skip();
	pw = getpwnam(BG_ACCOUNT);
	cfg.recorder.containment = BG_CONTAIN_REQUIRED;
	assert_int_equal(bg_contain_open(&cfg, ID, &c), BG_OK);
	assert_string_equal(c.what, "cgroup");
	/* This process is in the recorder's child, and finds it. */
	assert_int_equal(bg_contain_find(ID, dir, sizeof(dir)), BG_OK);
	assert_string_equal(dir, c.dir);
	assert_owner(c.dir, "cgroup.procs", pw->pw_uid);
	assert_owner(c.dir, BG_CONTAIN_USER "/cgroup.kill", pw->pw_uid);
	assert_owner(c.dir, BG_CONTAIN_USER "/cgroup.procs", pw->pw_uid);
	assert_owner(c.dir, BG_CONTAIN_REC "/cgroup.procs", pw->pw_uid);
	assert_owner(c.dir, "cgroup.kill", 0);
	(void)leave_behind(c.dir, &gc);
	assert_false(gone(gc));
	/* The user's part killed, the recorder's (this process) spared. */
	assert_int_equal(bg_contain_kill(c.dir, BG_CONTAIN_USER, 2000), BG_OK);
	assert_true(gone(gc));
	assert_int_equal(bg_contain_find(ID, dir, sizeof(dir)), BG_OK);
	/* A leftover the close kills, the cgroup then gone. */
	(void)leave_behind(c.dir, &gc);
	assert_int_equal(bg_contain_close(&c), BG_OK);
	assert_true(gone(gc));
	assert_int_equal(access(dir, F_OK), -1);
	assert_int_equal(bg_contain_find(ID, dir, sizeof(dir)), BG_ENOENT);
}

/* Not in a recorder child: this process (wherever the test runs), no
 * such process, a pid below 1. */
static void test_contain_rec_of_elsewhere(void **state)
{
	char sid[BG_SESSION_ID_LEN + 1];

	(void)state;
	if (bg_contain_find(ID, sid, sizeof(sid)) == BG_OK)
		skip();
	assert_int_equal(bg_contain_rec_of(getpid(), sid), BG_ENOENT);
	assert_int_equal(bg_contain_rec_of(0, sid), BG_ENOENT);
	assert_int_equal(bg_contain_rec_of(-1, sid), BG_ENOENT);
	assert_int_equal(bg_contain_rec_of(0x3fffffff, sid), BG_ENOENT);
}

/* Not ID: test_contain_made_entered_killed_removed's cgroup. */
#define RID "feedface0123456789abcdeffeedface"

/* What bg_contain_rec_of says of a process moved into the cgroup
 * mnt/rel, made for it with its parents. */
static int rec_of_in(const char *mnt, const char *rel, char sid[BG_SESSION_ID_LEN + 1])
{
	char path[PATH_MAX], cmd[PATH_MAX + 32];
	pid_t pid;
	int r;
	FILE *f;

	assert_true(snprintf(cmd, sizeof(cmd), "mkdir -p '%s/%s'", mnt, rel) < (int)sizeof(cmd));
	assert_int_equal(system(cmd), 0);
	assert_true((pid = fork()) >= 0);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	assert_true(snprintf(path, sizeof(path), "%s/%s/cgroup.procs", mnt, rel) < (int)sizeof(path));
	assert_non_null(f = fopen(path, "w"));
	assert_true(fprintf(f, "%ld\n", (long)pid) > 0);
	assert_int_equal(fclose(f), 0);
	r = bg_contain_rec_of(pid, sid);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	return r;
}

#define TOP BG_CONTAIN_TOP

/* Only the exact path counts: not the same names below another cgroup,
 * not a child or a sibling of rec, not an id in capitals or too long. */
static void test_contain_rec_of_exact(void **state)
{
	static const char *const bad[] = {
		"bgtest-" RID "/" TOP "/" RID "/" BG_CONTAIN_REC,
		TOP "/" RID "/" BG_CONTAIN_REC "/sub",
		TOP "/" RID "/" BG_CONTAIN_REC "x",
		TOP "/" RID "/" BG_CONTAIN_USER,
		TOP "/FEEDFACE0123456789ABCDEFFEEDFACE/" BG_CONTAIN_REC,
		TOP "/" RID "0/" BG_CONTAIN_REC,
		TOP "-" RID "/" RID "/" BG_CONTAIN_REC,
	};
	char mnt[PATH_MAX], sid[BG_SESSION_ID_LEN + 1], cmd[PATH_MAX * 2];
	size_t i;
	int bad_found = 0;

	(void)state;
	if (!can_contain() || bg_contain_mount(mnt, sizeof(mnt)) != BG_OK)
		skip();
	assert_int_equal(rec_of_in(mnt, TOP "/" RID "/" BG_CONTAIN_REC, sid), BG_OK);
	assert_string_equal(sid, RID);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (rec_of_in(mnt, bad[i], sid) == BG_ENOENT)
			continue;
		print_error("%s taken for a recorder child\n", bad[i]);
		bad_found++;
	}
	/* Every cgroup made here, deepest first (rmdir takes empty ones). */
	assert_true(snprintf(cmd, sizeof(cmd), "cd '%s' && find bgtest-" RID " " TOP "-" RID " "
			     TOP "/" RID " " TOP "/" RID "0 " TOP "/FEEDFACE0123456789ABCDEFFEEDFACE "
			     "-depth -type d -exec rmdir {} +", mnt) < (int)sizeof(cmd));
	assert_int_equal(system(cmd), 0);
	assert_int_equal(bad_found, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_contain_refused_or_uncontained_without_rights),
		cmocka_unit_test(test_contain_made_entered_killed_removed),
		cmocka_unit_test(test_contain_rec_of_elsewhere),
		cmocka_unit_test(test_contain_rec_of_exact),
	};

	return cmocka_run_group_tests_name("contain", tests, NULL, NULL);
}
