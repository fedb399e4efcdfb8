/* Tests for trusted-file checks and reads (lib/safefile.c); writing and
 * making directories are tested in test_safefile_write.c. */
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

#include "breakglass/base/safefile.h"
#include "helpers.h"
#include "test_safefile.h"

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = th_mkdtemp();
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

static void expect_unsafe(const char *path, const char *needle)
{
	struct bg_safefile_why why;
	char *data = NULL;
	size_t len;

	assert_int_equal(bg_safefile_check(path, geteuid(), &why), BG_EUNSAFE);
	print_message("why: %s\n", why.text);
	assert_non_null(strstr(why.text, needle));
	assert_int_equal(bg_safefile_read(path, geteuid(), 4096, &data, &len, &why),
			 BG_EUNSAFE);
	assert_null(data);
	assert_non_null(strstr(why.text, needle));
}

static void test_safefile_reads_private_file(void **state)
{
	struct fixture *f = *state;
	struct bg_safefile_why why;
	char *p = th_write_str(f->dir, "c.json", "{\"a\": 1}"), *data;
	size_t len;

	assert_int_equal(bg_safefile_check(p, geteuid(), &why), BG_OK);
	assert_int_equal(bg_safefile_read(p, geteuid(), 4096, &data, &len, &why), BG_OK);
	assert_int_equal(len, 8);
	assert_string_equal(data, "{\"a\": 1}");
	free(data);
	free(p);
}

static void test_safefile_world_readable_is_fine(void **state)
{
	struct fixture *f = *state;
	struct bg_safefile_why why;
	char *p = th_write(f->dir, "pub", "k", 1, 0644);

	assert_int_equal(bg_safefile_check(p, geteuid(), &why), BG_OK);
	free(p);
}

static void test_safefile_empty_file_reads_as_empty_string(void **state)
{
	struct fixture *f = *state;
	struct bg_safefile_why why;
	char *p = th_write(f->dir, "empty", "", 0, 0600), *data;
	size_t len = 99;

	assert_int_equal(bg_safefile_read(p, geteuid(), 10, &data, &len, &why), BG_OK);
	assert_int_equal(len, 0);
	assert_non_null(data);
	assert_string_equal(data, "");
	free(data);
	free(p);
}

static void test_safefile_group_or_other_writable_refused(void **state)
{
	struct fixture *f = *state;
	char *g = th_write(f->dir, "g", "x", 1, 0620);
	char *o = th_write(f->dir, "o", "x", 1, 0602);

	expect_unsafe(g, "writable by group or others (mode 0620)");
	expect_unsafe(o, "writable by group or others (mode 0602)");
	free(g);
	free(o);
}

static void test_safefile_symlink_refused(void **state)
{
	struct fixture *f = *state;
	char *p = th_write(f->dir, "real", "x", 1, 0600), link[4096];

	assert_true(snprintf(link, sizeof(link), "%s/link", f->dir) < (int)sizeof(link));
	assert_int_equal(symlink(p, link), 0);
	expect_unsafe(link, "symbolic link");
	free(p);
}

static void test_safefile_directory_and_fifo_refused(void **state)
{
	struct fixture *f = *state;
	char fifo[4096];

	assert_true(snprintf(fifo, sizeof(fifo), "%s/fifo", f->dir) < (int)sizeof(fifo));
	assert_int_equal(mkfifo(fifo, 0600), 0);
	/* Opening a FIFO must not block waiting for a writer. */
	expect_unsafe(fifo, "not a regular file");
	expect_unsafe(f->dir, "not a regular file");
}

static void test_safefile_missing_is_enoent(void **state)
{
	struct fixture *f = *state;
	struct bg_safefile_why why;
	char path[4096], *data;
	size_t len;

	assert_true(snprintf(path, sizeof(path), "%s/none", f->dir) < (int)sizeof(path));
	assert_int_equal(bg_safefile_check(path, geteuid(), &why), BG_ENOENT);
	assert_int_equal(bg_safefile_read(path, geteuid(), 10, &data, &len, &why), BG_ENOENT);
	assert_true(snprintf(path, sizeof(path), "%s/nodir/none", f->dir) < (int)sizeof(path));
	assert_int_equal(bg_safefile_check(path, geteuid(), &why), BG_ENOENT);
}

