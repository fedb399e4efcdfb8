/* breakglassctl's commands, one function each (wiring in breakglassctl.c). */
#ifndef BREAKGLASS_CTL_COMMANDS_H
#define BREAKGLASS_CTL_COMMANDS_H

#include <stdbool.h>

#include "breakglass/config/conf.h"

/* Each returns the program's exit status. */
int cmd_enroll(const struct bg_config *cfg, const char *user, bool force,
	       bool recovery_only);
int cmd_unenroll(const struct bg_config *cfg, const char *user);
int cmd_unlock(const struct bg_config *cfg, const char *user);
/* PREFIX.key and PREFIX.pub; needs no configuration. */
int cmd_keygen_auditor(const char *prefix);
/* paths.host_key and paths.host_key + ".pub". */
int cmd_keygen_host(const struct bg_config *cfg);

/* Audit an administrative change already made: event, on user (or NULL),
 * with who made it.  A change that could not be audited is said on
 * stderr ("LABEL USER was done but NOT audited"; LABEL defaults to the
 * event) and gives 1, else 0. */
int ctl_audit_admin(const struct bg_config *cfg, const char *event, const char *user,
		    const char *label);

#endif
