/* Tests for lib/state.c's refusals: hostile state files, user names that
 * are not names, and unsafe or missing state directories. */
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

#include "breakglass/config/conf.h"
#include "breakglass/login/state.h"
#include "helpers.h"
#include "test_state.h"

#define NUL_TEXT "{\"version\":1,\0\"locked_until\":0,\"last_step\":7,\"failures\":[]}"
/* A state file with version 1 and these members. */
#define DOC(lock, step, fails) "{\"version\":1,\"locked_until\":" lock \
	",\"last_step\":" step ",\"failures\":" fails "}"
#define VALID DOC("0", "7", "[1,2]")

enum kind { PLAIN, SYMLINK, DIRECTORY, FIFO, TOO_MANY, TOO_BIG };

static const struct hostile {
	const char *what;
	enum kind kind;
	const char *text;
	size_t len;             /* 0: strlen(text) */
	mode_t mode;
	int err;
} hostile[] = {
	{ "valid (control)", PLAIN, VALID, 0, 0600, BG_OK },
	{ "empty", PLAIN, "", 0, 0600, BG_EINVAL },
	{ "truncated", PLAIN, "{\"version\":1,\"locked_until\":0,\"last_step\":7,\"failures\":[1,", 0, 0600, BG_EINVAL },
	{ "NUL byte", PLAIN, NUL_TEXT, sizeof(NUL_TEXT) - 1, 0600, BG_EINVAL },
	{ "invalid UTF-8 key", PLAIN, "{\"version\xff\":1,\"locked_until\":0,\"last_step\":7,\"failures\":[]}", 0, 0600, BG_EINVAL },
	{ "trailing garbage", PLAIN, VALID " x", 0, 0600, BG_EINVAL },
	{ "array", PLAIN, "[1,2]", 0, 0600, BG_EINVAL },
	{ "version 2", PLAIN, "{\"version\":2,\"locked_until\":0,\"last_step\":7,\"failures\":[]}", 0, 0600, BG_EINVAL },
	{ "version string", PLAIN, "{\"version\":\"1\",\"locked_until\":0,\"last_step\":7,\"failures\":[]}", 0, 0600, BG_EINVAL },
	{ "locked_until real", PLAIN, DOC("1.5", "7", "[]"), 0, 0600, BG_EINVAL },
	{ "locked_until null", PLAIN, DOC("null", "7", "[]"), 0, 0600, BG_EINVAL },
	{ "last_step string", PLAIN, DOC("0", "\"7\"", "[]"), 0, 0600, BG_EINVAL },
	{ "failures object", PLAIN, DOC("0", "7", "{}"), 0, 0600, BG_EINVAL },
	{ "failure string", PLAIN, DOC("0", "7", "[\"1\"]"), 0, 0600, BG_EINVAL },
	{ "unknown key", PLAIN, DOC("0", "7", "[],\"admin\":true"), 0, 0600, BG_EINVAL },
	{ "missing key", PLAIN, "{\"version\":1,\"locked_until\":0,\"last_step\":7}", 0, 0600, BG_EINVAL },
	{ "duplicate key", PLAIN, "{\"version\":1,\"locked_until\":9,\"locked_until\":0,\"last_step\":7,\"failures\":[]}", 0, 0600, BG_EINVAL },
	{ "number overflows", PLAIN, DOC("99999999999999999999", "7", "[]"), 0, 0600, BG_EINVAL },
	{ "time past year 9999", PLAIN, DOC("9223372036854775807", "7", "[]"), 0, 0600, BG_EINVAL },
	{ "negative lock", PLAIN, DOC("-1", "7", "[]"), 0, 0600, BG_EINVAL },
	{ "last_step -2", PLAIN, DOC("0", "-2", "[]"), 0, 0600, BG_EINVAL },
	{ "negative failure", PLAIN, DOC("0", "7", "[-5]"), 0, 0600, BG_EINVAL },
	{ "unsorted failures", PLAIN, DOC("0", "7", "[5,3]"), 0, 0600, BG_EINVAL },
	{ "too many failures", TOO_MANY, NULL, 0, 0600, BG_EINVAL },
	{ "over 64 KiB", TOO_BIG, NULL, 0, 0600, BG_ETOOBIG },
	{ "group-writable", PLAIN, VALID, 0, 0620, BG_EUNSAFE },
	{ "other-writable", PLAIN, VALID, 0, 0602, BG_EUNSAFE },
	{ "symlink", SYMLINK, VALID, 0, 0600, BG_EUNSAFE },
	{ "directory", DIRECTORY, NULL, 0, 0, BG_EUNSAFE },
	{ "fifo", FIFO, NULL, 0, 0, BG_EUNSAFE },
};

