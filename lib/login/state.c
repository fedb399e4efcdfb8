/* Per-account failures, lockout and last TOTP step, kept in
 * state_dir/USER.state and serialised across processes by flock on
 * state_dir/USER.lock. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "breakglass/base/buf.h"
#include "breakglass/base/log.h"
#include "breakglass/base/safefile.h"
#include "breakglass/login/state.h"
#include "breakglass/base/text.h"

#define STATE_VERSION 1
#define STATE_MAX_BYTES (64 * 1024)
/* 9999-12-31T23:59:59Z (or the end of a 32-bit time_t): a later time is
 * corruption, not clock skew. */
#define STATE_MAX_TIME (sizeof(time_t) > 4 ? 253402300799LL : (long long)INT32_MAX)

static long long clamp_time(long long t)
{
	return t < 0 ? 0 : t > STATE_MAX_TIME ? STATE_MAX_TIME : t;
}

static bool owner_ok(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

/* Whoever can write state_dir can delete USER.state and so reset both the
 * lockout and the replay protection: it must be ours and private. */
static int prepare_dir(const char *dir)
{
	struct stat st;
	int fd, err, r;

	if ((r = bg_safefile_mkdir(dir, 0700, (gid_t)-1)) != BG_OK) {
		if (r == BG_EUNSAFE)
			bg_error("%s: not a directory (symbolic links refused)", dir);
		else
			bg_error("%s: cannot create: %s", dir, strerror(errno));
		return r;
	}
	/* An existing directory is left as it was: check what it is. */
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		err = errno;
		bg_error("%s: %s", dir, err == ELOOP || err == ENOTDIR ?
			 "not a directory (symbolic links refused)" : strerror(err));
		if (fd >= 0)
			close(fd);
		return err == ELOOP || err == ENOTDIR ? BG_EUNSAFE : BG_EIO;
	}
	close(fd);
	if (!owner_ok(st.st_uid) || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		bg_error("%s: refused: owned by uid %lu with mode %04o (must be "
			 "root's or ours, not writable by group or others)", dir,
			 (unsigned long)st.st_uid, (unsigned)(st.st_mode & 07777));
		return BG_EUNSAFE;
	}
	return BG_OK;
}

/* The lock file is never removed: unlinking it would let two processes
 * hold locks on two different inodes of the same name. */
static int lock_open(const char *path, int *fd_out)
{
	struct stat st;
	int fd, err;

	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
		  O_NONBLOCK, 0600);
	if (fd < 0) {
		err = errno;
		bg_error("%s: %s", path, strerror(err));
		return err == ELOOP ? BG_EUNSAFE : BG_EIO;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || !owner_ok(st.st_uid) ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		bg_error("%s: refused: not a private regular file", path);
		close(fd);
		return BG_EUNSAFE;
	}
	err = (st.st_mode & 07777) != 0600 && fchmod(fd, 0600) != 0 ? errno : 0;
	while (err == 0 && flock(fd, LOCK_EX) != 0)
		err = errno == EINTR ? 0 : errno;
	if (err != 0) {
		bg_error("%s: %s", path, strerror(err));
		close(fd);
		return BG_EIO;
	}
	*fd_out = fd;
	return BG_OK;
}

static bool in_range(json_int_t i, json_int_t lo)
{
	return i >= lo && i <= STATE_MAX_TIME;
}

/* Every key is required and no other is allowed: a file we did not write
 * is not guessed at.  False with the reason in err->text. */
static bool parse(struct bg_state *st, const char *text, size_t len,
		  json_error_t *err)
{
	json_int_t version, locked, step, t, prev = 0;
	const char *bad = NULL;
	json_t *root, *a, *v;
	size_t i;

	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, err);
	if (root == NULL || json_unpack_ex(root, err, JSON_STRICT,
					   "{s:I, s:I, s:I, s:o}",
					   "version", &version, "locked_until", &locked,
					   "last_step", &step, "failures", &a) != 0) {
		json_decref(root);
		return false;
	}
	if (version != STATE_VERSION)
		bad = "unknown version";
	else if (!in_range(locked, 0))
		bad = "locked_until is out of range";
	else if (!in_range(step, -1))
		bad = "last_step is out of range";
	else if (!json_is_array(a))
		bad = "failures is not an array";
	else if (json_array_size(a) > BG_STATE_MAX_FAILURES)
		bad = "too many failures";
	json_array_foreach(a, i, v) {
		if (bad != NULL)
			break;
		t = json_integer_value(v);
		if (!json_is_integer(v) || !in_range(t, 0))
			bad = "a failure is not a time";
		else if (t < prev)
			bad = "failures are not in order";
		st->failures[i] = (time_t)(prev = t);
	}
	if (bad == NULL) {
		st->n_failures = json_array_size(a);
		st->locked_until = (time_t)locked;
		st->last_step = step;
	} else if (bg_strlcpy(err->text, bad, sizeof(err->text)) != BG_OK) {
		bad = "?";      /* cannot happen: the reasons are short */
	}
	json_decref(root);
	return bad == NULL;
}

