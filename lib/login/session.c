/* Grants and audit events at session open and close. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "breakglass/audit/audit.h"
#include "breakglass/base/buf.h"
#include "breakglass/base/log.h"
#include "breakglass/base/proc.h"
#include "breakglass/audit/notify.h"
#include "breakglass/base/safefile.h"
#include "breakglass/audit/recevent.h"
#include "breakglass/login/alone.h"
#include "breakglass/login/revoke.h"
#include "breakglass/login/state.h"
#include "breakglass/login/session.h"

static gid_t grant_group(void)
{
	struct group *gr = getgrnam(BG_GROUP);

	return gr != NULL ? gr->gr_gid : (gid_t)-1;
}

/* One assignment makes the session's event of what the login established. */
static void event_of(const struct bg_login *lg, const char *what,
		     struct bg_audit_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->event = what;
	ev->result = "success";
	ev->req = lg->req;
	/* The justification is audited once, with the login. */
	ev->justification = NULL;
}

static int auth_dir(const struct bg_config *cfg, char *out, size_t outlen)
{
	return bg_snprintf(out, outlen, "%s/auth", cfg->paths.run_dir) == BG_OK ?
	       BG_OK : BG_EINVAL;
}

/* Remove remembered logins whose session never came. */
static void sweep(const char *dir, time_t now)
{
	struct dirent *e;
	struct stat st;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if (st.st_mtime + BG_AUTH_TTL < now &&
		    unlinkat(dirfd(d), e->d_name, 0) != 0)
			bg_warn("cannot remove the stale %s/%s", dir, e->d_name);
	}
	closedir(d);
}

int bg_session_remember(const struct bg_config *cfg, const struct bg_login *lg,
			time_t now, char token[BG_SESSION_ID_LEN + 1])
{
	struct bg_grant g;
	char dir[PATH_MAX];
	int r;

	memset(&g, 0, sizeof(g));
	if ((r = auth_dir(cfg, dir, sizeof(dir))) != BG_OK ||
	    (r = bg_safefile_mkdir(cfg->paths.run_dir, 0750, grant_group())) != BG_OK ||
	    (r = bg_safefile_mkdir(dir, 0700, (gid_t)-1)) != BG_OK ||
	    (r = bg_grant_new_id(g.session)) != BG_OK)
		return r;
	sweep(dir, now);
	g.req = lg->req;
	g.start = now;
	g.expires = now + BG_AUTH_TTL;
	if ((r = bg_grant_write(dir, &g, (gid_t)-1)) == BG_OK)
		memcpy(token, g.session, sizeof(g.session));
	return r;
}

int bg_session_recall(const struct bg_config *cfg, const char *token,
		      const char *user, const char *service, time_t now,
		      struct bg_login **out)
{
	char dir[PATH_MAX];
	struct bg_login *lg;
	struct bg_grant *g;
	int r;

	*out = NULL;
	if ((r = auth_dir(cfg, dir, sizeof(dir))) != BG_OK ||
	    (r = bg_grant_read(dir, token, geteuid(), &g)) != BG_OK)
		return r;
	if (strcmp(g->user, user) != 0 || now > g->expires || now < g->start) {
		bg_grant_free(g);
		return BG_ENOENT;
	}
	if ((lg = calloc(1, sizeof(*lg))) == NULL ||
	    (service != NULL && (g->service = strdup(service)) == NULL)) {
		free(lg);
		bg_grant_free(g);
		return BG_ENOMEM;
	}
	/* The login takes the grant's strings, but a constant mfa as
	 * bg_login_authenticate sets it. */
	lg->req = g->req;
	lg->mfa = (char *)(g->mfa != NULL && strcmp(g->mfa, "recovery_code") == 0 ?
			   "recovery_code" : "totp");
	free(g->mfa);
	memset(&g->req, 0, sizeof(g->req));
	bg_grant_free(g);
	*out = lg;
	return BG_OK;
}

int bg_session_forget(const struct bg_config *cfg, const char *token)
{
	char dir[PATH_MAX];
	int r;

	if ((r = auth_dir(cfg, dir, sizeof(dir))) != BG_OK)
		return r;
	return bg_grant_remove(dir, token);
}

int bg_session_check_keys(const struct bg_config *cfg, const char *user)
{
	struct bg_audit_event ev = {
		.event = "auth", .result = "failure", .reason = "keys_unusable",
		.req = { .user = (char *)user, .uid = -1 },
	};
	struct bg_safefile_why why;
	size_t i;
	int r = BG_OK;

	if (bg_config_check_file(cfg->paths.host_key, geteuid(), true, &why) != BG_OK) {
		bg_error("host key %s unusable (%s): refusing", cfg->paths.host_key, why.text);
		r = BG_EUNSAFE;
	}
	for (i = 0; i < cfg->paths.auditor_keys.n; i++) {
		if (bg_config_check_file(cfg->paths.auditor_keys.v[i], geteuid(), false,
					 &why) != BG_OK) {
			bg_error("auditor key %s unusable (%s): refusing",
				 cfg->paths.auditor_keys.v[i], why.text);
			r = BG_EUNSAFE;
		}
	}
	if (r != BG_OK && bg_notify_audit(cfg, &ev) != BG_OK)
		bg_error("cannot write the audit log either");
	return r;
}

