/* Tests for enrollment records (lib/userdb.c); the codes themselves are
 * tested in test_recovery.c. */
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

#include "breakglass/config.h"
#include "breakglass/totp.h"
#include "breakglass/userdb.h"
#include "helpers.h"

struct fixture {
	char *dir;
	char users[PATH_MAX];
	struct bg_config *cfg;
};

static struct bg_config *config_with_users_dir(const char *dir, const char *users)
{
	struct bg_config_diags d;
	struct bg_config *cfg;
	char text[3 * PATH_MAX], *key = th_write_str(dir, "host.key", "k"), *conf;

	assert_true(snprintf(text, sizeof(text),
			     "{\"paths\": {\"users_dir\": \"%s\", \"host_key\": \"%s\","
			     " \"auditor_keys\": [\"%s\"]}}", users, key, key)
		    < (int)sizeof(text));
	conf = th_write_str(dir, "breakglass.json", text);
	assert_int_equal(bg_config_load(conf, geteuid(), &cfg, &d), BG_OK);
	bg_config_diags_free(&d);
	free(conf);
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
static struct bg_user *enroll(struct fixture *f, struct bg_recovery_codes *codes)
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

#define KEY "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
#define NULLS9 "null,null,null,null,null,null,null,null,null"
#define V1 "1"
#define U "\"alice\""
#define C "\"2024-01-02T03:04:05Z\""
#define K "\"" KEY "\""
#define H9 "\"@H@\"," NULLS9
/* A record with one field replaced; @H@ stands for a real hash. */
#define REC(ver, user, created, key, codes, extra)				\
	"{\"version\":" ver ",\"user\":" user ",\"created\":" created		\
	",\"totp_key\":" key ",\"recovery_codes\":[" codes "]" extra "}"
#define GOOD REC(V1, U, C, K, H9, "")

/* tmpl with @H@ replaced by hash and @M@ by hash with other parameters. */
static char *expand(const char *tmpl, const char *hash, size_t *len)
{
	struct bg_buf b, other;
	const char *p;
	int r = BG_OK;

	bg_buf_init(&b, 1 << 20);
	bg_buf_init(&other, 1024);
	p = strstr(hash, "m=16384,");
	assert_non_null(p);
	assert_int_equal(bg_buf_append(&other, hash, (size_t)(p - hash)), BG_OK);
	assert_int_equal(bg_buf_appendf(&other, "m=4194304,%s", p + 8), BG_OK);
	while (r == BG_OK && *tmpl != '\0') {
		if (strncmp(tmpl, "@H@", 3) == 0 || strncmp(tmpl, "@M@", 3) == 0) {
			p = tmpl[1] == 'H' ? hash : bg_buf_str(&other);
			r = bg_buf_append(&b, p, strlen(p));
			tmpl += 3;
		} else {
			r = bg_buf_append(&b, tmpl++, 1);
		}
	}
	assert_int_equal(r, BG_OK);
	bg_buf_free(&other);
	*len = b.len;
	return b.data;
}

static void expect_load(struct fixture *f, const char *name, const void *text,
			size_t len, mode_t mode, int expect)
{
	struct bg_user *u = (struct bg_user *)1;
	char *p;

	print_message("case: %s\n", name);
	p = th_write(f->users, "alice.json", text, len, mode);
	assert_int_equal(bg_userdb_load(f->cfg, "alice", geteuid(), &u), expect);
	if (expect == BG_OK)
		bg_userdb_free(u);
	else
		assert_null(u);
	free(p);
}

static void test_userdb_hostile_files(void **state)
{
	static const struct { const char *name, *text; size_t len; int expect; } cases[] = {
		{ "valid", GOOD, 0, BG_OK },
		{ "all codes used", REC(V1, U, C, K, "null," NULLS9, ""), 0, BG_OK },
		{ "empty", "", 0, BG_EINVAL },
		{ "truncated", "{\"version\":1,\"user\":\"alice\",\"totp_key\":\"GEZ", 0, BG_EINVAL },
		{ "NUL byte", "{\"version\":1,\0\"user\":\"alice\"}", 29, BG_EINVAL },
		{ "escaped NUL", REC(V1, "\"al\\u0000ice\"", C, K, H9, ""), 0, BG_EINVAL },
		{ "invalid UTF-8", REC(V1, "\"al\xff" "ce\"", C, K, H9, ""), 0, BG_EINVAL },
		{ "byte order mark", "\xef\xbb\xbf" GOOD, 0, BG_EINVAL },
		{ "trailing garbage", GOOD " x", 0, BG_EINVAL },
		{ "top-level array", "[" GOOD "]", 0, BG_EINVAL },
		{ "top-level string", "\"alice\"", 0, BG_EINVAL },
		{ "extra key", REC(V1, U, C, K, H9, ",\"admin\":true"), 0, BG_EINVAL },
		{ "renamed key", "{\"version\":1,\"user\":\"alice\",\"Created\":" C
		  ",\"totp_key\":" K ",\"recovery_codes\":[" H9 "]}", 0, BG_EINVAL },
		{ "duplicate key", REC(V1, U, C, K, H9, ",\"user\":\"alice\""), 0, BG_EINVAL },
		{ "missing key", "{\"version\":1,\"user\":\"alice\",\"totp_key\":" K
		  ",\"recovery_codes\":[" H9 "]}", 0, BG_EINVAL },
		{ "version 2", REC("2", U, C, K, H9, ""), 0, BG_EINVAL },
		{ "version string", REC("\"1\"", U, C, K, H9, ""), 0, BG_EINVAL },
		{ "version real", REC("1.0", U, C, K, H9, ""), 0, BG_EINVAL },
		{ "other user", REC(V1, "\"bob\"", C, K, H9, ""), 0, BG_EINVAL },
		{ "user case", REC(V1, "\"ALICE\"", C, K, H9, ""), 0, BG_EINVAL },
		{ "user number", REC(V1, "5", C, K, H9, ""), 0, BG_EINVAL },
		{ "created 30 February", REC(V1, U, "\"2024-02-30T00:00:00Z\"", K, H9, ""), 0, BG_EINVAL },
		{ "created hour 24", REC(V1, U, "\"2024-01-02T24:00:00Z\"", K, H9, ""), 0, BG_EINVAL },
		{ "created with offset", REC(V1, U, "\"2024-01-02T03:04:05+01:00\"", K, H9, ""), 0, BG_EINVAL },
		{ "created with space", REC(V1, U, "\"2024-01-02 03:04:05Z\"", K, H9, ""), 0, BG_EINVAL },
		{ "created number", REC(V1, U, "1704164645", K, H9, ""), 0, BG_EINVAL },
		{ "key short", REC(V1, U, C, "\"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ\"", H9, ""), 0, BG_EINVAL },
		{ "key long", REC(V1, U, C, "\"" KEY "GEZDGNBV\"", H9, ""), 0, BG_EINVAL },
		{ "key padded", REC(V1, U, C, "\"" KEY "====\"", H9, ""), 0, BG_EINVAL },
		{ "key lower case", REC(V1, U, C, "\"gezdgnbvgy3tqojqgezdgnbvgy3tqojq\"", H9, ""), 0, BG_EINVAL },
		{ "key not base32", REC(V1, U, C, "\"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ1\"", H9, ""), 0, BG_EINVAL },
		{ "key with space", REC(V1, U, C, "\"GEZDGNBV GY3TQOJQGEZDGNBVGY3TQOJ\"", H9, ""), 0, BG_EINVAL },
		{ "key number", REC(V1, U, C, "12345", H9, ""), 0, BG_EINVAL },
		{ "9 codes", REC(V1, U, C, K, NULLS9, ""), 0, BG_EINVAL },
		{ "11 codes", REC(V1, U, C, K, "null,null," NULLS9, ""), 0, BG_EINVAL },
		{ "codes object", "{\"version\":1,\"user\":\"alice\",\"created\":" C
		  ",\"totp_key\":" K ",\"recovery_codes\":{}}", 0, BG_EINVAL },
		{ "code argon2i", REC(V1, U, C, K, "\"$argon2i$v=19$m=16384,t=2,p=1$"
		  "c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g\","
		  NULLS9, ""), 0, BG_EINVAL },
		{ "code garbage", REC(V1, U, C, K, "\"$argon2id$garbage\"," NULLS9, ""), 0, BG_EINVAL },
		{ "code costly", REC(V1, U, C, K, "\"@M@\"," NULLS9, ""), 0, BG_EINVAL },
		{ "code empty", REC(V1, U, C, K, "\"\"," NULLS9, ""), 0, BG_EINVAL },
		{ "code number", REC(V1, U, C, K, "5," NULLS9, ""), 0, BG_EINVAL },
		{ "code false", REC(V1, U, C, K, "false," NULLS9, ""), 0, BG_EINVAL },
	};
	struct fixture *f = *state;
	struct bg_recovery_codes codes;
	struct bg_user *real;
	struct bg_buf big;
	char *text;
	size_t i, len;

	/* A genuine hash, so that only the case's defect can be refused. */
	assert_int_equal(bg_userdb_new("alice", &real, &codes), BG_OK);
	assert_int_equal(mkdir(f->users, 0700), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].len != 0) {
			expect_load(f, cases[i].name, cases[i].text, cases[i].len,
				    0600, cases[i].expect);
			continue;
		}
		text = expand(cases[i].text, real->recovery[0], &len);
		expect_load(f, cases[i].name, text, len, 0600, cases[i].expect);
		free(text);
	}
	bg_buf_init(&big, 1 << 20);
	for (i = 0; i < 3000; i++)      /* deeper than jansson's 2048 */
		assert_int_equal(bg_buf_append(&big, "[", 1), BG_OK);
	expect_load(f, "deep nesting", big.data, big.len, 0600, BG_EINVAL);
	bg_buf_reset(&big);
	text = expand(GOOD, real->recovery[0], &len);
	assert_int_equal(bg_buf_append(&big, text, len - 1), BG_OK);
	for (i = 0; i < 70000; i++)
		assert_int_equal(bg_buf_append(&big, " ", 1), BG_OK);
	assert_int_equal(bg_buf_append(&big, "}", 1), BG_OK);
	expect_load(f, "huge", big.data, big.len, 0600, BG_EINVAL);
	free(text);
	bg_buf_free(&big);
	bg_userdb_free(real);
	bg_recovery_codes_free(&codes);
}

