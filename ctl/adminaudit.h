/* breakglassctl's audit of administrative changes (adminaudit.c). */
#ifndef BREAKGLASS_CTL_ADMINAUDIT_H
#define BREAKGLASS_CTL_ADMINAUDIT_H

#include "breakglass/config/conf.h"

/* Audit an administrative change already made: event, on user (or NULL),
 * with who made it.  A change that could not be audited is said on
 * stderr ("LABEL USER was done but NOT audited"; LABEL defaults to the
 * event) and gives 1, else 0. */
int ctl_audit_admin(const struct bg_config *cfg, const char *event, const char *user,
		    const char *label);

#endif
