/* Tests for grant files written at session open and read by the recorder
 * (lib/evidence/grant.c): ids, writing, modes and removal; hostile files
 * to read are in test_grant_hostile.c, the JSON forms in test_grant_json.c. */
#include "config.h"

#include <grp.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "breakglass/evidence/grant.h"
#include "helpers.h"
#include "test_grant.h"

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = th_mkdtemp();
	assert_true(snprintf(f->run, sizeof(f->run), "%s/run", f->dir) < (int)sizeof(f->run));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	th_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* The group a root test can hand files to: nogroup, or 65534. */
gid_t other_gid(void)
{
	struct group *gr = getgrnam("nogroup");

	return gr != NULL ? gr->gr_gid : 65534;
}

static void fill(struct bg_grant *g, bool full)
{
	memset(g, 0, sizeof(*g));
	memcpy(g->session, ID, sizeof(g->session));
	g->user = (char *)"alice";
	g->uid = 1000;
	g->ticket = (char *)"INC-4711";
	g->justification = (char *)"primary db down, \"failover\" \\ r\xc3\xa9paration";
	g->approver = full ? (char *)"bob" : NULL;
	g->rhost = full ? (char *)"2001:db8::1" : NULL;
	g->tty = full ? (char *)"/dev/pts/3" : NULL;
	g->start = 1700000000;
	g->expires = 1700003600;
	g->login_pid = full ? 4242 : 0;
	g->login_start = full ? 987654321ULL : 0;
}

static void assert_opt_equal(const char *want, const char *got)
{
	if (want == NULL)
		assert_null(got);
	else
		assert_string_equal(want, got);
}

static void assert_grant_equal(const struct bg_grant *a, const struct bg_grant *b)
{
	assert_string_equal(a->session, b->session);
	assert_string_equal(a->user, b->user);
	assert_int_equal(a->uid, b->uid);
	assert_string_equal(a->ticket, b->ticket);
	assert_string_equal(a->justification, b->justification);
	assert_opt_equal(a->approver, b->approver);
	assert_opt_equal(a->rhost, b->rhost);
	assert_opt_equal(a->tty, b->tty);
	assert_int_equal(a->start, b->start);
	assert_int_equal(a->expires, b->expires);
	assert_int_equal(a->login_pid, b->login_pid);
	assert_int_equal(a->login_start, b->login_start);
}

static void test_grant_id_valid_table(void **state)
{
	static const struct {
		const char *id;
		bool ok;
	} cases[] = {
		{ ID, true },
		{ "00000000000000000000000000000000", true },
		{ "ffffffffffffffffffffffffffffffff", true },
		{ "0123456789abcdef0123456789abcde", false },    /* 31 */
		{ "0123456789abcdef0123456789abcdef0", false },  /* 33 */
		{ "0123456789ABCDEF0123456789abcdef", false },
		{ "0123456789abcdeg0123456789abcdef", false },
		{ "", false },
		{ "../x", false },
		{ "../0123456789abcdef0123456789abc", false },
		{ " 123456789abcdef0123456789abcdef", false },
		{ "0123456789abcdef0123456789abcde\n", false },
	};
	char buf[BG_SESSION_ID_LEN + 2];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("id case %zu\n", i);
		assert_int_equal(bg_grant_id_valid(cases[i].id), cases[i].ok);
	}
	/* A NUL inside must end the id early, not be skipped over. */
	memcpy(buf, ID, BG_SESSION_ID_LEN + 1);
	buf[10] = '\0';
	assert_false(bg_grant_id_valid(buf));
	memcpy(buf, ID "0", BG_SESSION_ID_LEN + 2);
	buf[BG_SESSION_ID_LEN] = '\0';
	assert_true(bg_grant_id_valid(buf));
}

static int cmp_id(const void *a, const void *b)
{
	return memcmp(a, b, BG_SESSION_ID_LEN + 1);
}

static void test_grant_new_ids_valid_and_distinct(void **state)
{
	enum { N = 1000 };
	char (*ids)[BG_SESSION_ID_LEN + 1] = calloc(N, sizeof(*ids));
	size_t i;

	(void)state;
	assert_non_null(ids);
	for (i = 0; i < N; i++) {
		assert_int_equal(bg_grant_new_id(ids[i]), BG_OK);
		assert_true(bg_grant_id_valid(ids[i]));
	}
	qsort(ids, N, sizeof(*ids), cmp_id);
	for (i = 1; i < N; i++)
		assert_string_not_equal(ids[i - 1], ids[i]);
	free(ids);
}

static void round_trip(struct fixture *f, bool full)
{
	struct bg_grant g, *got;

	fill(&g, full);
	assert_int_equal(bg_grant_write(f->run, &g, (gid_t)-1), BG_OK);
	assert_int_equal(bg_grant_read(f->run, ID, geteuid(), &got), BG_OK);
	assert_grant_equal(&g, got);
	bg_grant_free(got);
}

static void test_grant_round_trip_all_fields(void **state)
{
	round_trip(*state, true);
}

static void test_grant_round_trip_optional_fields_null(void **state)
{
	round_trip(*state, false);
}

static void test_grant_rewrite_replaces(void **state)
{
	struct fixture *f = *state;
	struct bg_grant g, *got;

	fill(&g, true);
	assert_int_equal(bg_grant_write(f->run, &g, (gid_t)-1), BG_OK);
	g.expires = g.start + 60;
	g.approver = NULL;
	assert_int_equal(bg_grant_write(f->run, &g, (gid_t)-1), BG_OK);
	assert_int_equal(bg_grant_read(f->run, ID, geteuid(), &got), BG_OK);
	assert_grant_equal(&g, got);
	bg_grant_free(got);
}

