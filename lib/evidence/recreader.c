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

#include <sodium.h>
#include <zstd.h>

#include "breakglass/evidence/escrow.h"
#include "breakglass/evidence/recchunk.h"
#include "breakglass/evidence/recformat.h"
#include "breakglass/evidence/recreader.h"
#include "breakglass/base/secret.h"

/* read_record: a record was read; the callback asked to stop. */
#define MORE 1
#define STOPPED 2

struct reader {
	const struct bg_recreader_opts *o;
	bg_event_fn *fn;
	void *ctx;
	DIR *dir;
	unsigned char session[16];
	unsigned char hdr[BG_SEG_HDR_MAX];
	size_t hlen;
	unsigned char h[BG_HASH_LEN];           /* h(i) of the last record read */
	unsigned char end[BG_HASH_LEN];         /* end hash of the previous segment */
	uint32_t seg, rec;
	unsigned last_kind;                     /* of the segment's last record, 0: none */
	uint64_t last_t;
	bool decrypt, keyed, recipient_seen, not_recipient;
	struct bg_secret *key, *key0, *stream;  /* this segment's key, segment 0's */
	crypto_secretstream_xchacha20poly1305_state *st;   /* in stream */
	ZSTD_DCtx *dctx;
	struct bg_escrow *escrow;
	unsigned char *buf, *plain, *dec;       /* record, its plaintext, decompressed */
	size_t buf_hw, plain_hw, dec_hw;
	char *why;
	size_t whylen;
};

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

/* The session key and stream of this segment, once its header is known
 * to be genuine (its first record's signature verified). */
static int open_key(struct reader *r)
{
	const struct bg_keypair *a = r->o->auditor;
	size_t i, n = bg_recformat_get_le(r->hdr + 88, 2);
	const unsigned char *e = r->hdr + BG_SEG_HDR_FIXED;

	for (i = 0; i < n && memcmp(e, a->pub.id, BG_KEY_ID_LEN) != 0; i++)
		e += BG_SEG_RECIPIENT_LEN;
	if (i == n) {
		if (r->recipient_seen)
			return bad(r, "no recipient entry for the auditor key");
		/* Not ours to read: go on checking signatures and chain. */
		r->not_recipient = true;
		r->decrypt = false;
		return BG_OK;
	}
	if (crypto_box_seal_open(bg_secret_data(r->key), e + BG_KEY_ID_LEN, BG_SEG_SEALED_LEN,
				 a->pub.pk, bg_secret_data(a->sk)) != 0)
		return bad(r, "the sealed session key does not open");
	/* One key for the whole session: a segment sealed with another comes
	 * from another session, whatever it says. */
	if (!r->recipient_seen)
		memcpy(bg_secret_data(r->key0), bg_secret_data(r->key), 32);
	else if (sodium_memcmp(bg_secret_data(r->key0), bg_secret_data(r->key), 32) != 0)
		return bad(r, "sealed with another session key");
	r->recipient_seen = true;
	if (crypto_secretstream_xchacha20poly1305_init_pull(r->st, r->hdr + r->hlen - BG_SEG_SS_HDR,
							    bg_secret_data(r->key)) != 0)
		return bad(r, "bad secretstream header");
	r->keyed = true;
	return BG_OK;
}

/* Check every event of the batch, then hand them out: nothing of a
 * batch that fails anywhere is emitted. */
static int events(struct reader *r, unsigned char *p, size_t n)
{
	struct bg_event ev;
	uint64_t t = r->last_t;
	size_t off, len;
	unsigned type;
	char why[64];

	if (bg_recchunk_check(p, n, &t, why, sizeof(why)) != BG_OK ||
	    bg_escrow_check(r->escrow, p, n, why, sizeof(why)) != BG_OK)
		return bad(r, "%s", why);
	r->last_t = t;
	for (off = 0; r->fn != NULL && off < n; off += BG_SEG_EV_HDR + len) {
		bg_recformat_event_get(p + off, &type, &ev.t_us, &len);
		ev.type = (enum bg_event_type)type;
		ev.segment = r->seg;
		ev.data = p + off + BG_SEG_EV_HDR;
		ev.len = len;
		ev.sealed = ev.type == BG_EV_IN_ESCROW && !bg_escrow_opens(r->escrow);
		if (ev.type == BG_EV_IN_ESCROW && !ev.sealed) {
			ev.data += BG_ESCROW_NONCE;
			ev.len -= BG_ESCROW_OVERHEAD;
		}
		if (r->fn(r->ctx, &ev) != 0)
			return STOPPED;
	}
	return BG_OK;
}

