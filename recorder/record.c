/* Turning a relayed session into a transcript: events with their times,
 * a flush at most recorder.flush_ms after anything was added, a new
 * segment every recorder.segment_seconds or segment_bytes (so the shipper
 * can send closed segments while the session runs), the manifest after
 * each, and the grant's expiry: warnings, then the end. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include <sodium.h>

#include "breakglass/base/buf.h"
#include "breakglass/base/log.h"
#include "breakglass/base/text.h"
#include "breakglass/evidence/escrow.h"
#include "breakglass/evidence/manifest.h"
#include "breakglass/evidence/recformat.h"
#include "breakglass/evidence/recwriter.h"
#include "access.h"
#include "record.h"
#include "redact.h"
#include "revoked.h"

#define US 1000000ULL
#define BATCH_BYTES (256 * 1024)
#define ZSTD_LEVEL 1

struct record {
	struct record_opts o;
	struct bg_recwriter_opts wo;
	struct bg_recwriter *w;
	struct bg_escrow *escrow;       /* NULL: no escrow keys */
	char dir[PATH_MAX];
	unsigned char session[16];
	char start[32], end[32];
	uint64_t t0, flush_due, seg_start;      /* monotonic µs */
	bool seg_has_data, unrecorded, notice_due;
	struct access acc;
	const char *stop;
	struct redact rd;
};

static time_t wall(const struct record *r)
{
	return r->o.wall != NULL ? r->o.wall() : time(NULL);
}

static void rfc3339(time_t t, char out[BG_TEXT_UTC_LEN])
{
	if (bg_text_utc(t, out) != BG_OK)
		memcpy(out, "1970-01-01T00:00:00Z", 21);
}

/* The manifest as it stands (priv.c adds the closed segments). */
static struct bg_manifest manifest_now(struct record *r, bool complete)
{
	struct bg_manifest m = {
		.host = (char *)r->o.host_name, .user = r->o.grant->user,
		.ticket = r->o.grant->ticket, .start = r->start,
		.end = complete ? r->end : NULL, .complete = complete,
		.command = (struct bg_command *)r->o.command, .n_commands = r->o.n_commands,
	};

	memcpy(m.session, r->session, sizeof(r->session));
	memcpy(m.host_key_id, r->o.host->pub.id, BG_KEY_ID_LEN);
	memcpy(m.host_public, r->o.host->pub.pk, BG_KEY_PUBLIC_LEN);
	return m;
}

/* The spool's file work, done with its owner's ids by the recorder's
 * table of privileged operations: segment 0, the next segment, or the
 * manifest alone. */
static int privileged(struct record *r, enum priv_op op, bool complete)
{
	struct bg_manifest m = manifest_now(r, complete);
	struct priv_req q = { .op = op };
	int rc;

	if (op == PRIV_SEGMENT_OPEN)
		q.u.segment_open = (struct priv_segment_open){ .wo = &r->wo, .m = &m };
	else if (op == PRIV_SEGMENT_NEXT)
		q.u.segment_next = (struct priv_segment_next){ .wo = &r->wo, .m = &m, .w = r->w };
	else
		q.u.manifest_write = (struct priv_manifest_write){ .wo = &r->wo, .m = &m,
								   .w = r->w };
	rc = r->o.priv(r->o.priv_ctx, &q);
	if (op == PRIV_SEGMENT_OPEN)
		r->w = q.u.segment_open.w;
	return rc;
}

/* The recording cannot go on: end the session, or (policy
 * continue-unrecorded) let it run without, said to the user and logged. */
