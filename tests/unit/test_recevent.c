/* Tests for lib/audit/recevent.c: the recorder's events queued in the
 * spool and moved into the audit log at session close, with a table of
 * hostile lines, and the file's size cap. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "breakglass/audit/recevent.h"
#include "helpers.h"

#define ID "0123456789abcdef0123456789abcdef"

struct fx {
	char *dir, *conf, *events, *audit;
	struct bg_config *cfg;
	struct bg_audit_event tmpl;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char sub[4200];

	assert_non_null(f);
	f->dir = th_mkdtemp();
	f->conf = th_config(f->dir, NULL);
	f->cfg = th_config_load(f->conf);
	assert_true(snprintf(sub, sizeof(sub), "%s/spool", f->dir) < (int)sizeof(sub));
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_true(asprintf(&f->events, "%s/%s.events", sub, ID) > 0);
	assert_true(asprintf(&f->audit, "%s/audit.jsonl", f->dir) > 0);
	f->tmpl = (struct bg_audit_event){ .event = "session_close", .result = "success",
					   .service = (char *)"sshd", .user = (char *)"alice",
					   .uid = 1000 };
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	bg_config_free(f->cfg);
	th_rmtree(f->dir);
	free(f->dir);
	free(f->conf);
	free(f->events);
	free(f->audit);
	free(f);
	return 0;
}

static char *audit_text(struct fx *f)
{
	char *t = th_slurp(f->audit, NULL);

	return t != NULL ? t : strdup("");
}

/* Started, then a refusal (from a second recorder), both moved into the
 * audit log in order with the session's who, and the file removed. */