/* Decrypt record r->rec (ct[clen], chained after hprev) and emit its events. */
static int open_record(struct reader *r, unsigned kind, const unsigned char *ct, size_t clen,
		       const unsigned char hprev[BG_HASH_LEN])
{
	unsigned char ad[BG_SEG_AD_LEN], tag;
	unsigned long long plen;
	const unsigned char *ev;
	char why[64];
	size_t n;
	int rc;

	if (!r->keyed && (rc = open_key(r)) != BG_OK)
		return rc;
	if (!r->decrypt)
		return BG_OK;
	bg_recformat_ad(ad, r->session, r->seg, r->rec, kind, hprev);
	if (clen - BG_SEG_ABYTES > r->plain_hw)
		r->plain_hw = clen - BG_SEG_ABYTES;
	if (crypto_secretstream_xchacha20poly1305_pull(r->st, r->plain, &plen, &tag,
						       ct, clen, ad, BG_SEG_AD_LEN) != 0)
		return bad(r, "does not decrypt");
	if (tag != bg_recformat_tag(kind))
		return bad(r, "the stream tag does not match the kind");
	if (bg_recchunk_unpack(r->dctx, r->plain, (size_t)plen, r->dec, &r->dec_hw, &ev, &n,
			       why, sizeof(why)) != BG_OK)
		return bad(r, "%s", why);
	/* The batch is in our own buffers: escrow opens it in place. */
	return events(r, (unsigned char *)ev, n);
}

static int read_header(struct reader *r, int fd)
{
	static const unsigned char zeros[BG_HASH_LEN];
	const unsigned char *prev = r->seg == 0 ? zeros : r->end;
	struct bg_seg_header h;
	ssize_t k;

	if ((k = bg_recformat_read_full(fd, r->hdr, BG_SEG_HDR_FIXED)) < 0)
		return BG_EIO;
	if ((size_t)k < BG_SEG_HDR_FIXED)
		return bad(r, "header cut short");
	bg_recformat_header_get(r->hdr, &h);
	if (!h.magic_ok)
		return bad(r, "bad magic");
	if (h.version != 1 || h.flags != 0)
		return bad(r, "unknown version or flags");
	if (memcmp(h.session, r->session, 16) != 0)
		return bad(r, "session id is not the directory's");
	if (h.seg != r->seg)
		return bad(r, "the header names segment %06" PRIu32, h.seg);
	if (memcmp(h.host_id, r->o->host->id, BG_KEY_ID_LEN) != 0)
		return bad(r, "signed by another host key");
	if (h.n_recipients < 1 || h.n_recipients > BG_RECIPIENTS_MAX)
		return bad(r, "%u recipients", (unsigned)h.n_recipients);
	if (memcmp(h.prev, prev, BG_HASH_LEN) != 0) {
		if (r->seg == 0)
			return bad(r, "prev is not zero");
		return bad(r, "prev does not match segment %06" PRIu32, r->seg - 1);
	}
	r->hlen = bg_recformat_header_len(h.n_recipients);
	k = bg_recformat_read_full(fd, r->hdr + BG_SEG_HDR_FIXED, r->hlen - BG_SEG_HDR_FIXED);
	if (k < 0)
		return BG_EIO;
	if ((size_t)k < r->hlen - BG_SEG_HDR_FIXED)
		return bad(r, "header cut short");
	bg_recformat_h0(r->hdr, r->hlen, r->h);
	return BG_OK;
}

/* One record: structure, then signature, then (with a key) contents.
 * 0 at the end of the file, MORE after a record, STOPPED, or an error. */
