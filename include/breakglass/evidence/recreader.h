/* Reading and verifying a session's transcript (docs/FORMAT.md 7.4): an
 * event is handed out only after its record's signature and decryption
 * have both succeeded. */
#ifndef BREAKGLASS_RECREADER_H
#define BREAKGLASS_RECREADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "breakglass/base/error.h"
#include "breakglass/evidence/keys.h"
#include "breakglass/evidence/manifest.h"
#include "breakglass/evidence/recformat.h"

enum bg_verdict {
	BG_VERDICT_COMPLETE = 0,        /* intact, with its end-of-session record */
	BG_VERDICT_TRUNCATED = 3,       /* intact, cut at a record boundary */
	BG_VERDICT_TAMPERED = 4,        /* anything else */
};

struct bg_event {
	enum bg_event_type type;
	uint64_t t_us;
	uint32_t segment;
	/* in_escrow: the bytes typed blind once opened; still sealed (the
	 * payload as stored) when the reader holds no escrow key for them. */
	const unsigned char *data;
	size_t len;
	bool sealed;
};

/* Return non-zero to stop reading (the verdict is then what was seen). */
typedef int bg_event_fn(void *ctx, const struct bg_event *ev);

struct bg_recreader_opts {
	const char *dir;                        /* the session directory */
	const struct bg_pubkey *host;           /* the trusted host key */
	const struct bg_keypair *auditor;       /* NULL: signatures and chain only */
	const struct bg_keypair *escrow;        /* NULL: in_escrow events stay sealed */
	/* Called (if not NULL) with each segment whose records all verified,
	 * in order; anything but BG_OK stops reading with that error. */
	int (*segment_fn)(void *ctx, const struct bg_segment_info *seg);
	void *segment_ctx;
};

/* Check the session in dir; with an auditor key also decrypt it and pass
 * every event to fn (may be NULL).  BG_OK once a verdict is reached, with
 * why saying what failed and where for BG_VERDICT_TAMPERED;
 * BG_ENOENT/BG_EIO when dir cannot be read at all.  BG_EAUTH, with why
 * "not a recipient of this session", when the auditor key is not among
 * the recipients of segment 0 (looked at once a signature has shown the
 * header genuine): the rest is then checked without decrypting, so a
 * tampered session still gets BG_OK and BG_VERDICT_TAMPERED, and with
 * BG_EAUTH *verdict is what signatures and chain alone say. */
BG_WUR int bg_recreader_run(const struct bg_recreader_opts *o, bg_event_fn *fn,
			    void *ctx, enum bg_verdict *verdict, char *why,
			    size_t whylen);

#endif
