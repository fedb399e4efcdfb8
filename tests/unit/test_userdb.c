/* Tests for enrollment records (lib/userdb.c): saving, loading, codes,
 * removal and names; hostile and unsafe files are in test_userdb_files.c,
 * the codes themselves in test_recovery.c. */
#include "config.h"

#include <errno.h>
#include <dirent.h>
#include <limits.h>
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

#include <sodium.h>

#include "breakglass/base/buf.h"
#include "breakglass/config/conf.h"
#include "breakglass/login/totp.h"
#include "breakglass/login/userdb.h"
#include "helpers.h"
#include "test_userdb.h"

static struct bg_config *config_with_users_dir(const char *dir, const char *users)
{
	struct bg_config *cfg;
	char text[3 * PATH_MAX], *key = th_config_key(dir);

	assert_true(snprintf(text, sizeof(text),
			     "{\"paths\": {\"users_dir\": \"%s\", \"host_key\": \"%s\","
			     " \"auditor_keys\": [\"%s\"]}}", users, key, key)
		    < (int)sizeof(text));
	cfg = th_config_json(dir, text);
	free(key);
	return cfg;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = th_mkdtemp();
	assert_true(snprintf(f->users, sizeof(f->users), "%s/users", f->dir)
		    < (int)sizeof(f->users));
	f->cfg = config_with_users_dir(f->dir, f->users);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	bg_config_free(f->cfg);
	th_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* A saved record for alice, with its plain codes. */
struct bg_user *enroll(struct fixture *f, struct bg_recovery_codes *codes)
{
	struct bg_user *u;