static int read_record(struct reader *r, int fd, bool last)
{
	unsigned char rh[BG_SEG_REC_HDR], hprev[BG_HASH_LEN];
	unsigned kind;
	size_t len;
	ssize_t k;
	int rc;

	if ((k = bg_recformat_read_full(fd, rh, sizeof(rh))) <= 0)
		return (int)k == 0 ? 0 : BG_EIO;
	r->rec++;
	if (r->last_kind >= BG_SEG_END_SEGMENT)
		return bad(r, "a record after the end record");
	if ((size_t)k < sizeof(rh))
		return bad(r, "cut short");
	kind = rh[0];
	len = bg_recformat_get_le(rh + 1, 4);
	if (kind < BG_SEG_DATA || kind > BG_SEG_END_SESSION)
		return bad(r, "unknown kind %u", kind);
	if (len < BG_SEG_L_MIN || len > BG_SEG_L_MAX)
		return bad(r, "length %zu out of range", len);
	if (kind == BG_SEG_END_SESSION && !last)
		return bad(r, "end of session before the last segment");
	if (len + BG_SEG_SIG_LEN > r->buf_hw)
		r->buf_hw = len + BG_SEG_SIG_LEN;
	if ((k = bg_recformat_read_full(fd, r->buf, len + BG_SEG_SIG_LEN)) < 0)
		return BG_EIO;
	if ((size_t)k < len + BG_SEG_SIG_LEN)
		return bad(r, "cut short");
	memcpy(hprev, r->h, BG_HASH_LEN);
	bg_recformat_chain(hprev, rh, r->buf, len, r->h);
	if (!bg_recformat_verify(r->h, r->o->host->pk, r->buf + len))
		return bad(r, "bad signature");
	r->last_kind = kind;
	if (r->decrypt && (rc = open_record(r, kind, r->buf, len, hprev)) != BG_OK)
		return rc;
	return MORE;
}

static int read_segment(struct reader *r, uint32_t seg, bool last)
{
	char name[BG_SEG_NAME_MAX];
	struct stat st;
	int fd, rc;

	r->seg = seg;
	r->rec = 0;
	r->last_kind = 0;
	r->keyed = false;
	if ((rc = bg_recformat_segment_name(name, sizeof(name), seg)) != BG_OK)
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
	if (rc == BG_OK && !last && r->last_kind != BG_SEG_END_SEGMENT)
		rc = bad(r, "does not end with an end-of-segment record");
	memcpy(r->end, r->h, BG_HASH_LEN);
	if (rc == BG_OK && r->o->segment_fn != NULL) {
		struct bg_segment_info info = { .n = seg, .bytes = (uint64_t)st.st_size };

		memcpy(info.hash, r->h, BG_HASH_LEN);
		rc = r->o->segment_fn(r->o->segment_ctx, &info);
	}
	return rc;
}

/* The directory, and the session id its name gives. */
static int open_dir(struct reader *r)
{
	char *real = NULL;
	int rc = bg_recformat_session_dir(r->o->dir, r->session, &real);

	if (rc == BG_EINTEGRITY)
		say(r, "the directory name is not a session id");
	else if (rc == BG_OK && (r->dir = opendir(real)) == NULL)
		rc = errno == ENOENT ? BG_ENOENT : BG_EIO;
	free(real);
	return rc;
}

static int run(struct reader *r, enum bg_verdict *verdict)
{
	uint32_t i, count;
	char why[128];
	int rc;

	if ((rc = open_dir(r)) != BG_OK ||
	    (r->decrypt && (rc = bg_escrow_opener(r->session, r->o->escrow, &r->escrow)) != BG_OK))
		return rc;
	if ((rc = bg_recformat_segment_count(r->dir, &count, why, sizeof(why))) != BG_OK) {
		if (rc == BG_EINTEGRITY)
			say(r, "%s", why);
		return rc;
	}
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
	*verdict = r->last_kind == BG_SEG_END_SESSION ? BG_VERDICT_COMPLETE : BG_VERDICT_TRUNCATED;
	if (r->not_recipient) {
		say(r, "not a recipient of this session");
		return BG_EAUTH;
	}
	say(r, *verdict == BG_VERDICT_COMPLETE ? "intact and complete" :
	    "intact, but no end-of-session record");
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
	if ((r.buf = malloc(BG_SEG_L_MAX + BG_SEG_SIG_LEN)) == NULL)
		goto out;
	if (r.decrypt &&
	    ((r.plain = malloc(BG_BATCH_MAX)) == NULL || (r.dec = malloc(BG_BATCH_MAX)) == NULL ||
	     (r.dctx = ZSTD_createDCtx()) == NULL ||
	     bg_secret_new(32, &r.key) != BG_OK || bg_secret_new(32, &r.key0) != BG_OK ||
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
	bg_recformat_wipe_free(r.buf, r.buf_hw);
	bg_recformat_wipe_free(r.plain, r.plain_hw);
	bg_recformat_wipe_free(r.dec, r.dec_hw);
	ZSTD_freeDCtx(r.dctx);
	bg_escrow_free(r.escrow);
	bg_secret_free(r.key);
	bg_secret_free(r.key0);
	bg_secret_free(r.stream);
	return rc;
}
