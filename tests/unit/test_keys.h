/* What the two files of test_keys share: the fixture (one generated
 * pair of each type, also as hex) and a scratch-path helper. */
#ifndef BREAKGLASS_TESTS_TEST_KEYS_H
#define BREAKGLASS_TESTS_TEST_KEYS_H

#include "breakglass/evidence/keys.h"

struct material {
	struct bg_keypair *k;
	char id[33], pk[65], sk[129];
};

struct fixture {
	char *dir;
	struct material m[2];   /* [0] auditor, [1] host */
};

/* dir/name, malloc'ed. */
char *path_in(const struct fixture *f, const char *name);

/* test_keys_hostile.c: key files that must be refused, or not. */
void test_keys_hostile_files(void **state);

#endif
