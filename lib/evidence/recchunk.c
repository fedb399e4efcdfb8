/* The chunk plaintext (docs/FORMAT.md 7.2): packing a batch of events
 * into it, unpacking one and checking the events inside. */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include <zstd.h>

#include "breakglass/evidence/recchunk.h"

/* Below this a zstd frame costs more than it saves. */
#define TINY_BATCH 64
/* The fast levels' hash table: 2^12 four-byte entries, 16 KiB. */
#define FAST_HASH_LOG 12

int bg_recchunk_zstd_setup(ZSTD_CCtx *c, int level)
{
	bool fast = level == 1 || level < 0;

	if (ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level)) ||
	    (fast && ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_hashLog, FAST_HASH_LOG))))
		return BG_EINVAL;
	return BG_OK;
}

const unsigned char *bg_recchunk_pack(ZSTD_CCtx *c, unsigned char *batch, size_t len,
				      unsigned char *zbuf, size_t *zbuf_hw, size_t *plen)
{
	size_t z, n = len - 1;

	batch[0] = 0;
	*plen = len;
	if (n < TINY_BATCH)
		return batch;
	/* The parameters stick: compress2 only starts a new frame. */
	z = ZSTD_compress2(c, zbuf + 1, ZSTD_COMPRESSBOUND(n), batch + 1, n);
	/* A failed or useless compression still leaves a valid raw chunk. */
	if (ZSTD_isError(z) || z >= n)
		return batch;
	zbuf[0] = 1;
	*plen = z + 1;
	if (*plen > *zbuf_hw)
		*zbuf_hw = *plen;
	return zbuf;
}

/* why[whylen] says what is wrong with a chunk (cut if need be). */
static int flaw(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int flaw(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)!vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return BG_EINTEGRITY;
}

int bg_recchunk_unpack(ZSTD_DCtx *dctx, const unsigned char *plain, size_t plen,
		       unsigned char *dec, size_t *dec_hw, const unsigned char **ev,
		       size_t *evlen, char *why, size_t whylen)
{
	const unsigned char *z = plain + 1;
	size_t zlen = plen - 1, d;
	unsigned long long size;

	if (plen < 1)
		return flaw(why, whylen, "empty chunk");
	if (plain[0] == 0) {
		*ev = z;
		*evlen = zlen;
		return BG_OK;
	}
	if (plain[0] != 1)
		return flaw(why, whylen, "unknown compression %u", plain[0]);
	/* One real frame that states its size: no skippable or trailing
	 * frames, nothing larger than a batch. */
	if (zlen < 4 || bg_recformat_get_le(z, 4) != ZSTD_MAGICNUMBER ||
	    ZSTD_findFrameCompressedSize(z, zlen) != zlen)
		return flaw(why, whylen, "not a single zstd frame");
	size = ZSTD_getFrameContentSize(z, zlen);
	if (size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR ||
	    size > BG_BATCH_MAX)
		return flaw(why, whylen, "zstd frame of unknown or too large size");
	if (size > *dec_hw)
		*dec_hw = size;
	d = ZSTD_decompressDCtx(dctx, dec, size, z, zlen);
	if (ZSTD_isError(d) || d != size)
		return flaw(why, whylen, "invalid zstd frame");
	*ev = dec;
	*evlen = d;
	return BG_OK;
}

bool bg_recchunk_length_ok(unsigned type, size_t len)
{
	switch (type) {
	case BG_EV_IN_REDACTED:
	case BG_EV_RESIZE:
		return len == 4;
	case BG_EV_IN_ESCROW:
		return len > BG_ESCROW_OVERHEAD && len <= BG_ESCROW_OVERHEAD + BG_ESCROW_MAX;
	case BG_EV_ESCROW_KEYS:
		return len > 0 && len % BG_SEG_RECIPIENT_LEN == 0 &&
		       len <= BG_SEG_RECIPIENT_LEN * BG_RECIPIENTS_MAX;
	default:
		return true;
	}
}

int bg_recchunk_check(const unsigned char *p, size_t n, uint64_t *t, char *why,
		      size_t whylen)
{
	uint64_t et;
	size_t off, len;
	unsigned type;

	for (off = 0; off < n; off += BG_SEG_EV_HDR + len) {
		if (n - off < BG_SEG_EV_HDR)
			return flaw(why, whylen, "an event runs past its batch");
		bg_recformat_event_get(p + off, &type, &et, &len);
		if (len > n - off - BG_SEG_EV_HDR)
			return flaw(why, whylen, "an event runs past its batch");
		if (type < BG_EV_OUT || type > BG_EV_ESCROW_KEYS)
			return flaw(why, whylen, "unknown event type %u", type);
		if (!bg_recchunk_length_ok(type, len))
			return flaw(why, whylen, "wrong data length for event type %u", type);
		if (et < *t)
			return flaw(why, whylen, "time goes backwards");
		*t = et;
		if (type == BG_EV_META && !bg_recformat_meta_ok(p + off + BG_SEG_EV_HDR, len))
			return flaw(why, whylen, "meta event is not a JSON object");
	}
	return BG_OK;
}
