/* A revocation of the recorder's session (breakglassctl revoke), read
 * from paths.run_dir with the account's ids through the table of
 * privileged operations: at start, and whenever root signals. */
#ifndef BREAKGLASS_RECORDER_REVOKED_H
#define BREAKGLASS_RECORDER_REVOKED_H

#include <stddef.h>

#include "breakglass/config/conf.h"
#include "priv.h"

/* Room for the text revoked_read writes. */
#define REVOKED_TEXT_MAX 900

/* BG_ENOENT: session is not revoked.  Otherwise it is, and text says so
 * for the user ("access revoked: REASON"); *meta is the transcript's
 * meta event, malloc'ed, or NULL when the revocation could not be read
 * (the result then says why: a session is ended all the same). */
int revoked_read(int (*priv)(void *ctx, struct priv_req *req), void *ctx,
		 const struct bg_config *cfg, const char *session, char **meta,
		 char *text, size_t cap);

#endif
