/* The recorder's events for the audit log: recording started (with the
 * session's containment and command) or refused (and why).  The recorder,
 * as the breakglass account, cannot write the root-owned audit log: it
 * appends them, one JSON object per line, to
 * paths.spool_dir/<session>.events, and the PAM module (root) moves them
 * into the audit log when sshd closes the session. */
#ifndef BREAKGLASS_RECEVENT_H
#define BREAKGLASS_RECEVENT_H

#include <sys/types.h>

#include "breakglass/audit/audit.h"
#include "breakglass/base/error.h"
#include "breakglass/config/conf.h"

/* A session's events file is never read or grown beyond this. */
#define BG_RECEVENT_MAX_BYTES (64 * 1024)

struct bg_recevent {
	const char *result;             /* "success": recording; "failure": refused */
	const char *containment;        /* "cgroup" or "none"; NULL: not known yet */
	const char *command;            /* the command, described; NULL: none */
	const char *note;               /* what happened, in words; NULL: nothing */
};

/* Append ev as one line to spool_dir/<session>.events (made 0600, never
 * through a symbolic link), with the calling process's pid and the time.
 * BG_ETOOBIG when the file has reached BG_RECEVENT_MAX_BYTES (the event
 * is dropped: the caller logs it), BG_EINVAL for a bad id or member. */
BG_WUR int bg_recevent_append(const char *spool_dir, const char *session,
			      const struct bg_recevent *ev);

/* Every event of session into the audit log (bg_notify_audit) as a
 * "recording" event: tmpl gives who (user, uid, service ...), the line
 * the rest; then the file is removed.  The file must belong to trusted
 * (the account).  A line that is not a valid event becomes one failure
 * "bad_recorder_event".  BG_OK also when there is no file; an error when
 * the file is unsafe or an event could not be audited (the file is then
 * kept). */
BG_WUR int bg_recevent_drain(const struct bg_config *cfg, const char *session,
			     uid_t trusted, const struct bg_audit_event *tmpl);

#endif
