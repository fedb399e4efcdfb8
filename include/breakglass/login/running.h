/* The emergency sessions open now, as root sees them on the bastion:
 * their grants in paths.run_dir, their recorders and their cgroups
 * (breakglassctl sessions). */
#ifndef BREAKGLASS_RUNNING_H
#define BREAKGLASS_RUNNING_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "breakglass/base/error.h"
#include "breakglass/config/conf.h"
#include "breakglass/evidence/grant.h"

struct bg_running {
	struct bg_grant *grant;
	long recorder;          /* its recorder's pid (in its cgroup, else by
				   bg_running_recorder); -1: none */
	bool contained;         /* the session's cgroup exists */
};

/* Every valid grant in cfg's run_dir (owned by root or trusted), oldest
 * start first, into a malloc'ed *out of *n; a file that is not a valid
 * grant is skipped and counted in *skipped.  cgroot: the cgroup2 mount
 * (NULL: found in /proc/self/mountinfo; none: no session contained).
 * A missing run_dir is no session. */
BG_WUR int bg_running_list(const struct bg_config *cfg, uid_t trusted, const char *cgroot,
			   struct bg_running **out, size_t *n, size_t *skipped);
void bg_running_free(struct bg_running *v, size_t n);

/* Whether process pid is named as the recorder (/proc/PID/comm): its
 * cgroup or its ids tell whether it is one. */
bool bg_running_is_recorder(long pid);

/* Without a cgroup: the pid of g's recorder, the oldest breakglass-rec
 * process below g's login process (login_pid with login_start) whose
 * saved uid is account (the setuid recorder's from exec on, which no
 * process of the user can fake, whatever it calls itself); a recorder
 * run inside the session later is younger.  -1 when none. */
long bg_running_recorder(const struct bg_grant *g, uid_t account);

#endif
