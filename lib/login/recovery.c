/* Recovery codes: generation, argon2id hashing, and one-time use. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "breakglass/login/recovery.h"

#define CODE_LETTERS 16         /* 80 bits */
/* Codes carry 80 random bits, so offline guessing is hopeless whatever the
 * cost; argon2id only has to stop cheap bulk hashing.  16 MiB keeps a
 * login that tries all ten hashes well under a second. */
#define CODE_OPSLIMIT crypto_pwhash_OPSLIMIT_INTERACTIVE
#define CODE_MEMLIMIT (16 * 1024 * 1024)

static const char b32_lower[] = "abcdefghijklmnopqrstuvwxyz234567";

static void free_hash(char **h)
{
	if (*h == NULL)
		return;
	sodium_memzero(*h, strlen(*h));
	free(*h);
	*h = NULL;
}

void bg_recovery_hashes_free(char *hashes[BG_RECOVERY_CODES])
{
	size_t i;

	for (i = 0; i < BG_RECOVERY_CODES; i++)
		free_hash(&hashes[i]);
}

bool bg_recovery_hash_ok(const char *h)
{
	return h != NULL &&
	       strncmp(h, crypto_pwhash_argon2id_STRPREFIX,
		       strlen(crypto_pwhash_argon2id_STRPREFIX)) == 0 &&
	       strlen(h) < crypto_pwhash_STRBYTES &&
	       crypto_pwhash_str_needs_rehash(h, CODE_OPSLIMIT, CODE_MEMLIMIT) == 0;
}

int bg_recovery_generate(char *hashes[BG_RECOVERY_CODES],
			 struct bg_recovery_codes *codes)
{
	const size_t stride = BG_RECOVERY_CODE_LEN + 1;
	char *fresh[BG_RECOVERY_CODES] = { 0 }, hash[crypto_pwhash_STRBYTES];
	struct bg_secret *text = NULL;
	unsigned char *p;
	size_t i, j;
	int r;

	if (hashes == NULL || codes == NULL)
		return BG_EINVAL;
	codes->text = NULL;
	if (sodium_init() < 0)
		return BG_ECRYPTO;
	if ((r = bg_secret_new(BG_RECOVERY_CODES * stride, &text)) != BG_OK)
		return r;
	for (i = 0; i < BG_RECOVERY_CODES && r == BG_OK; i++) {
		p = bg_secret_data(text) + i * stride;
		/* "abcd-efgh-ijkl-mnop": a dash after every fourth letter. */
		for (j = 0; j < CODE_LETTERS; j++)
			p[j + j / 4] = (unsigned char)b32_lower[randombytes_uniform(32)];
		p[4] = p[9] = p[14] = '-';
		if (crypto_pwhash_str_alg(hash, (const char *)p, BG_RECOVERY_CODE_LEN,
					  CODE_OPSLIMIT, CODE_MEMLIMIT,
					  crypto_pwhash_ALG_ARGON2ID13) != 0)
			r = BG_ECRYPTO;
		else if ((fresh[i] = strdup(hash)) == NULL)
			r = BG_ENOMEM;
	}
	for (i = 0; i < BG_RECOVERY_CODES; i++) {
		/* All or nothing: old codes stay valid if making new ones failed. */
		if (r == BG_OK) {
			free_hash(&hashes[i]);
			hashes[i] = fresh[i];
		} else {
			free_hash(&fresh[i]);
		}
	}
	if (r != BG_OK) {
		bg_secret_free(text);
		return r;
	}
	codes->text = text;
	return BG_OK;
}

const char *bg_recovery_code(const struct bg_recovery_codes *codes, size_t i)
{
	if (codes == NULL || codes->text == NULL || i >= BG_RECOVERY_CODES)
		return NULL;
	return (const char *)bg_secret_data(codes->text) + i * (BG_RECOVERY_CODE_LEN + 1);
}

void bg_recovery_codes_free(struct bg_recovery_codes *codes)
{
	if (codes == NULL)
		return;
	bg_secret_free(codes->text);
	codes->text = NULL;
}

/* s without dashes and spaces, lower-cased, into out: true if that leaves
 * exactly CODE_LETTERS base32 letters. */
static bool normalise(const char *s, char out[CODE_LETTERS + 1])
{
	size_t n = 0;
	char c;

	for (; s != NULL && *s != '\0'; s++) {
		c = *s;
		if (c == '-' || c == ' ')
			continue;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (strchr(b32_lower, c) == NULL || n == CODE_LETTERS)
			return false;
		out[n++] = c;
	}
	out[n] = '\0';
	return n == CODE_LETTERS;
}

bool bg_recovery_looks_like(const char *s)
{
	char norm[CODE_LETTERS + 1];
	bool ok = normalise(s, norm);

	sodium_memzero(norm, sizeof(norm));
	return ok;
}

int bg_recovery_use(char *hashes[BG_RECOVERY_CODES], const char *code)
{
	char norm[CODE_LETTERS + 1], canon[BG_RECOVERY_CODE_LEN + 1];
	int hit = -1;
	size_t i, j;

	if (hashes == NULL || !normalise(code, norm)) {
		sodium_memzero(norm, sizeof(norm));
		return BG_EAUTH;
	}
	for (i = j = 0; i < CODE_LETTERS; i++) {
		if (i > 0 && i % 4 == 0)
			canon[j++] = '-';
		canon[j++] = norm[i];
	}
	canon[j] = '\0';
	/* Every unused hash is tried, in order, so the time taken does not
	 * depend on which slot (if any) matched. */
	for (i = 0; i < BG_RECOVERY_CODES; i++)
		if (hashes[i] != NULL &&
		    crypto_pwhash_str_verify(hashes[i], canon,
					     BG_RECOVERY_CODE_LEN) == 0 && hit < 0)
			hit = (int)i;
	sodium_memzero(norm, sizeof(norm));
	sodium_memzero(canon, sizeof(canon));
	if (hit < 0)
		return BG_EAUTH;
	free_hash(&hashes[hit]);
	return BG_OK;
}