	assert_int_equal(bg_userdb_new("alice", &u, codes), BG_OK);
	assert_int_equal(bg_userdb_save(f->cfg, u), BG_OK);
	return u;
}

static size_t entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static void test_userdb_round_trip(void **state)
{
	struct fixture *f = *state;
	struct bg_recovery_codes codes;
	struct bg_user *u, *back;
	char path[PATH_MAX];
	struct stat st;
	mode_t old;
	size_t i;

	/* Modes are set explicitly, whatever the umask. */
	old = umask(0277);
	u = enroll(f, &codes);
	umask(old);
	assert_int_equal(bg_userdb_load(f->cfg, "alice", geteuid(), &back), BG_OK);
	assert_string_equal(back->name, "alice");
	assert_int_equal(back->created, u->created);
	assert_int_equal(bg_secret_len(back->key), BG_TOTP_SECRET_BYTES);
	assert_true(bg_secret_equal(back->key, bg_secret_data(u->key), BG_TOTP_SECRET_BYTES));
	for (i = 0; i < BG_RECOVERY_CODES; i++) {
		assert_non_null(back->recovery[i]);
		assert_string_equal(back->recovery[i], u->recovery[i]);
		assert_true(strncmp(back->recovery[i], "$argon2id$", 10) == 0);
		assert_null(strstr(back->recovery[i], bg_recovery_code(&codes, i)));
	}
	assert_int_equal(bg_userdb_path(f->cfg, "alice", path, sizeof(path)), BG_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(stat(f->users, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(entries(f->users), 1);         /* no temp file left */
	bg_userdb_free(back);
	bg_userdb_free(u);
	bg_recovery_codes_free(&codes);
}

static void test_userdb_used_code_stays_used_after_save(void **state)
{
	struct fixture *f = *state;
	struct bg_recovery_codes codes;
	struct bg_user *u, *back;
	size_t i;

	u = enroll(f, &codes);
	assert_int_equal(bg_userdb_load(f->cfg, "alice", geteuid(), &back), BG_OK);
	assert_int_equal(bg_recovery_use(back->recovery, bg_recovery_code(&codes, 3)), BG_OK);
	assert_null(back->recovery[3]);
	assert_int_equal(bg_userdb_save(f->cfg, back), BG_OK);
	bg_userdb_free(back);
	/* Used stays used across save and load; the others stay usable. */
	assert_int_equal(bg_userdb_load(f->cfg, "alice", geteuid(), &back), BG_OK);
	assert_null(back->recovery[3]);
	assert_int_equal(bg_recovery_use(back->recovery, bg_recovery_code(&codes, 3)), BG_EAUTH);
	for (i = 0; i < BG_RECOVERY_CODES; i++)
		if (i != 3)
			assert_string_equal(back->recovery[i], u->recovery[i]);
	assert_int_equal(bg_recovery_use(back->recovery, bg_recovery_code(&codes, 7)), BG_OK);
	assert_null(back->recovery[7]);
	bg_userdb_free(back);
	bg_userdb_free(u);
	bg_recovery_codes_free(&codes);
}

static void test_userdb_new_codes_invalidate_old_ones(void **state)
{
	struct fixture *f = *state;
	struct bg_recovery_codes old, fresh;
	struct bg_user *u, *back;

	u = enroll(f, &old);
	assert_int_equal(bg_recovery_generate(u->recovery, &fresh), BG_OK);
	assert_int_equal(bg_userdb_save(f->cfg, u), BG_OK);
	assert_int_equal(bg_userdb_load(f->cfg, "alice", geteuid(), &back), BG_OK);
	/* The saved record holds only the new hashes. */
	assert_int_equal(bg_recovery_use(back->recovery, bg_recovery_code(&old, 0)), BG_EAUTH);
	assert_int_equal(bg_recovery_use(back->recovery, bg_recovery_code(&old, 9)), BG_EAUTH);
	assert_int_equal(bg_recovery_use(back->recovery, bg_recovery_code(&fresh, 9)), BG_OK);
	bg_userdb_free(back);
	bg_userdb_free(u);
	bg_recovery_codes_free(&old);
	bg_recovery_codes_free(&fresh);
}

static void test_userdb_remove_deletes_the_record(void **state)
{
	struct fixture *f = *state;
	struct bg_recovery_codes codes;
	struct bg_user *u, *back = (struct bg_user *)1;
	char path[PATH_MAX];
	struct stat st;

	u = enroll(f, &codes);
	assert_int_equal(bg_userdb_remove(f->cfg, "alice"), BG_OK);
	assert_int_equal(bg_userdb_path(f->cfg, "alice", path, sizeof(path)), BG_OK);
	assert_int_equal(lstat(path, &st), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(bg_userdb_load(f->cfg, "alice", geteuid(), &back), BG_ENOENT);
	assert_null(back);
	assert_int_equal(bg_userdb_remove(f->cfg, "alice"), BG_ENOENT);
	bg_userdb_free(u);
	bg_recovery_codes_free(&codes);
}

static void test_userdb_missing_user_is_enoent(void **state)
{
	struct fixture *f = *state;
	struct bg_user *u;

	/* users_dir does not exist yet, then exists without the file. */
	assert_int_equal(bg_userdb_load(f->cfg, "nobody", geteuid(), &u), BG_ENOENT);
	assert_int_equal(mkdir(f->users, 0700), 0);
	assert_int_equal(bg_userdb_load(f->cfg, "nobody", geteuid(), &u), BG_ENOENT);
	assert_null(u);
}

static void test_userdb_invalid_names_are_refused(void **state)
{
	static const char *const bad[] = {
		"../x", "%grp", "", "a/b", "-x", ".x", "..", "a b", "a\nb",
		"abcdefghijklmnopqrstuvwxyz0123456", "x\xc3\xa9",
	};
	struct fixture *f = *state;
	struct bg_recovery_codes codes;
	char path[PATH_MAX];
	struct bg_user *u;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("case %zu\n", i);
		assert_int_equal(bg_userdb_path(f->cfg, bad[i], path, sizeof(path)), BG_EINVAL);
		assert_int_equal(bg_userdb_load(f->cfg, bad[i], geteuid(), &u), BG_EINVAL);
		assert_int_equal(bg_userdb_new(bad[i], &u, &codes), BG_EINVAL);
		assert_int_equal(bg_userdb_remove(f->cfg, bad[i]), BG_EINVAL);
	}
	assert_int_equal(bg_userdb_path(f->cfg, "alice", path, 8), BG_ETRUNC);
}

static void test_userdb_save_needs_the_parent_of_users_dir(void **state)
{
	struct fixture *f = *state;
	struct bg_recovery_codes codes;
	struct bg_config *cfg;
	char users[PATH_MAX];
	struct bg_user *u;

	assert_true(snprintf(users, sizeof(users), "%s/missing/users", f->dir)
		    < (int)sizeof(users));
	cfg = config_with_users_dir(f->dir, users);
	assert_int_equal(bg_userdb_new("alice", &u, &codes), BG_OK);
	assert_int_equal(bg_userdb_save(cfg, u), BG_ENOENT);
	bg_config_free(cfg);
	bg_userdb_free(u);
	bg_recovery_codes_free(&codes);
}

/* The TOTP key passes through jansson when a record is saved and when it
 * is loaded: nothing jansson frees may still hold it. */
static void test_userdb_leaves_no_copy_in_freed_memory(void **state)
{
	struct fixture *f = *state;
	struct bg_recovery_codes codes;
	struct bg_user *u, *back;
	struct bg_buf b32;
	size_t freed, held;

	assert_int_equal(bg_userdb_new("alice", &u, &codes), BG_OK);
	bg_buf_init(&b32, 64);
	assert_int_equal(bg_totp_base32(bg_secret_data(u->key), bg_secret_len(u->key), &b32), BG_OK);
	th_json_watch(bg_buf_str(&b32), strlen(bg_buf_str(&b32)));
	assert_int_equal(bg_userdb_save(f->cfg, u), BG_OK);
	th_json_unwatch(&freed, &held);
	assert_true(freed > 0);
	assert_int_equal(held, 0);
	th_json_watch(bg_buf_str(&b32), strlen(bg_buf_str(&b32)));
	assert_int_equal(bg_userdb_load(f->cfg, "alice", geteuid(), &back), BG_OK);
	th_json_unwatch(&freed, &held);
	assert_true(freed > 0);
	assert_int_equal(held, 0);
	assert_true(bg_secret_equal(back->key, bg_secret_data(u->key), BG_TOTP_SECRET_BYTES));
	bg_buf_free(&b32);
	bg_userdb_free(back);
	bg_userdb_free(u);
	bg_recovery_codes_free(&codes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_userdb_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_userdb_used_code_stays_used_after_save, setup, teardown),
		cmocka_unit_test_setup_teardown(test_userdb_new_codes_invalidate_old_ones, setup, teardown),
		cmocka_unit_test_setup_teardown(test_userdb_remove_deletes_the_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_userdb_missing_user_is_enoent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_userdb_invalid_names_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_userdb_save_needs_the_parent_of_users_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_userdb_hostile_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_userdb_unsafe_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_userdb_leaves_no_copy_in_freed_memory, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
