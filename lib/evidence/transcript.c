/* Verifying a session as its auditors' tools do: the manifest says what
 * there should be, the segments prove what there is, and the two must
 * agree (docs/FORMAT.md 8), so that a dropped last segment or a rollback
 * to a shorter copy of one is caught although each file is genuine. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "breakglass/evidence/manifest.h"
#include "breakglass/evidence/manifestread.h"
#include "breakglass/evidence/recformat.h"
#include "breakglass/evidence/transcript.h"

struct check {
	bg_event_fn *fn;
	void *ctx;
	bool stopped;
	struct bg_segment_info *seen;
	size_t n_seen, cap;
};

static void say(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || whylen == 0)
		return;
	va_start(ap, fmt);
	(void)!vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

static int on_event(void *ctx, const struct bg_event *ev)
{
	struct check *c = ctx;

	if (c->fn == NULL || c->fn(c->ctx, ev) == 0)
		return 0;
	c->stopped = true;
	return 1;
}

static int on_segment(void *ctx, const struct bg_segment_info *seg)
{
	struct check *c = ctx;
	struct bg_segment_info *p;

	if (c->n_seen == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 16;
		if ((p = realloc(c->seen, c->cap * sizeof(*p))) == NULL)
			return BG_ENOMEM;
		c->seen = p;
	}
	c->seen[c->n_seen++] = *seg;
	return BG_OK;
}

/* Whether the manifest m agrees with the segments read; says why not. */
static bool agrees(const struct bg_manifest *m, const struct check *c, enum bg_verdict v,
		   char *why, size_t whylen)
{
	const struct bg_segment_info *s;
	size_t i;

	for (i = 0; i < m->n_segments; i++) {
		s = &m->segments[i];
		if (i >= c->n_seen) {
			say(why, whylen, "manifest.json lists segment %06" PRIu32 ", which is missing",
			    s->n);
			return false;
		}
		if (memcmp(s->hash, c->seen[i].hash, BG_HASH_LEN) != 0 ||
		    s->bytes != c->seen[i].bytes) {
			say(why, whylen, "segment %06" PRIu32 " is not the one manifest.json lists",
			    s->n);
			return false;
		}
	}
	if (m->complete && v != BG_VERDICT_COMPLETE) {
		say(why, whylen, "manifest.json says the session ended, but its "
		    "end-of-session record is missing");
		return false;
	}
	return true;
}

/* The manifest, read against the pinned key; false (with why) when it is
 * missing or not genuine, which is tampering. */
static int manifest(const struct bg_transcript_opts *o, struct bg_manifest **m, char *why,
		    size_t whylen)
{
	unsigned char session[16];
	char mwhy[160], *real = NULL;
	int rc;

	if ((rc = bg_recformat_session_dir(o->dir, session, &real)) != BG_OK) {
		free(real);
		if (rc == BG_EINTEGRITY)
			say(why, whylen, "the directory name is not a session id");
		return rc;
	}
	free(real);
	mwhy[0] = '\0';
	rc = bg_manifestread_load(o->dir, o->host, m, mwhy, sizeof(mwhy));
	if (rc == BG_ENOENT) {
		say(why, whylen, "manifest.json is missing");
		return BG_EINTEGRITY;
	}
	if (rc == BG_EINTEGRITY)
		say(why, whylen, "manifest.json: %s", mwhy);
	if (rc == BG_OK && memcmp((*m)->session, session, sizeof(session)) != 0) {
		say(why, whylen, "manifest.json names another session");
		rc = BG_EINTEGRITY;
	}
	return rc;
}

int bg_transcript_verify(const struct bg_transcript_opts *o, bg_event_fn *fn, void *ctx,
			 enum bg_verdict *verdict, char *why, size_t whylen)
{
	struct check c = { .fn = fn, .ctx = ctx };
	struct bg_recreader_opts ro = { .segment_fn = on_segment, .segment_ctx = &c };
	struct bg_manifest *m = NULL;
	struct bg_pubkey host;
	struct stat st;
	int rc;

	say(why, whylen, "%s", "");
	if (verdict == NULL || o == NULL || o->dir == NULL)
		return BG_EINVAL;
	*verdict = BG_VERDICT_TAMPERED;
	if (stat(o->dir, &st) != 0)
		return errno == ENOENT || errno == ENOTDIR ? BG_ENOENT : BG_EIO;
	if (!S_ISDIR(st.st_mode))
		return BG_EINVAL;
	if ((rc = manifest(o, &m, why, whylen)) != BG_OK) {
		bg_manifest_free(m);
		return rc == BG_EINTEGRITY ? BG_OK : rc;
	}
	if (o->host != NULL) {
		host = *o->host;
	} else {
		host.type = BG_KEY_HOST;
		memcpy(host.pk, m->host_public, BG_KEY_PUBLIC_LEN);
		memcpy(host.id, m->host_key_id, BG_KEY_ID_LEN);
	}
	ro.dir = o->dir;
	ro.host = &host;
	ro.auditor = o->auditor;
	ro.escrow = o->escrow;
	rc = bg_recreader_run(&ro, on_event, &c, verdict, why, whylen);
	if (c.stopped) {
		*verdict = BG_VERDICT_TRUNCATED;
		rc = BG_OK;
	} else if ((rc == BG_OK || rc == BG_EAUTH) && *verdict != BG_VERDICT_TAMPERED &&
		   !agrees(m, &c, *verdict, why, whylen)) {
		*verdict = BG_VERDICT_TAMPERED;
		rc = BG_OK;
	}
	free(c.seen);
	bg_manifest_free(m);
	return rc;
}
