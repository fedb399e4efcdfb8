/* Tests of the audit log as a file (lib/audit.c): concurrent writers,
 * a private directory and file, and places where no log may be written. */
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "breakglass/audit/audit.h"
#include "fake_syslog.h"
#include "test_audit.h"

void test_audit_fifty_processes_append_at_once(void **state)
{
	struct fixture *f = *state;
	int go[2], status, i;
	pid_t pids[50];
	char c;

	append_n(f, 1000, 5);
	assert_int_equal(pipe(go), 0);
	for (i = 0; i < 50; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			struct bg_audit_event ev = event_for(2000 + i);

			close(go[1]);
			/* All start together: EOF once the parent closes its end. */
			if (read(go[0], &c, 1) != 0)
				_exit(2);
			_exit(bg_audit_append(f->cfg, &ev, NULL) == BG_OK ? 0 : 1);
		}
	}
	close(go[0]);
	close(go[1]);
	for (i = 0; i < 50; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	expect("concurrent", f->log, 0, 55, "");
}

void test_audit_creates_private_dir_and_file(void **state)
{
	struct fixture *f = *state;
	mode_t old = umask(022);
	struct stat st;

	append_n(f, 1000, 1);
	umask(old);
	assert_int_equal(lstat(f->logdir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(lstat(f->log, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_uid, geteuid());
}

static void set_log(struct fixture *f, const char *path)
{
	free(f->cfg->paths.audit_log);
	assert_non_null(f->cfg->paths.audit_log = strdup(path));
}

void test_audit_refuses_bad_places(void **state)
{
	struct fixture *f = *state;
	struct bg_audit_event ev = event_for(1);
	struct stat st;

	/* No parent for the log's directory: not made. */
	snprintf(f->tmp, sizeof(f->tmp), "%.*s/no/such/audit.jsonl", PATH_MAX - 32, f->dir);
	set_log(f, f->tmp);
	assert_int_equal(bg_audit_append(f->cfg, &ev, NULL), BG_ENOENT);
	/* A symbolic link in place of the log is not followed. */
	set_log(f, f->log);
	assert_int_equal(mkdir(f->logdir, 0700), 0);
	assert_int_equal(symlink("../target", f->log), 0);
	assert_int_equal(bg_audit_append(f->cfg, &ev, NULL), BG_EUNSAFE);
	snprintf(f->tmp, sizeof(f->tmp), "%.*s/target", PATH_MAX - 32, f->dir);
	assert_int_equal(lstat(f->tmp, &st), -1);
	/* Nor is a directory a log. */
	set_log(f, f->logdir);
	assert_int_not_equal(bg_audit_append(f->cfg, &ev, NULL), BG_OK);
	assert_int_equal(fake_calls, 0);
}
