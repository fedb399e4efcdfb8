/* The emergency login dialogue and its audit events. */
#include "config.h"

#include <grp.h>
#include <pwd.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "breakglass/audit/audit.h"
#include "breakglass/base/input.h"
#include "breakglass/base/log.h"
#include "breakglass/login/login.h"
#include "breakglass/audit/notify.h"
#include "breakglass/login/recovery.h"
#include "breakglass/login/state.h"
#include "breakglass/base/text.h"
#include "breakglass/login/ticket.h"
#include "breakglass/login/totp.h"
#include "breakglass/login/userdb.h"

#define TICKET_MAX 128
#define APPROVER_MAX 64
#define CODE_MAX 64

struct dialogue {
	const struct bg_config *cfg;
	const struct bg_login_io *io;
	struct bg_login *lg;
};

static void free_answer(char **a, size_t len)
{
	if (*a != NULL) {
		sodium_memzero(*a, len);
		free(*a);
		*a = NULL;
	}
}

/* One audit event for this login; BG_OK only if it was written. */
static int audit(struct dialogue *d, const char *result, const char *reason)
{
	struct bg_audit_event ev = {
		.event = "auth", .result = result, .reason = reason, .req = d->lg->req,
	};
	int r = bg_notify_audit(d->cfg, &ev);

	if (r != BG_OK)
		bg_error("cannot write the audit log %s: %s (login refused)",
			 d->cfg->paths.audit_log, bg_strerror(r));
	return r;
}

/* Refuse: tell the person msg, audit reason, and return why. */
static int refuse(struct dialogue *d, const char *msg, const char *reason, int err)
{
	if (msg != NULL)
		d->io->tell(d->io->ctx, msg, true);
	bg_info("refused %s: %s", d->lg->user, reason);
	(void)audit(d, "failure", reason);
	return err;
}

/* Ask a question whose answer must be acceptable text; *out on success. */
static int ask_text(struct dialogue *d, const char *prompt, const char *what,
		    size_t min, size_t max, char **out)
{
	char msg[160], *a = NULL;
	const char *why;
	size_t len = 0;

	*out = NULL;
	if (d->io->ask(d->io->ctx, prompt, true, &a, &len) != BG_OK)
		return BG_EIO;
	if ((why = bg_input_problem(a, len, min, max)) != NULL) {
		free_answer(&a, len);
		/* The limits help more than "too short" alone. */
		(void)snprintf(msg, sizeof(msg), "%s %s (%zu to %zu characters, "
			       "printable text on one line).", what, why, min, max);
		d->io->tell(d->io->ctx, msg, true);
		return BG_EINVAL;
	}
	*out = a;
	return BG_OK;
}

/* The optional incident-system check, with its fail policy. */
static int check_ticket(struct dialogue *d)
{
	int r;

	if (d->cfg->auth.ticket_check.url[0] == '\0')
		return BG_OK;
	r = bg_ticket_check(d->cfg, d->lg->ticket);
	if (r == BG_OK)
		return BG_OK;
	if (r == BG_EAUTH)
		return refuse(d, "The incident system does not know this ticket.",
			      "ticket_unknown", r);
	if ((r == BG_EIO || r == BG_ETIMEOUT) &&
	    d->cfg->auth.ticket_check.fail_policy == BG_FAIL_OPEN) {
		bg_warn("ticket check unavailable (%s): admitted unverified", bg_strerror(r));
		d->lg->ticket_unverified = true;
		return BG_OK;
	}
	return refuse(d, "The incident system cannot be reached to check the ticket.",
		      r == BG_ETIMEOUT ? "ticket_check_timeout" : "ticket_check_failed", r);
}

/* Check `code` for `user`: TOTP, or (if allowed) a recovery code.  The
 * user's state stays locked from the lockout check to the update. */
