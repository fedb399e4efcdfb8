/* Opening and closing a granted session: the grant file the recorder
 * reads, its expiry, and the audit events around it. */
#ifndef BREAKGLASS_SESSION_H
#define BREAKGLASS_SESSION_H

#include <sys/types.h>
#include <time.h>

#include "breakglass/config/conf.h"
#include "breakglass/base/error.h"
#include "breakglass/evidence/grant.h"
#include "breakglass/login/login.h"
#include "breakglass/login/contain.h"

/* The account that reads grants (the recorder's). */
#define BG_GROUP BG_ACCOUNT

/* No key, no recording, no access: BG_OK if the host key and every
 * auditor key are there and safe.  Otherwise each bad one is logged, an
 * "auth" failure "keys_unusable" of user is audited (one event per
 * attempt, even refused before the dialogue), and BG_EUNSAFE returned. */
BG_WUR int bg_session_check_keys(const struct bg_config *cfg, const char *user);

/* Write the grant of an authenticated login (new session id, expiry
 * grant.default_minutes from now, never past grant.max_minutes, and the
 * calling process as the login process the recorder must descend from),
 * contain the calling process in the session's cgroup (c, bg_contain_open)
 * and audit "session_open" with the containment; on success g->session
 * names it.  Nothing is left
 * behind on failure; BG_EINVAL, before anything, for a user who is no
 * account on this system (uid -1). */
BG_WUR int bg_session_open(const struct bg_config *cfg, const struct bg_login *lg,
			   time_t now, struct bg_grant *g, struct bg_contain *c);
/* How long an authentication waits for its session. */
#define BG_AUTH_TTL 300

/* sshd authenticates in one process and opens the session in another, so
 * PAM data does not reach the session: after authentication, the login is
 * remembered in run_dir/auth/<token>.json (root only, BG_AUTH_TTL
 * seconds), and only the random token travels, in the PAM environment.
 * Expired leftovers are swept at the same time. */
BG_WUR int bg_session_remember(const struct bg_config *cfg,
			       const struct bg_login *lg, time_t now,
			       char token[BG_SESSION_ID_LEN + 1]);
/* The login remembered under token, if it is user's and unexpired at now
 * (BG_ENOENT otherwise), now through service; the caller frees it with
 * bg_login_free. */
BG_WUR int bg_session_recall(const struct bg_config *cfg, const char *token,
			     const char *user, const char *service, time_t now,
			     struct bg_login **out);
/* Forget it: a token is good for one session. */
BG_WUR int bg_session_forget(const struct bg_config *cfg, const char *token);

/* Kill what is left of the session and remove its cgroup (c), remove the
 * grant and audit "session_close". */
BG_WUR int bg_session_close(const struct bg_config *cfg, const struct bg_login *lg,
			    const char *session, struct bg_contain *c);

#endif
