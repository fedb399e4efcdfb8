/* Writing a session's transcript as signed, chained, encrypted segment
 * files, byte for byte as docs/FORMAT.md section 7 describes them. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <zstd.h>

#include "breakglass/evidence/recchunk.h"
#include "breakglass/evidence/recformat.h"
#include "breakglass/evidence/recwriter.h"
#include "breakglass/base/safefile.h"
#include "breakglass/base/secret.h"

/* The chunk plaintext, compression byte included, is at most 4 MiB. */
#define PAYLOAD_MAX (BG_BATCH_MAX - 1)
#define PIECE_MAX (PAYLOAD_MAX - BG_SEG_EV_HDR)

_Static_assert(_Alignof(crypto_secretstream_xchacha20poly1305_state) == 1,
	       "the state may live in a guarded (unaligned) buffer");

struct bg_recwriter {
	int dirfd, fd;
	unsigned char session[16];
	unsigned char host_id[BG_KEY_ID_LEN];
	struct bg_pubkey auditors[BG_RECIPIENTS_MAX];
	size_t n_auditors;
	struct bg_secret *sign_key;     /* our copy of the host's Ed25519 secret */
	struct bg_secret *key;          /* the session key */
	struct bg_secret *stream;       /* secretstream state of the open segment */
	crypto_secretstream_xchacha20poly1305_state *st;        /* in stream */
	size_t batch_bytes;
	ZSTD_CCtx *cctx;
	/* batch[0] is the compression byte, so a raw chunk is encrypted in
	 * place; the buffers are allocated once at their largest (pages are
	 * only touched as used) and wiped up to their high-water marks. */
	unsigned char *batch, *zbuf, *out;
	size_t batch_len, batch_hw, zbuf_hw, out_hw;
	uint64_t last_t;
	uint32_t seg, rec;
	unsigned char h[BG_HASH_LEN];
	uint64_t seg_bytes;
	struct bg_segment_info *closed;
	size_t n_closed;
	bool dirty, finished, failed;
};

