/* Id changes of the setuid recorder and all it does with the breakglass
 * account's ids (a fixed table), kept in one place for review.  The
 * model is drop, then verify: every change is checked with getres[ug]id
 * and a failure to go back to the user's ids kills the process rather
 * than let it run on with the account's rights. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "breakglass/base/buf.h"
#include "breakglass/evidence/keyfile.h"
#include "breakglass/login/contain.h"
#include "priv.h"

/* The effective ids are exactly (uid, gid), the real and saved ones as
 * they were at start. */
static bool ids_are(const struct priv *p, uid_t uid, gid_t gid)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;

	if (getresuid(&r, &e, &s) != 0 || getresgid(&rg, &eg, &sg) != 0)
		return false;
	return r == p->user_uid && e == uid && s == p->rec_uid &&
	       rg == p->user_gid && eg == gid && sg == p->rec_gid;
}

/* A change of effective id may make the process dumpable again (by
 * fs.suid_dumpable); the user must never be able to ptrace or core-dump
 * the recorder, whatever the ids. */
static void undumpable(void)
{
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		abort();
}

/* The signals whose default action dumps core (signal(7)). */
static void core_signals(sigset_t *set)
{
	static const int sigs[] = { SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE,
				    SIGSEGV, SIGSYS, SIGXCPU, SIGXFSZ };
	size_t i;

	sigemptyset(set);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(set, sigs[i]);
}

static void become_user(const struct priv *p)
{
	if (setresgid((gid_t)-1, p->user_gid, (gid_t)-1) != 0 ||
	    setresuid((uid_t)-1, p->user_uid, (uid_t)-1) != 0 ||
	    !ids_are(p, p->user_uid, p->user_gid))
		abort();
	undumpable();
}

int priv_init(struct priv *p, char *why, size_t whylen)
{
	struct passwd *pw;
	uid_t r, e, s;
	gid_t rg, eg, sg;

	undumpable();
	if (getresuid(&r, &e, &s) != 0 || getresgid(&rg, &eg, &sg) != 0) {
		(void)!bg_snprintf(why, whylen, "cannot read the process ids: %s",
				   strerror(errno));
		return -1;
	}
	errno = 0;
	if ((pw = getpwnam(BG_ACCOUNT)) == NULL) {
		(void)!bg_snprintf(why, whylen, "there is no %s account", BG_ACCOUNT);
		return -1;
	}
	if (pw->pw_uid == 0 || e != pw->pw_uid || s != pw->pw_uid || eg != pw->pw_gid ||
	    sg != pw->pw_gid) {
		(void)!bg_snprintf(why, whylen, "not installed setuid and setgid to the %s account "
				   "(chown %s:%s and chmod 6711 breakglass-rec)", BG_ACCOUNT,
				   BG_ACCOUNT, BG_ACCOUNT);
		return -1;
	}
	/* Sharing the account's uid or primary group would let the user
	 * into what the recorder keeps from them. */
	if (r == pw->pw_uid || rg == pw->pw_gid) {
		(void)!bg_snprintf(why, whylen, "the %s account and group cannot be recorded",
				   BG_ACCOUNT);
		return -1;
	}
	p->user_uid = r;
	p->user_gid = rg;
	p->rec_uid = pw->pw_uid;
	p->rec_gid = pw->pw_gid;
	become_user(p);
	return 0;
}

/* The table's bodies: each runs with the account's effective ids. */

static int read_config(const struct priv *p, struct priv_req *q)
{
	struct priv_read_config *a = &q->u.read_config;

	return bg_config_load(bg_config_default_path(), p->rec_uid, &a->cfg, &a->diags);
}

/* Sets why for a failed step: what could not be read, and why. */
static int unusable(struct priv_read_grant_keys *a, int rc, const char *what)
{
	(void)!bg_snprintf(a->why, sizeof(a->why), "%s (%s)", what, bg_strerror(rc));
	return rc;
}

/* Every public key file of list, as auditor-type keys, into *out. */
static int read_keys(const struct priv *p, struct priv_read_grant_keys *a,
		     const struct bg_strlist *list, const char *what,
		     struct bg_pubkey **out, size_t *n)
{
	size_t i;
	int rc;

	if (list->n == 0)
		return BG_OK;
	if ((*out = calloc(list->n, sizeof(**out))) == NULL)
		return unusable(a, BG_ENOMEM, what);
	for (i = 0; i < list->n; i++)
		if ((rc = bg_keyfile_load_public(list->v[i], BG_KEY_AUDITOR, p->rec_uid,
						 &(*out)[i])) != BG_OK)
			return unusable(a, rc, what);
	*n = list->n;
	return BG_OK;
}

