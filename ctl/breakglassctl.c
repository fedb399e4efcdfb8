/* breakglassctl: the sysadmin's tool on the bastion (see breakglassctl(8)). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
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
		"  revoke SESSION|--user USER|--all [--reason TEXT] [--wait SECONDS]\n"
		"                                end emergency sessions now\n"
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

/* revoke's arguments into o; false (said why) when they are wrong. */
static bool revoke_args(int argc, char **argv, struct ctl_revoke *o)
{
	char *end;
	int i;

	*o = (struct ctl_revoke){ .reason = "revoked by an administrator", .wait_s = 5 };
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--all") == 0)
			o->all = true;
		else if (strcmp(argv[i], "--user") == 0 && i + 1 < argc)
			o->user = argv[++i];
		else if (strcmp(argv[i], "--reason") == 0 && i + 1 < argc)
			o->reason = argv[++i];
		else if (strcmp(argv[i], "--wait") == 0 && i + 1 < argc) {
			errno = 0;
			o->wait_s = (int)strtol(argv[++i], &end, 10);
			if (errno != 0 || *end != '\0' || end == argv[i] || o->wait_s < 1 ||
			    o->wait_s > 600)
				break;
		} else if (argv[i][0] != '-' && o->session == NULL)
			o->session = argv[i];
		else
			break;
	}
	if (i == argc && (o->all + (o->user != NULL) + (o->session != NULL)) == 1)
		return true;
	fprintf(stderr, "breakglassctl: usage: revoke SESSION|--user USER|--all "
		"[--reason TEXT] [--wait SECONDS (1-600)]\n");
	return false;
}

/* The commands that read the configuration and nothing else first. */
static int config_command(const char *config, int argc, char **argv)
{
	struct ctl_revoke rv;
	struct bg_config *cfg;
	int r;

	if ((strcmp(argv[0], "sessions") == 0 && argc != 1) ||
	    (strcmp(argv[0], "audit-verify") == 0 && argc > 2)) {
		fprintf(stderr, "breakglassctl: %s: extra arguments\n", argv[0]);
		return 1;
	}
	if (strcmp(argv[0], "revoke") == 0 && !revoke_args(argc, argv, &rv))
		return 1;
	if ((cfg = load_or_explain(config)) == NULL)
		return 1;
	if (strcmp(argv[0], "sessions") == 0)
		r = cmd_sessions(cfg);
	else if (strcmp(argv[0], "audit-verify") == 0)
		r = cmd_audit_verify(cfg, argv[1]);
	else
		r = cmd_revoke(cfg, &rv);
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
	if (strcmp(cmd, "sessions") == 0 || strcmp(cmd, "audit-verify") == 0 ||
	    strcmp(cmd, "revoke") == 0)
		return config_command(config, argc - optind, argv + optind);
	fprintf(stderr, "breakglassctl: unknown command or extra arguments: %s\n",
		argv[optind]);
	usage(stderr);
	return 1;
}
