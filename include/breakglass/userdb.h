/* Enrollment records: paths.users_dir/USER.json, root-only (0600),
 * holding the TOTP key and the argon2id hashes of the recovery codes. */
#ifndef BREAKGLASS_USERDB_H
#define BREAKGLASS_USERDB_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "breakglass/config.h"
#include "breakglass/error.h"
#include "breakglass/secret.h"

#define BG_RECOVERY_CODES 10
/* A recovery code as shown: 4 groups of 4 base32 letters ("abcd-efgh-..."),
 * 80 bits. */
#define BG_RECOVERY_CODE_LEN 19

struct bg_user {
	char name[33];
	time_t created;
	struct bg_secret *key;                  /* TOTP key bytes */
	char *recovery[BG_RECOVERY_CODES];      /* argon2id strings; NULL: used */
};

/* Plain recovery codes, shown once at enrollment and then forgotten. */
struct bg_recovery_codes {
	struct bg_secret *text;   /* BG_RECOVERY_CODES codes, each
				     BG_RECOVERY_CODE_LEN + 1 bytes, NUL-ended */
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

/* A new record with a random key and fresh recovery codes (not saved). */
BG_WUR int bg_userdb_new(const char *user, struct bg_user **out,
			 struct bg_recovery_codes *codes);
/* Replace u's recovery codes with fresh ones. */
BG_WUR int bg_userdb_new_recovery(struct bg_user *u,
				  struct bg_recovery_codes *codes);
/* The i-th plain code of codes. */
const char *bg_userdb_code(const struct bg_recovery_codes *codes, size_t i);
void bg_recovery_codes_free(struct bg_recovery_codes *codes);

/* True if s has the shape of a recovery code (case and dashes aside). */
bool bg_userdb_looks_like_recovery(const char *s);
/* If code matches an unused recovery code, mark it used (the caller saves
 * the record) and return BG_OK; BG_EAUTH otherwise. */
BG_WUR int bg_userdb_use_recovery(struct bg_user *u, const char *code);

#endif
