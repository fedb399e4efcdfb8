/* What the two files of test_manifestread share, beside the fixture of
 * test_manifest.h. */
#ifndef BREAKGLASS_TESTS_TEST_MANIFESTREAD_H
#define BREAKGLASS_TESTS_TEST_MANIFESTREAD_H

/* test_manifestread_hostile.c: hand-made hostile files. */
void test_manifestread_hostile_files(void **state);

#endif
