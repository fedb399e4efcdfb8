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
/* The configuration at path checked: 0 and the effective configuration
 * on stdout, or 1 with every error on stderr. */
int cmd_check_config(const char *path);
/* The audit log's hash chain (file, or the configured log): 0 when it
 * holds, 4 at the first bad line, 1 when it cannot be read. */
int cmd_audit_verify(const struct bg_config *cfg, const char *file);

/* The emergency sessions open now (grants in paths.run_dir), with their
 * recorder and containment: 0, or 1 when run_dir cannot be read. */
int cmd_sessions(const struct bg_config *cfg);

/* breakglassctl revoke: which sessions (session, user or all), why, and
 * how long to wait for their recorders before killing what is left. */
struct ctl_revoke {
	const char *session, *user;
	bool all;
	const char *reason;
	int wait_s;
};
int cmd_revoke(const struct bg_config *cfg, const struct ctl_revoke *o);

#endif