static void test_userdb_unsafe_files(void **state)
{
	struct fixture *f = *state;
	struct bg_recovery_codes codes;
	char path[PATH_MAX], other[PATH_MAX];
	struct bg_user *u, *back = NULL;

	u = enroll(f, &codes);
	assert_int_equal(bg_userdb_path(f->cfg, "alice", path, sizeof(path)), BG_OK);
	assert_int_equal(chmod(path, 0620), 0);
	assert_int_equal(bg_userdb_load(f->cfg, "alice", geteuid(), &back), BG_EUNSAFE);
	assert_int_equal(chmod(path, 0602), 0);
	assert_int_equal(bg_userdb_load(f->cfg, "alice", geteuid(), &back), BG_EUNSAFE);
	assert_int_equal(chmod(path, 0600), 0);
	/* Not ours: as root, give it away; otherwise trust someone else. */
	if (geteuid() == 0) {
		assert_int_equal(chown(path, 12345, 12345), 0);
		assert_int_equal(bg_userdb_load(f->cfg, "alice", 0, &back), BG_EUNSAFE);
		assert_int_equal(chown(path, 0, 0), 0);
	} else {
		assert_int_equal(bg_userdb_load(f->cfg, "alice", geteuid() + 1, &back),
				 BG_EUNSAFE);
	}
	assert_int_equal(chmod(f->users, 0770), 0);
	assert_int_equal(bg_userdb_load(f->cfg, "alice", geteuid(), &back), BG_EUNSAFE);
	assert_int_equal(chmod(f->users, 0700), 0);
	/* A symbolic link to a perfectly good record. */
	assert_true(snprintf(other, sizeof(other), "%s/real.json", f->dir) < (int)sizeof(other));
	assert_int_equal(rename(path, other), 0);
	assert_int_equal(symlink(other, path), 0);
	assert_int_equal(bg_userdb_load(f->cfg, "alice", geteuid(), &back), BG_EUNSAFE);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(bg_userdb_load(f->cfg, "alice", geteuid(), &back), BG_EUNSAFE);
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(bg_userdb_load(f->cfg, "alice", geteuid(), &back), BG_EUNSAFE);
	assert_null(back);
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
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