static void test_recevent_append_then_drain(void **state)
{
	struct fx *f = *state;
	struct bg_recevent ok = { .result = "success", .containment = "cgroup",
				  .command = "-c \"id\" (2 bytes)" };
	struct bg_recevent no = { .result = "failure",
				  .note = "the grant was already claimed \x1b[2J" };
	struct stat st;
	char *t, *a, *b;

	assert_int_equal(bg_recevent_drain(f->cfg, ID, getuid(), &f->tmpl), BG_OK);
	assert_int_equal(bg_recevent_append(f->cfg->paths.spool_dir, ID, &ok), BG_OK);
	assert_int_equal(bg_recevent_append(f->cfg->paths.spool_dir, ID, &no), BG_OK);
	assert_int_equal(stat(f->events, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(bg_recevent_drain(f->cfg, ID, getuid(), &f->tmpl), BG_OK);
	assert_int_equal(stat(f->events, &st), -1);
	t = audit_text(f);
	a = strstr(t, "\"event\":\"recording\",\"result\":\"success\",\"service\":\"sshd\","
		   "\"user\":\"alice\",\"uid\":1000");
	b = strstr(t, "\"event\":\"recording\",\"result\":\"failure\",\"reason\":\"refused\"");
	assert_non_null(a);
	assert_non_null(b);
	assert_true(a < b);
	assert_non_null(strstr(t, "\"session\":\"" ID "\",\"containment\":\"cgroup\","
			       "\"command\":\"-c \\\"id\\\" (2 bytes)\""));
	/* The escape sequence reaches the log escaped, never raw. */
	assert_null(strchr(t, '\x1b'));
	assert_non_null(strcasestr(t, "\\u001b[2J"));
	free(t);
}

/* Lines that are no event each become one bad_recorder_event failure;
 * the good line among them still counts. */
static void test_recevent_hostile_lines(void **state)
{
	static const char *const lines =
		"not json\n"
		"{}\n"
		"[1,2]\n"
		"{\"version\":2,\"time\":1,\"pid\":1,\"result\":\"success\"}\n"
		"{\"version\":1,\"time\":1,\"pid\":1,\"result\":\"maybe\"}\n"
		"{\"version\":1,\"time\":1,\"pid\":0,\"result\":\"success\"}\n"
		"{\"version\":1,\"time\":1,\"pid\":1,\"result\":\"success\",\"containment\":\"jail\"}\n"
		"{\"version\":1,\"time\":1,\"pid\":1,\"result\":\"success\",\"extra\":1}\n"
		"{\"version\":1,\"time\":1,\"pid\":1,\"result\":\"success\",\"result\":\"failure\"}\n"
		"{\"version\":1,\"time\":1,\"pid\":1,\"result\":\"failure\",\"note\":\"bad \\udc00\"}\n"
		"{\"version\":1,\"time\":1,\"pid\":7,\"result\":\"success\",\"note\":\"good\"}\n"
		"{\"version\":1,\"time\":1,\"pid\":1,\"res";        /* cut short */
	struct fx *f = *state;
	size_t bad = 0;
	char *t, *p;

	free(th_write(f->dir, "spool/" ID ".events", lines, strlen(lines), 0600));
	assert_int_equal(bg_recevent_drain(f->cfg, ID, getuid(), &f->tmpl), BG_OK);
	t = audit_text(f);
	for (p = t; (p = strstr(p, "\"reason\":\"bad_recorder_event\"")) != NULL; p++)
		bad++;
	assert_int_equal(bad, 11);
	assert_non_null(strstr(t, "\"result\":\"success\""));
	assert_non_null(strstr(t, "\"note\":\"good\""));
	free(t);
}

/* The file stops growing at the cap; an unsafe file is not drained. */
static void test_recevent_cap_and_unsafe(void **state)
{
	struct fx *f = *state;
	char note[1200];
	struct bg_recevent ev = { .result = "failure", .note = note };
	int rc = BG_OK, n = 0;
	struct stat st;

	memset(note, 'x', sizeof(note) - 1);
	note[sizeof(note) - 1] = '\0';
	while (rc == BG_OK && n++ < 1000)
		rc = bg_recevent_append(f->cfg->paths.spool_dir, ID, &ev);
	assert_int_equal(rc, BG_ETOOBIG);
	assert_int_equal(stat(f->events, &st), 0);
	assert_true(st.st_size <= BG_RECEVENT_MAX_BYTES);
	/* Group-writable: someone else could have written it. */
	assert_int_equal(chmod(f->events, 0620), 0);
	assert_int_not_equal(bg_recevent_drain(f->cfg, ID, getuid(), &f->tmpl), BG_OK);
	assert_int_equal(stat(f->events, &st), 0);
	/* A symbolic link is never followed, to write or to read. */
	assert_int_equal(unlink(f->events), 0);
	assert_int_equal(symlink(f->audit, f->events), 0);
	assert_int_equal(bg_recevent_append(f->cfg->paths.spool_dir, ID, &ev), BG_EUNSAFE);
	assert_int_not_equal(bg_recevent_drain(f->cfg, ID, getuid(), &f->tmpl), BG_OK);
	/* Bad members and ids are refused before anything is written. */
	ev.result = "maybe";
	assert_int_equal(bg_recevent_append(f->cfg->paths.spool_dir, ID, &ev), BG_EINVAL);
	ev.result = "success";
	assert_int_equal(bg_recevent_append(f->cfg->paths.spool_dir, "../x", &ev), BG_EINVAL);
	ev.note = "\xff\xfe";
	assert_int_equal(bg_recevent_append(f->cfg->paths.spool_dir, ID, &ev), BG_EINVAL);
}

/* Writers at once never take the file past the cap (a size checked and
 * written under one lock), and a umask of 0777 does not lock it away. */
static void test_recevent_cap_holds_under_concurrency(void **state)
{
	struct fx *f = *state;
	char note[1000];
	struct bg_recevent ev = { .result = "failure", .note = note };
	struct stat st;
	pid_t kids[8];
	size_t i;
	int status;

	memset(note, 'y', sizeof(note) - 1);
	note[sizeof(note) - 1] = '\0';
	for (i = 0; i < 8; i++) {
		if ((kids[i] = fork()) == 0) {
			umask(0777);
			while (bg_recevent_append(f->cfg->paths.spool_dir, ID, &ev) == BG_OK)
				;
			_exit(0);
		}
		assert_true(kids[i] > 0);
	}
	for (i = 0; i < 8; i++)
		assert_int_equal(waitpid(kids[i], &status, 0), kids[i]);
	assert_int_equal(stat(f->events, &st), 0);
	assert_true(st.st_size <= BG_RECEVENT_MAX_BYTES);
	assert_true(st.st_size > BG_RECEVENT_MAX_BYTES - 2000);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(bg_recevent_drain(f->cfg, ID, getuid(), &f->tmpl), BG_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_recevent_append_then_drain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recevent_hostile_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recevent_cap_and_unsafe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recevent_cap_holds_under_concurrency, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("recevent", tests, NULL, NULL);
}
