/* The redaction rules (redact.h): the screen followed as a terminal shows
 * it, the cursor's row matched against the password prompts, and input
 * split into what is recorded and what is withheld. */
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

#define SLOT(d, r) ((d)->cell[(r) % REDACT_ROWS])

/* Cells from..to of row r blank again. */
static void erase(struct redact *d, unsigned r, unsigned from, unsigned to)
{
	if (from < to && to <= REDACT_COLS)
		memset(SLOT(d, r)[from], 0, (size_t)(to - from) * 4);
}

static void erase_screen(struct redact *d)
{
	memset(d->cell, 0, sizeof(d->cell));
	d->bottom = d->row;
}

/* The cursor to row r; a row never reached before is blank (scrolled in). */
static void go_row(struct redact *d, unsigned r)
{
	d->row = r;
	if (r > d->bottom) {
		erase(d, r, 0, REDACT_COLS);
		d->bottom = r;
	}
}

/* One character (or the first byte of one) at the cursor; at the last
 * column the row drops its first half, so that its end stays. */
static void put(struct redact *d, unsigned char c)
{
	unsigned char (*row)[4] = SLOT(d, d->row);

	if ((c & 0xc0) == 0x80) {
		/* a UTF-8 continuation byte: joins the character before */
		size_t k = d->col > 0 ? strnlen((char *)row[d->col - 1], 4) : 4;

		if (k < 4)
			row[d->col - 1][k] = c;
		return;
	}
	if (d->col >= REDACT_COLS) {
		memmove(row, row[REDACT_COLS / 2], (REDACT_COLS / 2) * 4);
		erase(d, d->row, REDACT_COLS / 2, REDACT_COLS);
		d->col = REDACT_COLS / 2;
	}
	memset(row[d->col], 0, 4);
	row[d->col++][0] = c;
}

static unsigned clamp_col(unsigned long v)
{
	return v < REDACT_COLS ? (unsigned)v : REDACT_COLS;
}

/* The final byte of a CSI: cursor moves and erasures; n its first
 * parameter (1 when none), m the second. */
static void csi(struct redact *d, unsigned char f)
{
	unsigned n = d->par[0] ? d->par[0] : 1, m = d->par[1] ? d->par[1] : 1;

	if (d->priv)
		return;
	switch (f) {
	case 'H': case 'f': go_row(d, n - 1); d->col = clamp_col(m - 1); break;
	case 'A': d->row -= n < d->row ? n : d->row; break;
	case 'B': case 'e': go_row(d, d->row + n); break;
	case 'C': case 'a': d->col = clamp_col((unsigned long)d->col + n); break;
	case 'D': d->col -= n < d->col ? n : d->col; break;
	case 'E': go_row(d, d->row + n); d->col = 0; break;
	case 'F': d->row -= n < d->row ? n : d->row; d->col = 0; break;
	case 'G': case '`': d->col = clamp_col(n - 1); break;
	case 'd': go_row(d, n - 1); break;
	case 'K':
		erase(d, d->row, d->par[0] == 0 ? d->col : 0,
		      d->par[0] == 1 ? clamp_col(d->col + 1UL) : REDACT_COLS);
		break;
	case 'J':
		/* what is off the cursor's row does not matter: all of it goes */
		erase(d, d->row, d->par[0] == 0 ? d->col : 0,
		      d->par[0] == 1 ? clamp_col(d->col + 1UL) : REDACT_COLS);
		if (d->par[0] <= 1) {
			for (m = 1; m < REDACT_ROWS; m++)
				erase(d, d->row + m, 0, REDACT_COLS);
		} else {
			erase_screen(d);
		}
		break;
	case 's': d->saved_row = d->row; d->saved_col = d->col; break;
	case 'u': go_row(d, d->saved_row); d->col = d->saved_col; break;
	default: break;
	}
}

