/* Verifying and decrypting a session's segment files in the order and
 * with the checks of docs/FORMAT.md 7.4, handing out only events whose
 * record is signed, chained and decrypted. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>
#include <zstd.h>

#include "breakglass/buf.h"
#include "breakglass/recreader.h"
#include "breakglass/secret.h"
#include "breakglass/text.h"

#define MAGIC "BGSEG\r\n\x1a"
#define HDR_FIXED 90
#define SEALED_LEN (32 + crypto_box_SEALBYTES)
#define RECIPIENT_LEN (BG_KEY_ID_LEN + SEALED_LEN)
#define SS_HDR crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define HDR_MAX (HDR_FIXED + RECIPIENT_LEN * BG_RECIPIENTS_MAX + SS_HDR)
#define ABYTES crypto_secretstream_xchacha20poly1305_ABYTES
#define SIG_LEN crypto_sign_BYTES
#define L_MIN (1 + ABYTES)
#define L_MAX (BG_BATCH_MAX + ABYTES)
#define AD_LEN 57
#define EV_HDR 13
#define HDR_CTX "BGSEG-v1-header"
#define REC_CTX "BGSEG-v1-record"
/* read_record: a record was read; the callback asked to stop. */
#define MORE 1
#define STOPPED 2

struct reader {
	const struct bg_recreader_opts *o;
	bg_event_fn *fn;
	void *ctx;
	DIR *dir;
	unsigned char session[16];
	unsigned char hdr[HDR_MAX];
	size_t hlen;
	unsigned char h[BG_HASH_LEN];           /* h(i) of the last record read */
	unsigned char end[BG_HASH_LEN];         /* end hash of the previous segment */
	uint32_t seg, rec;
	unsigned last_kind;                     /* of the segment's last record, 0: none */
	uint64_t last_t;
	bool decrypt, keyed, recipient_seen, not_recipient;
	struct bg_secret *key, *stream;
	crypto_secretstream_xchacha20poly1305_state *st;   /* in stream */
	ZSTD_DCtx *dctx;
	unsigned char *buf, *plain, *dec;       /* record, its plaintext, decompressed */
	size_t buf_hw, plain_hw, dec_hw;
	char *why;
	size_t whylen;
};

static uint64_t get_le(const unsigned char *p, size_t n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = v << 8 | p[n];
	return v;
}

static void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static void say(struct reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct reader *r, const char *fmt, ...)
{
	va_list ap;

	if (r->why == NULL || r->whylen == 0)
		return;
	va_start(ap, fmt);
	(void)!vsnprintf(r->why, r->whylen, fmt, ap);
	va_end(ap);
}

/* "segment 000002: record 5: bad signature" (rec 0: about the header). */
static int bad(struct reader *r, const char *what, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct reader *r, const char *what, ...)
{
	char text[160];
	va_list ap;

	va_start(ap, what);
	(void)!vsnprintf(text, sizeof(text), what, ap);
	va_end(ap);
	if (r->rec == 0)
		say(r, "segment %06" PRIu32 ": %s", r->seg, text);
	else
		say(r, "segment %06" PRIu32 ": record %" PRIu32 ": %s", r->seg, r->rec, text);
	return BG_EINTEGRITY;
}

/* Bytes read, short only at the end of the file; -1 on an error. */
static ssize_t read_full(int fd, unsigned char *p, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = read(fd, p + got, n - got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		if (k == 0)
			break;
		got += (size_t)k;
	}
	return (ssize_t)got;
}

/* The session key and stream of this segment, once its header is known
 * to be genuine (its first record's signature verified). */
static int open_key(struct reader *r)
{
	const struct bg_keypair *a = r->o->auditor;
	size_t i, n = get_le(r->hdr + 88, 2);
	const unsigned char *e = r->hdr + HDR_FIXED;

	for (i = 0; i < n && memcmp(e, a->pub.id, BG_KEY_ID_LEN) != 0; i++)
		e += RECIPIENT_LEN;
	if (i == n) {
		if (r->recipient_seen)
			return bad(r, "no recipient entry for the auditor key");
		/* Not ours to read: go on checking signatures and chain. */
		r->not_recipient = true;
		r->decrypt = false;
		return BG_OK;
	}
	r->recipient_seen = true;
	if (crypto_box_seal_open(bg_secret_data(r->key), e + BG_KEY_ID_LEN, SEALED_LEN,
				 a->pub.pk, bg_secret_data(a->sk)) != 0)
		return bad(r, "the sealed session key does not open");
	if (crypto_secretstream_xchacha20poly1305_init_pull(r->st, r->hdr + r->hlen - SS_HDR,
							    bg_secret_data(r->key)) != 0)
		return bad(r, "bad secretstream header");
	r->keyed = true;
	return BG_OK;
}

