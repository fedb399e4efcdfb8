/* breakglassctl's audit of the administrative changes its commands make. */
#include "config.h"

#include <stdio.h>

#include "breakglass/audit/actor.h"
#include "breakglass/audit/notify.h"
#include "adminaudit.h"

/* Administrative changes are evidence too: a change that could not be
 * audited is reported as a failure (exit 1), though it was made. */
int ctl_audit_admin(const struct bg_config *cfg, const char *event, const char *user,
		    const char *label)
{
	struct bg_actor actor;
	/* An event only reads the strings of its request. */
	struct bg_audit_event ev = {
		.event = event, .result = "success", .service = (char *)"breakglassctl",
		.user = (char *)user, .uid = -1, .actor = &actor,
	};
	int r;

	bg_actor_get(BG_ACTOR_LOGINUID, &actor);
	if ((r = bg_notify_audit(cfg, &ev)) == BG_OK)
		return 0;
	fprintf(stderr, "breakglassctl: %s%s%s was done but NOT audited: %s: %s\n",
		label != NULL ? label : event, user != NULL ? " " : "", user != NULL ? user : "",
		cfg->paths.audit_log, bg_strerror(r));
	return 1;
}
