/* Redacted input spans read back from their meta events (docs/FORMAT.md
 * 7.2): a span that crosses a line end is flagged, the sign of `stty
 * -echo` used to hide commands. */
#ifndef BREAKGLASS_REPLAY_SPANS_H
#define BREAKGLASS_REPLAY_SPANS_H

#include <stddef.h>

#include "breakglass/evidence/recreader.h"

#define REPLAY_SPAN_BYTES 256
#define REPLAY_SPANS_BYTES 1024

struct replay_spans {
	unsigned long long spans, flagged, max_lines;
	unsigned long long bytes, max_bytes;    /* withheld, in all spans / the largest */
};

/* Count ev if it is a meta event with a "redaction" member. */
void replay_spans_note(struct replay_spans *s, const struct bg_event *ev);

/* "; redacted input spans L lines" (and how many spans did, when more
 * than one) if a span was flagged; "; redacted input holds B bytes in N
 * spans" when more was withheld than passwords take (a span over
 * REPLAY_SPAN_BYTES, or all over REPLAY_SPANS_BYTES): commands typed
 * blind one line at a time, or without a line end; else "". */
void replay_spans_text(const struct replay_spans *s, char *out, size_t cap);

#endif