static int read_grant_keys(const struct priv *p, struct priv_req *q)
{
	struct priv_read_grant_keys *a = &q->u.read_grant_keys;
	const struct bg_strlist *aud = &a->cfg->paths.auditor_keys;
	int rc;

	/* The grant is root's word: only a root-owned file counts. */
	if ((rc = bg_grant_read(a->cfg->paths.run_dir, a->session, 0, &a->grant)) != BG_OK)
		return unusable(a, rc, "no valid grant for this session");
	if ((rc = bg_keyfile_load_pair(a->cfg->paths.host_key, BG_KEY_HOST, p->rec_uid,
				       &a->host)) != BG_OK)
		return unusable(a, rc, "the host signing key is unusable");
	if (aud->n == 0) {
		(void)!bg_snprintf(a->why, sizeof(a->why), "no auditor key is configured");
		return BG_ECONFIG;
	}
	/* An escrow key that cannot be read fails closed, as an auditor key
	 * does: the session would hide what it was configured to escrow. */
	if ((rc = read_keys(p, a, aud, "an auditor key is unusable", &a->auditors,
			    &a->n_auditors)) != BG_OK)
		return rc;
	return read_keys(p, a, &a->cfg->paths.escrow_keys, "an escrow key is unusable",
			 &a->escrow, &a->n_escrow);
}

/* The end of every spool operation: the session directory is never
 * without a manifest that lists what is closed. */
static int manifest(const struct bg_recwriter_opts *wo, struct bg_manifest *m,
		    const struct bg_recwriter *w)
{
	m->segments = NULL;
	m->n_segments = 0;
	if (w != NULL)
		m->segments = (struct bg_segment_info *)bg_recwriter_closed(w, &m->n_segments);
	return bg_manifest_write(wo->dir, m, wo->host);
}

static int segment_open(const struct priv *p, struct priv_req *q)
{
	struct priv_segment_open *a = &q->u.segment_open;
	int rc;

	(void)p;
	if ((rc = bg_recwriter_open(a->wo, &a->w)) != BG_OK)
		return rc;
	return manifest(a->wo, a->m, a->w);
}

static int segment_next(const struct priv *p, struct priv_req *q)
{
	struct priv_segment_next *a = &q->u.segment_next;
	int rc;

	(void)p;
	if ((rc = bg_recwriter_next_segment(a->w)) != BG_OK)
		return rc;
	return manifest(a->wo, a->m, a->w);
}

static int manifest_write(const struct priv *p, struct priv_req *q)
{
	struct priv_manifest_write *a = &q->u.manifest_write;

	(void)p;
	return manifest(a->wo, a->m, a->w);
}

static int claim_session(const struct priv *p, struct priv_req *q)
{
	struct priv_claim_session *a = &q->u.claim_session;
	char dir[PATH_MAX];
	int fd, r = BG_OK;

	(void)p;
	if (!bg_grant_id_valid(a->session) ||
	    bg_snprintf(dir, sizeof(dir), "%s/%s", a->cfg->paths.spool_dir, a->session) != BG_OK)
		return BG_EINVAL;
	/* mkdir is the atomic test-and-set: of two recorders one gets EEXIST. */
	if (mkdir(dir, 0700) != 0)
		return errno == EEXIST ? BG_EREPLAY : errno == ENOENT ? BG_ENOENT : BG_EIO;
	/* The user's umask applied: set the mode the writer relies on. */
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fchmod(fd, 0700) != 0)
		r = BG_EIO;
	if (fd >= 0)
		(void)close(fd);
	return r;
}

static int cgroup_enter(const struct priv *p, struct priv_req *q)
{
	(void)p;
	return bg_contain_enter(q->u.cgroup.dir, q->u.cgroup.leaf, 0);
}

static int cgroup_kill(const struct priv *p, struct priv_req *q)
{
	(void)p;
	return bg_contain_kill(q->u.cgroup.dir, q->u.cgroup.leaf, 5000);
}

static int read_revocation(const struct priv *p, struct priv_req *q)
{
	struct priv_read_revocation *a = &q->u.read_revocation;

	(void)p;
	/* Root's word only, as for the grant. */
	return bg_revoke_read(a->cfg->paths.run_dir, a->session, 0, &a->rv);
}

