/* When emergency access ends by the clock: the grant's expiry, kept on
 * the monotonic clock (a changed wall clock does not lengthen a
 * session), and its warnings five minutes and one minute before. */
#ifndef BREAKGLASS_RECORDER_ACCESS_H
#define BREAKGLASS_RECORDER_ACCESS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct access {
	uint64_t expiry;        /* monotonic µs */
	int warned;             /* 1: five minutes, 2: one minute */
};

/* Access until expires (wall clock), now being now_us (monotonic) and
 * wall_now; a warning whose time has passed already is not given. */
void access_init(struct access *a, uint64_t now_us, time_t wall_now, time_t expires);

/* The next time (monotonic µs) access_due has something to say. */
uint64_t access_deadline(const struct access *a);

/* At t: the notice to show the user and record now, or NULL; *over is
 * set when access has ended (the notice then says so). */
const char *access_due(struct access *a, uint64_t t, bool *over);

/* Shown to the user at the start: that the session is recorded for
 * ticket, and until when access lasts.  BG_ETRUNC if cap is too small. */
int access_banner(const char *ticket, time_t expires, char *text, size_t cap);

#endif
