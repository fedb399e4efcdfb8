/* breakglassctl revoke: end emergency sessions now.  Root writes the
 * revocation beside the grant, then signals the session's recorder
 * (SIGUSR1), which tells the user, records who revoked and why, kills
 * the session's processes and closes the transcript; this waits for it,
 * and kills the session's processes itself if the recorder does not
 * answer in time. */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "breakglass/audit/actor.h"
#include "breakglass/audit/notify.h"
#include "breakglass/base/buf.h"
#include "breakglass/base/text.h"
#include "breakglass/login/contain.h"
#include "breakglass/login/revoke.h"
#include "breakglass/login/running.h"
#include "breakglass/login/session.h"
#include "commands.h"

#define POLL_MS 20

struct target {
	const struct bg_running *s;
	long recorder;          /* signalled, -1: none found */
	const char *fault;      /* why it failed, or NULL */
	const char *reason;     /* the audit event's, on a failure */
	bool ended;             /* by its recorder */
	bool unseen;            /* no cgroup and no recorder found: nothing to end */
	double secs;            /* from the signal to the end */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool picked(const struct bg_running *s, const struct ctl_revoke *o)
{
	return o->all || (o->session != NULL && strcmp(s->grant->session, o->session) == 0) ||
	       (o->user != NULL && strcmp(s->grant->user, o->user) == 0);
}

/* No process is left in the session's user leaf (or it is gone, or
 * there is no cgroup). */
static bool emptied(const char *cgroot, const char *id)
{
	char dir[PATH_MAX];
	struct stat st;

	if (cgroot[0] == '\0')
		return true;
	if (bg_snprintf(dir, sizeof(dir), "%s/%s/%s", cgroot, BG_CONTAIN_TOP, id) != BG_OK)
		return false;
	return (lstat(dir, &st) != 0 && errno == ENOENT) || bg_contain_empty(dir, BG_CONTAIN_USER);
}

static bool recorder_gone(long pid)
{
	return pid <= 0 || !bg_running_is_recorder(pid);
}

/* Wait until every session not yet ended has, or wait_s seconds from
 * t0 have passed; those that ended get ended set and their time. */
static void settle(struct target *t, size_t n, const char *cgroot, double wait_s, double t0)
{
	struct timespec tick = { .tv_nsec = POLL_MS * 1000000L };
	size_t i, left = n;

	while (left > 0) {
		for (i = 0, left = 0; i < n; i++) {
			if (t[i].ended || t[i].unseen)
				continue;
			if (recorder_gone(t[i].recorder) && emptied(cgroot, t[i].s->grant->session)) {
				t[i].ended = true;
				t[i].secs = now_s() - t0;
			} else {
				left++;
			}
		}
		if (left == 0 || now_s() - t0 >= wait_s)
			break;
		(void)nanosleep(&tick, NULL);
	}
}

/* Wait up to wait_s for the recorders to end their sessions; then end
 * the rest the hard way. */
static void await(struct target *t, size_t n, const char *cgroot, int wait_s, double t0)
{
	char dir[PATH_MAX];
	size_t i, late = 0;

	settle(t, n, cgroot, wait_s, t0);
	for (i = 0; i < n; i++) {
		if (t[i].ended || t[i].unseen)
			continue;
		late++;
		t[i].fault = "the session did not end and could not be killed";
		/* The recorder too, not sshd's processes of the session: sshd
		 * then closes the session (grant, revocation, cgroup), and may
		 * remove the cgroup before the kill below is done. */
		if (!recorder_gone(t[i].recorder))
			(void)kill((pid_t)t[i].recorder, SIGKILL);
		if (cgroot[0] != '\0' &&
		    bg_snprintf(dir, sizeof(dir), "%s/%s/%s", cgroot, BG_CONTAIN_TOP,
				t[i].s->grant->session) == BG_OK)
			(void)!bg_contain_kill(dir, BG_CONTAIN_USER, 2000);
	}
	if (late == 0)
		return;
	settle(t, n, cgroot, 3, now_s());
	for (i = 0; i < n; i++) {
		if (t[i].fault == NULL || !t[i].ended)
			continue;
		/* Ended, but by root: said on stderr, audited as a failure. */
		t[i].ended = false;
		t[i].fault = "the recorder did not end the session in time: every process "
			     "of it was killed (the transcript may lack the revocation)";
		t[i].reason = "recorder_unresponsive";
	}
}

/* The audit event and the line on stdout (or stderr) of one session. */
static int report(const struct bg_config *cfg, const struct target *t,
		  const struct bg_actor *actor, const char *reason)
{
	const struct bg_grant *g = t->s->grant;
	char user[80], ticket[80];
	/* An event only reads the strings of its request. */
	struct bg_audit_event ev = {
		.event = "revoke", .result = t->ended ? "success" : "failure",
		.reason = t->ended ? NULL : t->reason != NULL ? t->reason : "not_ended",
		.service = (char *)"breakglassctl",
		.user = g->user, .uid = g->uid, .ticket = g->ticket, .actor = actor,
		.session = g->session, .note = reason,
	};
	int r;

	bg_text_quote(g->user, 32, user, sizeof(user));
	bg_text_quote(g->ticket, 32, ticket, sizeof(ticket));
	if (t->ended)
		printf("revoked %s (user %s, ticket %s): ended after %.2f s\n", g->session, user,
		       ticket, t->secs);
	else
		fprintf(stderr, "breakglassctl: revoke %s (user %s, ticket %s): %s\n", g->session,
			user, ticket, t->fault);
	if ((r = bg_notify_audit(cfg, &ev)) != BG_OK) {
		fprintf(stderr, "breakglassctl: the revocation of %s was NOT audited: %s: %s\n",
			g->session, cfg->paths.audit_log, bg_strerror(r));
		return 1;
	}
	return t->ended ? 0 : 1;
}

/* Write the revocations, then signal the recorders: one that starts in
 * between reads its revocation before it starts a shell. */
static void revoke_all(const struct bg_config *cfg, struct target *t, size_t n,
		       const struct bg_revocation *rv)
{
	struct group *gr = getgrnam(BG_GROUP);
	gid_t gid = gr != NULL ? gr->gr_gid : (gid_t)-1;
	struct bg_running *now;
	size_t i, j, m, skipped;
	int r;

	/* Without its revocation a recorder ignores the signal: the session
	 * is then killed when the wait is over. */
	for (i = 0; i < n; i++)
		if ((r = bg_revoke_write(cfg->paths.run_dir, t[i].s->grant->session, rv, gid)) !=
		    BG_OK)
			fprintf(stderr, "breakglassctl: revoke %s: cannot write the revocation: %s\n",
				t[i].s->grant->session, bg_strerror(r));
	if (bg_running_list(cfg, geteuid(), NULL, &now, &m, &skipped) != BG_OK)
		m = 0, now = NULL;
	for (i = 0; i < n; i++) {
		t[i].recorder = t[i].s->recorder;
		for (j = 0; j < m; j++)
			if (strcmp(now[j].grant->session, t[i].s->grant->session) == 0)
				t[i].recorder = now[j].recorder;
		if (t[i].recorder > 0)
			(void)kill((pid_t)t[i].recorder, SIGUSR1);
		/* Without a cgroup, a session whose recorder cannot be found
		 * cannot be seen to end: never reported as ended. */
		if (!t[i].s->contained && t[i].recorder <= 0) {
			t[i].unseen = true;
			t[i].fault = "it has no cgroup and no recorder was found: the revocation "
				     "stands (a recorder that starts for it refuses), but nothing "
				     "was ended";
		}
	}
	bg_running_free(now, m);
}

int cmd_revoke(const struct bg_config *cfg, const struct ctl_revoke *o)
{
	struct bg_revocation rv = { .reason = (char *)o->reason, .at = time(NULL) };
	char mnt[PATH_MAX] = "", by[32];
	const char *problem = bg_revoke_reason_problem(o->reason);
	struct bg_running *v;
	struct target *t;
	struct bg_actor actor;
	size_t n, skipped, i, k = 0;
	double t0;
	int r, rc = 0;

	if (problem != NULL) {
		fprintf(stderr, "breakglassctl: revoke: the reason %s (one line of printable text, "
			"1 to %d characters)\n", problem, BG_REVOKE_REASON_MAX);
		return 1;
	}
	if ((r = bg_running_list(cfg, geteuid(), NULL, &v, &n, &skipped)) != BG_OK) {
		fprintf(stderr, "breakglassctl: %s: %s\n", cfg->paths.run_dir, bg_strerror(r));
		return 1;
	}
	if ((t = calloc(n > 0 ? n : 1, sizeof(*t))) == NULL) {
		bg_running_free(v, n);
		return 1;
	}
	for (i = 0; i < n; i++)
		if (picked(&v[i], o))
			t[k++].s = &v[i];
	if (k == 0) {
		fprintf(stderr, "breakglassctl: revoke: no open emergency session %s%s\n",
			o->all ? "" : o->user != NULL ? "of user " : "", o->all ? "" :
			o->user != NULL ? o->user : o->session);
		rc = 1;
	} else {
		bg_actor_get(BG_ACTOR_LOGINUID, &actor);
		(void)!snprintf(by, sizeof(by), "uid %ld", actor.uid);
		rv.by = actor.name[0] != '\0' ? actor.name : by;
		rv.by_uid = actor.uid;
		(void)!bg_contain_mount(mnt, sizeof(mnt));
		t0 = now_s();
		revoke_all(cfg, t, k, &rv);
		await(t, k, mnt, o->wait_s, t0);
		for (i = 0; i < k; i++)
			rc |= report(cfg, &t[i], &actor, o->reason);
	}
	free(t);
	bg_running_free(v, n);
	return rc;
}