static uint64_t wall_us(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || ts.tv_sec < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Create segment w->seg (never over an existing file) and write its
 * header; h(0) starts the chain. */
static int open_segment(struct bg_recwriter *w, const unsigned char prev[BG_HASH_LEN])
{
	struct bg_seg_header sh = { .seg = w->seg, .created_us = wall_us(),
				    .n_recipients = (uint16_t)w->n_auditors };
	unsigned char hdr[BG_SEG_HDR_MAX], *p;
	char name[BG_SEG_NAME_MAX];
	size_t i, len = bg_recformat_header_len(w->n_auditors);
	int r;

	if ((r = bg_recformat_segment_name(name, sizeof(name), w->seg)) != BG_OK)
		return r;
	memcpy(sh.session, w->session, 16);
	memcpy(sh.host_id, w->host_id, BG_KEY_ID_LEN);
	memcpy(sh.prev, prev, BG_HASH_LEN);
	bg_recformat_header_put(hdr, &sh);
	for (i = 0, p = hdr + BG_SEG_HDR_FIXED; i < w->n_auditors; i++, p += BG_SEG_RECIPIENT_LEN) {
		memcpy(p, w->auditors[i].id, BG_KEY_ID_LEN);
		if (crypto_box_seal(p + BG_KEY_ID_LEN, bg_secret_data(w->key), 32,
				    w->auditors[i].pk) != 0)
			return BG_ECRYPTO;
	}
	crypto_secretstream_xchacha20poly1305_init_push(w->st, p, bg_secret_data(w->key));
	bg_recformat_h0(hdr, len, w->h);

	w->fd = openat(w->dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (w->fd < 0)
		return errno == EEXIST ? BG_EUNSAFE : BG_EIO;
	/* The directory entry must survive a crash as well as the data. */
	if ((r = bg_recformat_write_full(w->fd, hdr, len)) != BG_OK || fsync(w->dirfd) != 0)
		return r != BG_OK ? r : BG_EIO;
	w->seg_bytes = len;
	w->rec = 0;
	return BG_OK;
}

/* Write the pending batch as the next record of kind, then start an
 * empty batch.  Any failure leaves the file unusable: fail for good. */
static int write_record(struct bg_recwriter *w, unsigned kind)
{
	unsigned char ad[BG_SEG_AD_LEN];
	unsigned long long clen;
	const unsigned char *plain;
	size_t plen, total;
	int r;

	if (w->rec == UINT32_MAX)
		return BG_ETOOBIG;
	plain = bg_recchunk_pack(w->cctx, w->batch, w->batch_len, w->zbuf, &w->zbuf_hw, &plen);
	bg_recformat_ad(ad, w->session, w->seg, w->rec + 1, kind, w->h);
	if (crypto_secretstream_xchacha20poly1305_push(w->st, w->out + BG_SEG_REC_HDR, &clen,
						       plain, plen, ad, sizeof(ad),
						       bg_recformat_tag(kind)) != 0)
		return BG_ECRYPTO;
	w->out[0] = (unsigned char)kind;
	bg_recformat_put_le(w->out + 1, clen, 4);
	bg_recformat_chain(w->h, w->out, w->out + BG_SEG_REC_HDR, (size_t)clen, w->h);
	if ((r = bg_recformat_sign(w->h, bg_secret_data(w->sign_key),
				   w->out + BG_SEG_REC_HDR + clen)) != BG_OK)
		return r;
	total = BG_SEG_REC_HDR + (size_t)clen + BG_SEG_SIG_LEN;
	if (total > w->out_hw)
		w->out_hw = total;
	if ((r = bg_recformat_write_full(w->fd, w->out, total)) != BG_OK) {
		/* A record cut by a full disk would read as tampering: take
		 * it back, so that what was written verifies as truncated. */
		(void)!ftruncate(w->fd, (off_t)w->seg_bytes);
		return r;
	}
	w->rec++;
	w->seg_bytes += total;
	w->dirty = true;
	w->batch_len = 1;
	return BG_OK;
}

/* Add one event that fits a batch (len <= PIECE_MAX). */
static int append(struct bg_recwriter *w, unsigned type, uint64_t t, const void *data,
		  size_t len)
{
	unsigned char *p;
	int r;

	if (w->batch_len + BG_SEG_EV_HDR + len > BG_BATCH_MAX &&
	    (r = write_record(w, BG_SEG_DATA)) != BG_OK)
		return r;
	p = w->batch + w->batch_len;
	bg_recformat_event_put(p, type, t, len);
	if (len > 0)
		memcpy(p + BG_SEG_EV_HDR, data, len);
	w->batch_len += BG_SEG_EV_HDR + len;
	if (w->batch_len > w->batch_hw)
		w->batch_hw = w->batch_len;
	if (w->batch_len - 1 >= w->batch_bytes)
		return write_record(w, BG_SEG_DATA);
	return BG_OK;
}

int bg_recwriter_event(struct bg_recwriter *w, enum bg_event_type type,
		       uint64_t t_us, const void *data, size_t len)
{
	const unsigned char *p = data;
	int r;

	if (w->failed)
		return BG_EIO;
	if (w->finished || t_us < w->last_t || (data == NULL && len > 0))
		return BG_EINVAL;
	switch (type) {
	case BG_EV_OUT:
	case BG_EV_IN:
		break;
	case BG_EV_IN_REDACTED:
	case BG_EV_RESIZE:
	case BG_EV_IN_ESCROW:
	case BG_EV_ESCROW_KEYS:
		if (!bg_recchunk_length_ok(type, len))
			return BG_EINVAL;
		break;
	case BG_EV_META:
		if (len > PIECE_MAX)
			return BG_ETOOBIG;
		if (!bg_recformat_meta_ok(data, len))
			return BG_EINVAL;
		break;
	default:
		return BG_EINVAL;
	}
	/* Splitting keeps every event inside one chunk. */
	do {
		size_t piece = len < PIECE_MAX ? len : PIECE_MAX;

		if ((r = append(w, type, t_us, p, piece)) != BG_OK) {
			w->failed = true;
			return r;
		}
		p += piece;
		len -= piece;
	} while (len > 0);
	w->last_t = t_us;
	return BG_OK;
}

int bg_recwriter_flush(struct bg_recwriter *w)
{
	int r;

	if (w->failed)
		return BG_EIO;
	if (w->finished)
		return BG_OK;
	if (w->batch_len > 1 && (r = write_record(w, BG_SEG_DATA)) != BG_OK) {
		w->failed = true;
		return r;
	}
	/* Records written because a batch filled up are synced here too. */
	if (w->dirty && fdatasync(w->fd) != 0) {
		w->failed = true;
		return BG_EIO;
	}
	w->dirty = false;
	return BG_OK;
}

/* Write the end record of kind (with the pending events), sync, close,
 * and remember the segment for the manifest. */
static int end_segment(struct bg_recwriter *w, unsigned kind)
{
	struct bg_segment_info *c;
	int r;

	if ((r = write_record(w, kind)) != BG_OK)
		return r;
	if (fdatasync(w->fd) != 0 || close(w->fd) != 0) {
		w->fd = -1;
		return BG_EIO;
	}
	w->fd = -1;
	w->dirty = false;
	if ((c = realloc(w->closed, (w->n_closed + 1) * sizeof(*c))) == NULL)
		return BG_ENOMEM;
	w->closed = c;
	c += w->n_closed++;
	c->n = w->seg;
	memcpy(c->hash, w->h, BG_HASH_LEN);
	c->bytes = w->seg_bytes;
	return BG_OK;
}

int bg_recwriter_next_segment(struct bg_recwriter *w)
{
	int r;

	if (w->failed)
		return BG_EIO;
	if (w->finished)
		return BG_EINVAL;
	if (w->seg == UINT32_MAX)
		return BG_ETOOBIG;
	if ((r = end_segment(w, BG_SEG_END_SEGMENT)) == BG_OK) {
		w->seg++;
		r = open_segment(w, w->h);
	}
	if (r != BG_OK)
		w->failed = true;
	return r;
}

int bg_recwriter_finish(struct bg_recwriter *w)
{
	int r;

	if (w->failed)
		return BG_EIO;
	if (w->finished)
		return BG_EINVAL;
	if ((r = end_segment(w, BG_SEG_END_SESSION)) != BG_OK) {
		w->failed = true;
		return r;
	}
	w->finished = true;
	return BG_OK;
}

const struct bg_segment_info *bg_recwriter_closed(const struct bg_recwriter *w, size_t *n)
{
	*n = w->n_closed;
	return w->closed;
}

uint64_t bg_recwriter_segment_bytes(const struct bg_recwriter *w)
{
	return w->seg_bytes;
}

void bg_recwriter_free(struct bg_recwriter *w)
{
	if (w == NULL)
		return;
	if (w->fd >= 0)
		close(w->fd);
	if (w->dirfd >= 0)
		close(w->dirfd);
	ZSTD_freeCCtx(w->cctx);
	bg_recformat_wipe_free(w->batch, w->batch_hw);
	bg_recformat_wipe_free(w->zbuf, w->zbuf_hw);
	bg_recformat_wipe_free(w->out, w->out_hw);
	bg_secret_free(w->sign_key);
	bg_secret_free(w->key);
	bg_secret_free(w->stream);
	free(w->closed);
	free(w);
}

static int check_opts(const struct bg_recwriter_opts *o)
{
	size_t i, j;

	if (o == NULL || o->dir == NULL || o->session == NULL || o->host == NULL ||
	    o->host->pub.type != BG_KEY_HOST || o->host->sk == NULL ||
	    bg_secret_len(o->host->sk) != crypto_sign_SECRETKEYBYTES ||
	    o->auditors == NULL || o->n_auditors < 1 || o->n_auditors > BG_RECIPIENTS_MAX ||
	    o->batch_bytes < 1 || o->batch_bytes > BG_BATCH_MAX ||
	    o->zstd_level < ZSTD_minCLevel() || o->zstd_level > ZSTD_maxCLevel())
		return BG_EINVAL;
	/* The same auditor twice is a configuration mistake, not a backup. */
	for (i = 0; i < o->n_auditors; i++) {
		if (o->auditors[i].type != BG_KEY_AUDITOR)
			return BG_EINVAL;
		for (j = 0; j < i; j++)
			if (memcmp(o->auditors[i].id, o->auditors[j].id, BG_KEY_ID_LEN) == 0)
				return BG_EINVAL;
	}
	return BG_OK;
}

int bg_recwriter_open(const struct bg_recwriter_opts *o, struct bg_recwriter **out)
{
	static const unsigned char zeros[BG_HASH_LEN];
	struct bg_recwriter *w;
	int r;

	*out = NULL;
	if ((r = check_opts(o)) != BG_OK)
		return r;
	if (sodium_init() < 0)
		return BG_ECRYPTO;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return BG_ENOMEM;
	w->dirfd = w->fd = -1;
	memcpy(w->session, o->session, 16);
	memcpy(w->host_id, o->host->pub.id, BG_KEY_ID_LEN);
	memcpy(w->auditors, o->auditors, o->n_auditors * sizeof(*o->auditors));
	w->n_auditors = o->n_auditors;
	w->batch_bytes = o->batch_bytes;
	w->batch_len = 1;
	if ((r = bg_secret_new(crypto_sign_SECRETKEYBYTES, &w->sign_key)) != BG_OK ||
	    (r = bg_secret_set(w->sign_key, bg_secret_data(o->host->sk),
			       crypto_sign_SECRETKEYBYTES)) != BG_OK ||
	    (r = bg_secret_new(32, &w->key)) != BG_OK ||
	    (r = bg_secret_new(sizeof(crypto_secretstream_xchacha20poly1305_state),
			       &w->stream)) != BG_OK)
		goto out;
	randombytes_buf(bg_secret_data(w->key), 32);
	w->st = (crypto_secretstream_xchacha20poly1305_state *)bg_secret_data(w->stream);
	r = BG_ENOMEM;
	if ((w->cctx = ZSTD_createCCtx()) == NULL ||
	    bg_recchunk_zstd_setup(w->cctx, o->zstd_level) != BG_OK ||
	    (w->batch = malloc(BG_BATCH_MAX)) == NULL ||
	    (w->zbuf = malloc(1 + ZSTD_COMPRESSBOUND(PAYLOAD_MAX))) == NULL ||
	    (w->out = malloc(BG_SEG_REC_MAX)) == NULL)
		goto out;
	if ((r = bg_safefile_mkdir(o->dir, 0700, (gid_t)-1)) != BG_OK)
		goto out;
	w->dirfd = open(o->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (w->dirfd < 0) {
		r = errno == ENOENT ? BG_ENOENT : BG_EUNSAFE;
		goto out;
	}
	r = open_segment(w, zeros);
out:
	if (r != BG_OK) {
		bg_recwriter_free(w);
		return r;
	}
	*out = w;
	return BG_OK;
}
