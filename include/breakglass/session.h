/* Opening and closing a granted session: the grant file the recorder
 * reads, its expiry, and the audit events around it. */
#ifndef BREAKGLASS_SESSION_H
#define BREAKGLASS_SESSION_H

#include <sys/types.h>
#include <time.h>

#include "breakglass/config.h"
#include "breakglass/error.h"
#include "breakglass/grant.h"
#include "breakglass/login.h"

/* The account that reads grants (the recorder's). */
#define BG_GROUP "breakglass"

/* Write the grant of an authenticated login (new session id, expiry
 * grant.default_minutes from now, never past grant.max_minutes) and audit
 * "session_open"; on success g->session names it.  Nothing is left
 * behind on failure. */
BG_WUR int bg_session_open(const struct bg_config *cfg, const struct bg_login *lg,
			   time_t now, struct bg_grant *g);
/* Remove the grant and audit "session_close". */
BG_WUR int bg_session_close(const struct bg_config *cfg, const struct bg_login *lg,
			    const char *session);

#endif
