/* Auditor (X25519) and host (Ed25519) key pairs: generation, ids, and
 * their files saved and loaded with the ownership and mode checks (the
 * format itself is keyfile.c). */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "breakglass/base/jsonwipe.h"
#include "breakglass/evidence/keyfile.h"
#include "breakglass/evidence/keys.h"
#include "breakglass/base/log.h"
#include "breakglass/base/safefile.h"
#include "breakglass/base/text.h"

/* Our files are under 250 bytes: anything near this is not a key file. */
#define KEYS_MAX_BYTES 4096
#define ID_CONTEXT "breakglass-key-id-v1"

_Static_assert(crypto_box_PUBLICKEYBYTES == BG_KEY_PUBLIC_LEN, "X25519 public key size");
_Static_assert(crypto_sign_PUBLICKEYBYTES == BG_KEY_PUBLIC_LEN, "Ed25519 public key size");
_Static_assert(crypto_sign_SECRETKEYBYTES == BG_KEY_SECRET_MAX, "Ed25519 secret key size");
_Static_assert(crypto_box_SECRETKEYBYTES <= BG_KEY_SECRET_MAX, "secret sizes");

static bool type_ok(enum bg_key_type type)
{
	return type == BG_KEY_AUDITOR || type == BG_KEY_HOST;
}

/* Auditor: the X25519 scalar; host: the Ed25519 seed then public key. */
static size_t secret_len(enum bg_key_type type)
{
	return type == BG_KEY_HOST ? crypto_sign_SECRETKEYBYTES : crypto_box_SECRETKEYBYTES;
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

/* A pair whose secret is already sized (zeros), to be filled in place:
 * the key material then never exists outside the guarded buffer. */
static int keypair_alloc(enum bg_key_type type, struct bg_keypair **out)
{
	static const unsigned char zeros[BG_KEY_SECRET_MAX];
	struct bg_keypair *k;
	int r;

	*out = NULL;
	if (!type_ok(type))
		return BG_EINVAL;
	if (sodium_init() < 0)
		return BG_ECRYPTO;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return BG_ENOMEM;
	k->pub.type = type;
	if ((r = bg_secret_new(secret_len(type), &k->sk)) != BG_OK ||
	    (r = bg_secret_set(k->sk, zeros, secret_len(type))) != BG_OK) {
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
	if ((r = keypair_alloc(type, &k)) != BG_OK)
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

/* The secret file must be new (bg_safefile_write_new); the public one
 * is replaced. */
static int write_file(const struct bg_keypair *k, bool secret, const char *path,
		      mode_t mode, gid_t gid)
{
	struct bg_secret *text;
	size_t len = 0;
	int r;

	if ((r = bg_keyfile_text(k, secret, &text, &len)) != BG_OK)
		return r;
	if (secret)
		r = bg_safefile_write_new(path, bg_secret_data(text), len, mode, gid);
	else
		r = bg_safefile_write_atomic(path, bg_secret_data(text), len, mode, gid);
	bg_secret_free(text);
	return r;
}

int bg_keys_save(const struct bg_keypair *k, const char *secret_path,
		 const char *public_path, gid_t gid)
{
	int r;

	if (k == NULL || k->sk == NULL || !type_ok(k->pub.type) ||
	    bg_secret_len(k->sk) != secret_len(k->pub.type) ||
	    secret_path == NULL || public_path == NULL ||
	    strcmp(secret_path, public_path) == 0)
		return BG_EINVAL;
	/* Replacing an auditor key would leave every session sealed to it
	 * unreadable; replacing the host key, every signature unverifiable.
	 * So the secret file is only ever created, never replaced: anything
	 * at its path, a symbolic link (even a dangling one) or a file that
	 * another keygen made meanwhile, makes this fail (BG_EUNSAFE). */
	if ((r = write_file(k, true, secret_path, 0600, gid)) != BG_OK)
		return r;
	/* A secret without its public half would only block a retry. */
	if ((r = write_file(k, false, public_path, 0644, (gid_t)-1)) != BG_OK)
		(void)unlink(secret_path);
	return r;
}

static void log_refusal(const char *path, const char *what, const char *why)
{
	char q[512];

	bg_text_quote(path, 400, q, sizeof(q));
	bg_log_msg(BG_LOG_WARN, "bg_keys_load", "%s: %s file refused: %s", q, what, why);
}

/* Read, check and parse path into pub (and sk for a secret file). */
static int load(const char *path, enum bg_key_type type, uid_t trusted,
		struct bg_pubkey *pub, struct bg_secret *sk)
{
	const char *what = bg_keyfile_type_name(type, sk != NULL), *bad = NULL;
	struct bg_safefile_why why;
	json_error_t jerr;
	struct stat st;
	char *text = NULL;
	size_t len = 0;
	json_t *root;
	bool loose;
	int r;

	r = bg_safefile_read(path, trusted, KEYS_MAX_BYTES, &text, &len, &why);
	if (r != BG_OK) {
		if (r != BG_ENOENT)
			log_refusal(path, what, why.text);
		return r == BG_ETOOBIG ? BG_EINVAL : r;
	}
	/* A secret others could read is a secret no longer (the checks of
	 * the read come first: a symbolic link is refused before this);
	 * unless the file holds no secret, a public one given by mistake. */
	loose = sk != NULL && (lstat(path, &st) != 0 || (st.st_mode & 077) != 0);
	/* Every block jansson frees from here on may hold the key. */
	bg_jsonwipe_begin();
	/* One object and at most a final newline, as section 6 says. */
	if (len < 2 || text[0] != '{' || (text[len - 1] == '\n' ? len < 3 ||
					  text[len - 2] != '}' : text[len - 1] != '}'))
		root = NULL;
	else
		root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	sodium_memzero(text, len);
	free(text);
	/* jerr may quote the bad token (perhaps the key): never logged. */
	sodium_memzero(&jerr, sizeof(jerr));
	if (root == NULL) {
		bg_jsonwipe_end();
		log_refusal(path, what, loose ? "readable by group or others (chmod 600)" :
			    "not one JSON object");
		return loose ? BG_EUNSAFE : BG_EINVAL;
	}
	if (loose && !bg_keyfile_is(root, type, false)) {
		bad = "readable by group or others (chmod 600)";
		r = BG_EUNSAFE;
	} else
		r = bg_keyfile_parse(root, type, pub, sk, &bad);
	json_decref(root);
	bg_jsonwipe_end();
	if (r != BG_OK)
		log_refusal(path, what, bad);
	return r;
}

int bg_keys_load_public(const char *path, enum bg_key_type type,
			uid_t trusted, struct bg_pubkey *out)
{
	int r;

	memset(out, 0, sizeof(*out));
	if (path == NULL || !type_ok(type))
		return BG_EINVAL;
	if (sodium_init() < 0)
		return BG_ECRYPTO;
	if ((r = load(path, type, trusted, out, NULL)) != BG_OK)
		memset(out, 0, sizeof(*out));
	return r;
}

int bg_keys_load_pair(const char *path, enum bg_key_type type,
		      uid_t trusted, struct bg_keypair **out)
{
	struct bg_keypair *k;
	int r;

	*out = NULL;
	if (path == NULL)
		return BG_EINVAL;
	if ((r = keypair_alloc(type, &k)) != BG_OK)
		return r;
	if ((r = load(path, type, trusted, &k->pub, k->sk)) != BG_OK) {
		bg_keys_free(k);
		return r;
	}
	*out = k;
	return BG_OK;
}
