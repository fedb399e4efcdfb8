/* A forger of transcripts as a buggy or compromised writer holding the
 * host key could make them: every record chained and signed, the manifest
 * true, and inside, the one defect a case asks for (docs/FORMAT.md 7). */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <zstd.h>

#include "breakglass/evidence/manifest.h"
#include "breakglass/evidence/recformat.h"
#include "breakglass/base/secret.h"
#include "helpers.h"
#include "test_transcript_forge.h"

#define BUF_MAX (BG_BATCH_MAX + 64)     /* a batch one byte too large fits */
#define GRANT "{\"grant\":{\"user\":\"root\",\"ticket\":\"INC-1\"}}"

static bool at_bad(const struct forge *f)
{
	return f->seg == f->c->seg && f->rec == f->c->rec;
}

static void put(struct forge *f, const void *p, size_t n)
{
	assert_int_equal(bg_recformat_write_full(f->fd, p, n), BG_OK);
	f->bytes += n;
}

/* An event into the batch as it is (len stated, dlen there; data NULL: zeros). */
static void put_ev(struct forge *f, unsigned type, uint64_t t, size_t len, const void *data,
		   size_t dlen)
{
	unsigned char *p = f->buf + 1 + f->n;

	bg_recformat_event_put(p, type, t, len);
	if (data != NULL)
		memcpy(p + BG_SEG_EV_HDR, data, dlen);
	else
		memset(p + BG_SEG_EV_HDR, 0, dlen);
	f->n += BG_SEG_EV_HDR + dlen;
}

/* A good event, which a reader must give back. */
static void ev(struct forge *f, enum bg_event_type type, uint64_t t, const char *data, size_t len)
{
	struct bg_event e = { type, t, f->seg, f->buf + 1 + f->n + BG_SEG_EV_HDR, len,
			      false };

	put_ev(f, type, t, len, data, len);
	assert_int_equal(tevents_collect(&f->want, &e), 0);
}

/* Start the next record's batch; at the bad one, note the good events before it. */
static void begin(struct forge *f)
{
	f->rec++;
	f->n = 0;
	if (at_bad(f))
		f->before = f->want.n;
}

/* The batch as a zstd chunk in f->z, spoilt as d says; its length. */
static size_t zchunk(struct forge *f, enum defect d)
{
	unsigned char *z = f->z + 1;
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	size_t n, off = 0;

	assert_non_null(cc);
	if (d == D_ZSTD_HUGE) {         /* one byte more than a batch may hold */
		f->n = 0;
		put_ev(f, BG_EV_OUT, 600, BG_BATCH_MAX + 1 - BG_SEG_EV_HDR, NULL,
		       BG_BATCH_MAX + 1 - BG_SEG_EV_HDR);
	}
	if (d == D_ZSTD_SKIPPABLE) {    /* which ZSTD_decompress would pass over */
		bg_recformat_put_le(z, ZSTD_MAGIC_SKIPPABLE_START, 4);
		bg_recformat_put_le(z + 4, 4, 4);
		memset(z + 8, 0, 4);
		off = 12;
	}
	assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag,
							 d != D_ZSTD_NO_SIZE)));
	assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1)));
	n = ZSTD_compress2(cc, z + off, FORGE_Z_MAX / 2 - off, f->buf + 1, f->n);
	ZSTD_freeCCtx(cc);
	assert_false(ZSTD_isError(n));
	if (d == D_ZSTD_CORRUPT) {      /* in the last block: the checksum fails */
		z[off + n - 5] ^= 0x40;
	} else if (d == D_ZSTD_CUT) {
		n--;
	} else if (d == D_ZSTD_TWO) {
		memcpy(z + n, z, n);
		n *= 2;
	} else if (d == D_ZSTD_TRAILING) {
		memcpy(z + n, "\0\0\0", 3);
		n += 3;
	}
	f->z[0] = 1;
	return 1 + off + n;
}

/* Encrypt, chain, sign and write the next record, with any defect that
 * belongs to it. */
