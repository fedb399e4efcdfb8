/* breakglass.json: defaults, and strict validation with every error
 * located (see breakglass.json(5)); printing it back is confprint.h. */
#ifndef BREAKGLASS_CONF_H
#define BREAKGLASS_CONF_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "breakglass/base/error.h"
#include "breakglass/base/safefile.h"
#include "breakglass/config/confschema.h"

/* The system account (and group) of the recorder and the shipper. */
#define BG_ACCOUNT "breakglass"

/* Larger files are refused before parsing. */
#define BG_CONFIG_MAX_BYTES (256 * 1024)

enum bg_diag_severity { BG_DIAG_ERROR = 0, BG_DIAG_WARNING = 1 };

/* One finding; line is 0 when the key is not in the file (a default). */
struct bg_config_diag {
	enum bg_diag_severity severity;
	unsigned line, col;
	char *keypath;          /* e.g. "auth.lockout.max_failures"; may be NULL */
	char *message;          /* printable: untrusted bytes are escaped */
};

struct bg_config_diags {
	char *file;             /* as printed: control bytes escaped */
	struct bg_config_diag *v;
	size_t n;
	size_t errors;
};

/* The compiled-in path, under the configured sysconfdir. */
const char *bg_config_default_path(void);

/* Read and validate path, trusting files owned by root or by trusted.
 * Every finding lands in diags (to be freed by the caller).  BG_OK (maybe
 * with warnings) sets *out; BG_ECONFIG when there were errors. */
BG_WUR int bg_config_load(const char *path, uid_t trusted,
			  struct bg_config **out, struct bg_config_diags *diags);
void bg_config_free(struct bg_config *cfg);

/* The checks made on a key or secret file the configuration names: those
 * of bg_safefile_check, where a service file (the host key and the
 * storage credentials, which the recorder and shipper read as BG_ACCOUNT)
 * may also belong to that account. */
BG_WUR int bg_config_check_file(const char *path, uid_t trusted,
				bool service_file, struct bg_safefile_why *why);

/* "FILE:LINE:COL: error: KEY: MESSAGE", one line each. */
void bg_config_diags_print(const struct bg_config_diags *d, FILE *fp);
void bg_config_diags_free(struct bg_config_diags *d);

#endif

