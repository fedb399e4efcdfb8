/* Key pairs: auditors' X25519 keys (sessions are sealed to them) and the
 * host's Ed25519 signing key; their files and ids (docs/FORMAT.md). */
#ifndef BREAKGLASS_KEYS_H
#define BREAKGLASS_KEYS_H

#include <stddef.h>
#include <sys/types.h>

#include "breakglass/base/error.h"
#include "breakglass/base/secret.h"

#define BG_KEY_ID_LEN 16        /* bytes; 32 hex digits in files */
#define BG_KEY_PUBLIC_LEN 32    /* X25519 and Ed25519 public keys */
#define BG_KEY_SECRET_MAX 64    /* the longest secret: Ed25519 seed + public */

enum bg_key_type {
	BG_KEY_AUDITOR = 1,     /* X25519 (crypto_box) */
	BG_KEY_HOST = 2,        /* Ed25519 (crypto_sign) */
};

struct bg_pubkey {
	enum bg_key_type type;
	unsigned char pk[BG_KEY_PUBLIC_LEN];
	unsigned char id[BG_KEY_ID_LEN];
};

struct bg_keypair {
	struct bg_pubkey pub;
	/* 32-byte X25519 secret, or 64-byte Ed25519 secret (seed + public) */
	struct bg_secret *sk;
};

/* The id of a public key: the first 16 bytes of BLAKE2b-256 over the
 * context "breakglass-key-id-v1", the type byte and the public key. */
void bg_keys_id(enum bg_key_type type, const unsigned char pk[BG_KEY_PUBLIC_LEN],
		unsigned char id[BG_KEY_ID_LEN]);

/* A fresh random key pair of type. */
BG_WUR int bg_keys_generate(enum bg_key_type type, struct bg_keypair **out);
void bg_keys_free(struct bg_keypair *k);

/* Write the secret file (mode 0600, group gid unless -1) and the public
 * file (mode 0644) atomically; an existing secret file is never
 * overwritten (BG_EUNSAFE: remove it first, on purpose). */
BG_WUR int bg_keys_save(const struct bg_keypair *k, const char *secret_path,
			const char *public_path, gid_t gid);

/* Read a public or secret key file of type, with the ownership and mode
 * checks of the config loader (owner root or trusted, no group/other
 * write, no symlink); a secret file must also not be readable by others.
 * The id written in the file must match the key.  BG_EINVAL: malformed. */
BG_WUR int bg_keys_load_public(const char *path, enum bg_key_type type,
			       uid_t trusted, struct bg_pubkey *out);
BG_WUR int bg_keys_load_pair(const char *path, enum bg_key_type type,
			     uid_t trusted, struct bg_keypair **out);

/* The id as 32 lowercase hex digits and a NUL. */
void bg_keys_id_hex(const unsigned char id[BG_KEY_ID_LEN], char hex[2 * BG_KEY_ID_LEN + 1]);

#endif
