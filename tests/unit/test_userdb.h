/* What the two files of test_userdb share: the fixture and an enrolled
 * alice. */
#ifndef BREAKGLASS_TESTS_TEST_USERDB_H
#define BREAKGLASS_TESTS_TEST_USERDB_H

#include <limits.h>

#include "breakglass/config/conf.h"
#include "breakglass/login/recovery.h"
#include "breakglass/login/userdb.h"

struct fixture {
	char *dir;
	char users[PATH_MAX];
	struct bg_config *cfg;
};

/* A saved record for alice, with its plain codes. */
struct bg_user *enroll(struct fixture *f, struct bg_recovery_codes *codes);

/* test_userdb_files.c: hostile and unsafe record files. */
void test_userdb_hostile_files(void **state);
void test_userdb_unsafe_files(void **state);

#endif
