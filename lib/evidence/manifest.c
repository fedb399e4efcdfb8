/* The signed session manifest (docs/FORMAT.md, 8): its content rules and
 * canonical bytes, and writing it, as the recorder does when a segment
 * closes (reading and checking one is manifestread.c). */
#include "config.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "breakglass/base/buf.h"
#include "breakglass/evidence/manifest.h"
#include "breakglass/base/safefile.h"
#include "breakglass/base/text.h"

/* A host name, account or ticket; ours are far shorter (ticket: 128). */
#define MAN_TEXT_MAX 1024
/* Integers beyond 2^53 do not survive every JSON reader. */
#define MAN_INT_MAX (((json_int_t)1 << 53) - 1)
#define SIG_CONTEXT "BGMAN-v1"
#define SIG_MARK ",\"signature\":\""
#define SIG_HEX (2 * crypto_sign_BYTES)
#define HEX_MAX 64      /* bytes: the longest value but the signature */

_Static_assert(crypto_sign_PUBLICKEYBYTES == BG_KEY_PUBLIC_LEN, "Ed25519 public key size");
_Static_assert(crypto_sign_BYTES == BG_MANIFEST_SIG_LEN, "Ed25519 signature size");

/* The value of the n decimal digits at s, or -1 if one is not a digit. */
static int number(const char *s, size_t n)
{
	int v = 0;

	for (; n > 0; n--, s++)
		v = *s >= '0' && *s <= '9' && v >= 0 ? v * 10 + (*s - '0') : -1;
	return v;
}

/* "YYYY-MM-DDTHH:MM:SSZ", perhaps with 1 to 9 fraction digits before the
 * Z, and a date that exists: what gmtime and our writers produce. */
static bool time_ok(const char *s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	size_t n = strlen(s), frac = n - 20;    /* the bytes between seconds and Z */
	int y, mo, d, hh, mm, ss;

	if (n < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':' || s[n - 1] != 'Z' || (frac != 0 && (frac < 2 || frac > 10 ||
	    s[19] != '.' || number(s + 20, frac - 1) < 0)))
		return false;
	y = number(s, 4);
	mo = number(s + 5, 2);
	d = number(s + 8, 2);
	hh = number(s + 11, 2);
	mm = number(s + 14, 2);
	ss = number(s + 17, 2);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && (y % 4 != 0 || (y % 100 == 0 && y % 400 != 0))))
		return false;
	return hh >= 0 && hh < 24 && mm >= 0 && mm < 60 && ss >= 0 && ss < 60;
}

static bool text_ok(const char *s)
{
	return s != NULL && s[0] != '\0' && strlen(s) <= MAN_TEXT_MAX &&
	       !bg_text_has_control(s);
}

/* The same rules for the writer and the reader, so each accepts the
 * other. */
const char *bg_manifest_problem(const struct bg_manifest *m)
{
	size_t i;

	if (!text_ok(m->host) || !text_ok(m->user) || !text_ok(m->ticket))
		return "host, user or ticket is empty, too long or holds a control character";
	if (m->start == NULL || !time_ok(m->start))
		return "start is not an RFC 3339 UTC time";
	if (m->end != NULL && !time_ok(m->end))
		return "end is not an RFC 3339 UTC time";
	if (m->complete && m->end == NULL)
		return "complete without an end";
	if (m->n_segments > 0 && m->segments == NULL)
		return "segments missing";
	for (i = 0; i < m->n_segments; i++) {
		/* Segments close in number order, and a gap is a lost segment. */
		if (m->segments[i].n != i)
			return "segment numbers are not 0, 1, 2, ... in order";
		if (m->segments[i].bytes > (uint64_t)MAN_INT_MAX)
			return "segment size out of range";
	}
	if (m->command != NULL || m->n_commands > 0)
		return bg_command_problem(m->command, m->n_commands);
	return NULL;
}

static void hex(const unsigned char *bin, size_t n, char out[2 * HEX_MAX + 1])
{
	sodium_bin2hex(out, 2 * HEX_MAX + 1, bin, n);
}

static json_t *segments_json(const struct bg_manifest *m)
{
	json_t *a = json_array(), *o;
	char h[2 * HEX_MAX + 1];
	size_t i;

	for (i = 0; a != NULL && i < m->n_segments; i++) {
		hex(m->segments[i].hash, BG_HASH_LEN, h);
		o = json_pack("{s:I, s:s, s:I}", "n", (json_int_t)m->segments[i].n, "hash", h,
			      "bytes", (json_int_t)m->segments[i].bytes);
		if (json_array_append_new(a, o) != 0) {
			json_decref(a);
			a = NULL;
		}
	}
	return a;
}