static void record(struct forge *f, unsigned kind, bool zstd)
{
	const struct fcase *c = f->c;
	bool bad = at_bad(f);
	unsigned char ad[BG_SEG_AD_LEN], rh[BG_SEG_REC_HDR], sig[BG_SEG_SIG_LEN];
	unsigned char session[16], hprev[BG_HASH_LEN], tag = bg_recformat_tag(kind);
	const unsigned char *plain = f->buf;
	unsigned long long clen;
	size_t plen;

	if (bad && c->d == D_EVENT) {
		f->n = 0;
		if (!c->ev.alone)
			put_ev(f, BG_EV_OUT, 600, 2, "ok", 2);
		put_ev(f, c->ev.type, c->ev.t, c->ev.len, c->ev.data, c->ev.dlen);
	} else if (bad && c->d == D_EV_CUT) {     /* 5 of an event header's 13 bytes */
		memcpy(f->buf + 1 + f->n, "\x01\0\0\0\0", 5);
		f->n += 5;
	}
	f->buf[0] = 0;
	plen = 1 + f->n;
	if (zstd || (bad && c->d >= D_ZSTD_CORRUPT && c->d <= D_ZSTD_TRAILING)) {
		plen = zchunk(f, bad ? c->d : D_NONE);
		plain = f->z;
	}
	if (bad && c->d == D_COMP)
		f->buf[0] = (unsigned char)c->arg;
	if (bad && c->d == D_EMPTY_PLAIN)
		plen = 0;
	if (bad && c->d == D_TAG)
		tag = bg_recformat_tag(c->arg);
	memcpy(session, f->session, 16);
	memcpy(hprev, f->h, BG_HASH_LEN);
	session[15] ^= bad && c->d == D_AD_SESSION;
	hprev[0] ^= bad && c->d == D_AD_HPREV;
	bg_recformat_ad(ad, session, f->seg + (bad && c->d == D_AD_SEG),
			f->rec + (bad && c->d == D_AD_REC),
			bad && c->d == D_AD_KIND ? BG_SEG_END_SEGMENT : kind, hprev);
	assert_true(plen <= FORGE_Z_MAX);
	assert_int_equal(crypto_secretstream_xchacha20poly1305_push(&f->st, f->ct, &clen, plain,
								   plen, ad, sizeof(ad), tag), 0);
	rh[0] = (unsigned char)kind;
	bg_recformat_put_le(rh + 1, clen, 4);
	bg_recformat_chain(f->h, rh, f->ct, (size_t)clen, f->h);
	assert_int_equal(bg_recformat_sign(f->h, bg_secret_data(f->k->host->sk), sig), BG_OK);
	put(f, rh, sizeof(rh));
	put(f, f->ct, (size_t)clen);
	put(f, sig, sizeof(sig));
}

/* Create segment seg and write its header, sealed as the case says. */
static void seg_open(struct forge *f, uint32_t seg)
{
	static const unsigned char zeros[BG_HASH_LEN];
	const struct bg_keypair *to[2] = { f->k->aud, f->k->other };
	struct bg_seg_header sh = { .seg = seg, .created_us = 1767225600000000u };
	unsigned char hdr[BG_SEG_HDR_MAX], other[32], *p = hdr + BG_SEG_HDR_FIXED;
	const unsigned char *key = f->key;
	char name[BG_SEG_NAME_MAX], path[700];
	size_t i, n = 2;

	if (f->c->d == D_NOT_RECIPIENT || (seg == 1 && f->c->d == D_NO_RECIPIENT)) {
		to[0] = f->k->other;
		n = 1;
	}
	if (seg == 1 && f->c->d == D_OTHER_KEY) {
		randombytes_buf(other, sizeof(other));
		key = other;
	}
	sh.n_recipients = (uint16_t)n;
	memcpy(sh.session, f->session, 16);
	memcpy(sh.host_id, f->k->host->pub.id, BG_KEY_ID_LEN);
	memcpy(sh.prev, seg == 0 ? zeros : f->h, BG_HASH_LEN);
	bg_recformat_header_put(hdr, &sh);
	for (i = 0; i < n; i++, p += BG_SEG_RECIPIENT_LEN) {
		memcpy(p, to[i]->pub.id, BG_KEY_ID_LEN);
		assert_int_equal(crypto_box_seal(p + BG_KEY_ID_LEN, key, 32, to[i]->pub.pk), 0);
	}
	/* The records are encrypted with the session key whatever was sealed. */
	crypto_secretstream_xchacha20poly1305_init_push(&f->st, p, f->key);
	bg_recformat_h0(hdr, bg_recformat_header_len(n), f->h);
	assert_int_equal(bg_recformat_segment_name(name, sizeof(name), seg), BG_OK);
	assert_true(snprintf(path, sizeof(path), "%s/%s", f->dir, name) < (int)sizeof(path));
	assert_true((f->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) >= 0);
	f->seg = seg;
	f->rec = 0;
	f->bytes = 0;
	put(f, hdr, bg_recformat_header_len(n));
}

