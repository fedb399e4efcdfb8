/* Key files (docs/FORMAT.md, 6): their text and strict parsing, every
 * check of the key inside included, and saving and loading them with
 * the ownership and mode checks. */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "breakglass/base/buf.h"
#include "breakglass/base/jsonwipe.h"
#include "breakglass/base/log.h"
#include "breakglass/base/safefile.h"
#include "breakglass/base/text.h"
#include "breakglass/evidence/keyfile.h"

#define KEYS_VERSION 1
/* Our files are under 250 bytes: anything near this is not a key file. */
#define KEYS_MAX_BYTES 4096
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

int bg_keyfile_save(const struct bg_keypair *k, const char *secret_path,
		    const char *public_path, gid_t gid)
{
	int r;

	if (k == NULL || k->sk == NULL || bg_keys_secret_len(k->pub.type) == 0 ||
	    bg_secret_len(k->sk) != bg_keys_secret_len(k->pub.type) ||
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
	/* The tag this refusal has always carried: log filters know it. */
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

int bg_keyfile_load_public(const char *path, enum bg_key_type type,
			   uid_t trusted, struct bg_pubkey *out)
{
	int r;

	memset(out, 0, sizeof(*out));
	if (path == NULL || bg_keys_secret_len(type) == 0)
		return BG_EINVAL;
	if (sodium_init() < 0)
		return BG_ECRYPTO;
	if ((r = load(path, type, trusted, out, NULL)) != BG_OK)
		memset(out, 0, sizeof(*out));
	return r;
}

int bg_keyfile_load_pair(const char *path, enum bg_key_type type,
			 uid_t trusted, struct bg_keypair **out)
{
	struct bg_keypair *k;
	int r;

	*out = NULL;
	if (path == NULL)
		return BG_EINVAL;
	if ((r = bg_keys_alloc(type, &k)) != BG_OK)
		return r;
	if ((r = load(path, type, trusted, &k->pub, k->sk)) != BG_OK) {
		bg_keys_free(k);
		return r;
	}
	*out = k;
	return BG_OK;
}
