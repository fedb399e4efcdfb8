/* Writing a session's transcript (docs/FORMAT.md section 7): events are
 * batched into chunks, compressed with zstd, encrypted with a session key
 * sealed to every auditor, signed with the host key, in segment files. */
#ifndef BREAKGLASS_RECWRITER_H
#define BREAKGLASS_RECWRITER_H

#include <stddef.h>
#include <stdint.h>

#include "breakglass/base/error.h"
#include "breakglass/evidence/keys.h"
#include "breakglass/evidence/manifest.h"
#include "breakglass/evidence/recformat.h"

struct bg_recwriter_opts {
	const char *dir;                        /* the session directory */
	const unsigned char *session;           /* 16 bytes */
	const struct bg_keypair *host;          /* Ed25519 pair */
	const struct bg_pubkey *auditors;       /* 1..BG_RECIPIENTS_MAX */
	size_t n_auditors;
	size_t batch_bytes;                     /* flush at this size, <= BG_BATCH_MAX */
	int zstd_level;
};

struct bg_recwriter;

/* Create dir (0700) if needed and open segment 0. */
BG_WUR int bg_recwriter_open(const struct bg_recwriter_opts *o,
			     struct bg_recwriter **out);
/* Add an event (times in microseconds since the session started, never
 * decreasing); a batch that reaches batch_bytes is written out.  Larger
 * out/in data is split into several events of the same time. */
BG_WUR int bg_recwriter_event(struct bg_recwriter *w, enum bg_event_type type,
			      uint64_t t_us, const void *data, size_t len);
/* Write the pending batch as one data record and fdatasync (nothing to do
 * when empty): what is flushed survives a crash. */
BG_WUR int bg_recwriter_flush(struct bg_recwriter *w);
/* Close the segment (end-of-segment record) and open the next one. */
BG_WUR int bg_recwriter_next_segment(struct bg_recwriter *w);
/* Write the end-of-session record; nothing may be added afterwards. */
BG_WUR int bg_recwriter_finish(struct bg_recwriter *w);
/* The segments closed so far (for the manifest). */
const struct bg_segment_info *bg_recwriter_closed(const struct bg_recwriter *w,
						  size_t *n);
/* Bytes in the open segment file so far (for rotation by size). */
uint64_t bg_recwriter_segment_bytes(const struct bg_recwriter *w);
/* Release; a session not finished stays as a crash leaves it (truncated). */
void bg_recwriter_free(struct bg_recwriter *w);

#endif
