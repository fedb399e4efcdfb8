/* The recorder's side of the session's cgroup (confine.h). */
#include "config.h"

#include "breakglass/login/contain.h"
#include "confine.h"

int confine_find(struct confine *c, const char *session)
{
	int rc = bg_contain_find(session, c->dir, sizeof(c->dir));

	if (rc != BG_OK)
		c->dir[0] = '\0';
	return rc;
}

int confine_op(struct confine *c, enum priv_op op, const char *leaf)
{
	struct priv_req req = { .op = op };

	if (c->dir[0] == '\0')
		return BG_OK;
	req.u.cgroup = (struct priv_cgroup){ .dir = c->dir, .leaf = leaf };
	return priv_request(c->priv, &req);
}

int confine_kill(void *ctx)
{
	return confine_op(ctx, PRIV_CGROUP_KILL, BG_CONTAIN_USER) == BG_OK ? 0 : -1;
}

/* The child exists, in the user's cgroup, and waits: the cgroup can end
 * the session's processes from now on, so nothing the session runs may
 * signal, stop or limit the recorder, not even before its first
 * instruction. */
int confine_settle(void *ctx)
{
	struct confine *c = ctx;

	if (confine_op(c, PRIV_CGROUP_ENTER, BG_CONTAIN_REC) != BG_OK)
		return -1;
	c->in_rec = true;
	if (c->dir[0] != '\0')
		priv_settle(c->priv);
	return 0;
}