/* The session's processes killed and its cgroup gone: a failure is
 * logged, the session ends anyway. */
static void uncontain(struct bg_contain *c)
{
	int r;

	if ((r = bg_contain_close(c)) != BG_OK)
		bg_error("cannot remove the session's cgroup: %s", bg_strerror(r));
}

/* grant.concurrent refuse: under the user's state lock (kept in *st until
 * the grant is written, so that two logins cannot both pass), no other
 * session or process of the user; a refusal is audited. */
static int one_at_a_time(const struct bg_config *cfg, const struct bg_login *lg,
			 struct bg_state **st)
{
	struct bg_audit_event ev;
	char why[256];
	int r;

	if (cfg->grant.concurrent == BG_CONCURRENT_ALLOW)
		return BG_OK;
	if ((r = bg_state_open(cfg, lg->user, st)) != BG_OK) {
		bg_error("cannot lock the state of %s: %s: no session", lg->user, bg_strerror(r));
		return r;
	}
	if ((r = bg_alone_check(cfg, (uid_t)lg->uid, getpid(), why, sizeof(why))) == BG_OK)
		return BG_OK;
	if (r != BG_EBUSY)
		(void)!bg_snprintf(why, sizeof(why), "cannot look for other sessions: %s",
				   bg_strerror(r));
	bg_error("%s: %s: no session (grant.concurrent is refuse)", lg->user, why);
	event_of(lg, "session_open", &ev);
	ev.result = "failure";
	ev.reason = "concurrent_session";
	ev.note = why;
	if (bg_notify_audit(cfg, &ev) != BG_OK)
		bg_error("cannot write the audit log %s", cfg->paths.audit_log);
	bg_state_close(*st);
	*st = NULL;
	return r;
}

int bg_session_open(const struct bg_config *cfg, const struct bg_login *lg,
		    time_t now, struct bg_grant *g, struct bg_contain *c)
{
	long minutes = cfg->grant.default_minutes;
	struct bg_audit_event ev;
	struct bg_state *st = NULL;
	struct bg_proc self;
	int r;

	/* The recorder runs the shell with the grant's uid and refuses a
	 * grant without one: an account unknown here gets no session. */
	if (lg->uid < 0) {
		bg_error("%s is not an account on this system: no session", lg->user);
		return BG_EINVAL;
	}
	if (minutes > cfg->grant.max_minutes)
		minutes = cfg->grant.max_minutes;
	memset(g, 0, sizeof(*g));
	if ((r = bg_grant_new_id(g->session)) != BG_OK)
		return r;
	/* Only a recorder started below this process (sshd's) may claim the
	 * grant; without its start time a reused pid would pass. */
	if ((r = bg_proc_read(getpid(), &self)) != BG_OK) {
		bg_error("cannot read this process in /proc: %s: no session", bg_strerror(r));
		return r;
	}
	g->login_pid = (long)getpid();
	g->login_start = self.start;
	if ((r = one_at_a_time(cfg, lg, &st)) != BG_OK)
		return r;
	/* The grant borrows the login's strings: nothing to free. */
	g->req = lg->req;
	g->start = now;
	g->expires = now + minutes * 60;
	if ((r = bg_contain_open(cfg, g->session, c)) != BG_OK) {
		bg_state_close(st);
		return r;
	}
	r = bg_grant_write(cfg->paths.run_dir, g, grant_group());
	/* Written (or not): the next login of the user may look now. */
	bg_state_close(st);
	if (r != BG_OK) {
		bg_error("cannot write the grant in %s: %s", cfg->paths.run_dir, bg_strerror(r));
		uncontain(c);
		return r;
	}
	event_of(lg, "session_open", &ev);
	ev.session = g->session;
	ev.containment = c->what;
	ev.expires = g->expires;
	if ((r = bg_notify_audit(cfg, &ev)) != BG_OK) {
		bg_error("cannot write the audit log %s: %s (session refused)",
			 cfg->paths.audit_log, bg_strerror(r));
		if (bg_grant_remove(cfg->paths.run_dir, g->session) != BG_OK)
			bg_error("cannot remove the grant %s either", g->session);
		uncontain(c);
	}
	return r;
}

int bg_session_close(const struct bg_config *cfg, const struct bg_login *lg,
		     const char *session, struct bg_contain *c)
{
	struct bg_audit_event ev;
	struct passwd *acc;
	int r, d;

	uncontain(c);
	r = bg_grant_remove(cfg->paths.run_dir, session);
	/* A revocation outlives nothing it revoked. */
	(void)!bg_revoke_remove(cfg->paths.run_dir, session);

	event_of(lg, "session_close", &ev);
	ev.session = session;
	/* What the session's recorders said (started, refused), first. */
	if ((acc = getpwnam(BG_ACCOUNT)) != NULL &&
	    (d = bg_recevent_drain(cfg, session, acc->pw_uid, &ev)) != BG_OK)
		bg_error("cannot move the recorder's events of %s into the audit log: %s",
			 session, bg_strerror(d));
	if (r != BG_OK) {
		ev.result = "failure";
		ev.reason = "grant_missing";
	}
	return bg_notify_audit(cfg, &ev);
}
