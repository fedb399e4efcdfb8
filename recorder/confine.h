/* The recorder's side of the session's cgroup (contain.h): where it is,
 * moving the recorder between its two children around the shell's
 * start, settling the recorder's ids once the child waits, and ending
 * every process of the session.  Uncontained, each step is a no-op. */
#ifndef BREAKGLASS_RECORDER_CONFINE_H
#define BREAKGLASS_RECORDER_CONFINE_H

#include <limits.h>
#include <stdbool.h>

#include "priv.h"

struct confine {
	struct priv *priv;
	char dir[PATH_MAX];             /* the session's cgroup, or "" uncontained */
	bool in_rec;                    /* the recorder is back in its own child */
};

/* dir = the session's cgroup when the recorder runs in its "rec" child;
 * BG_ENOENT (dir "") when it does not. */
BG_WUR int confine_find(struct confine *c, const char *session);
/* op (PRIV_CGROUP_ENTER, PRIV_CGROUP_KILL) on the child leaf, through the
 * privileged table; BG_OK uncontained. */
BG_WUR int confine_op(struct confine *c, enum priv_op op, const char *leaf);
/* relay.c's kill_all: every process of the user's child; 0 or -1. */
int confine_kill(void *ctx);
/* spawn_start's ready: back into "rec", then (contained) all ids the
 * account's for good; 0, or -1 when the move failed. */
int confine_settle(void *ctx);

#endif
