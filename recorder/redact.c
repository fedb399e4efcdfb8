/* The redaction rules (redact.h): the output line tracked as a terminal
 * shows it, matched against the password prompts, and input split into
 * what is recorded and what is withheld. */
#include "config.h"

#include <string.h>

#include "breakglass/config/confschema.h"
#include "redact.h"

/* Where the output is in an escape sequence (ECMA-48): none; after ESC;
 * in a CSI; in a string (OSC, DCS, ...) up to BEL or ESC \; ESC seen in
 * a string; after ESC and intermediate bytes. */
enum { ESC_NONE, ESC_START, ESC_CSI, ESC_STRING, ESC_STRING_ESC, ESC_INTER };

void redact_init(struct redact *d, int policy, const regex_t *prompts, size_t n)
{
	memset(d, 0, sizeof(*d));
	d->policy = policy;
	d->prompts = prompts;
	d->n_prompts = prompts != NULL ? n : 0;
}

static void tail_clear(struct redact *d)
{
	d->tail_len = 0;
	d->stale = true;
}

/* A byte shown on the line: a full tail drops its older half, so that
 * a long line costs one move per 128 bytes. */
static void tail_add(struct redact *d, unsigned char c)
{
	if (d->tail_len == REDACT_TAIL) {
		memmove(d->tail, d->tail + REDACT_TAIL / 2, REDACT_TAIL / 2);
		d->tail_len = REDACT_TAIL / 2;
	}
	d->tail[d->tail_len++] = (char)c;
	d->stale = true;
}

/* A byte outside escape sequences: CR and LF start the line again,
 * backspace takes a character back, other controls show nothing. */
static void plain(struct redact *d, unsigned char c)
{
	if (c == 0x1b) {
		d->esc = ESC_START;
	} else if (c == '\r' || c == '\n') {
		tail_clear(d);
	} else if (c == '\b') {
		while (d->tail_len > 0 && (d->tail[--d->tail_len] & 0xc0) == 0x80)
			;       /* the continuation bytes of a UTF-8 character */
		d->stale = true;
	} else if (c == '\t') {
		tail_add(d, ' ');
	} else if (c >= 0x20 && c != 0x7f) {
		tail_add(d, c);
	}
}

/* p[n] is the last input, or its start, shown back as typed. */
static bool echoes(const struct redact *d, const unsigned char *p, size_t n)
{
	return n > 0 && n <= d->last_in_len && memcmp(p, d->last_in, n) == 0;
}

void redact_output(struct redact *d, const unsigned char *p, size_t n)
{
	size_t i;
	unsigned char c;

	d->echoed = echoes(d, p, n);
	if (d->answer && d->echoed) {
		d->answer = false;
		tail_clear(d);
	}

	for (i = 0; i < n; i++) {
		c = p[i];
		switch (d->esc) {
		case ESC_START:
			d->esc = c == '[' ? ESC_CSI : c != 0 && strchr("]P_^X", c) != NULL ?
				 ESC_STRING : c >= 0x20 && c <= 0x2f ? ESC_INTER : ESC_NONE;
			break;
		case ESC_CSI:
			/* parameters and intermediates up to a final byte */
			if (c == 0x1b)
				d->esc = ESC_START;
			else if (c < 0x20 || c > 0x3f)
				d->esc = ESC_NONE;
			break;
		case ESC_STRING:
			d->esc = c == 0x07 ? ESC_NONE : c == 0x1b ? ESC_STRING_ESC : ESC_STRING;
			break;
		case ESC_STRING_ESC:
			d->esc = c == 0x1b ? ESC_STRING_ESC : ESC_NONE;
			break;
		case ESC_INTER:
			if (c < 0x20 || c > 0x2f)
				d->esc = ESC_NONE;
			break;
		default:
			plain(d, c);
		}
	}
}

bool redact_at_prompt(struct redact *d)
{
	size_t i;

	if (!d->stale)
		return d->matched;
	d->tail[d->tail_len] = '\0';
	d->matched = false;
	for (i = 0; i < d->n_prompts && !d->matched && d->tail_len > 0; i++)
		d->matched = regexec(&d->prompts[i], d->tail, 0, NULL, 0) == 0;
	d->stale = false;
	return d->matched;
}

/* The open span ends; what it held is left for redact_ended. */
static void close_span(struct redact *d)
{
	if (!d->open)
		return;
	d->done = d->span;
	d->done.lines += d->mid;
	d->ended = true;
	d->open = d->answer = d->cr = d->mid = false;
	d->span = (struct redact_span){ 0, 0 };
}

/* One more byte in the open span: CR, LF and CR LF each end a line. */
static void count(struct redact *d, unsigned char c)
{
	d->span.bytes++;
	if (c == '\r' || (c == '\n' && !d->cr)) {
		d->span.lines++;
		d->mid = false;
	} else if (c != '\n') {
		d->mid = true;
	}
	d->cr = c == '\r';
}

size_t redact_next(struct redact *d, const unsigned char *p, size_t n, bool echo_off,
		   bool *hidden)
{
	size_t i = 0;

	d->last_in_len = n < sizeof(d->last_in) ? n : sizeof(d->last_in);
	memcpy(d->last_in, p, d->last_in_len);
	*hidden = d->policy == BG_INPUT_REDACT;
	/* "record" keeps all, "redact" withholds all: no span to mark */
	if (d->policy != BG_INPUT_REDACT_NO_ECHO)
		return n;
	/* a prompt the user typed, shown back, is none */
	if (!d->answer && !d->echoed && redact_at_prompt(d)) {
		d->answer = true;
		d->answered = 0;
	}
	if (!echo_off && !d->answer) {
		close_span(d);
		return n;
	}
	*hidden = d->open = true;
	while (i < n) {
		count(d, p[i]);
		if (d->answer && (p[i] == '\r' || p[i] == '\n' ||
				  ++d->answered >= REDACT_ANSWER_MAX)) {
			/* answered: the next answer needs a prompt shown anew */
			d->answer = false;
			tail_clear(d);
			if (!echo_off) {
				close_span(d);
				return i + 1;
			}
		}
		i++;
	}
	return n;
}

bool redact_ended(struct redact *d, struct redact_span *s)
{
	if (!d->ended)
		return false;
	*s = d->done;
	d->ended = false;
	return true;
}

void redact_finish(struct redact *d)
{
	close_span(d);
}
