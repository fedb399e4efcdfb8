/* Revocations: root's word that an emergency session must end now
 * (breakglassctl revoke), written beside its grant as
 * paths.run_dir/<session id>.revoked for the session's recorder, which
 * reads it when signalled (SIGUSR1) and before it starts a shell. */
#ifndef BREAKGLASS_REVOKE_H
#define BREAKGLASS_REVOKE_H

#include <sys/types.h>
#include <time.h>

#include "breakglass/base/error.h"

/* The reason is one line of printable text, at most this many characters. */
#define BG_REVOKE_REASON_MAX 200

struct bg_revocation {
	char *by;               /* who revoked: a user name, or "uid N" */
	long by_uid;
	char *reason;
	time_t at;
};

/* NULL if reason may be a revocation's reason (bg_input_problem's rules,
 * 1..BG_REVOKE_REASON_MAX characters), else what is wrong with it. */
const char *bg_revoke_reason_problem(const char *reason);

/* Write rv for session atomically, owned by root (the caller) and group
 * gid (-1: leave), mode 0640, into an existing run_dir.  BG_EINVAL for a
 * malformed id, a missing or bad member. */
BG_WUR int bg_revoke_write(const char *run_dir, const char *session,
			   const struct bg_revocation *rv, gid_t gid);
/* The revocation of session (owner root or trusted, not writable by
 * others) into *out; BG_ENOENT when the session is not revoked,
 * BG_EINVAL when the file is malformed. */
BG_WUR int bg_revoke_read(const char *run_dir, const char *session, uid_t trusted,
			  struct bg_revocation **out);
/* Remove it (BG_OK also when there was none). */
BG_WUR int bg_revoke_remove(const char *run_dir, const char *session);
/* The transcript's meta event: {"revoked":{"by":..,"by_uid":..,
 * "reason":..,"time":"RFC 3339"}}, malloc'ed. */
BG_WUR int bg_revoke_meta(const struct bg_revocation *rv, char **out);
void bg_revoke_free(struct bg_revocation *rv);

#endif
