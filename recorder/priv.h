/* The recorder's privileged operations, the only code that changes ids:
 * it runs setuid and setgid to the breakglass account, works with the
 * user's effective ids, and raises its own only for the fixed table of
 * requests below, each one of the account's files (configuration, grant,
 * keys, spool). */
#ifndef BREAKGLASS_RECORDER_PRIV_H
#define BREAKGLASS_RECORDER_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "breakglass/base/error.h"
#include "breakglass/audit/recevent.h"
#include "breakglass/config/conf.h"
#include "breakglass/evidence/grant.h"
#include "breakglass/evidence/keys.h"
#include "breakglass/evidence/manifest.h"
#include "breakglass/evidence/recwriter.h"
#include "breakglass/login/revoke.h"

struct priv {
	uid_t user_uid;                 /* the real ids: the recorded user */
	gid_t user_gid;
	uid_t rec_uid;                  /* the breakglass account */
	gid_t rec_gid;
	bool settled;                   /* every id the account's (priv_settle) */
};

/* Everything done with the account's ids; priv.c answers nothing else. */
enum priv_op {
	PRIV_READ_CONFIG,               /* struct priv_read_config */
	PRIV_READ_GRANT_KEYS,           /* struct priv_read_grant_keys */
	PRIV_SEGMENT_OPEN,              /* struct priv_segment_open */
	PRIV_SEGMENT_NEXT,              /* struct priv_segment_next */
	PRIV_MANIFEST_WRITE,            /* struct priv_manifest_write */
	PRIV_CLAIM_SESSION,             /* struct priv_claim_session */
	PRIV_CGROUP_ENTER,              /* struct priv_cgroup */
	PRIV_CGROUP_KILL,               /* struct priv_cgroup */
	PRIV_READ_REVOCATION,           /* struct priv_read_revocation */
	PRIV_EVENT_APPEND,              /* struct priv_event_append */
	PRIV_N_OPS                      /* the size of the table, no operation */
};

/* The configuration at bg_config_default_path(), trusted if it belongs
 * to root or the account; the caller frees cfg and diags. */
struct priv_read_config {
	struct bg_config *cfg;                  /* out */
	struct bg_config_diags diags;           /* out: why it is unusable */
};

/* The session's grant (root's file in paths.run_dir), the host key pair,
 * every auditor key and every escrow key; what is set out is the
 * caller's, even on a failure, which why then explains. */
struct priv_read_grant_keys {
	const struct bg_config *cfg;
	const char *session;
	struct bg_grant *grant;                 /* out */
	struct bg_keypair *host;                /* out */
	struct bg_pubkey *auditors;             /* out: n_auditors of them */
	size_t n_auditors;
	struct bg_pubkey *escrow;               /* out: n_escrow of them, maybe none */
	size_t n_escrow;
	char why[128];                          /* out */
};

/* The three spool operations end with the manifest: m with the
 * writer's closed segments, in wo->dir, signed with wo->host. */

/* The session directory (0700), segment 0, the first manifest; w is the
 * caller's to free once set, even if the manifest failed. */
struct priv_segment_open {
	const struct bg_recwriter_opts *wo;
	struct bg_manifest *m;
	struct bg_recwriter *w;                 /* out */
};

/* Close w's segment and open the next one. */
struct priv_segment_next {
	const struct bg_recwriter_opts *wo;
	struct bg_manifest *m;
	struct bg_recwriter *w;
};

/* The manifest alone (w may be NULL: no segment is closed yet). */
struct priv_manifest_write {
	const struct bg_recwriter_opts *wo;
	struct bg_manifest *m;
	const struct bg_recwriter *w;
};

/* Claim the session's grant, once: make its directory in
 * paths.spool_dir (0700), atomically.  BG_EREPLAY when it exists: the
 * grant was claimed before. */
struct priv_claim_session {
	const struct bg_config *cfg;
	const char *session;
};

/* The session's cgroup (bg_contain_find), delegated to the account by
 * the PAM module: enter moves the recorder itself into dir/leaf, kill
 * ends every process in dir/leaf and waits for them (bg_contain). */
struct priv_cgroup {
	const char *dir;
	const char *leaf;
};

/* The session's revocation (root's file in paths.run_dir, bg_revoke_read):
 * BG_ENOENT when it is not revoked; rv is the caller's to free. */
struct priv_read_revocation {
	const struct bg_config *cfg;
	const char *session;
	struct bg_revocation *rv;               /* out */
};

/* An event for the audit log, queued in paths.spool_dir (bg_recevent_append). */
struct priv_event_append {
	const struct bg_config *cfg;
	const char *session;
	const struct bg_recevent *ev;
};

/* One request: op says which member of u is its argument. */
struct priv_req {
	enum priv_op op;
	union {
		struct priv_read_config read_config;
		struct priv_read_grant_keys read_grant_keys;
		struct priv_segment_open segment_open;
		struct priv_segment_next segment_next;
		struct priv_manifest_write manifest_write;
		struct priv_claim_session claim_session;
		struct priv_cgroup cgroup;
		struct priv_read_revocation read_revocation;
		struct priv_event_append event_append;
	} u;
};

/* Check that the effective ids are the breakglass account's (installed
 * setuid and setgid to it, never root) and the real uid is not that
 * account, then make the effective ids the user's: the saved ids keep
 * the account's for priv_request.  -1 with a message in why otherwise. */
int priv_init(struct priv *p, char *why, size_t whylen);

/* Run req with the breakglass account's effective ids, then the user's
 * again; the process aborts if they cannot be restored.  The
 * operation's BG_* result; BG_EPRIV (errno set) if the account's ids
 * could not be taken, the operation then not run; BG_EINVAL for an op
 * not in the table. */
BG_WUR int priv_request(const struct priv *p, struct priv_req *req);

/* Once the session's child runs (with the user's ids) in a cgroup the
 * recorder can kill: the real, effective and saved uid and gid all the
 * account's, for good, so that the user can no longer signal, stop or
 * limit the recorder; priv_request then runs its operations with these
 * ids.  The process aborts if they cannot all be taken. */
void priv_settle(struct priv *p);

/* In the session's child before exec: every id the user's, and a check
 * that neither the account's uid nor its gid can be taken back.  0, or
 * -1 (the child must not exec). */
int priv_drop_for_good(const struct priv *p);

#endif
