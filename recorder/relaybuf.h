/* The relay's state and its buffers: the queues toward the child and
 * the user, written out without blocking, drained at the end of the
 * session, and the notices the sink puts in (relay_notice).  Shared by
 * the two halves of the relay; relay.h is the recording's view of it. */
#ifndef BREAKGLASS_RECORDER_RELAYBUF_H
#define BREAKGLASS_RECORDER_RELAYBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "relay.h"

#define RELAY_BUF (64 * 1024)

struct rbuf {
	size_t off, len;
	unsigned char d[RELAY_BUF];
};

enum { TO_CHILD, TO_OUT, TO_ERR, NBUF };        /* the buffers, by destination */

struct relay {
	const struct relay_opts *o;
	const struct relay_sink *s;
	void *ctx;
	int sfd;
	/* pty or child_in, child_out, child_err: closed at the end; user_in,
	 * user_out, user_err: their flags put back */
	int fd[6], flags[6];
	int in;                 /* user_in while it is read, else -1 */
	int src[2];             /* child output while it is read, else -1 */
	int dst[NBUF];          /* pty or child_in, user_out, user_err; -1: gone */
	struct rbuf b[NBUF];
	bool pty, user_tty, in_eof, exited, stopped, hup;
	bool kill_now;                  /* a poke ended it: no grace */
	int status, err;
	uint64_t ticked, last_move;
};

/* Milliseconds from now until t for poll (0 if past, at most INT_MAX). */
int relaybuf_ms_until(uint64_t t, uint64_t now);

/* Where the next read into b goes and the room there, the data moved to
 * the front when that makes room. */
unsigned char *relaybuf_tail(struct rbuf *b, size_t *room);

/* The child takes no more input: its pipe is closed at once so that it
 * sees EOF; a pty master stays open for the output. */
void relaybuf_close_input(struct relay *r);

/* Write what destination i (TO_*) takes now; 0, or -1 when it is gone
 * (the child's input then closed, or r->hup for the user's side). */
int relaybuf_flush(struct relay *r, int i);

/* The session is over: what the user has not been shown yet (a last
 * notice among it) still goes out, waiting at most 2 s in all. */
void relaybuf_drain(struct relay *r);

#endif
