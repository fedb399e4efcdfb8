/* The chunk plaintext of docs/FORMAT.md 7.2: a compression byte, then a
 * batch of events, raw or as one zstd frame; packed by the writer,
 * unpacked and checked by the reader. */
#ifndef BREAKGLASS_RECCHUNK_H
#define BREAKGLASS_RECCHUNK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zstd.h>

#include "breakglass/base/error.h"
#include "breakglass/evidence/recformat.h"

/* Set c up to compress chunks at level as the writer does: zstd's own
 * parameters, except that the fast levels (1 and the negative ones) keep
 * their hash table to 2^12 entries (16 KiB), which stays in a first-level
 * data cache.  zstd's choice for 256 KiB batches (2^13 or 2^14) costs
 * 20-40 % more time for 2-4 % fewer bytes (bench/README.md). */
BG_WUR int bg_recchunk_zstd_setup(ZSTD_CCtx *c, int level);
/* The chunk plaintext of batch[len] (batch[0] is left for the
 * compression byte, the events follow it): batch itself, raw, unless
 * zstd makes it smaller, then zbuf (room for 1 + ZSTD_COMPRESSBOUND of
 * the events), *zbuf_hw raised to what was used.  *plen: its length. */
const unsigned char *bg_recchunk_pack(ZSTD_CCtx *c, unsigned char *batch, size_t len,
				      unsigned char *zbuf, size_t *zbuf_hw, size_t *plen);
/* The events of a chunk's plaintext: raw, or one zstd frame stating its
 * size (at most BG_BATCH_MAX) decompressed into dec, *dec_hw raised to
 * what was used.  BG_EINTEGRITY with why saying what is wrong. */
BG_WUR int bg_recchunk_unpack(ZSTD_DCtx *dctx, const unsigned char *plain, size_t plen,
			      unsigned char *dec, size_t *dec_hw, const unsigned char **ev,
			      size_t *evlen, char *why, size_t whylen);
/* Whether len is a data length FORMAT.md 7.2 and 7.5 allow for type
 * (any length for the types whose length they do not fix). */
bool bg_recchunk_length_ok(unsigned type, size_t len);
/* Whether every event of the batch p[n] is well formed, with times from
 * *t on never decreasing (*t then the last one).  BG_EINTEGRITY with why
 * saying what is wrong. */
BG_WUR int bg_recchunk_check(const unsigned char *p, size_t n, uint64_t *t, char *why,
			     size_t whylen);

#endif
