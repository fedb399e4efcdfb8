/* One-time recovery codes: made at random, shown once, kept only as
 * argon2id hashes, and each accepted once in place of a TOTP code. */
#ifndef BREAKGLASS_RECOVERY_H
#define BREAKGLASS_RECOVERY_H

#include <stdbool.h>
#include <stddef.h>

#include "breakglass/base/error.h"
#include "breakglass/base/secret.h"

#define BG_RECOVERY_CODES 10
/* A recovery code as shown: 4 groups of 4 base32 letters ("abcd-efgh-..."),
 * 80 bits. */
#define BG_RECOVERY_CODE_LEN 19

/* Plain recovery codes, shown once at enrollment and then forgotten. */
struct bg_recovery_codes {
	struct bg_secret *text;   /* BG_RECOVERY_CODES codes, each
				     BG_RECOVERY_CODE_LEN + 1 bytes, NUL-ended */
};

/* Make BG_RECOVERY_CODES fresh codes into codes and put their hashes
 * (malloc'ed strings) in hashes, freeing the old ones.  All or nothing:
 * on failure hashes is unchanged and codes->text is NULL. */
BG_WUR int bg_recovery_generate(char *hashes[BG_RECOVERY_CODES],
				struct bg_recovery_codes *codes);
/* The i-th plain code of codes; NULL if there is none. */
const char *bg_recovery_code(const struct bg_recovery_codes *codes, size_t i);
/* Wipe and release the plain codes; NULL is allowed. */
void bg_recovery_codes_free(struct bg_recovery_codes *codes);

/* True if h is an argon2id hash with the parameters we use: a planted
 * memory-hungry hash would stall every login. */
bool bg_recovery_hash_ok(const char *h);
/* Wipe, free and set to NULL every entry of hashes. */
void bg_recovery_hashes_free(char *hashes[BG_RECOVERY_CODES]);

/* True if s has the shape of a recovery code (case and dashes aside). */
bool bg_recovery_looks_like(const char *s);
/* If code matches an unused entry (non-NULL) of hashes, free that entry
 * and set it to NULL (the caller saves the record) and return BG_OK;
 * BG_EAUTH otherwise. */
BG_WUR int bg_recovery_use(char *hashes[BG_RECOVERY_CODES], const char *code);

#endif
