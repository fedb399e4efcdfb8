/* breakglass-replay verify: one verdict line per session, and the exit
 * status of the worst of them. */
#include "config.h"

#include <stdio.h>

#include "breakglass/evidence/transcript.h"
#include "commands.h"
#include "quote.h"
#include "spans.h"

static const char *word(enum bg_verdict v)
{
	switch (v) {
	case BG_VERDICT_COMPLETE: return "complete";
	case BG_VERDICT_TRUNCATED: return "truncated";
	default: return "tampered";
	}
}

static int note(void *ctx, const struct bg_event *ev)
{
	replay_spans_note(ctx, ev);
	return 0;
}

/* Print the line for one session; its exit status.  A redacted span
 * over several lines is a note, not a verdict: the recording is whole. */
static int verify_one(const struct replay_keys *k, const char *session)
{
	struct bg_transcript_opts o = {
		.dir = session, .host = k->pinned ? &k->host : NULL, .auditor = k->auditor,
	};
	const char *pin = k->pinned ? "" : "; host key not pinned";
	struct replay_spans spans = { 0, 0, 0, 0, 0 };
	enum bg_verdict v;
	char q[1200], why[512], flag[192];
	int r;

	replay_quote(session, q, sizeof(q));
	r = bg_transcript_verify(&o, note, &spans, &v, why, sizeof(why));
	replay_spans_text(&spans, flag, sizeof(flag));
	if (r == BG_OK) {
		printf("%s: %s: %s%s%s\n", q, word(v), why, flag, pin);
		return (int)v;
	}
	if (r == BG_EAUTH)
		printf("%s: error: %s (without decrypting: %s)%s\n", q, why, word(v), pin);
	else if (r == BG_ENOENT)
		printf("%s: error: no such session directory\n", q);
	else if (r == BG_EINVAL)
		printf("%s: error: not a session directory\n", q);
	else
		printf("%s: error: %s\n", q, bg_strerror(r));
	return REPLAY_ERROR;
}

/* Tampering outranks an error, which outranks a truncation: the status
 * says the worst an auditor must know about. */
static int rank(int status)
{
	switch (status) {
	case REPLAY_TAMPERED: return 3;
	case REPLAY_ERROR: return 2;
	case REPLAY_TRUNCATED: return 1;
	default: return 0;
	}
}

int cmd_verify(const struct replay_keys *k, char *const *sessions, size_t n)
{
	int worst = REPLAY_COMPLETE, r;
	size_t i;

	for (i = 0; i < n; i++) {
		r = verify_one(k, sessions[i]);
		if (rank(r) > rank(worst))
			worst = r;
	}
	if (fflush(stdout) != 0) {
		perror("breakglass-replay: stdout");
		return worst == REPLAY_TAMPERED ? worst : REPLAY_ERROR;
	}
	return worst;
}
