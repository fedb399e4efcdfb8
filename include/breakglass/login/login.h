/* The emergency login dialogue, independent of PAM: ticket,
 * justification, TOTP or recovery code, and the approver's name and code
 * when two-person approval is on; one audit event per attempt. */
#ifndef BREAKGLASS_LOGIN_H
#define BREAKGLASS_LOGIN_H

#include <stdbool.h>
#include <stddef.h>

#include "breakglass/config/conf.h"
#include "breakglass/base/error.h"
#include "breakglass/evidence/grant.h"

/* How to talk to the person logging in (the PAM conversation). */
struct bg_login_io {
	/* Ask prompt with echo on or off; *answer is malloc'ed, and the
	 * caller wipes and frees it.  Anything but BG_OK means nobody can
	 * answer, which refuses the login. */
	int (*ask)(void *ctx, const char *prompt, bool echo, char **answer,
		   size_t *len);
	/* Show one line; error lines are for what went wrong. */
	void (*tell)(void *ctx, const char *msg, bool error);
	void *ctx;
};

/* Who is logging in, from where (service, user, uid, rhost, tty: set by
 * the caller), and what was established on success (ticket,
 * justification, approver, mfa, ticket_unverified).  mfa points to a
 * constant string. */
struct bg_login {
	BG_GRANT_REQUEST_GROUP(req);
};

/* A login of user through service, its uid looked up (-1 for no such
 * account); the strings are copied (rhost and tty may be NULL). */
BG_WUR int bg_login_new(const char *service, const char *user, const char *rhost,
			const char *tty, struct bg_login **out);
/* Free a login from bg_login_new or bg_session_recall (NULL: nothing). */
void bg_login_free(struct bg_login *lg);

/* Run the dialogue.  BG_OK only when every answer was right and the audit
 * event of the success was written; any failure is audited with its
 * reason (an audit log that cannot be written refuses the login). */
BG_WUR int bg_login_authenticate(const struct bg_config *cfg,
				 const struct bg_login_io *io,
				 struct bg_login *lg);
/* Free (and wipe) what bg_login_authenticate set. */
void bg_login_clear(struct bg_login *lg);

#endif
