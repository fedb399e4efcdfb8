/* Grants and audit events at session open and close. */
#include "config.h"

#include <grp.h>
#include <string.h>

#include "breakglass/audit.h"
#include "breakglass/log.h"
#include "breakglass/notify.h"
#include "breakglass/session.h"

static void event_of(const struct bg_login *lg, const char *what,
		     struct bg_audit_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->event = what;
	ev->result = "success";
	ev->service = lg->service;
	ev->user = lg->user;
	ev->uid = lg->uid;
	ev->rhost = lg->rhost;
	ev->tty = lg->tty;
	ev->ticket = lg->ticket;
	ev->approver = lg->approver;
	ev->mfa = lg->mfa;
	ev->ticket_unverified = lg->ticket_unverified;
}

int bg_session_open(const struct bg_config *cfg, const struct bg_login *lg,
		    time_t now, struct bg_grant *g)
{
	long minutes = cfg->grant.default_minutes;
	struct bg_audit_event ev;
	struct group *gr = getgrnam(BG_GROUP);
	int r;

	if (minutes > cfg->grant.max_minutes)
		minutes = cfg->grant.max_minutes;
	memset(g, 0, sizeof(*g));
	if ((r = bg_grant_new_id(g->session)) != BG_OK)
		return r;
	/* The grant borrows the login's strings: nothing to free. */
	g->user = (char *)lg->user;
	g->uid = lg->uid;
	g->ticket = lg->ticket;
	g->justification = lg->justification;
	g->approver = lg->approver;
	g->rhost = (char *)lg->rhost;
	g->tty = (char *)lg->tty;
	g->start = now;
	g->expires = now + minutes * 60;
	r = bg_grant_write(cfg->paths.run_dir, g, gr != NULL ? gr->gr_gid : (gid_t)-1);
	if (r != BG_OK) {
		bg_error("cannot write the grant in %s: %s", cfg->paths.run_dir, bg_strerror(r));
		return r;
	}
	event_of(lg, "session_open", &ev);
	ev.session = g->session;
	ev.expires = g->expires;
	if ((r = bg_notify_audit(cfg, &ev)) != BG_OK) {
		bg_error("cannot write the audit log %s: %s (session refused)",
			 cfg->paths.audit_log, bg_strerror(r));
		if (bg_grant_remove(cfg->paths.run_dir, g->session) != BG_OK)
			bg_error("cannot remove the grant %s either", g->session);
	}
	return r;
}

int bg_session_close(const struct bg_config *cfg, const struct bg_login *lg,
		     const char *session)
{
	struct bg_audit_event ev;
	int r = bg_grant_remove(cfg->paths.run_dir, session);

	event_of(lg, "session_close", &ev);
	ev.session = session;
	if (r != BG_OK) {
		ev.result = "failure";
		ev.reason = "grant_missing";
	}
	return bg_notify_audit(cfg, &ev);
}