/* Any object RFC 8259 allows (big numbers, \u0000 included), so that a
 * decoder built on another JSON library agrees; duplicates are refused
 * as everywhere in docs/FORMAT.md. */
static bool meta_ok(const unsigned char *data, size_t len)
{
	json_t *j = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL |
				JSON_DECODE_INT_AS_REAL, NULL);
	bool ok = json_is_object(j);

	json_decref(j);
	return ok;
}

/* Check every event of the batch, then hand them out: nothing of a
 * batch that fails anywhere is emitted. */
static int events(struct reader *r, const unsigned char *p, size_t n)
{
	struct bg_event ev;
	uint64_t t = r->last_t;
	size_t off, len;
	unsigned type;

	for (off = 0; off < n; off += EV_HDR + len) {
		if (n - off < EV_HDR || (len = get_le(p + off + 9, 4)) > n - off - EV_HDR)
			return bad(r, "an event runs past its batch");
		type = p[off];
		if (type < BG_EV_OUT || type > BG_EV_META)
			return bad(r, "unknown event type %u", type);
		if ((type == BG_EV_IN_REDACTED || type == BG_EV_RESIZE) && len != 4)
			return bad(r, "wrong data length for event type %u", type);
		if (get_le(p + off + 1, 8) < t)
			return bad(r, "time goes backwards");
		t = get_le(p + off + 1, 8);
		if (type == BG_EV_META && !meta_ok(p + off + EV_HDR, len))
			return bad(r, "meta event is not a JSON object");
	}
	r->last_t = t;
	for (off = 0; r->fn != NULL && off < n; off += EV_HDR + ev.len) {
		ev.type = (enum bg_event_type)p[off];
		ev.t_us = get_le(p + off + 1, 8);
		ev.segment = r->seg;
		ev.len = get_le(p + off + 9, 4);
		ev.data = p + off + EV_HDR;
		if (r->fn(r->ctx, &ev) != 0)
			return STOPPED;
	}
	return BG_OK;
}

/* Decrypt record r->rec (ct[clen], chained after hprev) and emit its events. */
static int open_record(struct reader *r, unsigned kind, const unsigned char *ct, size_t clen,
		       const unsigned char hprev[BG_HASH_LEN])
{
	static const unsigned char tags[4] = {
		0, crypto_secretstream_xchacha20poly1305_TAG_MESSAGE,
		crypto_secretstream_xchacha20poly1305_TAG_PUSH,
		crypto_secretstream_xchacha20poly1305_TAG_FINAL,
	};
	unsigned char ad[AD_LEN], tag;
	unsigned long long plen;
	unsigned long long size;
	const unsigned char *z;
	size_t zlen, d;
	int rc;

	if (!r->keyed && (rc = open_key(r)) != BG_OK)
		return rc;
	if (!r->decrypt)
		return BG_OK;
	memcpy(ad, r->session, 16);
	put_le32(ad + 16, r->seg);
	put_le32(ad + 20, r->rec);
	ad[24] = (unsigned char)kind;
	memcpy(ad + 25, hprev, BG_HASH_LEN);
	if (clen - ABYTES > r->plain_hw)
		r->plain_hw = clen - ABYTES;
	if (crypto_secretstream_xchacha20poly1305_pull(r->st, r->plain, &plen, &tag,
						       ct, clen, ad, AD_LEN) != 0)
		return bad(r, "does not decrypt");
	if (tag != tags[kind])
		return bad(r, "the stream tag does not match the kind");
	if (plen < 1)
		return bad(r, "empty chunk");
	if (r->plain[0] == 0)
		return events(r, r->plain + 1, plen - 1);
	if (r->plain[0] != 1)
		return bad(r, "unknown compression %u", r->plain[0]);
	z = r->plain + 1;
	zlen = plen - 1;
	/* One real frame that states its size: no skippable or trailing
	 * frames, nothing larger than a batch. */
	if (zlen < 4 || get_le(z, 4) != ZSTD_MAGICNUMBER ||
	    ZSTD_findFrameCompressedSize(z, zlen) != zlen)
		return bad(r, "not a single zstd frame");
	size = ZSTD_getFrameContentSize(z, zlen);
	if (size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR ||
	    size > BG_BATCH_MAX)
		return bad(r, "zstd frame of unknown or too large size");
	if (size > r->dec_hw)
		r->dec_hw = size;
	d = ZSTD_decompressDCtx(r->dctx, r->dec, size, z, zlen);
	if (ZSTD_isError(d) || d != size)
		return bad(r, "invalid zstd frame");
	return events(r, r->dec, d);
}