static void test_grant_file_mode_and_new_run_dir(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX];
	struct bg_grant g;
	struct stat st;
	mode_t old = umask(077);
	int r;

	fill(&g, true);
	r = bg_grant_write(f->run, &g, (gid_t)-1);
	umask(old);
	assert_int_equal(r, BG_OK);
	assert_int_equal(lstat(f->run, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0750);
	assert_true(snprintf(path, sizeof(path), "%s/%s.json", f->run, ID) < (int)sizeof(path));
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(st.st_uid, geteuid());
}

static void test_grant_existing_run_dir_left_alone(void **state)
{
	struct fixture *f = *state;
	struct bg_grant g;
	struct stat st;

	assert_int_equal(mkdir(f->run, 0700), 0);
	assert_int_equal(chmod(f->run, 0711), 0);
	fill(&g, false);
	assert_int_equal(bg_grant_write(f->run, &g, (gid_t)-1), BG_OK);
	assert_int_equal(stat(f->run, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0711);
}

static void test_grant_write_sets_group(void **state)
{
	struct fixture *f = *state;
	gid_t gid = geteuid() == 0 ? other_gid() : getegid();
	char path[PATH_MAX];
	struct bg_grant g;
	struct stat st;

	fill(&g, true);
	assert_true(snprintf(path, sizeof(path), "%s/%s.json", f->run, ID) < (int)sizeof(path));
	if (geteuid() != 0) {
		/* Unprivileged: -1 leaves the group as the system chose it. */
		assert_int_equal(bg_grant_write(f->run, &g, (gid_t)-1), BG_OK);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_gid, getegid());
		assert_int_equal(bg_grant_remove(f->run, ID), BG_OK);
	}
	/* Root hands the file to another group; others only to their own. */
	assert_int_equal(bg_grant_write(f->run, &g, gid), BG_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_gid, gid);
	assert_int_equal(st.st_mode & 07777, 0640);
	if (geteuid() == 0) {
		assert_int_equal(stat(f->run, &st), 0);
		assert_int_equal(st.st_gid, gid);
	}
}

static void test_grant_read_missing_is_enoent(void **state)
{
	struct fixture *f = *state;
	struct bg_grant *got = (struct bg_grant *)1;

	assert_int_equal(bg_grant_read(f->dir, ID, geteuid(), &got), BG_ENOENT);
	assert_null(got);
}

static void test_grant_bad_id_refused(void **state)
{
	struct fixture *f = *state;
	struct bg_grant g, *got;
	struct stat st;

	/* A session id that could name another file must not be used. */
	assert_int_equal(bg_grant_read(f->dir, "../x", geteuid(), &got), BG_EINVAL);
	assert_null(got);
	assert_int_equal(bg_grant_remove(f->dir, "../x"), BG_EINVAL);
	fill(&g, true);
	memcpy(g.session, "../../../../tmp/x", 18);
	assert_int_equal(bg_grant_write(f->run, &g, (gid_t)-1), BG_EINVAL);
	assert_int_equal(lstat(f->run, &st), -1);
}

static void test_grant_remove_then_enoent(void **state)
{
	struct fixture *f = *state;
	struct bg_grant g, *got;

	fill(&g, true);
	assert_int_equal(bg_grant_write(f->run, &g, (gid_t)-1), BG_OK);
	assert_int_equal(bg_grant_remove(f->run, ID), BG_OK);
	assert_int_equal(bg_grant_read(f->run, ID, geteuid(), &got), BG_ENOENT);
	assert_int_equal(bg_grant_remove(f->run, ID), BG_ENOENT);
}

static void test_grant_remove_denied_is_not_enoent(void **state)
{
	struct fixture *f = *state;
	struct bg_grant g, *got;
	int r;

	if (geteuid() == 0) {
		print_message("root ignores directory permissions, skipped\n");
		skip();
	}
	fill(&g, false);
	assert_int_equal(bg_grant_write(f->run, &g, (gid_t)-1), BG_OK);
	/* A grant that could not be removed is still there: not "gone". */
	assert_int_equal(chmod(f->run, 0500), 0);
	r = bg_grant_remove(f->run, ID);
	assert_int_equal(chmod(f->run, 0700), 0);
	assert_int_equal(r, BG_EIO);
	assert_int_equal(bg_grant_read(f->run, ID, geteuid(), &got), BG_OK);
	bg_grant_free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grant_id_valid_table),
		cmocka_unit_test(test_grant_new_ids_valid_and_distinct),
		cmocka_unit_test_setup_teardown(test_grant_round_trip_all_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grant_round_trip_optional_fields_null, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grant_rewrite_replaces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grant_file_mode_and_new_run_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grant_existing_run_dir_left_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grant_write_sets_group, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grant_read_missing_is_enoent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grant_bad_id_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grant_remove_then_enoent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grant_remove_denied_is_not_enoent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grant_read_hostile_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grant_large_under_limit_accepted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grant_foreign_owner_refused_as_root, setup, teardown),
		cmocka_unit_test(test_grant_json_bytes_of_both_forms),
		cmocka_unit_test(test_grant_json_leaves_out_missing_optionals),
		cmocka_unit_test(test_grant_json_login_process_file_only),
		cmocka_unit_test_setup_teardown(test_grant_json_is_what_the_file_holds, setup, teardown),
		cmocka_unit_test(test_grant_json_refuses_missing_or_bad_members),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
