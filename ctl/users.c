/* breakglassctl enroll, unenroll and unlock. */
#include "config.h"

#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <qrencode.h>

#include "breakglass/base/buf.h"
#include "breakglass/login/recovery.h"
#include "breakglass/login/state.h"
#include "breakglass/base/text.h"
#include "breakglass/login/totp.h"
#include "breakglass/login/userdb.h"
#include "adminaudit.h"
#include "commands.h"

#define ISSUER "breakglass"

static int check_user(const char *user)
{
	const char *why = bg_text_name_problem(user);

	if (why == NULL && user[0] == '%')
		why = "must be a user, not a %group";
	if (why != NULL) {
		fprintf(stderr, "breakglassctl: user name %s\n", why);
		return 1;
	}
	return 0;
}

/* The QR code in half blocks: two modules a character cell, with the
 * quiet zone the standard asks for. */
static void print_qr(const char *text)
{
	QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	int x, y, w, quiet = 2;

	if (qr == NULL) {
		fprintf(stderr, "breakglassctl: warning: cannot draw the QR code\n");
		return;
	}
	w = qr->width;
	for (y = -quiet; y < w + quiet; y += 2) {
		for (x = -quiet; x < w + quiet; x++) {
			int top = y >= 0 && y < w && x >= 0 && x < w &&
				  (qr->data[y * w + x] & 1);
			int bot = y + 1 >= 0 && y + 1 < w && x >= 0 && x < w &&
				  (qr->data[(y + 1) * w + x] & 1);

			/* Light modules are drawn, dark ones left blank: this
			 * reads right on dark-background terminals. */
			fputs(top ? (bot ? " " : "\u2584") : (bot ? "\u2580" : "\u2588"), stdout);
		}
		putchar('\n');
	}
	QRcode_free(qr);
}

static void print_codes(const struct bg_recovery_codes *codes)
{
	size_t i;

	printf("\nRecovery codes (each works once in place of a verification code;\n"
	       "they are shown only now):\n");
	for (i = 0; i < BG_RECOVERY_CODES; i++)
		printf("  %s\n", bg_recovery_code(codes, i));
}

static int print_enrollment(const struct bg_config *cfg, const struct bg_user *u)
{
	char host[256], account[512];
	struct bg_buf uri;
	int r;

	if (gethostname(host, sizeof(host)) != 0)
		memcpy(host, "bastion", 8);
	host[sizeof(host) - 1] = '\0';
	if (bg_snprintf(account, sizeof(account), "%s@%s", u->name, host) != BG_OK)
		return BG_EINVAL;
	bg_buf_init(&uri, 4096);
	r = bg_totp_uri(ISSUER, account, bg_secret_data(u->key), bg_secret_len(u->key),
			(unsigned)cfg->auth.totp.digits,
			(unsigned)cfg->auth.totp.period_seconds, &uri);
	if (r == BG_OK) {
		printf("Enrolled %s. Add this to an authenticator app:\n\n%s\n\n",
		       u->name, bg_buf_str(&uri));
		print_qr(bg_buf_str(&uri));
	}
	bg_buf_free(&uri);
	return r;
}

int cmd_enroll(const struct bg_config *cfg, const char *user, bool force,
	       bool recovery_only)
{
	struct bg_recovery_codes codes = { NULL };
	struct bg_user *u = NULL;
	struct bg_state *st = NULL;
	int r, status = 0;

	if (check_user(user) != 0)
		return 1;
	if (getpwnam(user) == NULL) {
		fprintf(stderr, "breakglassctl: no such user: %s\n", user);
		return 1;
	}
	/* The state lock keeps a login from rewriting the record meanwhile. */
	if ((r = bg_state_open(cfg, user, &st)) != BG_OK)
		goto out;
	r = bg_userdb_load(cfg, user, geteuid(), &u);
	if (recovery_only) {
		if (r == BG_OK)
			r = bg_recovery_generate(u->recovery, &codes);
	} else if (r == BG_OK && !force) {
		fprintf(stderr, "breakglassctl: %s is already enrolled "
			"(--force replaces the key)\n", user);
		r = BG_EINVAL;
		goto out;
	} else if (r == BG_OK || r == BG_ENOENT) {
		bg_userdb_free(u);
		u = NULL;
		r = bg_userdb_new(user, &u, &codes);
	}
	if (r == BG_OK)
		r = bg_userdb_save(cfg, u);
	if (r == BG_OK && !recovery_only)
		r = print_enrollment(cfg, u);
	if (r == BG_OK) {
		print_codes(&codes);
		status = ctl_audit_admin(cfg, recovery_only ? "recovery_codes" : "enroll", user, NULL);
	}
out:
	if (r != BG_OK && r != BG_EINVAL)
		fprintf(stderr, "breakglassctl: enroll %s: %s\n", user,
			r == BG_ENOENT ? "not enrolled" : bg_strerror(r));
	bg_recovery_codes_free(&codes);
	bg_userdb_free(u);
	bg_state_close(st);
	return r == BG_OK ? status : 1;
}

int cmd_unenroll(const struct bg_config *cfg, const char *user)
{
	struct bg_state *st = NULL;
	int r;

	if (check_user(user) != 0)
		return 1;
	if ((r = bg_state_open(cfg, user, &st)) == BG_OK)
		r = bg_userdb_remove(cfg, user);
	bg_state_close(st);
	if (r != BG_OK) {
		fprintf(stderr, "breakglassctl: unenroll %s: %s\n", user,
			r == BG_ENOENT ? "not enrolled" : bg_strerror(r));
		return 1;
	}
	printf("Unenrolled %s.\n", user);
	return ctl_audit_admin(cfg, "unenroll", user, NULL);
}

int cmd_unlock(const struct bg_config *cfg, const char *user)
{
	struct bg_state *st = NULL;
	int r;

	if (check_user(user) != 0)
		return 1;
	if ((r = bg_state_open(cfg, user, &st)) == BG_OK) {
		bg_state_unlock(st);
		r = bg_state_save(st);
	}
	bg_state_close(st);
	if (r != BG_OK) {
		fprintf(stderr, "breakglassctl: unlock %s: %s\n", user, bg_strerror(r));
		return 1;
	}
	printf("Unlocked %s.\n", user);
	return ctl_audit_admin(cfg, "unlock", user, NULL);
}