static int read_header(struct reader *r, int fd)
{
	static const unsigned char zeros[BG_HASH_LEN];
	const unsigned char *prev = r->seg == 0 ? zeros : r->end;
	crypto_generichash_state hs;
	size_t n;
	ssize_t k;

	if ((k = read_full(fd, r->hdr, HDR_FIXED)) < 0)
		return BG_EIO;
	if ((size_t)k < HDR_FIXED)
		return bad(r, "header cut short");
	if (memcmp(r->hdr, MAGIC, 8) != 0)
		return bad(r, "bad magic");
	if (get_le(r->hdr + 8, 2) != 1 || get_le(r->hdr + 10, 2) != 0)
		return bad(r, "unknown version or flags");
	if (memcmp(r->hdr + 12, r->session, 16) != 0)
		return bad(r, "session id is not the directory's");
	if (get_le(r->hdr + 28, 4) != r->seg)
		return bad(r, "the header names segment %06" PRIu64, get_le(r->hdr + 28, 4));
	if (memcmp(r->hdr + 40, r->o->host->id, BG_KEY_ID_LEN) != 0)
		return bad(r, "signed by another host key");
	n = get_le(r->hdr + 88, 2);
	if (n < 1 || n > BG_RECIPIENTS_MAX)
		return bad(r, "%zu recipients", n);
	if (memcmp(r->hdr + 56, prev, BG_HASH_LEN) != 0) {
		if (r->seg == 0)
			return bad(r, "prev is not zero");
		return bad(r, "prev does not match segment %06" PRIu32, r->seg - 1);
	}
	r->hlen = HDR_FIXED + RECIPIENT_LEN * n + SS_HDR;
	if ((k = read_full(fd, r->hdr + HDR_FIXED, r->hlen - HDR_FIXED)) < 0)
		return BG_EIO;
	if ((size_t)k < r->hlen - HDR_FIXED)
		return bad(r, "header cut short");
	crypto_generichash_init(&hs, NULL, 0, BG_HASH_LEN);
	crypto_generichash_update(&hs, (const unsigned char *)HDR_CTX, sizeof(HDR_CTX) - 1);
	crypto_generichash_update(&hs, r->hdr, r->hlen);
	crypto_generichash_final(&hs, r->h, BG_HASH_LEN);
	return BG_OK;
}

/* One record: structure, then signature, then (with a key) contents.
 * 0 at the end of the file, MORE after a record, STOPPED, or an error. */
