/* breakglassctl: the sysadmin's tool on the bastion (see breakglassctl(8)). */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "breakglass/config.h"
#include "breakglass/log.h"

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: breakglassctl [-c CONFIG] COMMAND [ARGS]\n"
		"\n"
		"commands:\n"
		"  check-config   validate the configuration and print the effective one\n"
		"\n"
		"options:\n"
		"  -c, --config FILE   configuration file (default %s)\n"
		"  -h, --help          this help\n"
		"  -V, --version       print the version\n",
		bg_config_default_path());
}

/* Exit 0 and the effective config on stdout, or 1 with every error. */
static int cmd_check_config(const char *path)
{
	struct bg_config_diags diags;
	struct bg_config *cfg;
	int r;

	r = bg_config_load(path, geteuid(), &cfg, &diags);
	bg_config_diags_print(&diags, stderr);
	if (r == BG_OK)
		r = bg_config_print(cfg, stdout);
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

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = bg_config_default_path();
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
	if (strcmp(argv[optind], "check-config") == 0 && optind + 1 == argc)
		return cmd_check_config(config);
	fprintf(stderr, "breakglassctl: unknown command or extra arguments: %s\n",
		argv[optind]);
	usage(stderr);
	return 1;
}
