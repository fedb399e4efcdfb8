/* Escrow of redacted input, byte for byte as docs/FORMAT.md 7.5 says:
 * sealing the bytes typed blind for escrow recipients, and checking and
 * opening them again. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "breakglass/base/secret.h"
#include "breakglass/evidence/escrow.h"
#include "breakglass/evidence/recformat.h"

struct bg_escrow {
	unsigned char session[16];
	struct bg_secret *key;                  /* the session's escrow key */
	const struct bg_keypair *mine;          /* opener: the key it was given */
	unsigned char keys[BG_SEG_RECIPIENT_LEN * BG_RECIPIENTS_MAX];   /* sealer */
	size_t keys_len;
	bool keys_seen, opens;
	uint64_t count;                         /* in_escrow events so far */
	size_t prev_redacted;                   /* the previous event's count, 0: none */
};

static int flaw(char *why, size_t whylen, const char *text)
{
	if (why != NULL && whylen > 0)
		(void)!snprintf(why, whylen, "%s", text);
	return BG_EINTEGRITY;
}

/* The nonce of the next in_escrow event: unique in the session, and
 * known to every reader, so a payload moved from elsewhere is seen. */
static void nonce(const struct bg_escrow *e, unsigned char n[BG_ESCROW_NONCE])
{
	memcpy(n, e->session, 16);
	bg_recformat_put_le(n + 16, e->count, 8);
}

static bool listed(const unsigned char *id, const struct bg_pubkey *k, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (memcmp(id, k[i].id, BG_KEY_ID_LEN) == 0)
			return true;
	return false;
}

static int alloc(const unsigned char session[16], struct bg_escrow **out)
{
	struct bg_escrow *e;

	if (sodium_init() < 0)
		return BG_ECRYPTO;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return BG_ENOMEM;
	memcpy(e->session, session, 16);
	if (bg_secret_new(crypto_secretbox_KEYBYTES, &e->key) != BG_OK) {
		free(e);
		return BG_ENOMEM;
	}
	*out = e;
	return BG_OK;
}

int bg_escrow_sealer(const unsigned char session[16], const struct bg_pubkey *to, size_t n,
		     const struct bg_pubkey *auditors, size_t n_auditors,
		     struct bg_escrow **out)
{
	struct bg_escrow *e;
	unsigned char *p;
	size_t i;
	int r;

	*out = NULL;
	if (n == 0)
		return BG_OK;
	if (session == NULL || to == NULL || n > BG_RECIPIENTS_MAX ||
	    (auditors == NULL && n_auditors > 0))
		return BG_EINVAL;
	for (i = 0; i < n; i++)
		if (to[i].type != BG_KEY_AUDITOR || listed(to[i].id, to, i) ||
		    listed(to[i].id, auditors, n_auditors))
			return BG_EINVAL;
	if ((r = alloc(session, &e)) != BG_OK)
		return r;
	randombytes_buf(bg_secret_data(e->key), crypto_secretbox_KEYBYTES);
	for (i = 0, p = e->keys; i < n; i++, p += BG_SEG_RECIPIENT_LEN) {
		memcpy(p, to[i].id, BG_KEY_ID_LEN);
		if (crypto_box_seal(p + BG_KEY_ID_LEN, bg_secret_data(e->key),
				    crypto_secretbox_KEYBYTES, to[i].pk) != 0) {
			bg_escrow_free(e);
			return BG_ECRYPTO;
		}
	}
	e->keys_len = n * BG_SEG_RECIPIENT_LEN;
	*out = e;
	return BG_OK;
}

int bg_escrow_redacted(struct bg_escrow *e, struct bg_recwriter *w, uint64_t t_us,
		       const void *bytes, size_t len)
{
	unsigned char count[4], ev[BG_ESCROW_OVERHEAD + BG_ESCROW_MAX];
	const unsigned char *p = bytes;
	size_t piece;
	int r = BG_OK;

	if (w == NULL || (bytes == NULL && len > 0))
		return BG_EINVAL;
	if (len == 0)
		return BG_OK;           /* nothing typed, nothing withheld */
	if (e == NULL) {
		/* No escrow: the bytes are dropped, only their number is kept. */
		bg_recformat_put_le(count, len > UINT32_MAX ? UINT32_MAX : len, 4);
		return bg_recwriter_event(w, BG_EV_IN_REDACTED, t_us, count, sizeof(count));
	}
	if (!e->keys_seen) {
		if ((r = bg_recwriter_event(w, BG_EV_ESCROW_KEYS, t_us, e->keys, e->keys_len)) != BG_OK)
			return r;
		e->keys_seen = true;
	}
	for (; len > 0; p += piece, len -= piece) {
		piece = len < BG_ESCROW_MAX ? len : BG_ESCROW_MAX;
		bg_recformat_put_le(count, piece, 4);
		if ((r = bg_recwriter_event(w, BG_EV_IN_REDACTED, t_us, count, sizeof(count))) != BG_OK)
			break;
		nonce(e, ev);
		/* The secretbox reads the caller's bytes directly: no copy to wipe. */
		if (crypto_secretbox_easy(ev + BG_ESCROW_NONCE, p, piece, ev,
					  bg_secret_data(e->key)) != 0) {
			r = BG_ECRYPTO;
			break;
		}
		if ((r = bg_recwriter_event(w, BG_EV_IN_ESCROW, t_us, ev,
					    BG_ESCROW_OVERHEAD + piece)) != BG_OK)
			break;
		e->count++;
	}
	return r;
}