/* Put case h in place as user's state file. */
static void plant(struct fixture *f, const struct hostile *h, const char *user)
{
	char name[64], path[4096], *text = NULL, *p;
	size_t i, len = h->len ? h->len : (h->text ? strlen(h->text) : 0);

	assert_true(snprintf(name, sizeof(name), "%s.state", user) < (int)sizeof(name));
	assert_true(snprintf(path, sizeof(path), "%s/%s", f->state_dir, name) < (int)sizeof(path));
	if (h->kind == TOO_MANY || h->kind == TOO_BIG) {
		len = 80000;
		assert_non_null(text = malloc(len + 1));
		i = (size_t)snprintf(text, len, "{\"version\":1,\"locked_until\":0,\"last_step\":7,\"failures\":[1");
		for (; h->kind == TOO_MANY && i < 7 * BG_STATE_MAX_FAILURES; i += 2)
			memcpy(text + i, ",1", 2);
		if (h->kind == TOO_BIG)
			for (; i < 70000; i++)
				text[i] = ' ';
		memcpy(text + i, "]}", 3);
		len = i + 2;
	} else if (h->text != NULL) {
		assert_non_null(text = malloc(len + 1));
		memcpy(text, h->text, len);
		text[len] = '\0';
	}
	if (h->kind == DIRECTORY)
		assert_int_equal(mkdir(path, 0700), 0);
	else if (h->kind == FIFO)
		assert_int_equal(mkfifo(path, 0600), 0);
	else if (h->kind == SYMLINK) {
		p = th_write(f->dir, name, text, len, 0600);
		assert_int_equal(symlink(p, path), 0);
		free(p);
	} else
		free(th_write(f->state_dir, name, text, len, h->mode));
	free(text);
}

void test_state_hostile_files_refused(void **state)
{
	struct fixture *f = *state;
	struct stat before, after;
	struct bg_state *st;
	char user[16], path[4096];
	size_t i;

	assert_int_equal(mkdir(f->state_dir, 0700), 0);
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		print_message("case %zu: %s\n", i, hostile[i].what);
		assert_true(snprintf(user, sizeof(user), "h%zu", i) < (int)sizeof(user));
		assert_true(snprintf(path, sizeof(path), "%s/%s.state", f->state_dir, user) < (int)sizeof(path));
		plant(f, &hostile[i], user);
		assert_int_equal(lstat(path, &before), 0);
		st = (struct bg_state *)1;
		assert_int_equal(bg_state_open(f->cfg, user, &st), hostile[i].err);
		if (hostile[i].err != BG_OK)
			assert_null(st);
		else
			assert_int_equal(st->last_step, 7);
		bg_state_close(st);
		/* Refused, never reset: the file is as it was. */
		assert_int_equal(lstat(path, &after), 0);
		assert_int_equal(after.st_ino, before.st_ino);
		assert_int_equal(after.st_size, before.st_size);
		assert_memory_equal(&after.st_mtim, &before.st_mtim, sizeof(after.st_mtim));
	}
}

void test_state_invalid_user_names_refused(void **state)
{
	static const char *const bad[] = {
		"../x", "%g", "", "a/b", ".x", "-x", "a b", "a\nb", "..",
		"x23456789012345678901234567890123",   /* 33 characters */
	};
	struct fixture *f = *state;
	struct bg_state *st;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		st = (struct bg_state *)1;
		assert_int_equal(bg_state_open(f->cfg, bad[i], &st), BG_EINVAL);
		assert_null(st);
	}
	assert_int_equal(bg_state_open(f->cfg, NULL, &st), BG_EINVAL);
	/* Nothing was created, not even state_dir, nor x.lock above it. */
	assert_int_equal(access(f->state_dir, F_OK), -1);
	assert_int_equal(bg_state_open(f->cfg, "x2345678901234567890123456789012", &st), BG_OK);
	bg_state_close(st);
}

void test_state_unsafe_state_dir_refused(void **state)
{
	struct fixture *f = *state;
	struct bg_state *st;
	char path[4096];

	/* Group-writable: someone else could delete the state. */
	assert_int_equal(mkdir(f->state_dir, 0700), 0);
	assert_int_equal(chmod(f->state_dir, 0770), 0);
	assert_int_equal(bg_state_open(f->cfg, "alice", &st), BG_EUNSAFE);
	assert_null(st);
	/* A symbolic link in place of state_dir. */
	assert_int_equal(rmdir(f->state_dir), 0);
	assert_true(snprintf(path, sizeof(path), "%s/real", f->dir) < (int)sizeof(path));
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(symlink(path, f->state_dir), 0);
	assert_int_equal(bg_state_open(f->cfg, "alice", &st), BG_EUNSAFE);
	/* A lock file that is a symbolic link is not followed. */
	assert_int_equal(unlink(f->state_dir), 0);
	assert_int_equal(mkdir(f->state_dir, 0700), 0);
	assert_true(snprintf(path, sizeof(path), "%s/alice.lock", f->state_dir) < (int)sizeof(path));
	assert_int_equal(symlink("../victim", path), 0);
	assert_int_equal(bg_state_open(f->cfg, "alice", &st), BG_EUNSAFE);
	assert_true(snprintf(path, sizeof(path), "%s/victim", f->dir) < (int)sizeof(path));
	assert_int_equal(access(path, F_OK), -1);
}

void test_state_missing_parent_is_enoent(void **state)
{
	struct fixture *f = *state;
	struct bg_config *cfg;
	struct bg_state *st;

	assert_true(snprintf(f->state_dir, sizeof(f->state_dir), "%s/no/state",
			     f->dir) < (int)sizeof(f->state_dir));
	cfg = load_cfg(f, 3, 60, 120);
	assert_int_equal(bg_state_open(cfg, "alice", &st), BG_ENOENT);
	assert_null(st);
	bg_config_free(cfg);
}
