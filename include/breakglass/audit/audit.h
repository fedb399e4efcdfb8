/* Audit events: one JSON object per line in paths.audit_log, each holding
 * the hash of the line before it (BLAKE2b-256), so that an edited,
 * removed or reordered line is detected (auditverify.h); every event also
 * goes to syslog (LOG_AUTHPRIV) as one escaped line. */
#ifndef BREAKGLASS_AUDIT_H
#define BREAKGLASS_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "breakglass/audit/actor.h"
#include "breakglass/base/buf.h"
#include "breakglass/config/conf.h"
#include "breakglass/base/error.h"
#include "breakglass/evidence/grant.h"

/* NULL strings and pointers, uid -1 and expires 0 are left out of the
 * line, and an actor's name when it has none. */
struct bg_audit_event {
	const char *event;      /* "auth", "session_open", "session_close" */
	const char *result;     /* "success" or "failure" */
	const char *reason;     /* why it failed, one word ("bad_code", ...) */
	/* who logged in, from where, why; its justification only in "auth" */
	BG_GRANT_REQUEST_GROUP(req);
	/* who ran an administrative command; NULL for logins */
	const struct bg_actor *actor;
	const char *session;
	const char *containment;        /* session_open: "cgroup" or "none" */
	const char *command;            /* recording: the session's command */
	const char *note;               /* revoke: the reason the administrator
					   gave; recording: what the recorder said */
	time_t expires;
};

/* Append ev to cfg->paths.audit_log (made 0600 with its directory 0700
 * if missing) under an exclusive lock, fsync'ed, then to syslog.  With
 * line non-NULL, the JSON line written (without newline) is appended to it. */
BG_WUR int bg_audit_append(const struct bg_config *cfg,
			   const struct bg_audit_event *ev, struct bg_buf *line);

#endif
