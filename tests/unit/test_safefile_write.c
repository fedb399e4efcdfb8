/* Tests for lib/safefile.c's writers: files replaced atomically or made
 * new (never replacing anything) with exact modes and groups, and
 * directories made with exact modes. */
#include "config.h"

#include <dirent.h>
#include <grp.h>
#include <pwd.h>
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

/* The whole content of path, NUL-terminated, for comparisons. */
static char *slurp(const char *path)
{
	char *text = th_slurp(path, NULL);

	assert_non_null(text);
	return text;
}

/* Fails the test if a temporary file of write_atomic is left in dir. */
static void assert_no_tmp_left(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strstr(e->d_name, ".tmp.") != NULL)
			fail_msg("left behind: %s", e->d_name);
	closedir(d);
}

void test_safefile_write_atomic_creates_with_mode(void **state)
{
	struct fixture *f = *state;
	char path[4096], *got;
	struct stat st;
	mode_t old = umask(077);
	int r;

	assert_true(snprintf(path, sizeof(path), "%s/new", f->dir) < (int)sizeof(path));
	r = bg_safefile_write_atomic(path, "hello\n", 6, 0640, (gid_t)-1);
	umask(old);
	assert_int_equal(r, BG_OK);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(st.st_size, 6);
	got = slurp(path);
	assert_string_equal(got, "hello\n");
	free(got);
	assert_no_tmp_left(f->dir);
}

void test_safefile_write_atomic_sets_group(void **state)
{
	struct fixture *f = *state;
	struct group *gr = getgrnam("nogroup");
	gid_t gid = geteuid() != 0 ? getegid() : gr != NULL ? gr->gr_gid : 65534;
	char path[4096];
	struct stat st;

	/* Root gives the file away; others may only name their own group. */
	assert_true(snprintf(path, sizeof(path), "%s/g", f->dir) < (int)sizeof(path));
	assert_int_equal(bg_safefile_write_atomic(path, "x", 1, 0640, gid), BG_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_gid, gid);
	assert_int_equal(st.st_mode & 07777, 0640);
}

void test_safefile_write_atomic_replaces_existing(void **state)
{
	struct fixture *f = *state;
	char *p = th_write(f->dir, "f", "old content", 11, 0600), *got;
	struct stat before, after;

	assert_int_equal(stat(p, &before), 0);
	assert_int_equal(bg_safefile_write_atomic(p, "new", 3, 0644, (gid_t)-1), BG_OK);
	assert_int_equal(stat(p, &after), 0);
	/* A new inode: readers holding the old file never see a mix. */
	assert_true(after.st_ino != before.st_ino);
	assert_int_equal(after.st_mode & 07777, 0644);
	got = slurp(p);
	assert_string_equal(got, "new");
	free(got);
	assert_no_tmp_left(f->dir);
	free(p);
}

void test_safefile_write_atomic_empty_data(void **state)
{
	struct fixture *f = *state;
	char *p = th_write(f->dir, "f", "old", 3, 0600);
	struct stat st;

	assert_int_equal(bg_safefile_write_atomic(p, "", 0, 0600, (gid_t)-1), BG_OK);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, 0);
	free(p);
}

void test_safefile_write_atomic_unwritable_dir_keeps_old(void **state)
{
	struct fixture *f = *state;
	char *p = th_write(f->dir, "f", "old", 3, 0600), *got;

	if (geteuid() == 0) {
		free(p);
		print_message("root ignores directory permissions, skipped\n");
		skip();
	}
	assert_int_equal(chmod(f->dir, 0500), 0);
	assert_int_equal(bg_safefile_write_atomic(p, "new", 3, 0600, (gid_t)-1), BG_EIO);
	assert_int_equal(chmod(f->dir, 0700), 0);
	got = slurp(p);
	assert_string_equal(got, "old");
	free(got);
	assert_no_tmp_left(f->dir);
	free(p);
}

void test_safefile_write_atomic_onto_directory_fails(void **state)
{
	struct fixture *f = *state;
	char path[4096], *inside = NULL, *got;
	struct stat st;

	assert_true(snprintf(path, sizeof(path), "%s/d", f->dir) < (int)sizeof(path));
	assert_int_equal(mkdir(path, 0700), 0);
	inside = th_write(path, "keep", "old", 3, 0600);
	assert_int_equal(bg_safefile_write_atomic(path, "new", 3, 0600, (gid_t)-1), BG_EIO);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	got = slurp(inside);
	assert_string_equal(got, "old");
	free(got);
	assert_no_tmp_left(f->dir);
	free(inside);
}