static int lost(struct record *r, int rc)
{
	bg_log_msg(BG_LOG_ERR, "record", "session %s: recording failed: %s", r->o.grant->session,
		   bg_strerror(rc));
	if (r->o.cfg->recorder.on_disk_full == BG_DISK_FULL_CONTINUE) {
		bg_log_msg(BG_LOG_ERR, "record", "session %s: continues UNRECORDED "
			   "(recorder.on_disk_full is continue-unrecorded)", r->o.grant->session);
		/* Nothing is due any more: a stale flush or cut would spin the relay. */
		r->unrecorded = r->notice_due = true;
		r->flush_due = 0;
		r->seg_has_data = false;
		return 0;
	}
	r->stop = "the recording failed (disk full or unwritable spool); the session ends";
	return 1;
}

/* An event, or (type BG_EV_IN_REDACTED) input typed blind p[n], escrowed. */
static int add(struct record *r, enum bg_event_type type, const void *p, size_t n)
{
	uint64_t t = relay_now_us();
	int rc;

	if (r->unrecorded)
		return 0;
	rc = type == BG_EV_IN_REDACTED ? bg_escrow_redacted(r->escrow, r->w, t - r->t0, p, n) :
	     bg_recwriter_event(r->w, type, t - r->t0, p, n);
	if (rc != BG_OK)
		return lost(r, rc);
	if (r->flush_due == 0)
		r->flush_due = t + (uint64_t)r->o.cfg->recorder.flush_ms * 1000;
	if (!r->seg_has_data) {
		r->seg_has_data = true;
		r->seg_start = t;
	}
	if (bg_recwriter_segment_bytes(r->w) >= (uint64_t)r->o.cfg->recorder.segment_bytes)
		return (rc = privileged(r, PRIV_SEGMENT_NEXT, false)) != BG_OK ? lost(r, rc) :
		       (r->seg_has_data = false, r->flush_due = 0, 0);
	return 0;
}

static int on_output(void *ctx, const unsigned char *p, size_t n)
{
	struct record *r = ctx;

	redact_output(&r->rd, p, n);
	return add(r, BG_EV_OUT, p, n);
}

/* {"redaction": {"bytes": N, "lines": L}} once a redacted span has
 * ended: an auditor sees how much was withheld, and over how many lines. */
static int span_end(struct record *r)
{
	struct redact_span s;
	char meta[96];
	int n;

	if (!redact_ended(&r->rd, &s))
		return 0;
	n = snprintf(meta, sizeof(meta), "{\"redaction\":{\"bytes\":%" PRIu64 ",\"lines\":%"
		     PRIu64 "}}", s.bytes, s.lines);
	return add(r, BG_EV_META, meta, (size_t)n);
}

/* The input as redact.c splits it: what is hidden is recorded as its
 * length (in_redacted) and sealed for the escrow keys if any, the rest
 * as typed. */
