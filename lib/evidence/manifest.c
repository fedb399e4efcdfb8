/* The signed session manifest (docs/FORMAT.md, 8): written by the
 * recorder when a segment closes, read and checked by the replay tools. */
#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "breakglass/base/buf.h"
#include "breakglass/evidence/manifest.h"
#include "breakglass/evidence/recformat.h"
#include "breakglass/base/safefile.h"
#include "breakglass/base/text.h"

#define MAN_VERSION 1
#define MAN_MAX_BYTES (1024 * 1024)
/* A host name, account or ticket; ours are far shorter (ticket: 128). */
#define MAN_TEXT_MAX 1024
/* Integers beyond 2^53 do not survive every JSON reader. */
#define MAN_INT_MAX (((json_int_t)1 << 53) - 1)
#define SIG_CONTEXT "BGMAN-v1"
#define SIG_MARK ",\"signature\":\""
#define SIG_HEX (2 * crypto_sign_BYTES)
#define HEX_MAX 64      /* bytes: the longest value but the signature */

_Static_assert(crypto_sign_PUBLICKEYBYTES == BG_KEY_PUBLIC_LEN, "Ed25519 public key size");

static const char no_memory[] = "out of memory";

static __attribute__((format(printf, 4, 5)))
int why_set(char *why, size_t whylen, int err, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || whylen == 0)
		return err;
	va_start(ap, fmt);
	(void)vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return err;
}

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

/* NULL if the content is one we would write, else what is wrong: the
 * same rules for the writer and the reader, so each accepts the other. */
static const char *content_problem(const struct bg_manifest *m)
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

/* The signed bytes: the compact dump of every member but the signature
 * (jansson keeps the order they are packed in) without its final '}',
 * malloc'ed.  BG_EINVAL if a string is not UTF-8. */
static int build_prefix(const struct bg_manifest *m, char **prefix, size_t *len)
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
		      "version", MAN_VERSION, "session", session, "host", m->host,
		      "host_key_id", id, "host_public", pk, "user", m->user,
		      "ticket", m->ticket, "start", m->start, "end", m->end,
		      "complete", (int)m->complete, "segments", segs);
	/* Packing fails on a string that is not UTF-8, or out of memory. */
	if (o == NULL)
		return BG_EINVAL;
	*prefix = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	json_decref(o);
	if (*prefix == NULL)
		return BG_ENOMEM;
	*len = strlen(*prefix) - 1;
	(*prefix)[*len] = '\0';
	return BG_OK;
}

/* Sign (sk) or verify (pk) "BGMAN-v1" || prefix.  Pure Ed25519, not the
 * prehashed multi-part API, so the message is put in one buffer. */
