/* Tests for lib/login/revoke.c: revocation files as breakglassctl writes
 * them and the recorder reads them, their meta event, and a table of
 * hostile files and reasons. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "breakglass/login/revoke.h"
#include "helpers.h"

#define ID "0123456789abcdef0123456789abcdef"

static struct bg_revocation sample(void)
{
	return (struct bg_revocation){ .by = (char *)"alice", .by_uid = 1000,
				       .reason = (char *)"incident INC-7 closed", .at = 1765152000 };
}

/* Written by root, read back the same; the meta event names who and why. */
static void test_revoke_round_trip_and_meta(void **state)
{
	char *dir = th_mkdtemp(), *meta, path[4200];
	struct bg_revocation rv = sample(), *got;
	struct stat st;

	(void)state;
	assert_int_equal(bg_revoke_read(dir, ID, getuid(), &got), BG_ENOENT);
	assert_null(got);
	assert_int_equal(bg_revoke_write(dir, ID, &rv, (gid_t)-1), BG_OK);
	(void)snprintf(path, sizeof(path), "%s/%s.revoked", dir, ID);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(bg_revoke_read(dir, ID, getuid(), &got), BG_OK);
	assert_string_equal(got->by, "alice");
	assert_int_equal(got->by_uid, 1000);
	assert_string_equal(got->reason, "incident INC-7 closed");
	assert_int_equal(got->at, 1765152000);
	assert_int_equal(bg_revoke_meta(got, &meta), BG_OK);
	assert_string_equal(meta, "{\"revoked\":{\"by\":\"alice\",\"by_uid\":1000,"
			    "\"reason\":\"incident INC-7 closed\",\"time\":\"2025-12-08T00:00:00Z\"}}");
	free(meta);
	bg_revoke_free(got);
	/* Another session's id reads nothing; removal is idempotent. */
	assert_int_equal(bg_revoke_read(dir, "ffffffffffffffffffffffffffffffff", getuid(), &got),
			 BG_ENOENT);
	assert_int_equal(bg_revoke_remove(dir, ID), BG_OK);
	assert_int_equal(bg_revoke_remove(dir, ID), BG_OK);
	assert_int_equal(bg_revoke_read(dir, ID, getuid(), &got), BG_ENOENT);
	th_rmtree(dir);
	free(dir);
}

/* What the writer refuses: bad ids, reasons that could forge a line or
 * drive the user's terminal, a missing actor. */
static void test_revoke_write_refuses_bad_members(void **state)
{
	static const char *const reasons[] = {
		"", " padded", "two\nlines", "bell\a", "esc \x1b[2J clear", "\xc3\x28 bad utf-8",
		"bidi \xe2\x80\xae override", "cr\r",
	};
	char *dir = th_mkdtemp(), longer[BG_REVOKE_REASON_MAX + 2];
	struct bg_revocation rv = sample(), *got;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		rv.reason = (char *)reasons[i];
		assert_non_null(bg_revoke_reason_problem(reasons[i]));
		assert_int_equal(bg_revoke_write(dir, ID, &rv, (gid_t)-1), BG_EINVAL);
	}
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	assert_non_null(bg_revoke_reason_problem(longer));
	longer[BG_REVOKE_REASON_MAX] = '\0';
	assert_null(bg_revoke_reason_problem(longer));
	rv = sample();
	rv.by = (char *)"";
	assert_int_equal(bg_revoke_write(dir, ID, &rv, (gid_t)-1), BG_EINVAL);
	rv.by = (char *)"x\x1b";
	assert_int_equal(bg_revoke_write(dir, ID, &rv, (gid_t)-1), BG_EINVAL);
	rv = sample();
	assert_int_equal(bg_revoke_write(dir, "../etc/passwd", &rv, (gid_t)-1), BG_EINVAL);
	assert_int_equal(bg_revoke_write(dir, "0123456789ABCDEF0123456789ABCDEF", &rv, (gid_t)-1),
			 BG_EINVAL);
	assert_int_equal(bg_revoke_read(dir, ID, getuid(), &got), BG_ENOENT);
	th_rmtree(dir);
	free(dir);
}

/* Hostile files in run_dir: each is refused whole, never half read. */
static void test_revoke_read_refuses_hostile_files(void **state)
{
	static const char *const files[] = {
		"", "{", "null", "[]", "{\"version\":1}",
		/* another session's revocation under this name */
		"{\"version\":1,\"session\":\"ffffffffffffffffffffffffffffffff\",\"by\":\"a\","
		"\"by_uid\":0,\"reason\":\"r\",\"time\":1}",
		"{\"version\":2,\"session\":\"" ID "\",\"by\":\"a\",\"by_uid\":0,\"reason\":\"r\",\"time\":1}",
		"{\"version\":1,\"session\":\"" ID "\",\"by\":\"a\",\"by_uid\":0,\"reason\":\"r\",\"time\":1,"
		"\"extra\":1}",
		"{\"version\":1,\"session\":\"" ID "\",\"by\":\"a\",\"by_uid\":0,\"reason\":\"r\",\"time\":1,"
		"\"time\":2}",
		"{\"version\":1,\"session\":\"" ID "\",\"by\":\"a\",\"by_uid\":0,\"reason\":\"\\u001b[2J\","
		"\"time\":1}",
		"{\"version\":1,\"session\":\"" ID "\",\"by\":\"a\",\"by_uid\":0,\"reason\":\"a\\nb\",\"time\":1}",
		"{\"version\":1,\"session\":\"" ID "\",\"by\":\"a\",\"by_uid\":0,\"reason\":\"r\\u0000s\","
		"\"time\":1}",
		"{\"version\":1,\"session\":\"" ID "\",\"by\":\"a\",\"by_uid\":-7,\"reason\":\"r\",\"time\":1}",
		"{\"version\":1,\"session\":\"" ID "\",\"by\":\"a\",\"by_uid\":0,\"reason\":\"r\",\"time\":-1}",
		"{\"version\":1,\"session\":\"" ID "\",\"by\":\"a\",\"by_uid\":0,\"reason\":7,\"time\":1}",
		"{\"version\":1,\"session\":\"" ID "\",\"by\":\"a\",\"by_uid\":0,\"reason\":\"r\",\"time\":1",
	};
	char *dir = th_mkdtemp(), name[64];
	struct bg_revocation *got;
	size_t i;

	(void)state;
	(void)snprintf(name, sizeof(name), "%s.revoked", ID);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		free(th_write_str(dir, name, files[i]));
		assert_int_equal(bg_revoke_read(dir, ID, getuid(), &got), BG_EINVAL);
		assert_null(got);
	}
	/* The same bytes, good, are read: the table's rows fail for their flaw. */
	free(th_write_str(dir, name, "{\"version\":1,\"session\":\"" ID "\",\"by\":\"a\","
			  "\"by_uid\":0,\"reason\":\"r\",\"time\":1}"));
	assert_int_equal(bg_revoke_read(dir, ID, getuid(), &got), BG_OK);
	bg_revoke_free(got);
	th_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_revoke_round_trip_and_meta),
		cmocka_unit_test(test_revoke_write_refuses_bad_members),
		cmocka_unit_test(test_revoke_read_refuses_hostile_files),
	};

	return cmocka_run_group_tests_name("revoke", tests, NULL, NULL);
}