static void test_safefile_too_big_refused(void **state)
{
	struct fixture *f = *state;
	struct bg_safefile_why why;
	char *p = th_write(f->dir, "big", "0123456789", 10, 0600), *data;
	size_t len;

	assert_int_equal(bg_safefile_read(p, geteuid(), 9, &data, &len, &why), BG_ETOOBIG);
	assert_null(data);
	assert_non_null(strstr(why.text, "limit of 9 bytes"));
	assert_int_equal(bg_safefile_read(p, geteuid(), 10, &data, &len, &why), BG_OK);
	free(data);
	free(p);
}

static void test_safefile_writable_parent_refused(void **state)
{
	struct fixture *f = *state;
	char *p = th_write(f->dir, "c", "x", 1, 0600);
	struct bg_safefile_why why;

	assert_int_equal(chmod(f->dir, 0770), 0);
	expect_unsafe(p, "directory is writable by group or others (mode 0770)");
	/* A sticky world-writable directory (like /tmp) protects our file. */
	assert_int_equal(chmod(f->dir, 01777), 0);
	assert_int_equal(bg_safefile_check(p, geteuid(), &why), BG_OK);
	assert_int_equal(chmod(f->dir, 0700), 0);
	free(p);
}

static void test_safefile_foreign_owner_refused(void **state)
{
	struct fixture *f = *state;
	char *p = th_write(f->dir, "c", "x", 1, 0600);
	struct bg_safefile_why why;

	if (geteuid() == 0) {
		/* Root: a file of another user is not trusted for uid 0. */
		assert_int_equal(chown(p, 65534, 65534), 0);
		assert_int_equal(bg_safefile_check(p, 0, &why), BG_EUNSAFE);
		assert_non_null(strstr(why.text, "owned by uid 65534, not by root or uid 0"));
	} else {
		/* Our own file is not trusted on behalf of another account. */
		assert_int_equal(bg_safefile_check(p, geteuid() + 1, &why), BG_EUNSAFE);
		assert_non_null(strstr(why.text, "owned by uid"));
	}
	free(p);
}

static void test_safefile_relative_path(void **state)
{
	struct fixture *f = *state;
	struct bg_safefile_why why;
	char *p = th_write(f->dir, "rel", "x", 1, 0600), cwd[4096];

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(f->dir), 0);
	assert_int_equal(bg_safefile_check("rel", geteuid(), &why), BG_OK);
	assert_int_equal(chdir(cwd), 0);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_safefile_reads_private_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_safefile_world_readable_is_fine, setup, teardown),
		cmocka_unit_test_setup_teardown(test_safefile_empty_file_reads_as_empty_string, setup, teardown),
		cmocka_unit_test_setup_teardown(test_safefile_group_or_other_writable_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_safefile_symlink_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_safefile_directory_and_fifo_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_safefile_missing_is_enoent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_safefile_too_big_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_safefile_writable_parent_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_safefile_foreign_owner_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_safefile_relative_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_safefile_write_atomic_creates_with_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_safefile_write_atomic_sets_group, setup, teardown),
		cmocka_unit_test_setup_teardown(test_safefile_write_atomic_replaces_existing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_safefile_write_atomic_empty_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_safefile_write_atomic_unwritable_dir_keeps_old, setup, teardown),
		cmocka_unit_test_setup_teardown(test_safefile_write_atomic_onto_directory_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_safefile_write_new_creates_with_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_safefile_write_new_never_replaces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_safefile_write_new_missing_dir_eio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_safefile_write_through_symlinked_dir_unsafe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_safefile_write_owned_sets_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_safefile_mkdir_exact_mode_despite_umask, setup, teardown),
		cmocka_unit_test_setup_teardown(test_safefile_mkdir_existing_left_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_safefile_mkdir_over_file_or_symlink_unsafe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_safefile_mkdir_missing_parent_enoent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_safefile_foreign_group_refused_leaves_nothing, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