static int signature(const char *prefix, size_t len, unsigned char sig[crypto_sign_BYTES],
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

/* The whole file: prefix || ,"signature":" || hex || "} */
static int assemble(const char *prefix, size_t len, const unsigned char *sig,
		    struct bg_buf *out)
{
	char h[SIG_HEX + 1];
	int r;

	bg_buf_init(out, MAN_MAX_BYTES);
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
	    content_problem(m) != NULL ||
	    bg_snprintf(path, sizeof(path), "%s/manifest.json", dir) != BG_OK)
		return BG_EINVAL;
	if (sodium_init() < 0)
		return BG_ECRYPTO;
	if ((r = build_prefix(m, &prefix, &plen)) != BG_OK)
		return r;
	/* Over 1 MiB (BG_ETOOBIG) it would be refused: it is not written. */
	if ((r = signature(prefix, plen, sig, host->sk, NULL)) == BG_OK &&
	    (r = assemble(prefix, plen, sig, &text)) == BG_OK) {
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
	free(m);
}

/* Exactly 2n lowercase hex digits into out[n]. */
static bool unhex(const char *s, unsigned char *out, size_t n)
{
	size_t i;

	if (strlen(s) != 2 * n)
		return false;
	for (i = 0; i < 2 * n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return sodium_hex2bin(out, n, s, 2 * n, NULL, NULL, NULL) == 0;
}

static const char *segments_get(json_t *a, struct bg_manifest *m)
{
	json_int_t n, bytes;
	const char *h;
	json_t *o;
	size_t i;

	if (json_array_size(a) > 0 &&
	    (m->segments = calloc(json_array_size(a), sizeof(*m->segments))) == NULL)
		return no_memory;
	json_array_foreach(a, i, o) {
		if (json_unpack(o, "{s:I, s:s, s:I !}", "n", &n, "hash", &h, "bytes", &bytes) != 0 ||
		    n < 0 || n > UINT32_MAX || bytes < 0 || !unhex(h, m->segments[i].hash, BG_HASH_LEN))
			return "a segment is not exactly n, hash (64 hex) and bytes";
		m->segments[i].n = (uint32_t)n;
		m->segments[i].bytes = (uint64_t)bytes;
		m->n_segments = i + 1;
	}
	return NULL;
}

/* The members into m and the signature into sig; NULL or what is wrong
 * (perhaps in q).  jansson refuses "\u0000" by default: no NUL inside. */
static const char *members_get(json_t *root, struct bg_manifest *m, unsigned char *sig,
			       char *q, size_t qlen)
{
	json_error_t jerr;
	const char *session, *id, *pk, *sighex, *host, *user, *ticket, *start;
	json_int_t version;
	json_t *end, *segs;
	int complete;

	/* "!": a member not named here is an error. */
	if (json_unpack_ex(root, &jerr, 0, "{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:b, "
			   "s:o, s:s !}", "version", &version, "session", &session, "host", &host,
			   "host_key_id", &id, "host_public", &pk, "user", &user, "ticket", &ticket,
			   "start", &start, "end", &end, "complete", &complete, "segments", &segs,
			   "signature", &sighex) != 0) {
		/* Its text names members and types, not values: kept printable. */
		bg_text_quote(jerr.text, 120, q, qlen);
		return q;
	}
	if (version != MAN_VERSION)
		return "version is not 1";
	if (!unhex(session, m->session, sizeof(m->session)) ||
	    !unhex(id, m->host_key_id, sizeof(m->host_key_id)) ||
	    !unhex(pk, m->host_public, sizeof(m->host_public)) ||
	    !unhex(sighex, sig, crypto_sign_BYTES))
		return "session, host_key_id, host_public or signature is not lowercase hex of its size";
	if (!json_is_null(end) && !json_is_string(end))
		return "end is neither a string nor null";
	if (!json_is_array(segs))
		return "segments is not an array";
	if ((m->host = strdup(host)) == NULL || (m->user = strdup(user)) == NULL ||
	    (m->ticket = strdup(ticket)) == NULL || (m->start = strdup(start)) == NULL ||
	    (json_is_string(end) && (m->end = strdup(json_string_value(end))) == NULL))
		return no_memory;
	m->complete = complete != 0;
	return segments_get(segs, m);
}

/* Parse, then re-encode and demand the very same bytes: the signature
 * then covers exactly what was understood, whatever the parser allows. */
static int check(const char *text, size_t len, const struct bg_pubkey *host,
		 struct bg_manifest *m, char *why, size_t whylen)
{
	unsigned char sig[crypto_sign_BYTES], id[BG_KEY_ID_LEN];
	char have[2 * HEX_MAX + 1], want[2 * HEX_MAX + 1], q[160], *prefix;
	const char *bad = NULL;
	json_error_t jerr;
	struct bg_buf canon;
	size_t plen = 0;
	json_t *root;
	int r;

	if ((root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		return why_set(why, whylen, BG_EINTEGRITY, "malformed: not one JSON object "
			       "(line %d, column %d)", jerr.line, jerr.column);
	bad = members_get(root, m, sig, q, sizeof(q));
	json_decref(root);
	if (bad == NULL)
		bad = content_problem(m);
	if (bad != NULL)
		return why_set(why, whylen, bad == no_memory ? BG_ENOMEM : BG_EINTEGRITY,
			       "malformed: %s", bad);
	if ((r = build_prefix(m, &prefix, &plen)) != BG_OK)
		return why_set(why, whylen, r == BG_EINVAL ? BG_EINTEGRITY : r,
			       "malformed: cannot be encoded again");
	if ((r = assemble(prefix, plen, sig, &canon)) == BG_OK) {
		r = canon.len == len && memcmp(canon.data, text, len) == 0 ? BG_OK : BG_EINTEGRITY;
		bg_buf_free(&canon);
	}
	bg_keys_id(BG_KEY_HOST, m->host_public, id);
	hex(m->host_key_id, BG_KEY_ID_LEN, have);
	hex(host != NULL ? host->id : id, BG_KEY_ID_LEN, want);
	if (r != BG_OK)
		r = why_set(why, whylen, r == BG_ETOOBIG ? BG_EINTEGRITY : r, "malformed: not the "
			    "compact encoding of section 8 (order, spacing, escapes)");
	else if (host != NULL && host->type != BG_KEY_HOST)
		r = why_set(why, whylen, BG_EINTEGRITY, "the trusted key is not a host key");
	else if (host != NULL && sodium_memcmp(m->host_key_id, host->id, BG_KEY_ID_LEN) != 0)
		r = why_set(why, whylen, BG_EINTEGRITY,
			    "host key id %s is not the trusted key %s", have, want);
	else if (host != NULL && sodium_memcmp(m->host_public, host->pk, BG_KEY_PUBLIC_LEN) != 0)
		r = why_set(why, whylen, BG_EINTEGRITY, "host_public is not the trusted key %s", want);
	else if (sodium_memcmp(id, m->host_key_id, BG_KEY_ID_LEN) != 0)
		r = why_set(why, whylen, BG_EINTEGRITY,
			    "host key id %s is not the id of host_public (%s)", have, want);
	else if ((r = signature(prefix, plen, sig, NULL, m->host_public)) != BG_OK)
		r = why_set(why, whylen, r, r == BG_EINTEGRITY ? "bad signature" : "out of memory");
	free(prefix);
	return r;
}

int bg_manifest_read(const char *dir, const struct bg_pubkey *host,
		     struct bg_manifest **out, char *why, size_t whylen)
{
	struct bg_manifest *m;
	char path[PATH_MAX], *text = NULL;
	size_t len = 0;
	int r;

	*out = NULL;
	(void)why_set(why, whylen, 0, "%s", "");
	if (dir == NULL || bg_snprintf(path, sizeof(path), "%s/manifest.json", dir) != BG_OK)
		return why_set(why, whylen, BG_EINVAL, "no directory, or its name is too long");
	if (sodium_init() < 0)
		return why_set(why, whylen, BG_ECRYPTO, "libsodium failed to start");
	r = bg_recformat_read_file(path, MAN_MAX_BYTES, &text, &len);
	if (r == BG_ENOENT)
		return why_set(why, whylen, r, "no manifest.json");
	if (r == BG_ETOOBIG)
		return why_set(why, whylen, BG_EINTEGRITY, "malformed: larger than 1 MiB");
	if (r == BG_EUNSAFE)
		return why_set(why, whylen, BG_EINTEGRITY, "not a regular file");
	if (r != BG_OK)
		return why_set(why, whylen, r, "%s", bg_strerror(r));
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		free(text);
		return why_set(why, whylen, BG_ENOMEM, "out of memory");
	}
	r = check(text, len, host, m, why, whylen);
	free(text);
	if (r != BG_OK) {
		bg_manifest_free(m);
		return r;
	}
	*out = m;
	return BG_OK;
}