void test_safefile_write_new_creates_with_mode(void **state)
{
	struct fixture *f = *state;
	char path[4096], *got;
	struct stat st;

	assert_true(snprintf(path, sizeof(path), "%s/new", f->dir) < (int)sizeof(path));
	assert_int_equal(bg_safefile_write_new(path, "secret\n", 7, 0600, (gid_t)-1), BG_OK);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_nlink, 1);       /* the temporary name is gone */
	got = slurp(path);
	assert_string_equal(got, "secret\n");
	free(got);
	assert_no_tmp_left(f->dir);
}

/* Whatever is at the path stays as it was: a file (same inode, same
 * bytes), a symbolic link, dangling or not (its target is not made), a
 * directory. */
void test_safefile_write_new_never_replaces(void **state)
{
	struct fixture *f = *state;
	char *p = th_write(f->dir, "f", "old", 3, 0600), *got, link[4096], target[4096], d[4096];
	struct stat before, after;

	assert_int_equal(lstat(p, &before), 0);
	assert_int_equal(bg_safefile_write_new(p, "new", 3, 0600, (gid_t)-1), BG_EUNSAFE);
	assert_int_equal(lstat(p, &after), 0);
	assert_int_equal(after.st_ino, before.st_ino);
	got = slurp(p);
	assert_string_equal(got, "old");
	free(got);

	assert_true(snprintf(link, sizeof(link), "%s/link", f->dir) < (int)sizeof(link));
	assert_true(snprintf(target, sizeof(target), "%s/target", f->dir) < (int)sizeof(target));
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(bg_safefile_write_new(link, "new", 3, 0600, (gid_t)-1), BG_EUNSAFE);
	assert_int_equal(lstat(target, &after), -1);
	assert_int_equal(lstat(link, &after), 0);
	assert_true(S_ISLNK(after.st_mode));
	assert_int_equal(unlink(link), 0);
	assert_int_equal(symlink(p, link), 0);
	assert_int_equal(bg_safefile_write_new(link, "new", 3, 0600, (gid_t)-1), BG_EUNSAFE);
	got = slurp(p);
	assert_string_equal(got, "old");
	free(got);

	assert_true(snprintf(d, sizeof(d), "%s/d", f->dir) < (int)sizeof(d));
	assert_int_equal(mkdir(d, 0700), 0);
	assert_int_equal(bg_safefile_write_new(d, "new", 3, 0600, (gid_t)-1), BG_EUNSAFE);
	assert_int_equal(lstat(d, &after), 0);
	assert_true(S_ISDIR(after.st_mode));
	assert_no_tmp_left(f->dir);
	free(p);
}

void test_safefile_write_new_missing_dir_eio(void **state)
{
	struct fixture *f = *state;
	char path[4096];

	assert_true(snprintf(path, sizeof(path), "%s/no/new", f->dir) < (int)sizeof(path));
	assert_int_equal(bg_safefile_write_new(path, "x", 1, 0600, (gid_t)-1), BG_EIO);
	assert_no_tmp_left(f->dir);
}

void test_safefile_mkdir_exact_mode_despite_umask(void **state)
{
	struct fixture *f = *state;
	char path[4096];
	struct stat st;
	mode_t old = umask(077);
	int r;

	assert_true(snprintf(path, sizeof(path), "%s/run", f->dir) < (int)sizeof(path));
	r = bg_safefile_mkdir(path, 0750, (gid_t)-1);
	umask(old);
	assert_int_equal(r, BG_OK);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0750);
}

void test_safefile_mkdir_existing_left_alone(void **state)
{
	struct fixture *f = *state;
	char path[4096];
	struct stat st;

	assert_true(snprintf(path, sizeof(path), "%s/run", f->dir) < (int)sizeof(path));
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(chmod(path, 0711), 0);
	assert_int_equal(bg_safefile_mkdir(path, 0750, (gid_t)-1), BG_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0711);
}

void test_safefile_mkdir_over_file_or_symlink_unsafe(void **state)
{
	struct fixture *f = *state;
	char *p = th_write(f->dir, "file", "x", 1, 0600), link[4096];

	assert_int_equal(bg_safefile_mkdir(p, 0750, (gid_t)-1), BG_EUNSAFE);
	/* A symlink to a directory is not the directory we asked for. */
	assert_true(snprintf(link, sizeof(link), "%s/link", f->dir) < (int)sizeof(link));
	assert_int_equal(symlink(f->dir, link), 0);
	assert_int_equal(bg_safefile_mkdir(link, 0750, (gid_t)-1), BG_EUNSAFE);
	free(p);
}

