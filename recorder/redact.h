/* Which input the recording keeps only as lengths: input typed with echo
 * off, and the answer to a password prompt seen at the end of the output
 * (recorder.password_prompts), grouped into spans whose bytes and lines
 * the transcript marks. */
#ifndef BREAKGLASS_RECORDER_REDACT_H
#define BREAKGLASS_RECORDER_REDACT_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The screen kept for matching: rows (by number modulo), cells of one
 * character (its UTF-8 bytes); a longer row keeps its last half. */
#define REDACT_ROWS 64
#define REDACT_COLS 256
/* A prompt's answer is redacted up to its Enter, or this many bytes. */
#define REDACT_ANSWER_MAX 4096

/* One redacted span: bytes withheld, lines they touch (line ends, plus
 * one for bytes after the last); more than one line is flagged. */
struct redact_span {
	uint64_t bytes, lines;
};

struct redact {
	int policy;                     /* recorder.input (enum bg_rec_input) */
	const regex_t *prompts;
	size_t n_prompts;
	unsigned char cell[REDACT_ROWS][REDACT_COLS][4];
	unsigned row, col, bottom;      /* the cursor; the lowest row written */
	unsigned saved_row, saved_col;  /* ESC 7, CSI s */
	int esc;                        /* where in an escape sequence */
	unsigned par[2], npar;          /* a CSI's parameters so far */
	bool priv;                      /* a CSI with a private marker (?, >) */
	char line[REDACT_COLS * 4 + 1]; /* the cursor's row up to it, to match */
	bool matched, stale;            /* the tail matches; to be matched again */
	bool echoed;                    /* the last output echoed the last input */
	bool open, answer, ended;       /* a span; it answers a prompt; one closed */
	bool cr, mid;                   /* its last byte was CR; bytes after a line end */
	uint64_t answered;              /* bytes of the answer so far */
	unsigned char last_in[32];      /* the end of the last input */
	size_t last_in_len;
	struct redact_span span, done;  /* the open span (lines: its line ends so
					   far); the one just closed */
};

/* Start with recorder.input and the compiled password prompts. */
void redact_init(struct redact *d, int policy, const regex_t *prompts, size_t n);

/* The child's output p[n], as the terminal shows it: text, CR, LF,
 * backspace, tabs, cursor moves and erasures (ECMA-48); the rest of the
 * escape sequences is left out.  Output that
 * echoes the last input while a prompt's answer is redacted ends that
 * answer: a password is not echoed, a command line typed after text
 * that looks like a prompt (PS1='Password: ') is; and a prompt the
 * user types, echoed back, arms nothing. */
void redact_output(struct redact *d, const unsigned char *p, size_t n);

/* Whether the cursor's row, up to the cursor, ends in a password prompt. */
bool redact_at_prompt(struct redact *d);

/* The decision: how many of the first bytes of the input p[n] (n > 0)
 * go one way, *hidden saying which (redacted, or recorded as typed);
 * the caller records those and asks again for the rest.  echo_off: as
 * the relay tells it (relay_sink.input). */
size_t redact_next(struct redact *d, const unsigned char *p, size_t n, bool echo_off,
		   bool *hidden);

/* Whether a span has ended (*s its counts), once per span: ask before
 * recording input that is not hidden (the span it ends) and after input
 * that is (a prompt's answer ends at its Enter). */
bool redact_ended(struct redact *d, struct redact_span *s);

/* The session is over: a span still open ends (see redact_ended). */
void redact_finish(struct redact *d);

#endif
