/* breakglass-replay cat: a session's streams decrypted to stdout, only
 * ever from records whose signature and decryption both succeeded. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "breakglass/evidence/recformat.h"
#include "breakglass/evidence/transcript.h"
#include "commands.h"
#include "quote.h"
#include "spans.h"

static const char *const type_names[] = {
	[BG_EV_OUT] = "out", [BG_EV_IN] = "in", [BG_EV_IN_REDACTED] = "in_redacted",
	[BG_EV_RESIZE] = "resize", [BG_EV_META] = "meta", [BG_EV_IN_ESCROW] = "in_escrow",
	[BG_EV_ESCROW_KEYS] = "escrow_keys",
};

struct cat {
	enum cat_mode mode;
	bool pending;                   /* --input: an in_redacted marker not shown yet */
	uint64_t pending_bytes;
	bool sealed;                    /* escrowed input the escrow key did not open */
	int write_errno;                /* stdout failed: stop, exit 1 */
	int build_error;                /* a JSON line could not be made */
	struct replay_spans spans;
};

static int put(struct cat *c, const void *p, size_t n)
{
	if (n > 0 && fwrite(p, 1, n, stdout) != n) {
		c->write_errno = errno != 0 ? errno : EIO;
		return 1;
	}
	return 0;
}

/* The data of an out or in event: as text when it is UTF-8, else base64. */
static int set_data(json_t *o, const struct bg_event *ev)
{
	size_t cap = sodium_base64_ENCODED_LEN(ev->len, sodium_base64_VARIANT_ORIGINAL);
	json_t *s = json_stringn((const char *)ev->data, ev->len);
	char *b64;
	int r;

	if (s != NULL)
		return json_object_set_new(o, "text", s);
	if ((b64 = malloc(cap)) == NULL)
		return -1;
	sodium_bin2base64(b64, cap, ev->data, ev->len, sodium_base64_VARIANT_ORIGINAL);
	r = json_object_set_new(o, "base64", json_string(b64));
	free(b64);
	return r;
}