void test_safefile_mkdir_missing_parent_enoent(void **state)
{
	struct fixture *f = *state;
	char path[4096];
	struct stat st;

	assert_true(snprintf(path, sizeof(path), "%s/no/run", f->dir) < (int)sizeof(path));
	assert_int_equal(bg_safefile_mkdir(path, 0750, (gid_t)-1), BG_ENOENT);
	assert_int_equal(lstat(path, &st), -1);
}

void test_safefile_foreign_group_refused_leaves_nothing(void **state)
{
	struct fixture *f = *state;
	char *p = th_write(f->dir, "f", "old", 3, 0600), dir[4096], *got;
	struct stat st;

	if (geteuid() == 0) {
		free(p);
		print_message("root may use any group, skipped\n");
		skip();
	}
	/* Group 0 is not ours: the chown fails, and so must the call. */
	assert_int_equal(bg_safefile_write_atomic(p, "new", 3, 0640, 0), BG_EIO);
	got = slurp(p);
	assert_string_equal(got, "old");
	free(got);
	assert_no_tmp_left(f->dir);
	/* No directory with the wrong group may stay for the next call. */
	assert_true(snprintf(dir, sizeof(dir), "%s/run", f->dir) < (int)sizeof(dir));
	assert_int_equal(bg_safefile_mkdir(dir, 0750, 0), BG_EIO);
	assert_int_equal(lstat(dir, &st), -1);
	free(p);
}

/* The directory's last component is a symbolic link: refused, and
 * nothing is written where it leads (a name someone else controls must
 * not redirect a write). */
void test_safefile_write_through_symlinked_dir_unsafe(void **state)
{
	struct fixture *f = *state;
	char real[4096], link[4096], path[4200], there[4200];

	assert_true(snprintf(real, sizeof(real), "%s/real", f->dir) < (int)sizeof(real));
	assert_true(snprintf(link, sizeof(link), "%s/link", f->dir) < (int)sizeof(link));
	assert_true(snprintf(path, sizeof(path), "%s/x", link) < (int)sizeof(path));
	assert_true(snprintf(there, sizeof(there), "%s/x", real) < (int)sizeof(there));
	assert_int_equal(mkdir(real, 0700), 0);
	assert_int_equal(symlink(real, link), 0);
	assert_int_equal(bg_safefile_write_atomic(path, "a", 1, 0600, (gid_t)-1), BG_EUNSAFE);
	assert_int_equal(bg_safefile_write_new(path, "a", 1, 0600, (gid_t)-1), BG_EUNSAFE);
	assert_int_equal(bg_safefile_write_owned(path, "a", 1, 0600, geteuid(), (gid_t)-1),
			 BG_EUNSAFE);
	assert_int_equal(access(there, F_OK), -1);
	assert_no_tmp_left(real);
}

/* Owned by another account from the start (root), or refused with
 * nothing left behind (anyone else, who may not give files away). */
void test_safefile_write_owned_sets_owner(void **state)
{
	struct fixture *f = *state;
	/* Root gives to nobody; anyone else tries to give to root. */
	struct passwd *pw = getpwnam(geteuid() == 0 ? "nobody" : "root");
	char path[4096], dir[4096];
	struct stat st;
	int r;

	assert_non_null(pw);
	assert_true(snprintf(path, sizeof(path), "%s/owned", f->dir) < (int)sizeof(path));
	assert_true(snprintf(dir, sizeof(dir), "%s/ownd", f->dir) < (int)sizeof(dir));
	r = bg_safefile_write_owned(path, "abc", 3, 0600, pw->pw_uid, pw->pw_gid);
	if (geteuid() != 0) {
		assert_int_equal(r, BG_EIO);
		assert_int_equal(access(path, F_OK), -1);
		assert_no_tmp_left(f->dir);
		assert_int_equal(bg_safefile_mkdir_owned(dir, 0700, pw->pw_uid, pw->pw_gid),
				 BG_EIO);
		assert_int_equal(access(dir, F_OK), -1);
		return;
	}
	assert_int_equal(r, BG_OK);
	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_uid, pw->pw_uid);
	assert_int_equal(st.st_gid, pw->pw_gid);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_no_tmp_left(f->dir);
	assert_int_equal(bg_safefile_mkdir_owned(dir, 0700, pw->pw_uid, pw->pw_gid), BG_OK);
	assert_int_equal(lstat(dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_uid, pw->pw_uid);
	assert_int_equal(st.st_mode & 07777, 0700);
}
