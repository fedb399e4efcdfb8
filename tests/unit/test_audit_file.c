/* Tests of the audit log as a file (lib/audit/audit.c): concurrent
 * writers, a private directory and file, places where no log may be
 * written, and a log whose tail is not an event line. */
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
#include "helpers.h"
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

/* A tail that is not an event line stops appends: noticed, not papered over. */
void test_audit_append_refuses_corrupt_tail(void **state)
{
	static const struct { const char *what; size_t cut, xs; const char *tail; } cases[] = {
		{ "cut last line", 30, 0, "" },
		{ "newline removed", 1, 0, "" },
		{ "byte after last line", 1, 0, "X" },
		{ "garbage line", 0, 0, "garbage\n" },
		{ "empty line", 0, 0, "\n" },
		{ "edited last line", 0, 0, NULL },
		{ "line over 64 KiB", 0, 70000, "\n" },
		{ "long unended line", 0, 70000, "" },
	};
	struct fixture *f = *state;
	struct bg_audit_event ev = event_for(5);
	struct text t, after;
	size_t i, len;
	char *buf;

	append_n(f, 1000, 3);
	read_text(f->log, &t);
	assert_non_null(buf = malloc(t.len + 70016));
	for (i = 0; i < N_ELEMS(cases); i++) {
		len = t.len - cases[i].cut;
		memcpy(buf, t.data, len);
		if (cases[i].tail == NULL)
			buf[t.start[2] + 10] = bump(buf[t.start[2] + 10]);
		memset(buf + len, 'x', cases[i].xs);
		len += cases[i].xs;
		if (cases[i].tail != NULL) {
			memcpy(buf + len, cases[i].tail, strlen(cases[i].tail));
			len += strlen(cases[i].tail);
		}
		free(th_write(f->logdir, "audit.jsonl", buf, len, 0600));
		fake_calls = 0;
		if (bg_audit_append(f->cfg, &ev, NULL) != BG_EINTEGRITY)
			fail_msg("%s: append was not refused", cases[i].what);
		read_text(f->log, &after);
		assert_int_equal(after.len, len);
		assert_memory_equal(after.data, buf, len);
		assert_int_equal(fake_calls, 0);
		free(after.data);
	}
	free(buf);
	free(t.data);
}
