/* The key file format (docs/FORMAT.md, 6): writing a key's file, and
 * reading one strictly, every check of the key inside included. */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "breakglass/base/buf.h"
#include "breakglass/evidence/keyfile.h"

#define KEYS_VERSION 1
/* Room for the longest file we write (a host secret, about 240 bytes). */
#define KEYS_TEXT_CAP 512

static const char no_memory[] = "out of memory";

const char *bg_keyfile_type_name(enum bg_key_type type, bool secret)
{
	if (type == BG_KEY_AUDITOR)
		return secret ? "auditor-secret" : "auditor-public";
	return secret ? "host-secret" : "host-public";
}

/* The file text, built in a secret buffer: a secret file holds the key
 * in hex, and no copy of it may be left behind on the ordinary heap
 * (snprintf writes straight into the buffer it is given). */
int bg_keyfile_text(const struct bg_keypair *k, bool secret, struct bg_secret **out,
		    size_t *len)
{
	char id[2 * BG_KEY_ID_LEN + 1], *hex, *text;
	struct bg_secret *h = NULL;
	int r;

	*out = NULL;
	if ((r = bg_secret_new(2 * BG_KEY_SECRET_MAX + 1, &h)) != BG_OK ||
	    (r = bg_secret_new(KEYS_TEXT_CAP, out)) != BG_OK) {
		bg_secret_free(h);
		return r;
	}
	hex = (char *)bg_secret_data(h);
	text = (char *)bg_secret_data(*out);
	bg_keys_id_hex(k->pub.id, id);
	if (secret)
		sodium_bin2hex(hex, bg_secret_cap(h), bg_secret_data(k->sk), bg_secret_len(k->sk));
	else
		sodium_bin2hex(hex, bg_secret_cap(h), k->pub.pk, sizeof(k->pub.pk));
	r = bg_snprintf(text, KEYS_TEXT_CAP, "{\n  \"version\": %d,\n  \"type\": \"%s\",\n"
			"  \"id\": \"%s\",\n  \"%s\": \"%s\"\n}\n", KEYS_VERSION,
			bg_keyfile_type_name(k->pub.type, secret), id, secret ? "secret" : "public", hex);
	bg_secret_free(h);
	if (r != BG_OK) {
		bg_secret_free(*out);
		*out = NULL;
		return r;
	}
	*len = strlen(text);
	return BG_OK;
}

/* Exactly 2n lowercase hex digits into out[n]: we write lowercase and
 * nothing else, so anything else means the file was not made by us. */
static bool hex_decode(json_t *v, unsigned char *out, size_t n)
{
	const char *s, *end = NULL;
	size_t len, i, got = 0;
	unsigned upper = 0;

	if (!json_is_string(v))
		return false;
	s = json_string_value(v);
	len = json_string_length(v);
	if (len != 2 * n)
		return false;
	/* No branch on the digits: the string may be a secret key. */
	for (i = 0; i < len; i++)
		upper |= (unsigned)((unsigned char)s[i] - 'A') < 6u;
	if (upper != 0 || sodium_hex2bin(out, n, s, len, NULL, &got, &end) != 0 ||
	    got != n || end != s + len) {
		sodium_memzero(out, n);
		return false;
	}
	return true;
}

/* A public key must be one a peer can use: a small-order X25519 point
 * would make every sealed session key computable by anyone. */
static bool public_ok(enum bg_key_type type, const unsigned char *pk)
{
	static const unsigned char probe[crypto_scalarmult_SCALARBYTES] = { 9, 1, 1 };
	unsigned char q[crypto_scalarmult_BYTES];

	if (type == BG_KEY_HOST)
		return crypto_core_ed25519_is_valid_point(pk) == 1;
	/* Fails exactly when the (clamped) product is zero: small order. */
	return crypto_scalarmult(q, probe, pk) == 0;
}

