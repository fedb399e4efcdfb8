/* breakglass-replay: the auditors' tool for recorded sessions (see
 * breakglass-replay(1)); it needs no configuration and no privilege. */
#include "config.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "breakglass/base/error.h"
#include "breakglass/evidence/keyfile.h"
#include "breakglass/base/log.h"
#include "commands.h"
#include "quote.h"

static void usage(FILE *fp)
{
	fputs("usage: breakglass-replay COMMAND [OPTIONS] SESSION...\n"
	      "\n"
	      "commands:\n"
	      "  verify [-k KEY] [--host-pub FILE] SESSION...\n"
	      "        check signatures, hash chain and manifest (with -k, also decrypt\n"
	      "        and check every event); one verdict line per session\n"
	      "  cat -k KEY [--escrow-key KEY] [--host-pub FILE] [--input | --json] SESSION\n"
	      "        decrypt: the terminal output, the input, or every event as JSON\n"
	      "\n"
	      "options:\n"
	      "  -k, --key FILE       auditor secret key (breakglassctl keygen auditor)\n"
	      "  -E, --escrow-key FILE  cat: escrow secret key: show redacted input\n"
	      "  -H, --host-pub FILE  the bastion's host public key to pin\n"
	      "  -i, --input          cat: the input stream instead of the output\n"
	      "  -j, --json           cat: every event as one JSON object per line\n"
	      "  -h, --help           this help\n"
	      "  -V, --version        print the version\n"
	      "\n"
	      "exit status: 0 complete, 3 truncated, 4 tampered, 1 error\n", fp);
}

/* An auditor-type secret key file into *out, or say why not. */
static int load_secret(const char *path, const char *what, struct bg_keypair **out)
{
	char q[1200];
	int r;

	if (path == NULL ||
	    (r = bg_keyfile_load_pair(path, BG_KEY_AUDITOR, geteuid(), out)) == BG_OK)
		return REPLAY_COMPLETE;
	replay_quote(path, q, sizeof(q));
	fprintf(stderr, "breakglass-replay: %s: cannot use this %s secret key: %s\n", q, what,
		bg_strerror(r));
	return REPLAY_ERROR;
}

/* Load the keys named on the command line; complain and fail otherwise. */
static int load_keys(const char *key, const char *escrow, const char *host,
		     struct replay_keys *k)
{
	char q[1200];
	int r;

	if (load_secret(key, "auditor", &k->auditor) != REPLAY_COMPLETE ||
	    load_secret(escrow, "escrow", &k->escrow) != REPLAY_COMPLETE)
		return REPLAY_ERROR;
	if (host != NULL &&
	    (r = bg_keyfile_load_public(host, BG_KEY_HOST, geteuid(), &k->host)) != BG_OK) {
		replay_quote(host, q, sizeof(q));
		fprintf(stderr, "breakglass-replay: %s: cannot use this host public key: %s\n",
			q, bg_strerror(r));
		return REPLAY_ERROR;
	}
	k->pinned = host != NULL;
	return REPLAY_COMPLETE;
}

static int fail_usage(const char *what)
{
	fprintf(stderr, "breakglass-replay: %s\n", what);
	usage(stderr);
	return REPLAY_ERROR;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "escrow-key", required_argument, NULL, 'E' },
		{ "host-pub", required_argument, NULL, 'H' },
		{ "input", no_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static char prog[] = "breakglass-replay";
	const char *key = NULL, *escrow = NULL, *host = NULL, *cmd = NULL;
	struct replay_keys k = { 0 };
	bool input = false, json = false;
	char q[1200];
	int c, r;

	bg_log_open("breakglass-replay", BG_LOG_STDERR, 0);
	/* getopt names argv[0] in its messages: the program, not a path. */
	argv[0] = prog;
	/* Options follow the command; getopt starts after it. */
	if (argc > 1 && argv[1][0] != '-') {
		cmd = argv[1];
		optind = 2;
	}
	while ((c = getopt_long(argc, argv, "k:E:H:ijhV", opts, NULL)) != -1) {
		switch (c) {
		case 'k': key = optarg; break;
		case 'E': escrow = optarg; break;
		case 'H': host = optarg; break;
		case 'i': input = true; break;
		case 'j': json = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("breakglass-replay %s\n", PACKAGE_VERSION); return 0;
		default: usage(stderr); return REPLAY_ERROR;
		}
	}
	if (cmd == NULL)
		return fail_usage("no command");
	if (strcmp(cmd, "verify") == 0) {
		if (input || json || escrow != NULL)
			return fail_usage("verify: --input, --json and --escrow-key are for cat");
		if (optind >= argc)
			return fail_usage("verify: no session given");
	} else if (strcmp(cmd, "cat") == 0) {
		if (key == NULL)
			return fail_usage("cat: an auditor key (-k) is needed to decrypt");
		if (input && json)
			return fail_usage("cat: --input and --json exclude each other");
		if (optind + 1 != argc)
			return fail_usage("cat: give exactly one session");
	} else {
		replay_quote(cmd, q, sizeof(q));
		fprintf(stderr, "breakglass-replay: unknown command %s\n", q);
		usage(stderr);
		return REPLAY_ERROR;
	}
	if ((r = load_keys(key, escrow, host, &k)) == REPLAY_COMPLETE) {
		if (strcmp(cmd, "verify") == 0)
			r = cmd_verify(&k, argv + optind, (size_t)(argc - optind));
		else
			r = cmd_cat(&k, argv[optind], json ? CAT_JSON : input ? CAT_INPUT : CAT_OUTPUT);
	}
	bg_keys_free(k.auditor);
	bg_keys_free(k.escrow);
	return r;
}