static int on_input(void *ctx, const unsigned char *p, size_t n, bool echo_off)
{
	struct record *r = ctx;
	bool hidden;
	size_t k;
	int rc;

	for (; n > 0; p += k, n -= k) {
		k = redact_next(&r->rd, p, n, echo_off, &hidden);
		if (!hidden) {
			rc = span_end(r);
			if (rc == 0)
				rc = add(r, BG_EV_IN, p, k);
		} else {
			/* add() keeps the length, and the bytes for escrow. */
			rc = add(r, BG_EV_IN_REDACTED, p, k);
			if (rc == 0)
				rc = span_end(r);
		}
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int on_resize(void *ctx, unsigned cols, unsigned rows)
{
	unsigned char d[4];

	bg_recformat_put_le(d, cols > 65535 ? 65535 : cols, 2);
	bg_recformat_put_le(d + 2, rows > 65535 ? 65535 : rows, 2);
	return add(ctx, BG_EV_RESIZE, d, sizeof(d));
}

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* Nothing pending, and the next warning or the expiry far: no wake-up. */
static uint64_t on_deadline(void *ctx)
{
	struct record *r = ctx;
	uint64_t d = UINT64_MAX;

	if (r->notice_due)
		return 0;
	if (r->flush_due != 0)
		d = r->flush_due;
	if (r->seg_has_data)
		d = min64(d, r->seg_start + (uint64_t)r->o.cfg->recorder.segment_seconds * US);
	return min64(d, access_deadline(&r->acc));
}

/* Shown on the user's terminal (never to the shell) and recorded. */
static int notice(struct record *r, struct relay *rl, const char *text)
{
	size_t n = strlen(text);
	int rc = add(r, BG_EV_OUT, text, n);

	if (relay_notice(rl, text, n) != 0)
		bg_log_msg(BG_LOG_WARN, "record", "cannot show a notice: %s", strerror(errno));
	return rc;
}

static int on_tick(void *ctx, struct relay *rl, uint64_t t)
{
	struct record *r = ctx;
	const char *text;
	bool over;
	int rc;

	if (r->notice_due) {
		r->notice_due = false;
		(void)!relay_notice(rl, "\r\nbreakglass: WARNING: the recording failed; this "
				    "session continues unrecorded (logged).\r\n", 79);
	}
	if ((text = access_due(&r->acc, t, &over)) != NULL && over) {
		r->stop = "the grant has expired";
		(void)!notice(r, rl, text);
		return 1;
	}
	if (text != NULL && notice(r, rl, text))
		return 1;
	if (r->unrecorded)
		return 0;
	if (r->seg_has_data &&
	    t >= r->seg_start + (uint64_t)r->o.cfg->recorder.segment_seconds * US) {
		if ((rc = privileged(r, PRIV_SEGMENT_NEXT, false)) != BG_OK)
			return lost(r, rc);
		r->seg_has_data = false;
		r->flush_due = 0;
	}
	if (r->flush_due != 0 && t >= r->flush_due) {
		r->flush_due = 0;
		if ((rc = bg_recwriter_flush(r->w)) != BG_OK)
			return lost(r, rc);
	}
	return 0;
}

/* Root signalled: a revocation ends the session at once, with who and
 * why in the transcript and on the user's terminal; none: a stray signal. */
static int on_poke(void *ctx, struct relay *rl)
{
	struct record *r = ctx;
	char why[REVOKED_TEXT_MAX], text[REVOKED_TEXT_MAX + 32], *meta;
	int rc = revoked_read(r->o.priv, r->o.priv_ctx, r->o.cfg, r->o.grant->session, &meta,
			      why, sizeof(why));

	if (rc == BG_ENOENT)
		return 0;
	r->stop = "access revoked";
	if (meta != NULL && add(r, BG_EV_META, meta, strlen(meta)) != 0)
		rc = BG_EIO;
	free(meta);
	(void)!bg_snprintf(text, sizeof(text), "\r\nbreakglass: %s\r\n", why);
	(void)!notice(r, rl, text);
	bg_log_msg(BG_LOG_WARN, "record", "session %s: %s%s", r->o.grant->session, why,
		   rc == BG_OK ? "" : " (not fully recorded)");
	return 1;
}

const struct relay_sink record_sink = {
	.output = on_output, .input = on_input, .resize = on_resize,
	.deadline = on_deadline, .tick = on_tick, .poke = on_poke,
};

int record_open(const struct record_opts *o, struct record **out, char *why, size_t whylen)
{
	struct record *r = calloc(1, sizeof(*r));
	time_t t;
	char *meta;
	int rc;

	*out = NULL;
	if (r == NULL)
		return BG_ENOMEM;
	r->o = *o;
	redact_init(&r->rd, o->cfg->recorder.input, o->cfg->recorder.prompt_re,
		    o->cfg->recorder.password_prompts.n);
	/* Recorded for no one, or to nowhere: refuse before making anything. */
	if (o->n_auditors == 0 || !bg_grant_id_valid(o->grant->session) ||
	    sodium_hex2bin(r->session, sizeof(r->session), o->grant->session,
			   BG_SESSION_ID_LEN, NULL, NULL, NULL) != 0 ||
	    bg_snprintf(r->dir, sizeof(r->dir), "%s/%s", o->cfg->paths.spool_dir,
			o->grant->session) != BG_OK) {
		(void)!snprintf(why, whylen, "%s", o->n_auditors == 0 ? "no auditor key is "
				"configured" : "malformed session id or spool path too long");
		free(r);
		return BG_EINVAL;
	}
	t = wall(r);
	rfc3339(t, r->start);
	r->t0 = relay_now_us();
	access_init(&r->acc, r->t0, t, o->grant->expires);
	r->wo = (struct bg_recwriter_opts){
		.dir = r->dir, .session = r->session, .host = o->host,
		.auditors = o->auditors, .n_auditors = o->n_auditors,
		.batch_bytes = BATCH_BYTES, .zstd_level = ZSTD_LEVEL,
	};
	if ((rc = bg_escrow_sealer(r->session, o->escrow, o->n_escrow, o->auditors,
				   o->n_auditors, &r->escrow)) != BG_OK) {
		(void)!snprintf(why, whylen, "the escrow keys are unusable (one is also an "
				"auditor key, or listed twice): %s", bg_strerror(rc));
		record_free(r);
		return rc;
	}
	if ((rc = privileged(r, PRIV_SEGMENT_OPEN, false)) != BG_OK) {
		(void)!snprintf(why, whylen, "cannot record into %s: %s", r->dir, bg_strerror(rc));
		record_free(r);
		return rc;
	}
	/* {"grant": {...}}: who, why and until when, inside the encrypted stream. */
	if ((rc = bg_grant_json(o->grant, BG_GRANT_META, &meta)) == BG_OK)
		rc = bg_recwriter_event(r->w, BG_EV_META, 0, meta, strlen(meta));
	free(meta);
	/* {"command": [...]}: what this session was asked to run. */
	if (rc == BG_OK && o->n_commands > 0 &&
	    (rc = bg_command_meta(o->command, o->n_commands, &meta)) == BG_OK) {
		rc = bg_recwriter_event(r->w, BG_EV_META, 0, meta, strlen(meta));
		free(meta);
	}
	/* The grant is on disk before the user gets a shell. */
	if (rc == BG_OK)
		rc = bg_recwriter_flush(r->w);
	if (rc != BG_OK) {
		(void)!snprintf(why, whylen, "cannot record into %s: %s", r->dir, bg_strerror(rc));
		record_free(r);
		return rc;
	}
	*out = r;
	return BG_OK;
}

int record_banner(struct record *r, char *text, size_t cap)
{
	int rc = access_banner(r->o.grant->ticket, r->o.grant->expires, text, cap);

	if (rc != BG_OK)
		return rc;
	return add(r, BG_EV_OUT, text, strlen(text)) == 0 ? BG_OK : BG_EIO;
}

int record_close(struct record *r, int wait_status)
{
	char meta[96];
	int rc, n;

	/* an echo-off span still open is marked before the end */
	redact_finish(&r->rd);
	if (r->w != NULL)
		(void)span_end(r);
	if (r->unrecorded || r->w == NULL)
		return BG_EIO;
	n = snprintf(meta, sizeof(meta), "{\"end\":{\"%s\":%d%s}}",
		     WIFEXITED(wait_status) ? "exit_status" : "signal",
		     WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) :
		     WIFSIGNALED(wait_status) ? WTERMSIG(wait_status) : 0,
		     r->stop ? ",\"ended_by_recorder\":true" : "");
	rc = bg_recwriter_event(r->w, BG_EV_META, relay_now_us() - r->t0, meta, (size_t)n);
	if (rc == BG_OK)
		rc = bg_recwriter_finish(r->w);
	rfc3339(wall(r), r->end);
	if (rc == BG_OK)
		rc = privileged(r, PRIV_MANIFEST_WRITE, true);
	return rc;
}

const char *record_stop_reason(const struct record *r)
{
	return r->stop;
}

void record_free(struct record *r)
{
	if (r == NULL)
		return;
	bg_recwriter_free(r->w);
	bg_escrow_free(r->escrow);
	free(r);
}