static int event_append(const struct priv *p, struct priv_req *q)
{
	struct priv_event_append *a = &q->u.event_append;

	(void)p;
	return bg_recevent_append(a->cfg->paths.spool_dir, a->session, a->ev);
}

/* Like the requests a monitor answers: nothing else runs with the ids. */
static int (*const table[PRIV_N_OPS])(const struct priv *p, struct priv_req *q) = {
	[PRIV_READ_CONFIG] = read_config,
	[PRIV_READ_GRANT_KEYS] = read_grant_keys,
	[PRIV_SEGMENT_OPEN] = segment_open,
	[PRIV_SEGMENT_NEXT] = segment_next,
	[PRIV_MANIFEST_WRITE] = manifest_write,
	[PRIV_CLAIM_SESSION] = claim_session,
	[PRIV_CGROUP_ENTER] = cgroup_enter,
	[PRIV_CGROUP_KILL] = cgroup_kill,
	[PRIV_READ_REVOCATION] = read_revocation,
	[PRIV_EVENT_APPEND] = event_append,
};

/* Every id, real, effective and saved, is the account's. */
static bool settled_ids(const struct priv *p)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;

	return getresuid(&r, &e, &s) == 0 && getresgid(&rg, &eg, &sg) == 0 &&
	       r == p->rec_uid && e == p->rec_uid && s == p->rec_uid &&
	       rg == p->rec_gid && eg == p->rec_gid && sg == p->rec_gid;
}

void priv_settle(struct priv *p)
{
	/* The saved ids are the account's: an unprivileged process may
	 * take them as real ids too.  The group first, as ever; half done,
	 * there is no way back to the ids the rest of the code expects. */
	if (setresgid(p->rec_gid, p->rec_gid, p->rec_gid) != 0 ||
	    setresuid(p->rec_uid, p->rec_uid, p->rec_uid) != 0 || !settled_ids(p))
		abort();
	undumpable();
	p->settled = true;
}

/* body(p, q) between the account's effective ids and the user's. */
static int run(const struct priv *p, int (*body)(const struct priv *p, struct priv_req *q),
	       struct priv_req *q)
{
	sigset_t dumping, old;
	int r, saved;

	/* Settled, there are no user's ids to go back to. */
	if (p->settled) {
		if (!settled_ids(p))
			abort();
		return body(p, q);
	}

	/* Each id change makes the process dumpable again (by
	 * fs.suid_dumpable) until undumpable() runs: a core-dumping signal
	 * from the user must wait until it has. */
	core_signals(&dumping);
	if (sigprocmask(SIG_BLOCK, &dumping, &old) != 0)
		abort();
	if (setresuid((uid_t)-1, p->rec_uid, (uid_t)-1) != 0 ||
	    setresgid((gid_t)-1, p->rec_gid, (gid_t)-1) != 0 ||
	    !ids_are(p, p->rec_uid, p->rec_gid)) {
		saved = errno;
		become_user(p);
		(void)sigprocmask(SIG_SETMASK, &old, NULL);
		errno = saved != 0 ? saved : EPERM;
		return BG_EPRIV;
	}
	undumpable();
	r = body(p, q);
	saved = errno;
	become_user(p);
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return r;
}

int priv_request(const struct priv *p, struct priv_req *req)
{
	/* An op out of the enum must not index past the table. */
	if ((unsigned)req->op >= PRIV_N_OPS || table[req->op] == NULL)
		return BG_EINVAL;
	return run(p, table[req->op], req);
}

int priv_drop_for_good(const struct priv *p)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;

	/* The group first: once the uid is the user's, the gid could no
	 * longer be changed. */
	if (setresgid(p->user_gid, p->user_gid, p->user_gid) != 0 ||
	    setresuid(p->user_uid, p->user_uid, p->user_uid) != 0)
		return -1;
	if (getresuid(&r, &e, &s) != 0 || getresgid(&rg, &eg, &sg) != 0 ||
	    r != p->user_uid || e != p->user_uid || s != p->user_uid ||
	    rg != p->user_gid || eg != p->user_gid || sg != p->user_gid)
		return -1;
	/* Root is recorded too, and may do anything: nothing to check. */
	if (p->user_uid == 0)
		return 0;
	if (setresuid((uid_t)-1, p->rec_uid, (uid_t)-1) == 0 ||
	    setresgid((gid_t)-1, p->rec_gid, (gid_t)-1) == 0 ||
	    setresuid(p->rec_uid, (uid_t)-1, (uid_t)-1) == 0)
		return -1;
	return 0;
}
