/* breakglassctl's checks that change nothing: check-config and
 * audit-verify. */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "breakglass/audit/auditverify.h"
#include "breakglass/base/log.h"
#include "breakglass/config/conf.h"
#include "breakglass/config/confprint.h"
#include "commands.h"

/* Exit 0 and the effective config on stdout, or 1 with every error. */
int cmd_check_config(const char *path)
{
	struct bg_config_diags diags;
	struct bg_config *cfg;
	int r;

	r = bg_config_load(path, geteuid(), &cfg, &diags);
	bg_config_diags_print(&diags, stderr);
	if (r == BG_OK)
		r = bg_confprint_config(cfg, stdout);
	else if (r == BG_ECONFIG)
		fprintf(stderr, "%s: %zu error%s\n", diags.file, diags.errors,
			diags.errors == 1 ? "" : "s");
	else
		bg_error("%s: %s", path, bg_strerror(r));
	bg_config_diags_free(&diags);
	bg_config_free(cfg);
	if (r == BG_OK && fflush(stdout) != 0)
		r = BG_EIO;
	return r == BG_OK ? 0 : 1;
}

/* Exit 0 when the chain holds, 4 at the first bad line. */
int cmd_audit_verify(const struct bg_config *cfg, const char *file)
{
	const char *path = file != NULL ? file : cfg->paths.audit_log;
	size_t lines = 0, bad = 0;
	char why[256];
	int r;

	r = bg_auditverify_run(path, &lines, &bad, why, sizeof(why));
	if (r == BG_OK) {
		printf("%s: %zu event%s, hash chain intact\n", path, lines,
		       lines == 1 ? "" : "s");
		return 0;
	}
	if (r == BG_EINTEGRITY) {
		printf("%s:%zu: broken: %s\n", path, bad, why);
		return 4;
	}
	fprintf(stderr, "breakglassctl: %s: %s\n", path, bg_strerror(r));
	return 1;
}
