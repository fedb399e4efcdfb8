/* Grants: what the PAM module allowed (who, why, until when), written at
 * session open to paths.run_dir/<session id>.json for the recorder. */
#ifndef BREAKGLASS_GRANT_H
#define BREAKGLASS_GRANT_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "breakglass/base/error.h"

#define BG_SESSION_ID_LEN 32    /* 128 random bits in lowercase hex */

/* Who asked for emergency access, from where, why and how it was proven:
 * what a login establishes, a grant keeps and an audit event tells.  The
 * members are listed once, here; holders embed them with
 * BG_GRANT_REQUEST_GROUP, so that one assignment copies them all. */
#define BG_GRANT_REQUEST_MEMBERS \
	char *service;          /* PAM service; not kept in grant files */ \
	char *user; \
	long uid;               /* -1 when unknown */ \
	char *rhost;            /* NULL when unknown */ \
	char *tty;              /* NULL when unknown */ \
	char *ticket; \
	char *justification; \
	char *approver;         /* NULL without two-person approval */ \
	char *mfa;              /* "totp" or "recovery_code"; NULL if unknown */ \
	bool ticket_unverified; /* admitted while the ticket check was down */

struct bg_grant_request {
	BG_GRANT_REQUEST_MEMBERS
};

/* The request as member `name`, its members also readable by their own
 * names (g->user is g->req.user), like the kernel's struct_group(): the
 * union makes the two views one object. */
#define BG_GRANT_REQUEST_GROUP(name) \
	union { \
		struct bg_grant_request name; \
		struct { BG_GRANT_REQUEST_MEMBERS }; \
	}

struct bg_grant {
	char session[BG_SESSION_ID_LEN + 1];
	BG_GRANT_REQUEST_GROUP(req);
	time_t start;
	time_t expires;
	/* The process that opened the session (sshd's, at pam_open_session)
	 * and its start time (bg_proc), of which the recorder must be a
	 * descendant; 0 when not known (older files).  File form only. */
	long login_pid;
	unsigned long long login_start;
};

/* How the grant is written as JSON: its file (ASCII only, every member),
 * or the recorder's meta event {"grant": {...}} (UTF-8, ticket_unverified
 * only when true). */
enum bg_grant_form { BG_GRANT_FILE, BG_GRANT_META };

/* True if id is exactly BG_SESSION_ID_LEN lowercase hex digits. */
bool bg_grant_id_valid(const char *id);
/* A fresh random session id. */
BG_WUR int bg_grant_new_id(char id[BG_SESSION_ID_LEN + 1]);

/* g as compact JSON in form, members in file order, NULL ones (and a
 * login_pid of 0) left out;
 * *out is malloc'ed.  BG_EINVAL if user, ticket or justification is
 * missing or a string is not UTF-8. */
BG_WUR int bg_grant_json(const struct bg_grant *g, enum bg_grant_form form,
			 char **out);

/* Write g to run_dir/<g->session>.json atomically, owned by root (the
 * caller) and group gid (-1: leave), mode 0640; run_dir is made 0750
 * with the same group if missing. */
BG_WUR int bg_grant_write(const char *run_dir, const struct bg_grant *g,
			  gid_t gid);
/* Read and check the grant of id (owner root or trusted, not writable by
 * others); BG_ENOENT if there is none, BG_EINVAL if malformed. */
BG_WUR int bg_grant_read(const char *run_dir, const char *id, uid_t trusted,
			 struct bg_grant **out);
BG_WUR int bg_grant_remove(const char *run_dir, const char *id);
void bg_grant_free(struct bg_grant *g);

#endif
