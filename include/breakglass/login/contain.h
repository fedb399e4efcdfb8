/* Containment of an emergency session in a cgroup v2 of its own, made by
 * the PAM module at session open: every process of the session is in it,
 * the user cannot leave it, and the breakglass account may kill it. */
#ifndef BREAKGLASS_CONTAIN_H
#define BREAKGLASS_CONTAIN_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#include "breakglass/base/error.h"
#include "breakglass/config/conf.h"
#include "breakglass/evidence/grant.h"

/* The session's cgroup is <cgroup2 mount>/breakglass/<session id>, with
 * two children: the recorder's (and sshd's) and the user's. */
#define BG_CONTAIN_REC "rec"
#define BG_CONTAIN_USER "user"
/* Below the mount: <mount>/BG_CONTAIN_TOP/<session id>. */
#define BG_CONTAIN_TOP "breakglass"

struct bg_contain {
	char dir[PATH_MAX];             /* the session's cgroup; "" when none */
	char origin[PATH_MAX];          /* the caller's cgroup before */
	const char *what;               /* "cgroup" or "none", for the audit */
};

/* Make the session's cgroup (its cgroup.procs, the children's and the
 * user child's cgroup.kill and cgroup.events given to the breakglass
 * account) and move the calling process into its recorder child, so
 * that the processes it starts from now on are in it.  When that cannot
 * be done: BG_EUNSAFE under recorder.containment "required" (nothing
 * left behind), BG_OK and c->what "none" under "best-effort". */
BG_WUR int bg_contain_open(const struct bg_config *cfg, const char *session,
			   struct bg_contain *c);

/* The end of a session: the caller back in its cgroup, every process
 * left in the session's cgroup killed, the cgroup removed.  Nothing to
 * do when c->dir is "".  Should the caller not get out, nothing is
 * killed (it would be too) and the error returned. */
BG_WUR int bg_contain_close(struct bg_contain *c);

/* The recorder's view: dir = the session's cgroup when the calling
 * process is in its recorder child; BG_ENOENT when it is not (no
 * containment, or not this session's). */
BG_WUR int bg_contain_find(const char *session, char *dir, size_t dirlen);

/* Whether process pid is in the recorder child of some session: the
 * cgroup v2 line of /proc/PID/cgroup (which everyone may read, even for
 * a non-dumpable process) is the file's only one and exactly
 * 0::/BG_CONTAIN_TOP/<session id>/BG_CONTAIN_REC.  BG_OK with the id in
 * session; BG_ENOENT when it is anywhere else, or gone. */
BG_WUR int bg_contain_rec_of(pid_t pid, char session[BG_SESSION_ID_LEN + 1]);

/* The cgroup2 mount point (from /proc/self/mountinfo); BG_ENOENT when
 * there is none. */
BG_WUR int bg_contain_mount(char *out, size_t outlen);

/* Write pid (0: the calling process) to dir/leaf/cgroup.procs. */
BG_WUR int bg_contain_enter(const char *dir, const char *leaf, pid_t pid);

/* Whether dir/leaf (leaf "" for dir itself) holds no process
 * (cgroup.events: "populated 0"); false when that cannot be read. */
bool bg_contain_empty(const char *dir, const char *leaf);

/* SIGKILL to every process of dir/leaf (cgroup.kill), then wait up to
 * timeout_ms for it to be empty; BG_ETIMEOUT if it is not. */
BG_WUR int bg_contain_kill(const char *dir, const char *leaf, int timeout_ms);

#endif