static int verify_code(struct dialogue *d, const char *user, const char *code,
		       bool allow_recovery, const char **mfa, const char **reason)
{
	const struct bg_config *c = d->cfg;
	struct bg_user *u = NULL;
	struct bg_state *st = NULL;
	time_t now = time(NULL);
	int64_t step = -1;
	int r;

	/* The lock comes first: two logins must not both spend one
	 * recovery code read from the same record. */
	if ((r = bg_state_open(c, user, &st)) != BG_OK) {
		*reason = r == BG_EINVAL && bg_text_name_problem(user) == NULL ?
			  "state_error" : "bad_user_name";
		return r;
	}
	if ((r = bg_userdb_load(c, user, geteuid(), &u)) != BG_OK) {
		*reason = r == BG_ENOENT ? "not_enrolled" : "user_record_error";
		if (r == BG_ENOENT)
			r = BG_EAUTH;
		goto out;
	}
	if (bg_state_locked(st, now)) {
		*reason = "locked";
		r = BG_ELOCKED;
		goto out;
	}
	if (allow_recovery && bg_recovery_looks_like(code)) {
		r = bg_recovery_use(u->recovery, code);
		if (r == BG_OK && (r = bg_userdb_save(c, u)) != BG_OK)
			*reason = "user_record_error";
		*mfa = "recovery_code";
	} else {
		r = bg_totp_verify(bg_secret_data(u->key), bg_secret_len(u->key), code,
				   now, (unsigned)c->auth.totp.period_seconds,
				   (unsigned)c->auth.totp.digits,
				   (unsigned)c->auth.totp.window, st->last_step, &step);
		*mfa = "totp";
	}
	if (r == BG_OK)
		bg_state_succeed(st, step);
	else if (r == BG_EAUTH || r == BG_EREPLAY || r == BG_EINVAL) {
		*reason = r == BG_EREPLAY ? "code_reused" : "bad_code";
		if (bg_state_fail(st, c, now))
			bg_warn("%s locked for %ld s after repeated failures", user,
				c->auth.lockout.lock_seconds);
		r = BG_EAUTH;
	}
	if (bg_state_save(st) != BG_OK && r == BG_OK) {
		*reason = "state_error";
		r = BG_EIO;
	}
out:
	bg_state_close(st);
	bg_userdb_free(u);
	return r;
}

/* Is name one of auth.approval.approvers, directly or through %group? */
static bool is_approver(const struct bg_config *c, const char *name)
{
	struct passwd *pw = NULL;
	const struct bg_strlist *l = &c->auth.approval.approvers;
	struct group *gr;
	size_t i, j;

	for (i = 0; i < l->n; i++) {
		if (l->v[i][0] != '%') {
			if (strcmp(l->v[i], name) == 0)
				return true;
			continue;
		}
		if ((gr = getgrnam(l->v[i] + 1)) == NULL)
			continue;
		for (j = 0; gr->gr_mem[j] != NULL; j++)
			if (strcmp(gr->gr_mem[j], name) == 0)
				return true;
		if (pw == NULL)
			pw = getpwnam(name);
		if (pw != NULL && pw->pw_gid == gr->gr_gid)
			return true;
	}
	return false;
}

/* The second person: name, checks, and their own TOTP code. */
static int approve(struct dialogue *d)
{
	const struct bg_config *c = d->cfg;
	const char *mfa, *reason;
	char *code = NULL;
	size_t len = 0;
	int r;

	r = ask_text(d, c->auth.prompts.approver, "The approver's name", 1,
		     APPROVER_MAX, &d->lg->approver);
	if (r == BG_EINVAL)
		return refuse(d, NULL, "bad_approver_input", r);
	if (r != BG_OK)
		return refuse(d, "No answer: the login needs an interactive terminal.",
			      "no_conversation", r);
	if (bg_text_name_problem(d->lg->approver) != NULL || d->lg->approver[0] == '%' ||
	    !is_approver(c, d->lg->approver))
		return refuse(d, "This person is not an approver.", "not_an_approver", BG_EAUTH);
	if (strcmp(d->lg->approver, d->lg->user) == 0)
		return refuse(d, "You cannot approve your own login.", "self_approval", BG_EAUTH);
	if (d->io->ask(d->io->ctx, c->auth.prompts.approver_code, false, &code, &len) != BG_OK)
		return refuse(d, "No answer: the login needs an interactive terminal.",
			      "no_conversation", BG_EIO);
	if (bg_input_code_problem(code, (unsigned)c->auth.totp.digits) != NULL) {
		r = BG_EAUTH;
		reason = "bad_approver_code";
	} else {
		r = verify_code(d, d->lg->approver, code, false, &mfa, &reason);
	}
	free_answer(&code, len);
	if (r == BG_OK)
		return BG_OK;
	if (strcmp(reason, "bad_code") == 0 || strcmp(reason, "not_enrolled") == 0)
		reason = "bad_approver_code";
	else if (strcmp(reason, "code_reused") == 0)
		reason = "approver_code_reused";
	else if (strcmp(reason, "locked") == 0)
		reason = "approver_locked";
	return refuse(d, "Approval failed.", reason, r);
}

