/* Redacted spans counted from the transcript (spans.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "breakglass/evidence/recformat.h"
#include "spans.h"

void replay_spans_note(struct replay_spans *s, const struct bg_event *ev)
{
	json_t *meta, *lines, *bytes;
	unsigned long long n, b;

	if (ev->type != BG_EV_META)
		return;
	meta = json_loadb((const char *)ev->data, ev->len, JSON_REJECT_DUPLICATES, NULL);
	lines = json_object_get(json_object_get(meta, "redaction"), "lines");
	bytes = json_object_get(json_object_get(meta, "redaction"), "bytes");
	if (json_is_integer(lines) && json_integer_value(lines) >= 0 && json_is_integer(bytes) &&
	    json_integer_value(bytes) >= 0) {
		n = (unsigned long long)json_integer_value(lines);
		b = (unsigned long long)json_integer_value(bytes);
		s->bytes += b;
		if (b > s->max_bytes)
			s->max_bytes = b;
		s->spans++;
		if (n > 1)
			s->flagged++;
		if (n > s->max_lines)
			s->max_lines = n;
	}
	json_decref(meta);
}

void replay_spans_text(const struct replay_spans *s, char *out, size_t cap)
{
	size_t n;

	if (cap == 0)
		return;
	out[0] = '\0';
	if (s->flagged == 1)
		(void)!snprintf(out, cap, "; redacted input spans %llu lines", s->max_lines);
	else if (s->flagged > 1)
		(void)!snprintf(out, cap, "; redacted input spans up to %llu lines (%llu spans)",
				s->max_lines, s->flagged);
	n = strlen(out);
	if (s->max_bytes > REPLAY_SPAN_BYTES || s->bytes > REPLAY_SPANS_BYTES)
		(void)!snprintf(out + n, cap - n, "; redacted input holds %llu bytes in %llu spans",
				s->bytes, s->spans);
}
