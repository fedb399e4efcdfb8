/* What the recorder says about a session besides the transcript: a line
 * for the user, one for syslog, and an event for the audit log, queued
 * in the spool (bg_recevent) for the PAM module to move in at session
 * close.  Before the configuration and the session id are known there is
 * nowhere to queue: syslog only. */
#ifndef BREAKGLASS_RECORDER_REPORT_H
#define BREAKGLASS_RECORDER_REPORT_H

#include <stdbool.h>

#include "breakglass/config/conf.h"
#include "priv.h"

struct report {
	const struct priv *priv;        /* NULL: no ids to write the queue with */
	const struct bg_config *cfg;    /* NULL: not loaded yet */
	const char *session;            /* NULL: not known yet */
};

/* The exit status of a refused login. */
#define REPORT_EXIT_REFUSED 1

/* Refuse the login with msg: on standard error, syslog and the queue. */
void report_refuse(const struct report *rp, const char *msg) __attribute__((noreturn));

/* The recording runs: syslog and the queue, with the containment and
 * the command (what: described, NULL when interactive). */
void report_started(const struct report *rp, bool pty, bool contained, const char *what);

#endif