/* A copy of s, or NULL for NULL; *bad set when the copy failed. */
static char *copy(const char *s, bool *bad)
{
	char *c = s != NULL ? strdup(s) : NULL;

	*bad |= s != NULL && c == NULL;
	return c;
}

int bg_login_new(const char *service, const char *user, const char *rhost,
		 const char *tty, struct bg_login **out)
{
	struct bg_login *lg = calloc(1, sizeof(*lg));
	struct passwd *pw;
	bool bad = false;

	*out = NULL;
	if (lg == NULL)
		return BG_ENOMEM;
	lg->service = copy(service, &bad);
	lg->user = copy(user, &bad);
	lg->rhost = copy(rhost, &bad);
	lg->tty = copy(tty, &bad);
	if (bad || lg->user == NULL) {
		bg_login_free(lg);
		return bad ? BG_ENOMEM : BG_EINVAL;
	}
	pw = getpwnam(user);
	lg->uid = pw != NULL ? (long)pw->pw_uid : -1;
	*out = lg;
	return BG_OK;
}

int bg_login_authenticate(const struct bg_config *cfg, const struct bg_login_io *io,
			  struct bg_login *lg)
{
	struct dialogue d = { cfg, io, lg };
	const char *reason, *mfa = NULL;
	char *code = NULL;
	size_t len = 0;
	int r;

	r = ask_text(&d, cfg->auth.prompts.ticket, "The ticket", 1, TICKET_MAX, &lg->ticket);
	if (r == BG_OK && regexec(&cfg->auth.ticket_re, lg->ticket, 0, NULL, 0) != 0) {
		free_answer(&lg->ticket, strlen(lg->ticket));
		io->tell(io->ctx, "The ticket does not have the form this bastion expects.", true);
		r = BG_EINVAL;
	}
	if (r == BG_EINVAL)
		return refuse(&d, NULL, "bad_ticket", BG_EAUTH);
	if (r == BG_OK)
		r = ask_text(&d, cfg->auth.prompts.justification, "The justification",
			     (size_t)cfg->auth.justification_min,
			     (size_t)cfg->auth.justification_max, &lg->justification);
	if (r == BG_EINVAL)
		return refuse(&d, NULL, "bad_justification", BG_EAUTH);
	if (r != BG_OK)
		return refuse(&d, "No answer: the login needs an interactive terminal.",
			      "no_conversation", r);
	if ((r = check_ticket(&d)) != BG_OK)
		return r;
	if (io->ask(io->ctx, cfg->auth.prompts.code, false, &code, &len) != BG_OK)
		return refuse(&d, "No answer: the login needs an interactive terminal.",
			      "no_conversation", BG_EIO);
	r = verify_code(&d, lg->user, code, true, &mfa, &reason);
	free_answer(&code, len);
	if (r == BG_ELOCKED)
		return refuse(&d, "Too many failed attempts: this account is locked for now. "
			      "An administrator can run 'breakglassctl unlock'.", reason, r);
	if (r != BG_OK)
		return refuse(&d, "Verification failed.", reason, r);
	/* A constant, which bg_login_clear forgets without freeing. */
	lg->mfa = (char *)mfa;
	if (cfg->auth.approval.required && (r = approve(&d)) != BG_OK)
		return r;
	return audit(&d, "success", NULL);
}

void bg_login_clear(struct bg_login *lg)
{
	char **fields[] = { &lg->ticket, &lg->justification, &lg->approver };
	size_t i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (*fields[i] != NULL)
			free_answer(fields[i], strlen(*fields[i]));
	}
	lg->mfa = NULL;
	lg->ticket_unverified = false;
}

void bg_login_free(struct bg_login *lg)
{
	if (lg == NULL)
		return;
	bg_login_clear(lg);
	free(lg->service);
	free(lg->user);
	free(lg->rhost);
	free(lg->tty);
	free(lg);
}