/* The public key that a secret implies, in pub->pk; NULL if it holds. */
static const char *derive_public(enum bg_key_type type, struct bg_secret *sk,
				 struct bg_pubkey *pub)
{
	struct bg_secret *work = NULL;
	const char *bad = NULL;

	if (type == BG_KEY_AUDITOR)
		return crypto_scalarmult_base(pub->pk, bg_secret_data(sk)) == 0 ?
		       NULL : "secret is not a usable X25519 key";
	/* The stored public half must be the one its seed gives: a pair that
	 * signs with one key and names another would fail every check later. */
	if (bg_secret_new(crypto_sign_SECRETKEYBYTES, &work) != BG_OK)
		return no_memory;
	if (crypto_sign_seed_keypair(pub->pk, bg_secret_data(work), bg_secret_data(sk)) != 0)
		bad = "secret is not a usable Ed25519 key";
	else if (sodium_memcmp(pub->pk, bg_secret_data(sk) + crypto_sign_SEEDBYTES,
			       BG_KEY_PUBLIC_LEN) != 0)
		bad = "the public half of secret does not match its seed";
	bg_secret_free(work);
	return bad;
}

bool bg_keyfile_is(json_t *root, enum bg_key_type type, bool secret)
{
	json_t *v = json_object_get(root, "type");

	return json_is_string(v) &&
	       strcmp(json_string_value(v), bg_keyfile_type_name(type, secret)) == 0;
}

/* NULL if root is a valid file of that type and kind (now in pub and, for
 * a secret file, sk), else what is wrong with it. */
static const char *parse_file(json_t *root, enum bg_key_type type,
			      struct bg_pubkey *pub, struct bg_secret *sk)
{
	unsigned char id[BG_KEY_ID_LEN];
	const char *bad;
	json_t *v;

	if (!json_is_object(root))
		return "the top level is not an object";
	/* Four members, and each of the four names is looked up below: so
	 * no unknown member can hide among them. */
	if (json_object_size(root) != 4)
		return "not exactly the members version, type, id and the key";
	v = json_object_get(root, "version");
	if (!json_is_integer(v) || json_integer_value(v) != KEYS_VERSION)
		return "version is not 1";
	/* The other half of the right kind is an easy mix-up: say so. */
	if (bg_keyfile_is(root, type, sk == NULL))
		return sk != NULL ? "a public key file (.pub) where the secret one (.key) is needed" :
		       "a secret key file where the public one (.pub) is needed; "
		       "a secret key does not belong here";
	if (!bg_keyfile_is(root, type, sk != NULL))
		return "type is not the kind of key asked for";
	if (!hex_decode(json_object_get(root, "id"), id, sizeof(id)))
		return "id is not 32 lowercase hex digits";
	if (sk == NULL) {
		if (!hex_decode(json_object_get(root, "public"), pub->pk, sizeof(pub->pk)))
			return "public is not 64 lowercase hex digits";
	} else {
		if (!hex_decode(json_object_get(root, "secret"), bg_secret_data(sk),
				bg_secret_len(sk)))
			return type == BG_KEY_HOST ? "secret is not 128 lowercase hex digits" :
			       "secret is not 64 lowercase hex digits";
		if ((bad = derive_public(type, sk, pub)) != NULL)
			return bad;
	}
	if (!public_ok(type, pub->pk))
		return "the public key is not a valid point of full order";
	pub->type = type;
	bg_keys_id(type, pub->pk, pub->id);
	if (sodium_memcmp(id, pub->id, sizeof(id)) != 0)
		return "id does not match the key";
	return NULL;
}

int bg_keyfile_parse(json_t *root, enum bg_key_type type, struct bg_pubkey *pub,
		     struct bg_secret *sk, const char **why)
{
	*why = parse_file(root, type, pub, sk);
	if (*why == NULL)
		return BG_OK;
	return *why == no_memory ? BG_ENOMEM : BG_EINVAL;
}
