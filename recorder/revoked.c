/* Reading the session's revocation (revoked.h). */
#include "config.h"

#include <stdio.h>

#include "breakglass/base/buf.h"
#include "breakglass/login/revoke.h"
#include "revoked.h"

int revoked_read(int (*priv)(void *ctx, struct priv_req *req), void *ctx,
		 const struct bg_config *cfg, const char *session, char **meta,
		 char *text, size_t cap)
{
	struct priv_req q = { .op = PRIV_READ_REVOCATION };
	struct priv_read_revocation *a = &q.u.read_revocation;
	int rc;

	*meta = NULL;
	*a = (struct priv_read_revocation){ .cfg = cfg, .session = session };
	if ((rc = priv(ctx, &q)) == BG_ENOENT)
		return rc;
	/* Its reason passed bg_revoke_reason_problem: printable, one line. */
	if (rc == BG_OK)
		rc = bg_revoke_meta(a->rv, meta);
	(void)!bg_snprintf(text, cap, "access revoked: %s", a->rv != NULL ? a->rv->reason :
			   "(the revocation could not be read)");
	bg_revoke_free(a->rv);
	return rc;
}
