/* What the files of test_grant share: the session id used, the
 * fixture and a group to hand files to. */
#ifndef BREAKGLASS_TESTS_TEST_GRANT_H
#define BREAKGLASS_TESTS_TEST_GRANT_H

#include <limits.h>
#include <sys/types.h>

#define ID "0123456789abcdef0123456789abcdef"

struct fixture {
	char *dir;
	char run[PATH_MAX];     /* dir/run: not yet there */
};

/* The group a root test can hand files to: nogroup, or 65534. */
gid_t other_gid(void);

/* test_grant_hostile.c: files to read that must be refused, or not. */
void test_grant_read_hostile_files(void **state);
void test_grant_large_under_limit_accepted(void **state);
void test_grant_foreign_owner_refused_as_root(void **state);

/* test_grant_json.c: the two JSON forms of a grant. */
void test_grant_json_bytes_of_both_forms(void **state);
void test_grant_json_leaves_out_missing_optionals(void **state);
void test_grant_json_login_process_file_only(void **state);
void test_grant_json_is_what_the_file_holds(void **state);
void test_grant_json_refuses_missing_or_bad_members(void **state);

#endif
