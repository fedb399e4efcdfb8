/* The recorder's privileged operations, the only code that changes ids:
 * it runs setuid and setgid to the breakglass account, works with the
 * user's effective ids, and raises its own only around the few calls
 * that touch its files (grant, host key, spool). */
#ifndef BREAKGLASS_RECORDER_PRIV_H
#define BREAKGLASS_RECORDER_PRIV_H

#include <sys/types.h>

struct priv {
	uid_t user_uid;                 /* the real ids: the recorded user */
	gid_t user_gid;
	uid_t rec_uid;                  /* the breakglass account */
	gid_t rec_gid;
};

/* Check that the effective ids are the breakglass account's (installed
 * setuid and setgid to it, never root) and the real uid is not that
 * account, then make the effective ids the user's: the saved ids keep
 * the account's for priv_run.  -1 with a message in why otherwise. */
int priv_init(struct priv *p, char *why, size_t whylen);

/* fn(ctx) with the breakglass account's effective ids, then the user's
 * again; the process aborts if they cannot be restored.  fn's result. */
int priv_run(const struct priv *p, int (*fn)(void *ctx), void *ctx);

/* In the session's child before exec: every id the user's, and a check
 * that neither the account's uid nor its gid can be taken back.  0, or
 * -1 (the child must not exec). */
int priv_drop_for_good(const struct priv *p);

#endif