int bg_escrow_opener(const unsigned char session[16], const struct bg_keypair *key,
		     struct bg_escrow **out)
{
	int r;

	*out = NULL;
	if (session == NULL ||
	    (key != NULL && (key->pub.type != BG_KEY_AUDITOR || key->sk == NULL ||
			     bg_secret_len(key->sk) != crypto_box_SECRETKEYBYTES)))
		return BG_EINVAL;
	if ((r = alloc(session, out)) == BG_OK)
		(*out)->mine = key;
	return r;
}

/* The escrow_keys event: once, distinct recipients, and the opener's
 * entry (if any) must open. */
static int keys_event(struct bg_escrow *e, const unsigned char *d, size_t len, char *why,
		      size_t whylen)
{
	const struct bg_keypair *k = e->mine;
	size_t i, j, n = len / BG_SEG_RECIPIENT_LEN;

	if (e->keys_seen)
		return flaw(why, whylen, "a second escrow_keys event");
	e->keys_seen = true;
	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++)
			if (memcmp(d + i * BG_SEG_RECIPIENT_LEN, d + j * BG_SEG_RECIPIENT_LEN,
				   BG_KEY_ID_LEN) == 0)
				return flaw(why, whylen, "an escrow recipient listed twice");
	for (i = 0; k != NULL && i < n; i++, d += BG_SEG_RECIPIENT_LEN) {
		if (memcmp(d, k->pub.id, BG_KEY_ID_LEN) != 0)
			continue;
		if (crypto_box_seal_open(bg_secret_data(e->key), d + BG_KEY_ID_LEN,
					 BG_SEG_SEALED_LEN, k->pub.pk, bg_secret_data(k->sk)) != 0)
			return flaw(why, whylen, "the sealed escrow key does not open");
		e->opens = true;
	}
	return BG_OK;
}

/* An in_escrow event: right after the in_redacted event that counts its
 * bytes, with the next nonce; opened in place when the key is ours. */
static int sealed_event(struct bg_escrow *e, unsigned char *d, size_t len, char *why,
			size_t whylen)
{
	unsigned char n[BG_ESCROW_NONCE];

	if (!e->keys_seen)
		return flaw(why, whylen, "an in_escrow event before the escrow_keys event");
	if (e->prev_redacted != len - BG_ESCROW_OVERHEAD)
		return flaw(why, whylen, "an in_escrow event not after its in_redacted event");
	nonce(e, n);
	if (sodium_memcmp(d, n, sizeof(n)) != 0)
		return flaw(why, whylen, "an in_escrow event with the wrong nonce");
	if (e->opens && crypto_secretbox_open_easy(d + BG_ESCROW_NONCE, d + BG_ESCROW_NONCE,
						   len - BG_ESCROW_NONCE, d,
						   bg_secret_data(e->key)) != 0)
		return flaw(why, whylen, "an in_escrow event does not open");
	e->count++;
	return BG_OK;
}

int bg_escrow_check(struct bg_escrow *e, unsigned char *p, size_t n, char *why,
		    size_t whylen)
{
	uint64_t t;
	size_t off, len;
	unsigned type;
	int r;

	for (off = 0; off < n; off += BG_SEG_EV_HDR + len) {
		unsigned char *d = p + off + BG_SEG_EV_HDR;

		bg_recformat_event_get(p + off, &type, &t, &len);
		if (type == BG_EV_ESCROW_KEYS && (r = keys_event(e, d, len, why, whylen)) != BG_OK)
			return r;
		if (type == BG_EV_IN_ESCROW && (r = sealed_event(e, d, len, why, whylen)) != BG_OK)
			return r;
		e->prev_redacted = type == BG_EV_IN_REDACTED ? bg_recformat_get_le(d, 4) : 0;
	}
	return BG_OK;
}

bool bg_escrow_opens(const struct bg_escrow *e)
{
	return e != NULL && e->opens;
}

void bg_escrow_free(struct bg_escrow *e)
{
	if (e == NULL)
		return;
	bg_secret_free(e->key);
	sodium_memzero(e, sizeof(*e));
	free(e);
}
