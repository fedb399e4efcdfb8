/* Enrollment records: paths.users_dir/USER.json, root-only (0600),
 * holding the TOTP key and the argon2id hashes of the recovery codes. */
#ifndef BREAKGLASS_USERDB_H
#define BREAKGLASS_USERDB_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "breakglass/config/conf.h"
#include "breakglass/base/error.h"
#include "breakglass/login/recovery.h"
#include "breakglass/base/secret.h"

struct bg_user {
	char name[33];
	time_t created;
	struct bg_secret *key;                  /* TOTP key bytes */
	char *recovery[BG_RECOVERY_CODES];      /* argon2id strings; NULL: used
						   (see bg_recovery_use) */
};

/* The record's path for user (a valid name, see bg_text_name_problem). */
BG_WUR int bg_userdb_path(const struct bg_config *cfg, const char *user,
			  char *out, size_t outlen);
/* Read user's record, trusting files of root or trusted.  BG_ENOENT: not
 * enrolled; BG_EUNSAFE: bad owner or mode; BG_EINVAL: malformed. */
BG_WUR int bg_userdb_load(const struct bg_config *cfg, const char *user,
			  uid_t trusted, struct bg_user **out);
/* Write the record atomically (temp file, fsync, rename), mode 0600,
 * creating users_dir (0700) if needed. */
BG_WUR int bg_userdb_save(const struct bg_config *cfg, const struct bg_user *u);
BG_WUR int bg_userdb_remove(const struct bg_config *cfg, const char *user);
void bg_userdb_free(struct bg_user *u);

/* A new record with a random key and fresh recovery codes (not saved);
 * new codes for an existing record come from bg_recovery_generate. */
BG_WUR int bg_userdb_new(const char *user, struct bg_user **out,
			 struct bg_recovery_codes *codes);

#endif
