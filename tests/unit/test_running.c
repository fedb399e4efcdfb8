/* Tests for lib/login/running.c: the sessions open now, from grants in
 * run_dir, a session's cgroup and the recorder in it. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "breakglass/base/proc.h"
#include "breakglass/login/contain.h"
#include "breakglass/login/running.h"
#include "helpers.h"

#define ID_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define ID_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static void grant(const struct bg_config *cfg, const char *id, time_t start)
{
	struct bg_grant g = { .start = start, .expires = start + 3600 };

	memcpy(g.session, id, sizeof(g.session));
	g.user = (char *)"alice";
	g.uid = 1000;
	g.ticket = (char *)"INC-1";
	g.justification = (char *)"primary database down";
	g.login_pid = 1;
	assert_int_equal(bg_grant_write(cfg->paths.run_dir, &g, (gid_t)-1), BG_OK);
}

/* A process named as the recorder, waiting to be killed. */
static pid_t fake_recorder(void)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		if (prctl(PR_SET_NAME, "breakglass-rec", 0, 0, 0) != 0)
			_exit(1);
		for (;;)
			pause();
	}
	return pid;
}

/* Two grants (listed oldest first whatever the directory order), files
 * that are not grants skipped or left out, the cgroup of one session with
 * sshd's process and the recorder in its rec child. */
static void test_running_lists_grants_recorder_and_cgroup(void **state)
{
	char *dir = th_mkdtemp(), *conf, cg[4200], procs[4300], text[64], *junk;
	struct bg_running *v;
	struct bg_config *cfg;
	size_t n, skipped;
	pid_t rec;

	(void)state;
	conf = th_config(dir, NULL);
	cfg = th_config_load(conf);
	grant(cfg, ID_B, 2000);
	grant(cfg, ID_A, 1000);
	free(th_write_str(cfg->paths.run_dir, "notes.txt", "x"));
	free(th_write_str(cfg->paths.run_dir, "cccccccccccccccccccccccccccccccc.json", "{"));
	free(th_write_str(cfg->paths.run_dir, "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC.json", "{"));
	rec = fake_recorder();
	/* dir/cg stands for the cgroup2 mount. */
	{
		const char *parts[] = { "cg", BG_CONTAIN_TOP, ID_B, BG_CONTAIN_REC };
		size_t len = (size_t)snprintf(cg, sizeof(cg), "%s", dir);

		for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
			len += (size_t)snprintf(cg + len, sizeof(cg) - len, "/%s", parts[i]);
			assert_true(len < sizeof(cg));
			assert_int_equal(mkdir(cg, 0755), 0);
		}
	}
	assert_true(snprintf(text, sizeof(text), "%ld\n%ld\n", (long)getpid(), (long)rec) <
		    (int)sizeof(text));
	free(th_write_str(cg, "cgroup.procs", text));
	assert_true(snprintf(cg, sizeof(cg), "%s/cg", dir) < (int)sizeof(cg));
	/* The recorder must be named so before it is looked for. */
	for (int i = 0; i < 100; i++) {
		char comm[64];

		assert_true(snprintf(procs, sizeof(procs), "/proc/%ld/comm", (long)rec) <
			    (int)sizeof(procs));
		junk = th_slurp(procs, NULL);
		snprintf(comm, sizeof(comm), "%s", junk != NULL ? junk : "");
		free(junk);
		if (strcmp(comm, "breakglass-rec\n") == 0)
			break;
		usleep(10000);
	}
	assert_int_equal(bg_running_list(cfg, geteuid(), cg, &v, &n, &skipped), BG_OK);
	assert_int_equal(n, 2);
	assert_int_equal(skipped, 1);
	assert_string_equal(v[0].grant->session, ID_A);
	assert_false(v[0].contained);
	assert_int_equal(v[0].recorder, -1);
	assert_string_equal(v[1].grant->session, ID_B);
	assert_string_equal(v[1].grant->user, "alice");
	assert_true(v[1].contained);
	assert_int_equal(v[1].recorder, (long)rec);
	bg_running_free(v, n);
	kill(rec, SIGKILL);
	waitpid(rec, NULL, 0);
	bg_config_free(cfg);
	th_rmtree(dir);
	free(dir);
	free(conf);
}