/* jansson keeps the order the members are packed in. */
int bg_manifest_signed_bytes(const struct bg_manifest *m, char **prefix, size_t *len)
{
	char session[2 * HEX_MAX + 1], id[2 * HEX_MAX + 1], pk[2 * HEX_MAX + 1];
	json_t *segs = segments_json(m), *o;

	*prefix = NULL;
	if (segs == NULL)
		return BG_ENOMEM;
	hex(m->session, sizeof(m->session), session);
	hex(m->host_key_id, sizeof(m->host_key_id), id);
	hex(m->host_public, sizeof(m->host_public), pk);
	/* "o" takes segs even when packing fails. */
	o = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:b, s:o}",
		      "version", BG_MANIFEST_VERSION, "session", session, "host", m->host,
		      "host_key_id", id, "host_public", pk, "user", m->user,
		      "ticket", m->ticket, "start", m->start, "end", m->end,
		      "complete", (int)m->complete, "segments", segs);
	/* Packing fails on a string that is not UTF-8, or out of memory. */
	if (o == NULL)
		return BG_EINVAL;
	/* Last before the signature, and only for a command: older manifests
	 * keep their bytes. */
	if (m->n_commands > 0 &&
	    json_object_set_new(o, "command", bg_command_json(m->command, m->n_commands)) != 0) {
		json_decref(o);
		return BG_ENOMEM;
	}
	*prefix = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	json_decref(o);
	if (*prefix == NULL)
		return BG_ENOMEM;
	*len = strlen(*prefix) - 1;
	(*prefix)[*len] = '\0';
	return BG_OK;
}

/* Pure Ed25519, not the prehashed multi-part API, so the message is put
 * in one buffer. */
int bg_manifest_signature(const char *prefix, size_t len, unsigned char sig[BG_MANIFEST_SIG_LEN],
			  struct bg_secret *sk, const unsigned char *pk)
{
	size_t n = sizeof(SIG_CONTEXT) - 1 + len;
	unsigned char *msg = malloc(n);
	int rc;

	if (msg == NULL)
		return BG_ENOMEM;
	memcpy(msg, SIG_CONTEXT, sizeof(SIG_CONTEXT) - 1);
	memcpy(msg + sizeof(SIG_CONTEXT) - 1, prefix, len);
	if (sk != NULL)
		rc = crypto_sign_detached(sig, NULL, msg, n, bg_secret_data(sk));
	else
		rc = crypto_sign_verify_detached(sig, msg, n, pk);
	free(msg);
	return rc == 0 ? BG_OK : sk != NULL ? BG_ECRYPTO : BG_EINTEGRITY;
}

int bg_manifest_text(const char *prefix, size_t len, const unsigned char *sig,
		     struct bg_buf *out)
{
	char h[SIG_HEX + 1];
	int r;

	bg_buf_init(out, BG_MANIFEST_MAX_BYTES);
	sodium_bin2hex(h, sizeof(h), sig, crypto_sign_BYTES);
	if ((r = bg_buf_append(out, prefix, len)) != BG_OK ||
	    (r = bg_buf_append(out, SIG_MARK, sizeof(SIG_MARK) - 1)) != BG_OK ||
	    (r = bg_buf_append(out, h, SIG_HEX)) != BG_OK ||
	    (r = bg_buf_append(out, "\"}", 2)) != BG_OK)
		bg_buf_free(out);
	return r;
}

/* A pair that signs as one key and names another would make manifests
 * that no verifier accepts. */
static bool host_pair_ok(const struct bg_keypair *k)
{
	unsigned char id[BG_KEY_ID_LEN];

	if (k == NULL || k->pub.type != BG_KEY_HOST || k->sk == NULL ||
	    bg_secret_len(k->sk) != crypto_sign_SECRETKEYBYTES)
		return false;
	bg_keys_id(BG_KEY_HOST, k->pub.pk, id);
	return memcmp(id, k->pub.id, sizeof(id)) == 0 &&
	       memcmp(bg_secret_data(k->sk) + crypto_sign_SEEDBYTES, k->pub.pk,
		      BG_KEY_PUBLIC_LEN) == 0;
}

int bg_manifest_write(const char *dir, const struct bg_manifest *m,
		      const struct bg_keypair *host)
{
	unsigned char sig[crypto_sign_BYTES];
	char path[PATH_MAX], *prefix = NULL;
	struct bg_buf text;
	size_t plen = 0;
	int r;

	if (dir == NULL || m == NULL || !host_pair_ok(host) ||
	    memcmp(m->host_key_id, host->pub.id, BG_KEY_ID_LEN) != 0 ||
	    memcmp(m->host_public, host->pub.pk, BG_KEY_PUBLIC_LEN) != 0 ||
	    bg_manifest_problem(m) != NULL ||
	    bg_snprintf(path, sizeof(path), "%s/manifest.json", dir) != BG_OK)
		return BG_EINVAL;
	if (sodium_init() < 0)
		return BG_ECRYPTO;
	if ((r = bg_manifest_signed_bytes(m, &prefix, &plen)) != BG_OK)
		return r;
	/* Over 1 MiB (BG_ETOOBIG) it would be refused: it is not written. */
	if ((r = bg_manifest_signature(prefix, plen, sig, host->sk, NULL)) == BG_OK &&
	    (r = bg_manifest_text(prefix, plen, sig, &text)) == BG_OK) {
		r = bg_safefile_write_atomic(path, text.data, text.len, 0640, (gid_t)-1);
		bg_buf_free(&text);
	}
	free(prefix);
	return r;
}

void bg_manifest_free(struct bg_manifest *m)
{
	if (m == NULL)
		return;
	free(m->host);
	free(m->user);
	free(m->ticket);
	free(m->start);
	free(m->end);
	free(m->segments);
	bg_command_free(m->command, m->n_commands);
	free(m);
}
