/* What the two files of test_safefile share: the fixture, a scratch
 * directory. */
#ifndef BREAKGLASS_TESTS_TEST_SAFEFILE_H
#define BREAKGLASS_TESTS_TEST_SAFEFILE_H

struct fixture {
	char *dir;
};

/* test_safefile_write.c: atomic writes and directories. */
void test_safefile_write_atomic_creates_with_mode(void **state);
void test_safefile_write_atomic_sets_group(void **state);
void test_safefile_write_atomic_replaces_existing(void **state);
void test_safefile_write_atomic_empty_data(void **state);
void test_safefile_write_atomic_unwritable_dir_keeps_old(void **state);
void test_safefile_write_atomic_onto_directory_fails(void **state);
void test_safefile_write_new_creates_with_mode(void **state);
void test_safefile_write_new_never_replaces(void **state);
void test_safefile_write_new_missing_dir_eio(void **state);
void test_safefile_mkdir_exact_mode_despite_umask(void **state);
void test_safefile_mkdir_existing_left_alone(void **state);
void test_safefile_mkdir_over_file_or_symlink_unsafe(void **state);
void test_safefile_mkdir_missing_parent_enoent(void **state);
void test_safefile_foreign_group_refused_leaves_nothing(void **state);
void test_safefile_write_through_symlinked_dir_unsafe(void **state);
void test_safefile_write_owned_sets_owner(void **state);

#endif
