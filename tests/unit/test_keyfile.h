/* What the files of test_keyfile share: the fixture (one generated
 * pair of each type, also as hex) and a scratch-path helper. */
#ifndef BREAKGLASS_TESTS_TEST_KEYFILE_H
#define BREAKGLASS_TESTS_TEST_KEYFILE_H

#include "breakglass/evidence/keyfile.h"

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

/* test_keyfile_text.c: the text of key files. */
void test_keyfile_type_names(void **state);
void test_keyfile_text_is_exact(void **state);
void test_keyfile_parse_reads_back_what_text_writes(void **state);
void test_keyfile_mix_ups_are_named(void **state);

/* test_keyfile_hostile.c: key files that must be refused, or not. */
void test_keyfile_hostile_files(void **state);

#endif