static int load(struct bg_state *st)
{
	struct bg_safefile_why why;
	json_error_t err;
	char *text;
	size_t len;
	bool ok;
	int r;

	r = bg_safefile_read(st->path, geteuid(), STATE_MAX_BYTES, &text, &len, &why);
	if (r == BG_ENOENT)
		return BG_OK;   /* never written: a fresh state */
	if (r != BG_OK) {
		bg_error("%s: refused: %s", st->path, why.text);
		return r;
	}
	ok = parse(st, text, len, &err);
	free(text);
	if (!ok) {
		/* Resetting would erase a lockout or allow a replay. */
		bg_error("%s: malformed (%s): logins refused until an "
			 "administrator repairs or removes it", st->path, err.text);
		return BG_EINVAL;
	}
	return BG_OK;
}

int bg_state_open(const struct bg_config *cfg, const char *user,
		  struct bg_state **out)
{
	const char *dir = cfg->paths.state_dir;
	char lock[PATH_MAX], path[PATH_MAX];
	struct bg_state *st;
	int r;

	*out = NULL;
	/* The name becomes a file name; %group names no account. */
	if (user == NULL || user[0] == '%' || bg_text_name_problem(user) != NULL)
		return BG_EINVAL;
	if ((r = bg_snprintf(lock, sizeof(lock), "%s/%s.lock", dir, user)) != BG_OK ||
	    (r = bg_snprintf(path, sizeof(path), "%s/%s.state", dir, user)) != BG_OK)
		return r;
	if ((r = prepare_dir(dir)) != BG_OK)
		return r;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return BG_ENOMEM;
	st->lock_fd = -1;
	st->last_step = -1;
	if (bg_strlcpy(st->user, user, sizeof(st->user)) != BG_OK ||
	    (st->path = strdup(path)) == NULL)
		r = BG_ENOMEM;
	if (r == BG_OK)
		r = lock_open(lock, &st->lock_fd);
	if (r == BG_OK)
		r = load(st);
	if (r != BG_OK) {
		bg_state_close(st);
		return r;
	}
	*out = st;
	return BG_OK;
}

static char *serialise(const struct bg_state *st)
{
	json_t *root = json_object(), *a = json_array();
	char *text = NULL;
	size_t i;
	int bad;

	bad = root == NULL || a == NULL;
	for (i = 0; !bad && i < st->n_failures; i++)
		bad = json_array_append_new(a, json_integer(st->failures[i])) != 0;
	if (!bad)
		bad = json_object_set_new(root, "version", json_integer(STATE_VERSION)) ||
		      json_object_set_new(root, "locked_until", json_integer(st->locked_until)) ||
		      json_object_set_new(root, "last_step", json_integer(st->last_step)) ||
		      json_object_set(root, "failures", a);
	if (!bad)
		text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(a);
	json_decref(root);
	return text;
}

int bg_state_save(struct bg_state *st)
{
	char *text;
	int r, err;

	/* Without the lock a concurrent writer's update would be lost. */
	if (st == NULL || st->lock_fd < 0)
		return BG_EINVAL;
	if ((text = serialise(st)) == NULL)
		return BG_ENOMEM;
	r = bg_safefile_write_atomic(st->path, text, strlen(text), 0600, (gid_t)-1);
	err = errno;    /* the failed step's, unless its clean-up failed too */
	free(text);
	if (r != BG_OK)
		bg_error("%s: cannot write: %s", st->path, strerror(err));
	return r;
}

void bg_state_close(struct bg_state *st)
{
	if (st == NULL)
		return;
	if (st->lock_fd >= 0)
		close(st->lock_fd);     /* releases the flock */
	free(st->path);
	free(st);
}

bool bg_state_locked(const struct bg_state *st, time_t now)
{
	return now < st->locked_until;
}

bool bg_state_fail(struct bg_state *st, const struct bg_config *cfg,
		   time_t now)
{
	long long t = clamp_time(now), until;
	long max = cfg->auth.lockout.max_failures;
	size_t i, keep = 0;

	/* Kept in order; a failure "in the future" (clock stepped back)
	 * stays until the clock catches up. */
	for (i = 0; i < st->n_failures; i++)
		if (st->failures[i] >= t - cfg->auth.lockout.window_seconds)
			st->failures[keep++] = st->failures[i];
	if (keep == BG_STATE_MAX_FAILURES) {
		memmove(st->failures, st->failures + 1,
			--keep * sizeof(st->failures[0]));
	}
	/* Insert in order: an unsorted list would be refused at next open. */
	for (i = keep; i > 0 && st->failures[i - 1] > t; i--)
		st->failures[i] = st->failures[i - 1];
	st->failures[i] = (time_t)t;
	st->n_failures = keep + 1;
	if (max > BG_STATE_MAX_FAILURES)
		max = BG_STATE_MAX_FAILURES;
	if ((long)st->n_failures < max)
		return false;
	until = clamp_time(t + cfg->auth.lockout.lock_seconds);
	if (until > st->locked_until)
		st->locked_until = (time_t)until;
	/* After the lock the user gets max_failures fresh attempts. */
	st->n_failures = 0;
	return true;
}

void bg_state_succeed(struct bg_state *st, int64_t step)
{
	st->n_failures = 0;
	if (step > st->last_step)
		st->last_step = clamp_time(step);
}

void bg_state_unlock(struct bg_state *st)
{
	/* last_step stays: a used code must not become valid again. */
	st->n_failures = 0;
	st->locked_until = 0;
}