static int read_record(struct reader *r, int fd, bool last)
{
	unsigned char rh[5], hprev[BG_HASH_LEN], msg[sizeof(REC_CTX) - 1 + BG_HASH_LEN];
	crypto_generichash_state hs;
	unsigned kind;
	size_t len;
	ssize_t k;
	int rc;

	if ((k = read_full(fd, rh, sizeof(rh))) <= 0)
		return (int)k == 0 ? 0 : BG_EIO;
	r->rec++;
	if (r->last_kind >= 2)
		return bad(r, "a record after the end record");
	if ((size_t)k < sizeof(rh))
		return bad(r, "cut short");
	kind = rh[0];
	len = get_le(rh + 1, 4);
	if (kind < 1 || kind > 3)
		return bad(r, "unknown kind %u", kind);
	if (len < L_MIN || len > L_MAX)
		return bad(r, "length %zu out of range", len);
	if (kind == 3 && !last)
		return bad(r, "end of session before the last segment");
	if (len + SIG_LEN > r->buf_hw)
		r->buf_hw = len + SIG_LEN;
	if ((k = read_full(fd, r->buf, len + SIG_LEN)) < 0)
		return BG_EIO;
	if ((size_t)k < len + SIG_LEN)
		return bad(r, "cut short");
	memcpy(hprev, r->h, BG_HASH_LEN);
	crypto_generichash_init(&hs, NULL, 0, BG_HASH_LEN);
	crypto_generichash_update(&hs, hprev, BG_HASH_LEN);
	crypto_generichash_update(&hs, rh, sizeof(rh));
	crypto_generichash_update(&hs, r->buf, len);
	crypto_generichash_final(&hs, r->h, BG_HASH_LEN);
	memcpy(msg, REC_CTX, sizeof(REC_CTX) - 1);
	memcpy(msg + sizeof(REC_CTX) - 1, r->h, BG_HASH_LEN);
	if (crypto_sign_verify_detached(r->buf + len, msg, sizeof(msg), r->o->host->pk) != 0)
		return bad(r, "bad signature");
	r->last_kind = kind;
	if (r->decrypt && (rc = open_record(r, kind, r->buf, len, hprev)) != BG_OK)
		return rc;
	return MORE;
}

