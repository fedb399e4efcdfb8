/* What the two files of test_state share: the fixture and a config with
 * its lockout settings. */
#ifndef BREAKGLASS_TESTS_TEST_STATE_H
#define BREAKGLASS_TESTS_TEST_STATE_H

#include "breakglass/config/conf.h"

struct fixture {
	char *dir;
	char state_dir[4096];
	struct bg_config *cfg;
};

/* A config whose state_dir is f's (not yet created), with this lockout. */
struct bg_config *load_cfg(struct fixture *f, long max, long window,
			   long lock);

/* test_state_files.c: files, names and directories refused. */
void test_state_hostile_files_refused(void **state);
void test_state_invalid_user_names_refused(void **state);
void test_state_unsafe_state_dir_refused(void **state);
void test_state_missing_parent_is_enoent(void **state);

#endif
