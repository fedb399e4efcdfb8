/* Id changes of the setuid recorder, kept in one place for review.  The
 * model is drop, then verify: every change is checked with getres[ug]id
 * and a failure to go back to the user's ids kills the process rather
 * than let it run on with the account's rights. */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "breakglass/base/buf.h"
#include "breakglass/config/conf.h"
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

int priv_run(const struct priv *p, int (*fn)(void *ctx), void *ctx)
{
	int r, saved;

	if (setresuid((uid_t)-1, p->rec_uid, (uid_t)-1) != 0 ||
	    setresgid((gid_t)-1, p->rec_gid, (gid_t)-1) != 0 ||
	    !ids_are(p, p->rec_uid, p->rec_gid)) {
		saved = errno;
		become_user(p);
		errno = saved != 0 ? saved : EPERM;
		return -1;
	}
	undumpable();
	r = fn(ctx);
	saved = errno;
	become_user(p);
	errno = saved;
	return r;
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
