/* breakglassctl keygen: auditor key pairs and the host signing key. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "breakglass/base/buf.h"
#include "breakglass/evidence/keyfile.h"
#include "breakglass/evidence/keys.h"
#include "breakglass/audit/notify.h"
#include "adminaudit.h"
#include "commands.h"

/* The account the recorder runs as, and so the one that signs: the
 * same account delivers the queue. */
#define RECORDER_USER BG_SHIPPER_USER

/* Generate and save; 0, or 1 with the reason printed. */
static int make_pair(enum bg_key_type type, const char *secret, const char *public,
		     struct bg_keypair **out)
{
	int r;

	*out = NULL;
	errno = 0;
	if ((r = bg_keys_generate(type, out)) == BG_OK &&
	    (r = bg_keyfile_save(*out, secret, public, (gid_t)-1)) == BG_OK)
		return 0;
	if (r == BG_EUNSAFE)
		fprintf(stderr, "breakglassctl: %s already exists: a secret key is never "
			"overwritten (remove it first if you really mean to replace it)\n",
			secret);
	else
		/* errno says more than BG_EIO (no such directory, say). */
		fprintf(stderr, "breakglassctl: cannot write %s and %s: %s%s%s%s\n",
			secret, public, bg_strerror(r), errno != 0 ? " (" : "",
			errno != 0 ? strerror(errno) : "", errno != 0 ? ")" : "");
	bg_keys_free(*out);
	*out = NULL;
	return 1;
}

int cmd_keygen_auditor(const char *prefix)
{
	char secret[PATH_MAX], public[PATH_MAX], id[2 * BG_KEY_ID_LEN + 1];
	struct bg_keypair *k;

	if (prefix[0] == '\0' || prefix[strlen(prefix) - 1] == '/') {
		fprintf(stderr, "breakglassctl: keygen auditor: -o needs a file name prefix\n");
		return 1;
	}
	if (bg_snprintf(secret, sizeof(secret), "%s.key", prefix) != BG_OK ||
	    bg_snprintf(public, sizeof(public), "%s.pub", prefix) != BG_OK) {
		fprintf(stderr, "breakglassctl: keygen auditor: prefix too long\n");
		return 1;
	}
	if (make_pair(BG_KEY_AUDITOR, secret, public, &k) != 0)
		return 1;
	bg_keys_id_hex(k->pub.id, id);
	bg_keys_free(k);
	printf("Auditor key %s\n"
	       "  secret key: %s (keep it with the auditor, never on the bastion)\n"
	       "  public key: %s (list it in paths.auditor_keys on the bastion)\n",
	       id, secret, public);
	return fflush(stdout) == 0 ? 0 : 1;
}

/* Hand the secret file to the recorder's account, without following a
 * link that might have replaced it meanwhile.  0, or 1 with the reason. */
static int give_to(const char *path, const struct passwd *pw)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY), r = 0;

	if (fd < 0 || fchown(fd, pw->pw_uid, pw->pw_gid) != 0) {
		fprintf(stderr, "breakglassctl: cannot give %s to the %s account: %m; "
			"the recorder cannot sign until it owns the file\n",
			path, pw->pw_name);
		r = 1;
	}
	if (fd >= 0)
		close(fd);
	return r;
}

int cmd_keygen_host(const struct bg_config *cfg)
{
	const char *secret = cfg->paths.host_key;
	char public[PATH_MAX], id[2 * BG_KEY_ID_LEN + 1];
	struct passwd *pw = NULL;
	struct bg_keypair *k;
	int status = 0;

	if (bg_snprintf(public, sizeof(public), "%s.pub", secret) != BG_OK) {
		fprintf(stderr, "breakglassctl: keygen host: paths.host_key is too long\n");
		return 1;
	}
	if (make_pair(BG_KEY_HOST, secret, public, &k) != 0)
		return 1;
	bg_keys_id_hex(k->pub.id, id);
	bg_keys_free(k);
	/* Only root can give a file away; without the account (a test
	 * setup) the file stays with whoever ran the command. */
	if (geteuid() == 0 && (pw = getpwnam(RECORDER_USER)) != NULL)
		status = give_to(secret, pw);
	printf("Host key %s\n  secret key: %s", id, secret);
	if (pw != NULL && status == 0)
		printf(" (owned by %s: the recorder signs with it)", RECORDER_USER);
	printf("\n  public key: %s (give it to the auditors: it checks the recordings)\n",
	       public);
	if (fflush(stdout) != 0)
		status = 1;
	/* A new signing key changes what recordings verify against: evidence. */
	if (ctl_audit_admin(cfg, "keygen_host", NULL, "keygen host") != 0)
		status = 1;
	return status;
}