/* The byte after ESC that ends a two-byte sequence. */
static void esc_final(struct redact *d, unsigned char c)
{
	switch (c) {
	case '7': d->saved_row = d->row; d->saved_col = d->col; break;
	case '8': go_row(d, d->saved_row); d->col = d->saved_col; break;
	case 'D': go_row(d, d->row + 1); break;
	case 'E': go_row(d, d->row + 1); d->col = 0; break;
	case 'M': d->row -= d->row > 0; break;
	case 'c': d->row = d->col = 0; erase_screen(d); break;
	default: break;
	}
}

/* A byte outside escape sequences: controls move the cursor or show
 * nothing, the rest is text. */
static void plain(struct redact *d, unsigned char c)
{
	if (c == 0x1b)
		d->esc = ESC_START;
	else if (c == '\r')
		d->col = 0;
	else if (c == '\n' || c == '\v' || c == '\f')
		go_row(d, d->row + 1);
	else if (c == '\b')
		d->col -= d->col > 0;
	else if (c == '\t')
		d->col = clamp_col((d->col | 7UL) + 1);
	else if (c >= 0x20 && c != 0x7f)
		put(d, c);
}

/* A byte inside a CSI: parameters, a private marker, the final byte. */
static void in_csi(struct redact *d, unsigned char c)
{
	if (c >= '0' && c <= '9') {
		if (d->npar < 2 && d->par[d->npar] < 10000)
			d->par[d->npar] = d->par[d->npar] * 10 + (c - '0');
	} else if (c == ';') {
		d->npar++;
	} else if (c >= '<' && c <= '?') {
		d->priv = true;
	} else if (c == 0x1b) {
		d->esc = ESC_START;
	} else if (c >= 0x40 && c <= 0x7e) {
		csi(d, c);
		d->esc = ESC_NONE;
	} else if (c < 0x20 || c > 0x7e) {
		d->esc = ESC_NONE;      /* not a CSI after all */
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
	if (d->answer && d->echoed)
		d->answer = false;
	for (i = 0; i < n; i++) {
		c = p[i];
		switch (d->esc) {
		case ESC_START:
			d->esc = c == '[' ? ESC_CSI : c != 0 && strchr("]P_^X", c) != NULL ?
				 ESC_STRING : c >= 0x20 && c <= 0x2f ? ESC_INTER : ESC_NONE;
			if (d->esc == ESC_CSI) {
				d->par[0] = d->par[1] = d->npar = 0;
				d->priv = false;
			} else if (d->esc == ESC_NONE) {
				esc_final(d, c);
			}
			break;
		case ESC_CSI:
			in_csi(d, c);
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
	d->stale = d->stale || n > 0;
}

bool redact_at_prompt(struct redact *d)
{
	unsigned char (*row)[4] = SLOT(d, d->row);
	size_t i, k, len = 0;

	if (!d->stale)
		return d->matched;
	/* the row as shown up to the cursor: a blank cell is a space */
	for (i = 0; i < d->col && i < REDACT_COLS; i++) {
		k = strnlen((char *)row[i], 4);
		memcpy(d->line + len, k > 0 ? (char *)row[i] : " ", k > 0 ? k : 1);
		len += k > 0 ? k : 1;
	}
	d->line[len] = '\0';
	d->matched = false;
	for (i = 0; i < d->n_prompts && !d->matched && len > 0; i++)
		d->matched = regexec(&d->prompts[i], d->line, 0, NULL, 0) == 0;
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

/* One more byte in the open span: CR, LF and CR LF each end a line, and
 * so does ^D, with which a program reading raw takes a line without an
 * Enter (a loop of commands ended by ^D is as many lines). */
static void count(struct redact *d, unsigned char c)
{
	d->span.bytes++;
	if (c == '\r' || c == 0x04 || (c == '\n' && !d->cr)) {
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
			/* answered: the span ends, echo off or not, so that
			 * passwd's three prompts or a sudo retry are three or
			 * two one-line spans, not one flagged as stty -echo;
			 * the next answer needs a prompt shown anew */
			d->answer = false;
			erase(d, d->row, 0, d->col);
			d->stale = true;
			close_span(d);
			return i + 1;
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