static int read_segment(struct reader *r, uint32_t seg, bool last)
{
	char name[32];
	struct stat st;
	int fd, rc;

	r->seg = seg;
	r->rec = 0;
	r->last_kind = 0;
	r->keyed = false;
	if ((rc = bg_snprintf(name, sizeof(name), "%06" PRIu32 ".bgr", seg)) != BG_OK)
		return rc;
	fd = openat(dirfd(r->dir), name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == ELOOP ? bad(r, "a symbolic link") : BG_EIO;
	if (fstat(fd, &st) != 0)
		rc = BG_EIO;
	else if (!S_ISREG(st.st_mode))
		rc = bad(r, "not a regular file");
	else if ((rc = read_header(r, fd)) == BG_OK)
		while ((rc = read_record(r, fd, last)) == MORE)
			;
	close(fd);
	r->rec = 0;
	if (rc == BG_OK && !last && r->last_kind != 2)
		rc = bad(r, "does not end with an end-of-segment record");
	memcpy(r->end, r->h, BG_HASH_LEN);
	return rc;
}

/* A segment name: the number as printed with %06u, then ".bgr". */
static bool segment_name(const char *s, size_t len, uint32_t *n)
{
	size_t i, digits = len - 4;
	uint64_t v = 0;

	if (len < 10 || digits > 10 || (digits > 6 && s[0] == '0'))
		return false;
	for (i = 0; i < digits; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*n = (uint32_t)v;
	return v <= UINT32_MAX;
}

/* How many segments there are: names are canonical, so *count distinct
 * numbers are 0 to *count - 1 exactly when the largest is *count - 1. */
static int list_segments(struct reader *r, uint32_t *count)
{
	uint64_t n = 0, top = 0;
	struct dirent *de;
	struct stat st;
	uint32_t num;
	char q[80];
	size_t len;

	while ((errno = 0, de = readdir(r->dir)) != NULL) {
		len = strlen(de->d_name);
		if (len < 4 || memcmp(de->d_name + len - 4, ".bgr", 4) != 0)
			continue;
		if (!segment_name(de->d_name, len, &num)) {
			bg_text_quote(de->d_name, 40, q, sizeof(q));
			say(r, "%s is not a segment file name", q);
			return BG_EINTEGRITY;
		}
		n++;
		top = (uint64_t)num + 1 > top ? (uint64_t)num + 1 : top;
	}
	if (errno != 0)
		return BG_EIO;
	if (n == top && n > 0) {
		*count = (uint32_t)n;
		return BG_OK;
	}
	for (r->seg = 0; r->seg < top; r->seg++) {
		char name[32];

		if (bg_snprintf(name, sizeof(name), "%06" PRIu32 ".bgr", r->seg) != BG_OK ||
		    fstatat(dirfd(r->dir), name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			break;
	}
	say(r, "segment %06" PRIu32 " is missing", r->seg);
	return BG_EINTEGRITY;
}

/* The directory, and the session id its name gives. */
static int open_dir(struct reader *r)
{
	char *real = realpath(r->o->dir, NULL), *base;
	int rc = BG_OK;

	if (real == NULL)
		return errno == ENOENT ? BG_ENOENT : BG_EIO;
	base = strrchr(real, '/');
	base = base != NULL ? base + 1 : real;
	if (strlen(base) != 32 || strspn(base, "0123456789abcdef") != 32 ||
	    sodium_hex2bin(r->session, 16, base, 32, NULL, NULL, NULL) != 0) {
		say(r, "the directory name is not a session id");
		rc = BG_EINTEGRITY;
	} else if ((r->dir = opendir(real)) == NULL) {
		rc = errno == ENOENT ? BG_ENOENT : BG_EIO;
	}
	free(real);
	return rc;
}

static void wipe_free(unsigned char *p, size_t used)
{
	if (p != NULL)
		sodium_memzero(p, used);
	free(p);
}

static int run(struct reader *r, enum bg_verdict *verdict)
{
	uint32_t i, count;
	int rc;

	if ((rc = open_dir(r)) != BG_OK || (rc = list_segments(r, &count)) != BG_OK)
		return rc;
	for (i = 0; i < count; i++)
		if ((rc = read_segment(r, i, i + 1 == count)) != BG_OK)
			break;
	if (rc == STOPPED) {
		*verdict = BG_VERDICT_TRUNCATED;
		say(r, "stopped by the caller in segment %06" PRIu32, r->seg);
		return BG_OK;
	}
	if (rc != BG_OK)
		return rc;
	*verdict = r->last_kind == 3 ? BG_VERDICT_COMPLETE : BG_VERDICT_TRUNCATED;
	if (r->not_recipient) {
		say(r, "not a recipient of this session");
		return BG_EAUTH;
	}
	say(r, *verdict == BG_VERDICT_COMPLETE ? "intact and complete" :
	    "intact but truncated: no end-of-session record");
	return BG_OK;
}

int bg_recreader_run(const struct bg_recreader_opts *o, bg_event_fn *fn, void *ctx,
		     enum bg_verdict *verdict, char *why, size_t whylen)
{
	struct reader r = { .o = o, .fn = fn, .ctx = ctx, .why = why, .whylen = whylen };
	int rc = BG_ENOMEM;

	say(&r, "%s", "");
	if (verdict != NULL)
		*verdict = BG_VERDICT_TAMPERED;
	if (o == NULL || o->dir == NULL || verdict == NULL || o->host == NULL ||
	    o->host->type != BG_KEY_HOST ||
	    (o->auditor != NULL && (o->auditor->pub.type != BG_KEY_AUDITOR ||
				    o->auditor->sk == NULL ||
				    bg_secret_len(o->auditor->sk) != crypto_box_SECRETKEYBYTES)))
		return BG_EINVAL;
	if (sodium_init() < 0)
		return BG_ECRYPTO;
	r.decrypt = o->auditor != NULL;
	if ((r.buf = malloc(L_MAX + SIG_LEN)) == NULL)
		goto out;
	if (r.decrypt &&
	    ((r.plain = malloc(L_MAX - ABYTES)) == NULL || (r.dec = malloc(BG_BATCH_MAX)) == NULL ||
	     (r.dctx = ZSTD_createDCtx()) == NULL ||
	     bg_secret_new(32, &r.key) != BG_OK ||
	     bg_secret_new(sizeof(crypto_secretstream_xchacha20poly1305_state), &r.stream) != BG_OK))
		goto out;
	if (r.stream != NULL)
		r.st = (crypto_secretstream_xchacha20poly1305_state *)bg_secret_data(r.stream);
	rc = run(&r, verdict);
	if (rc == BG_EINTEGRITY) {
		*verdict = BG_VERDICT_TAMPERED;
		rc = BG_OK;
	}
out:
	if (r.dir != NULL)
		closedir(r.dir);
	wipe_free(r.buf, r.buf_hw);
	wipe_free(r.plain, r.plain_hw);
	wipe_free(r.dec, r.dec_hw);
	ZSTD_freeDCtx(r.dctx);
	bg_secret_free(r.key);
	bg_secret_free(r.stream);
	return rc;
}