/* sleep 100 under the name argv0 (a link to sleep in dir), its
 * environment naming session id; waits until the exec is done. */
static pid_t named_sleeper(const char *dir, const char *name, const char *id)
{
	char link[4200], env[64], comm[64], *got;
	char *const envp[] = { env, NULL };
	pid_t pid;

	assert_true(snprintf(link, sizeof(link), "%s/%s", dir, name) < (int)sizeof(link));
	assert_true(snprintf(env, sizeof(env), "BREAKGLASS_SESSION=%s", id) < (int)sizeof(env));
	if (symlink("/bin/sleep", link) != 0)
		assert_int_equal(errno, EEXIST);
	if ((pid = fork()) == 0) {
		execle(link, name, "100", (char *)NULL, envp);
		_exit(127);
	}
	assert_true(pid > 0);
	assert_true(snprintf(link, sizeof(link), "/proc/%ld/comm", (long)pid) < (int)sizeof(link));
	for (int i = 0; i < 200; i++) {
		got = th_slurp(link, NULL);
		snprintf(comm, sizeof(comm), "%s", got != NULL ? got : "");
		free(got);
		if (strncmp(comm, name, strlen(name)) == 0)
			break;
		usleep(10000);
	}
	return pid;
}

/* A session without a cgroup: its recorder is the oldest process named
 * so below the grant's login process, with the account's saved uid; a
 * younger one (a recorder run inside the session), one of another name,
 * or a login process with another start time do not count. */
static void test_running_recorder_without_cgroup(void **state)
{
	char *dir = th_mkdtemp();
	struct bg_grant g = { .login_pid = (long)getpid() };
	struct bg_proc me;
	pid_t rec, younger, decoy;

	(void)state;
	assert_int_equal(bg_proc_read(getpid(), &me), BG_OK);
	g.login_start = me.start;
	rec = named_sleeper(dir, "breakglass-rec", ID_A);
	usleep(20000);          /* a later start time, in clock ticks */
	younger = named_sleeper(dir, "breakglass-rec", ID_A);
	decoy = named_sleeper(dir, "bg-decoy", ID_A);
	assert_int_equal(bg_running_recorder(&g, getuid()), (long)rec);
	assert_int_equal(bg_running_recorder(&g, getuid() + 1), -1);
	g.login_start = me.start + 1;
	assert_int_equal(bg_running_recorder(&g, getuid()), -1);
	g.login_start = me.start;
	kill(rec, SIGKILL);
	waitpid(rec, NULL, 0);
	assert_int_equal(bg_running_recorder(&g, getuid()), (long)younger);
	kill(younger, SIGKILL);
	kill(decoy, SIGKILL);
	waitpid(younger, NULL, 0);
	waitpid(decoy, NULL, 0);
	assert_int_equal(bg_running_recorder(&g, getuid()), -1);
	th_rmtree(dir);
	free(dir);
}

/* No run_dir yet: no session, no error. */
static void test_running_without_run_dir_is_empty(void **state)
{
	char *dir = th_mkdtemp(), *conf;
	struct bg_running *v;
	struct bg_config *cfg;
	size_t n = 9, skipped = 9;

	(void)state;
	conf = th_config(dir, NULL);
	cfg = th_config_load(conf);
	assert_int_equal(bg_running_list(cfg, geteuid(), dir, &v, &n, &skipped), BG_OK);
	assert_int_equal(n, 0);
	assert_int_equal(skipped, 0);
	bg_running_free(v, n);
	bg_config_free(cfg);
	th_rmtree(dir);
	free(dir);
	free(conf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_running_lists_grants_recorder_and_cgroup),
		cmocka_unit_test(test_running_without_run_dir_is_empty),
		cmocka_unit_test(test_running_recorder_without_cgroup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
