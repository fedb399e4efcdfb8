/* breakglassctl: the sysadmin's tool on the bastion (see breakglassctl(8)). */
#include "config.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "breakglass/base/log.h"
#include "breakglass/config/conf.h"
#include "commands.h"

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: breakglassctl [-c CONFIG] COMMAND [ARGS]\n"
		"\n"
		"commands:\n"
		"  check-config                  validate the configuration and print it\n"
		"  enroll [--force] USER         new TOTP key and recovery codes for USER\n"
		"  enroll --recovery-codes USER  new recovery codes, same key\n"
		"  unenroll USER                 remove USER's enrollment\n"
		"  unlock USER                   clear USER's lockout\n"
		"  keygen auditor -o PREFIX      new auditor key pair: PREFIX.key, PREFIX.pub\n"
		"  keygen host                   new host signing key: paths.host_key(.pub)\n"
		"  audit-verify [FILE]           check the audit log's hash chain\n"
		"  sessions                      the emergency sessions open now\n"
		"\n"
		"options:\n"
		"  -c, --config FILE   configuration file (default %s)\n"
		"  -h, --help          this help\n"
		"  -V, --version       print the version\n",
		bg_config_default_path());
}

/* The configuration for a command other than check-config. */
static struct bg_config *load_or_explain(const char *path)
{
	struct bg_config_diags diags;
	struct bg_config *cfg;

	/* Warnings only, when the load works. */
	if (bg_config_load(path, geteuid(), &cfg, &diags) != BG_OK)
		fprintf(stderr, "breakglassctl: fix the configuration first "
			"(breakglassctl check-config)\n");
	bg_config_diags_print(&diags, stderr);
	bg_config_diags_free(&diags);
	return cfg;
}

/* keygen auditor -o PREFIX (no configuration needed: it may run on an
 * auditor's machine) or keygen host. */
static int keygen_command(const char *config, int argc, char **argv)
{
	struct bg_config *cfg;
	int r;

	if (argc == 4 && strcmp(argv[1], "auditor") == 0 && strcmp(argv[2], "-o") == 0)
		return cmd_keygen_auditor(argv[3]);
	if (argc == 2 && strcmp(argv[1], "host") == 0) {
		if ((cfg = load_or_explain(config)) == NULL)
			return 1;
		r = cmd_keygen_host(cfg);
		bg_config_free(cfg);
		return r;
	}
	fprintf(stderr, "breakglassctl: usage: keygen auditor -o PREFIX | keygen host\n");
	return 1;
}

/* Commands that work on one user, with their own options. */
static int user_command(const char *config, int argc, char **argv)
{
	bool force = false, recovery = false;
	const char *cmd = argv[0];
	struct bg_config *cfg;
	int i, r;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(cmd, "enroll") == 0 && strcmp(argv[i], "--force") == 0)
			force = true;
		else if (strcmp(cmd, "enroll") == 0 && strcmp(argv[i], "--recovery-codes") == 0)
			recovery = true;
		else
			break;
	}
	if (i + 1 != argc || (force && recovery)) {
		fprintf(stderr, "breakglassctl: %s: expected options and one USER\n", cmd);
		return 1;
	}
	if ((cfg = load_or_explain(config)) == NULL)
		return 1;
	if (strcmp(cmd, "enroll") == 0)
		r = cmd_enroll(cfg, argv[i], force, recovery);
	else if (strcmp(cmd, "unenroll") == 0)
		r = cmd_unenroll(cfg, argv[i]);
	else
		r = cmd_unlock(cfg, argv[i]);
	bg_config_free(cfg);
	return r;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = bg_config_default_path(), *cmd;
	int c;

	bg_log_open("breakglassctl", BG_LOG_STDERR, 0);
	while ((c = getopt_long(argc, argv, "+c:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("breakglassctl %s\n", PACKAGE_VERSION); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 1;
	}
	cmd = argv[optind];
	if (strcmp(cmd, "check-config") == 0 && optind + 1 == argc)
		return cmd_check_config(config);
	if (strcmp(cmd, "enroll") == 0 || strcmp(cmd, "unenroll") == 0 ||
	    strcmp(cmd, "unlock") == 0)
		return user_command(config, argc - optind, argv + optind);
	if (strcmp(cmd, "keygen") == 0)
		return keygen_command(config, argc - optind, argv + optind);
	if (strcmp(cmd, "sessions") == 0 && optind + 1 == argc) {
		struct bg_config *cfg = load_or_explain(config);
		int r;

		if (cfg == NULL)
			return 1;
		r = cmd_sessions(cfg);
		bg_config_free(cfg);
		return r;
	}
	if (strcmp(cmd, "audit-verify") == 0 && optind + 2 >= argc) {
		struct bg_config *cfg = load_or_explain(config);
		int r;

		if (cfg == NULL)
			return 1;
		r = cmd_audit_verify(cfg, argv[optind + 1]);
		bg_config_free(cfg);
		return r;
	}
	fprintf(stderr, "breakglassctl: unknown command or extra arguments: %s\n",
		argv[optind]);
	usage(stderr);
	return 1;
}