/* The key ids an escrow_keys event names. */
static json_t *recipients(const struct bg_event *ev)
{
	char hex[2 * BG_KEY_ID_LEN + 1];
	json_t *a = json_array();
	size_t off;

	for (off = 0; a != NULL && off < ev->len; off += BG_SEG_RECIPIENT_LEN) {
		bg_keys_id_hex(ev->data + off, hex);
		if (json_array_append_new(a, json_string(hex)) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static int json_line(struct cat *c, const struct bg_event *ev)
{
	json_t *o = json_object(), *meta;
	char *line = NULL;
	int r = -1, rc = 1;

	if (o == NULL || json_object_set_new(o, "t", json_integer((json_int_t)ev->t_us)) ||
	    json_object_set_new(o, "segment", json_integer(ev->segment)) ||
	    json_object_set_new(o, "type", json_string(type_names[ev->type])))
		goto out;
	switch (ev->type) {
	case BG_EV_OUT:
	case BG_EV_IN:
		r = set_data(o, ev);
		break;
	case BG_EV_IN_REDACTED:
		r = json_object_set_new(o, "bytes",
					json_integer((json_int_t)bg_recformat_get_le(ev->data, 4)));
		break;
	case BG_EV_RESIZE:
		r = json_object_set_new(o, "cols", json_integer((json_int_t)bg_recformat_get_le(ev->data, 2)));
		if (r == 0)
			r = json_object_set_new(o, "rows",
						json_integer((json_int_t)bg_recformat_get_le(ev->data + 2, 2)));
		break;
	case BG_EV_META:
		meta = json_loadb((const char *)ev->data, ev->len, JSON_REJECT_DUPLICATES, NULL);
		r = json_object_set_new(o, "meta", meta);
		break;
	case BG_EV_IN_ESCROW:
		r = json_object_set_new(o, "bytes", json_integer((json_int_t)(ev->sealed ?
					ev->len - BG_ESCROW_OVERHEAD : ev->len)));
		if (r == 0)
			r = ev->sealed ? json_object_set_new(o, "sealed", json_true()) :
			    set_data(o, ev);
		break;
	case BG_EV_ESCROW_KEYS:
		r = json_object_set_new(o, "recipients", recipients(ev));
		break;
	}
	if (r == 0 && (line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER |
					 JSON_ENSURE_ASCII)) != NULL)
		rc = put(c, line, strlen(line)) || put(c, "\n", 1);
	else
		c->build_error = 1;
out:
	if (o == NULL)
		c->build_error = 1;
	free(line);
	json_decref(o);
	return rc;
}

/* --input: the marker of an in_redacted event whose bytes did not follow
 * opened from escrow. */
static int show_pending(struct cat *c)
{
	char mark[48];
	int n;

	if (!c->pending)
		return 0;
	c->pending = false;
	n = snprintf(mark, sizeof(mark), "[redacted: %" PRIu64 " bytes]", c->pending_bytes);
	return put(c, mark, (size_t)n);
}

static int input_event(struct cat *c, const struct bg_event *ev)
{
	char mark[48];
	int n;

	if (ev->type == BG_EV_IN_ESCROW && !ev->sealed) {
		c->pending = false;
		n = snprintf(mark, sizeof(mark), "[escrowed %zu bytes: ", ev->len);
		return put(c, mark, (size_t)n) || put(c, ev->data, ev->len) || put(c, "]", 1);
	}
	if (ev->type == BG_EV_IN_ESCROW || ev->type == BG_EV_ESCROW_KEYS)
		return 0;
	if (show_pending(c) != 0)
		return 1;
	if (ev->type == BG_EV_IN)
		return put(c, ev->data, ev->len);
	if (ev->type == BG_EV_IN_REDACTED) {
		c->pending = true;
		c->pending_bytes = bg_recformat_get_le(ev->data, 4);
	}
	return 0;
}

static int on_event(void *ctx, const struct bg_event *ev)
{
	struct cat *c = ctx;

	replay_spans_note(&c->spans, ev);
	if (ev->type == BG_EV_IN_ESCROW && ev->sealed)
		c->sealed = true;
	switch (c->mode) {
	case CAT_JSON:
		return json_line(c, ev);
	case CAT_INPUT:
		return input_event(c, ev);
	default:
		return ev->type == BG_EV_OUT ? put(c, ev->data, ev->len) : 0;
	}
}

int cmd_cat(const struct replay_keys *k, const char *session, enum cat_mode mode)
{
	struct bg_transcript_opts o = {
		.dir = session, .host = k->pinned ? &k->host : NULL, .auditor = k->auditor,
		.escrow = k->escrow,
	};
	struct cat c = { .mode = mode };
	enum bg_verdict v;
	char q[1200], why[512], flag[192];
	int r;

	/* A closed pipe is an error to report, not a reason to die mid-line. */
	signal(SIGPIPE, SIG_IGN);
	replay_quote(session, q, sizeof(q));
	r = bg_transcript_verify(&o, on_event, &c, &v, why, sizeof(why));
	(void)show_pending(&c);
	if (fflush(stdout) != 0 && c.write_errno == 0)
		c.write_errno = errno != 0 ? errno : EIO;
	if (c.write_errno != 0 || c.build_error) {
		if (c.write_errno != EPIPE)
			fprintf(stderr, "breakglass-replay: stdout: %s\n",
				c.build_error ? "out of memory" : strerror(c.write_errno));
		return REPLAY_ERROR;
	}
	/* Asked to open escrowed input and could not: the investigation
	 * holds the wrong key, which it must not take for an empty session. */
	if (r == BG_OK && v != BG_VERDICT_TAMPERED && k->escrow != NULL && c.sealed) {
		fprintf(stderr, "breakglass-replay: %s: the escrow key is not an escrow "
			"recipient of this session\n", q);
		return REPLAY_ERROR;
	}
	/* a warning, not a verdict: the exit status stays the verdict's */
	replay_spans_text(&c.spans, flag, sizeof(flag));
	if (flag[0] != '\0')
		fprintf(stderr, "breakglass-replay: %s: warning: %s (stty -echo?)\n", q, flag + 2);
	if (r == BG_OK && v == BG_VERDICT_COMPLETE)
		return REPLAY_COMPLETE;
	if (r == BG_OK) {
		fprintf(stderr, "breakglass-replay: %s: %s: %s\n", q,
			v == BG_VERDICT_TRUNCATED ? "truncated" : "tampered", why);
		return (int)v;
	}
	if (r == BG_EAUTH)
		fprintf(stderr, "breakglass-replay: %s: %s\n", q, why);
	else if (r == BG_ENOENT)
		fprintf(stderr, "breakglass-replay: %s: no such session directory\n", q);
	else if (r == BG_EINVAL)
		fprintf(stderr, "breakglass-replay: %s: not a session directory\n", q);
	else
		fprintf(stderr, "breakglass-replay: %s: %s\n", q, bg_strerror(r));
	return REPLAY_ERROR;
}
