/* Auditor (X25519) and host (Ed25519) key pairs in memory: generation,
 * ids and freeing (their files are keyfile.c's). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "breakglass/evidence/keys.h"

#define ID_CONTEXT "breakglass-key-id-v1"

_Static_assert(crypto_box_PUBLICKEYBYTES == BG_KEY_PUBLIC_LEN, "X25519 public key size");
_Static_assert(crypto_sign_PUBLICKEYBYTES == BG_KEY_PUBLIC_LEN, "Ed25519 public key size");
_Static_assert(crypto_sign_SECRETKEYBYTES == BG_KEY_SECRET_MAX, "Ed25519 secret key size");
_Static_assert(crypto_box_SECRETKEYBYTES <= BG_KEY_SECRET_MAX, "secret sizes");

/* Auditor: the X25519 scalar; host: the Ed25519 seed then public key. */
size_t bg_keys_secret_len(enum bg_key_type type)
{
	if (type == BG_KEY_AUDITOR)
		return crypto_box_SECRETKEYBYTES;
	return type == BG_KEY_HOST ? crypto_sign_SECRETKEYBYTES : 0;
}

void bg_keys_id(enum bg_key_type type, const unsigned char pk[BG_KEY_PUBLIC_LEN],
		unsigned char id[BG_KEY_ID_LEN])
{
	unsigned char h[crypto_generichash_BYTES], t = (unsigned char)type;
	crypto_generichash_state st;

	/* The type byte keeps one 32-byte string from naming two keys. */
	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	crypto_generichash_update(&st, (const unsigned char *)ID_CONTEXT,
				  sizeof(ID_CONTEXT) - 1);
	crypto_generichash_update(&st, &t, 1);
	crypto_generichash_update(&st, pk, BG_KEY_PUBLIC_LEN);
	crypto_generichash_final(&st, h, sizeof(h));
	memcpy(id, h, BG_KEY_ID_LEN);
}

void bg_keys_id_hex(const unsigned char id[BG_KEY_ID_LEN], char hex[2 * BG_KEY_ID_LEN + 1])
{
	sodium_bin2hex(hex, 2 * BG_KEY_ID_LEN + 1, id, BG_KEY_ID_LEN);
}

void bg_keys_free(struct bg_keypair *k)
{
	if (k == NULL)
		return;
	bg_secret_free(k->sk);
	sodium_memzero(k, sizeof(*k));
	free(k);
}

/* Filled in place, the key material never exists outside the guarded
 * buffer. */
int bg_keys_alloc(enum bg_key_type type, struct bg_keypair **out)
{
	static const unsigned char zeros[BG_KEY_SECRET_MAX];
	struct bg_keypair *k;
	int r;

	*out = NULL;
	if (bg_keys_secret_len(type) == 0)
		return BG_EINVAL;
	if (sodium_init() < 0)
		return BG_ECRYPTO;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return BG_ENOMEM;
	k->pub.type = type;
	if ((r = bg_secret_new(bg_keys_secret_len(type), &k->sk)) != BG_OK ||
	    (r = bg_secret_set(k->sk, zeros, bg_keys_secret_len(type))) != BG_OK) {
		bg_keys_free(k);
		return r;
	}
	*out = k;
	return BG_OK;
}

int bg_keys_generate(enum bg_key_type type, struct bg_keypair **out)
{
	struct bg_keypair *k;
	int r, rc;

	*out = NULL;
	if ((r = bg_keys_alloc(type, &k)) != BG_OK)
		return r;
	if (type == BG_KEY_AUDITOR)
		rc = crypto_box_keypair(k->pub.pk, bg_secret_data(k->sk));
	else
		rc = crypto_sign_keypair(k->pub.pk, bg_secret_data(k->sk));
	if (rc != 0) {
		bg_keys_free(k);
		return BG_ECRYPTO;
	}
	bg_keys_id(type, k->pub.pk, k->pub.id);
	*out = k;
	return BG_OK;
}
