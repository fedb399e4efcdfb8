/* A session's transcript checked as a whole (docs/FORMAT.md 7.4 and 8):
 * the signed manifest and the segments, each held against the other. */
#ifndef BREAKGLASS_TRANSCRIPT_H
#define BREAKGLASS_TRANSCRIPT_H

#include <stddef.h>

#include "breakglass/base/error.h"
#include "breakglass/evidence/keys.h"
#include "breakglass/evidence/recreader.h"

struct bg_transcript_opts {
	const char *dir;                        /* the session directory */
	/* The pinned host key; NULL: the key the manifest carries, which
	 * proves only that the session is intact, not who wrote it. */
	const struct bg_pubkey *host;
	const struct bg_keypair *auditor;       /* NULL: signatures, chain, manifest */
	const struct bg_keypair *escrow;        /* NULL: in_escrow events stay sealed */
};

/* Check the manifest, then every segment (decrypting them with an
 * auditor key and passing each event to fn, which may be NULL), then
 * that the manifest's segment list, hashes, sizes and completeness agree
 * with the segments.  Events are handed out as their records verify, so
 * a problem found later comes after them.  BG_OK once a verdict is
 * reached (why says what, and where when tampered: a missing or bad
 * manifest is tampering); BG_EAUTH "not a recipient of this session",
 * *verdict then from signatures, chain and manifest; BG_ENOENT when dir
 * does not exist, BG_EINVAL when it is not a directory; BG_EIO,
 * BG_ENOMEM.  fn returning non-zero stops the reading there: BG_OK,
 * truncated, and the manifest is not compared. */
BG_WUR int bg_transcript_verify(const struct bg_transcript_opts *o, bg_event_fn *fn,
				void *ctx, enum bg_verdict *verdict, char *why, size_t whylen);

#endif