static void seg_close(struct forge *f)
{
	struct bg_segment_info *s = &f->segs[f->nseg++];

	assert_int_equal(close(f->fd), 0);
	s->n = f->seg;
	memcpy(s->hash, f->h, BG_HASH_LEN);
	s->bytes = f->bytes;
}

/* The signed manifest a writer would leave: every segment, complete. */
static void manifest(struct forge *f)
{
	char host[] = "bastion", user[] = "root", ticket[] = "INC-1";
	char start[] = "2026-01-01T00:00:00Z", end[] = "2026-01-01T00:05:00Z";
	struct bg_manifest m = {
		.host = host, .user = user, .ticket = ticket, .start = start, .end = end,
		.complete = true, .n_segments = f->nseg, .segments = f->segs,
	};

	memcpy(m.session, f->session, 16);
	memcpy(m.host_key_id, f->k->host->pub.id, BG_KEY_ID_LEN);
	memcpy(m.host_public, f->k->host->pub.pk, BG_KEY_PUBLIC_LEN);
	assert_int_equal(bg_manifest_write(f->dir, &m, f->k->host), BG_OK);
}

/* D_AFTER_END: a data record after the end record of its segment. */
static void late(struct forge *f)
{
	if (f->c->d != D_AFTER_END || f->c->seg != f->seg)
		return;
	begin(f);
	ev(f, BG_EV_OUT, f->seg == 0 ? 300 : 700, "late", 4);
	record(f, BG_SEG_DATA, false);
}

/* Two segments of three records, every event type, raw and zstd chunks,
 * an empty event and an empty end record; then the case's defect. */
struct forge *forge_session(const struct forge_keys *k, const struct fcase *c)
{
	struct forge *f = calloc(1, sizeof(*f));
	enum defect d = c->d;
	char hex[33], text[200];

	assert_non_null(f);
	assert_non_null(f->buf = malloc(BUF_MAX));
	f->c = c;
	f->k = k;
	randombytes_buf(f->session, sizeof(f->session));
	randombytes_buf(f->key, sizeof(f->key));
	sodium_bin2hex(hex, sizeof(hex), f->session, sizeof(f->session));
	assert_true(snprintf(f->dir, sizeof(f->dir), "%s/%s", k->tmp, hex) < (int)sizeof(f->dir));
	assert_int_equal(mkdir(f->dir, 0700), 0);
	memset(text, 'a', sizeof(text));

	seg_open(f, 0);
	begin(f);
	ev(f, BG_EV_META, 0, GRANT, sizeof(GRANT) - 1);
	ev(f, BG_EV_OUT, 100, "login: ", 7);
	record(f, BG_SEG_DATA, false);
	begin(f);
	ev(f, BG_EV_OUT, 200, text, sizeof(text));
	record(f, BG_SEG_DATA, true);
	begin(f);
	ev(f, BG_EV_OUT, 300, "seg0 end", 8);
	record(f, d == D_END_SESSION_EARLY ? BG_SEG_END_SESSION :
	       d == D_NO_END_SEGMENT ? BG_SEG_DATA : BG_SEG_END_SEGMENT, false);
	late(f);
	seg_close(f);

	seg_open(f, 1);
	begin(f);
	ev(f, BG_EV_IN, 400, "x", 1);
	ev(f, BG_EV_IN_REDACTED, 400, "\x05\0\0\0", 4);
	ev(f, BG_EV_RESIZE, 500, "\x50\0\x18\0", 4);
	ev(f, BG_EV_OUT, 500, "", 0);
	record(f, BG_SEG_DATA, false);
	begin(f);
	ev(f, BG_EV_OUT, 600, "victim", 6);
	record(f, BG_SEG_DATA, false);
	begin(f);
	record(f, BG_SEG_END_SESSION, false);
	late(f);
	seg_close(f);
	manifest(f);
	return f;
}

void forge_free(struct forge *f)
{
	th_rmtree(f->dir);
	tevents_free(&f->want);
	free(f->buf);
	free(f);
}

