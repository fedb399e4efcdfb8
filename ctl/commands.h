/* breakglassctl's commands, one function each (wiring in breakglassctl.c). */
#ifndef BREAKGLASS_CTL_COMMANDS_H
#define BREAKGLASS_CTL_COMMANDS_H

#include <stdbool.h>

#include "breakglass/config.h"

/* Each returns the program's exit status. */
int cmd_enroll(const struct bg_config *cfg, const char *user, bool force,
	       bool recovery_only);
int cmd_unenroll(const struct bg_config *cfg, const char *user);
int cmd_unlock(const struct bg_config *cfg, const char *user);
/* PREFIX.key and PREFIX.pub; needs no configuration. */
int cmd_keygen_auditor(const char *prefix);
/* paths.host_key and paths.host_key + ".pub". */
int cmd_keygen_host(const struct bg_config *cfg);

#endif
