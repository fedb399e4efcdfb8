/* Tests for the audit log's line (lib/audit/auditlog.c): its hash, the
 * check of one line, and the lock on the file. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "breakglass/audit/auditlog.h"
#include "helpers.h"

#define ZEROS BG_AUDITLOG_ZERO_HASH

/* head + the hash of head + "}" : a line as appending writes it. */
static void make_line(const char *head, char *line, size_t cap)
{
	char hex[BG_AUDITLOG_HEX_LEN + 1];

	bg_auditlog_hash(head, strlen(head), hex);
	assert_true(snprintf(line, cap, "%s%s%s\"}", head, BG_AUDITLOG_HASH_KEY, hex) <
		    (int)cap);
}

/* BLAKE2b-256 of "abc", computed with Python's hashlib, not libsodium. */
static void test_auditlog_hash_is_blake2b_256(void **state)
{
	char hex[BG_AUDITLOG_HEX_LEN + 1];

	(void)state;
	assert_string_equal(bg_auditlog_hash("abc", 3, hex),
			    "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
	assert_int_equal(strlen(ZEROS), BG_AUDITLOG_HEX_LEN);
}

static void test_auditlog_check_names_what_is_wrong(void **state)
{
	char line[512], hash[BG_AUDITLOG_HEX_LEN + 1], prev[BG_AUDITLOG_HEX_LEN + 1];
	char want[BG_AUDITLOG_HEX_LEN + 1];

	(void)state;
	make_line("{\"event\":\"auth\",\"prev\":\"" ZEROS "\"", line, sizeof(line));
	assert_null(bg_auditlog_check(line, strlen(line), hash, prev));
	assert_string_equal(prev, ZEROS);
	bg_auditlog_hash(line, strlen(line) - BG_AUDITLOG_HASH_KEY_LEN - BG_AUDITLOG_HEX_LEN - 2,
			 want);
	assert_string_equal(hash, want);
	/* one byte changed before the hash */
	line[3] = 'E';
	assert_string_equal(bg_auditlog_check(line, strlen(line), hash, prev), "hash mismatch");
	make_line("{\"event\":\"auth\"", line, sizeof(line));
	assert_string_equal(bg_auditlog_check(line, strlen(line), hash, prev), "no prev");
	assert_string_equal(bg_auditlog_check("{\"prev\":1}", 10, hash, prev), "no hash");
	assert_string_equal(bg_auditlog_check("[1]", 3, hash, prev), "not JSON");
	assert_string_equal(bg_auditlog_check("{", 1, hash, prev), "not JSON");
}

/* An exclusive lock keeps out a second one, shared or not, until released. */
static void test_auditlog_lock_excludes(void **state)
{
	char *dir = th_mkdtemp(), *path = th_write_str(dir, "log", "");
	int a = open(path, O_RDONLY | O_CLOEXEC), b = open(path, O_RDONLY | O_CLOEXEC);

	(void)state;
	assert_true(a >= 0 && b >= 0);
	assert_int_equal(bg_auditlog_lock(a, LOCK_EX), BG_OK);
	assert_int_equal(bg_auditlog_lock(b, LOCK_SH | LOCK_NB), BG_EIO);
	assert_int_equal(bg_auditlog_lock(a, LOCK_UN), BG_OK);
	assert_int_equal(bg_auditlog_lock(b, LOCK_SH | LOCK_NB), BG_OK);
	close(a);
	close(b);
	th_rmtree(dir);
	free(dir);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auditlog_hash_is_blake2b_256),
		cmocka_unit_test(test_auditlog_check_names_what_is_wrong),
		cmocka_unit_test(test_auditlog_lock_excludes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
