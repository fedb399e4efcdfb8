/* The recording of one session: the relay's sink, which turns what goes
 * by into transcript events (lib/recwriter.c), flushes them in time,
 * cuts segments, keeps the manifest current and enforces the grant's
 * expiry. */
#ifndef BREAKGLASS_RECORDER_RECORD_H
#define BREAKGLASS_RECORDER_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "breakglass/config/conf.h"
#include "breakglass/evidence/command.h"
#include "breakglass/evidence/grant.h"
#include "breakglass/evidence/keys.h"
#include "priv.h"
#include "relay.h"

struct record_opts {
	const struct bg_config *cfg;    /* recorder.*, paths.spool_dir */
	const struct bg_grant *grant;
	const char *host_name;
	const struct bg_keypair *host;
	const struct bg_pubkey *auditors;
	size_t n_auditors;
	/* A non-interactive session's command (n_commands 0: interactive). */
	const struct bg_command *command;
	size_t n_commands;
	/* Input typed blind is sealed to these (none: only its length is kept). */
	const struct bg_pubkey *escrow;
	size_t n_escrow;
	/* Run a spool request (PRIV_SEGMENT_OPEN, PRIV_SEGMENT_NEXT,
	 * PRIV_MANIFEST_WRITE) with the rights to write the spool:
	 * priv_request(priv_ctx, req) in the recorder. */
	int (*priv)(void *priv_ctx, struct priv_req *req);
	void *priv_ctx;
	/* The wall clock (NULL: time()), which tests move; the monotonic
	 * one is the relay's (relay_now_us). */
	time_t (*wall)(void);
};

struct record;

/* Make paths.spool_dir/<session>/ (0700), open segment 0, write the
 * grant as the first event, the command (if any) as the next, and the
 * first manifest.  BG_OK or an error
 * with why (no shell may start without a recording). */
int record_open(const struct record_opts *o, struct record **out, char *why,
		size_t whylen);

/* The sink for relay_run; its ctx is the struct record. */
extern const struct relay_sink record_sink;

/* Text shown to the user at the start (recorded as output): that the
 * session is recorded, and until when it may last. */
int record_banner(struct record *r, char *text, size_t cap);

/* The child's wait status as the last event, the end-of-session record,
 * the final manifest.  BG_OK, or an error (the recording is then
 * truncated, which verify reports). */
int record_close(struct record *r, int wait_status);

/* Why the sink stopped the session, or NULL if it did not. */
const char *record_stop_reason(const struct record *r);

void record_free(struct record *r);

#endif
