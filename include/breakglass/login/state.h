/* Per-account authentication state that must survive restarts and
 * concurrent logins: recent failures, lockout, and the last TOTP step
 * accepted (replay protection).  paths.state_dir/USER.state, root-only,
 * rewritten atomically while paths.state_dir/USER.lock is held. */
#ifndef BREAKGLASS_STATE_H
#define BREAKGLASS_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "breakglass/config/conf.h"
#include "breakglass/base/error.h"

#define BG_STATE_MAX_FAILURES 1000      /* auth.lockout.max_failures cap */

struct bg_state {
	char user[33];
	int lock_fd;
	char *path;
	time_t locked_until;    /* 0: not locked */
	int64_t last_step;      /* last TOTP step accepted, -1: none */
	size_t n_failures;
	time_t failures[BG_STATE_MAX_FAILURES];  /* inside the window, oldest first */
};

/* Lock user's state (creating state_dir 0700 and the files as needed;
 * waits for other holders) and read it.  A missing state file is a fresh
 * state; a malformed or unsafe one is an error (fail closed): BG_EINVAL
 * for a bad name or a malformed file, BG_EUNSAFE for a bad owner, mode or
 * type of state_dir or a file, BG_ETOOBIG beyond 64 KiB; it is never
 * reset, an administrator must repair or remove it. */
BG_WUR int bg_state_open(const struct bg_config *cfg, const char *user,
			 struct bg_state **out);
/* Write the state (temp file, fsync, rename, mode 0600); only between
 * open and close, while the lock is held. */
BG_WUR int bg_state_save(struct bg_state *st);
/* Release the lock and free; NULL is allowed. */
void bg_state_close(struct bg_state *st);

/* True while locked at time now. */
bool bg_state_locked(const struct bg_state *st, time_t now);
/* Count a failure at now: failures older than window_seconds are
 * forgotten (one exactly window_seconds old still counts); max_failures
 * inside the window lock until now + lock_seconds (never shortening a
 * lock) and clear the list, so that once the lock expires the account has
 * max_failures fresh attempts.  Failures while locked count the same way.
 * True if this failure locked the account. */
bool bg_state_fail(struct bg_state *st, const struct bg_config *cfg,
		   time_t now);
/* A success with TOTP step `step` (-1 for a recovery code): failures
 * cleared, last_step raised (never lowered); the lock is left alone. */
void bg_state_succeed(struct bg_state *st, int64_t step);
/* Clear failures and lock (breakglassctl unlock); last_step stays, so a
 * used code cannot be replayed after an unlock. */
void bg_state_unlock(struct bg_state *st);

#endif
