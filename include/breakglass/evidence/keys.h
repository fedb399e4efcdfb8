/* Key pairs: auditors' X25519 keys (sessions are sealed to them) and the
 * host's Ed25519 signing key, in memory, and their ids (docs/FORMAT.md). */
#ifndef BREAKGLASS_KEYS_H
#define BREAKGLASS_KEYS_H

#include <stddef.h>

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

/* The secret's length for type: 0 for no known type. */
size_t bg_keys_secret_len(enum bg_key_type type);

/* A pair of type whose secret is sized and zero, to be filled in place. */
BG_WUR int bg_keys_alloc(enum bg_key_type type, struct bg_keypair **out);

/* A fresh random key pair of type. */
BG_WUR int bg_keys_generate(enum bg_key_type type, struct bg_keypair **out);
void bg_keys_free(struct bg_keypair *k);

/* The id as 32 lowercase hex digits and a NUL. */
void bg_keys_id_hex(const unsigned char id[BG_KEY_ID_LEN], char hex[2 * BG_KEY_ID_LEN + 1]);

#endif
