/* One emergency login per user at a time (alone.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "breakglass/base/buf.h"
#include "breakglass/base/proc.h"
#include "breakglass/base/text.h"
#include "breakglass/login/alone.h"
#include "breakglass/login/running.h"

/* An open session of uid: a grant whose login process is still the one
 * that opened it (a grant left by a crashed sshd does not count). */
static int sessions(const struct bg_config *cfg, uid_t uid, char *why, size_t whylen)
{
	struct bg_running *v;
	struct bg_proc p;
	size_t n, skipped, i;
	int r;

	/* The caller's grants: root's, in the PAM module. */
	if ((r = bg_running_list(cfg, geteuid(), NULL, &v, &n, &skipped)) != BG_OK)
		return r;
	for (i = 0; i < n && r == BG_OK; i++) {
		const struct bg_grant *g = v[i].grant;

		if (g->uid != (long)uid || g->login_pid <= 0 ||
		    bg_proc_read((pid_t)g->login_pid, &p) != BG_OK || p.start != g->login_start)
			continue;
		(void)!bg_snprintf(why, whylen, "session %s is still open", g->session);
		r = BG_EBUSY;
	}
	bg_running_free(v, n);
	return r;
}

/* /proc/PID/status's first Uid (the real one), State and Name. */
static bool proc_of(const char *pid, uid_t uid, char *name, size_t namelen)
{
	char buf[4096], *u, *st, *th, *nm;

	if (bg_proc_file((pid_t)strtol(pid, NULL, 10), "status", buf, sizeof(buf)) <= 0)
		return false;
	if ((u = strstr(buf, "\nUid:\t")) == NULL || strtoul(u + 6, NULL, 10) != (unsigned long)uid)
		return false;
	/* A zombie holds nothing; but a leader whose own thread has exited
	 * shows Z while its other threads run. */
	if ((st = strstr(buf, "\nState:\t")) != NULL && st[8] == 'Z' &&
	    ((th = strstr(buf, "\nThreads:\t")) == NULL || strtoul(th + 10, NULL, 10) <= 1))
		return false;
	if ((nm = strchr(buf, '\n')) != NULL)
		*nm = '\0';
	bg_text_quote(strncmp(buf, "Name:\t", 6) == 0 ? buf + 6 : "?", 32, name, namelen);
	return true;
}

int bg_alone_check(const struct bg_config *cfg, uid_t uid, pid_t self, char *why,
		   size_t whylen)
{
	struct bg_proc me;
	struct dirent *e;
	char name[160];
	bool below;
	DIR *d;
	int r, rc;

	if ((r = sessions(cfg, uid, why, whylen)) != BG_OK)
		return r;
	/* init and the kernel's threads run as root: root's logins are
	 * judged by their grants alone. */
	if (uid == 0)
		return BG_OK;
	if ((r = bg_proc_read(self, &me)) != BG_OK || (d = opendir("/proc")) == NULL)
		return r != BG_OK ? r : BG_EIO;
	while (r == BG_OK) {
		errno = 0;
		if ((e = readdir(d)) == NULL) {
			r = errno != 0 ? BG_EIO : BG_OK;
			break;
		}
		if (e->d_name[0] < '1' || e->d_name[0] > '9' || !proc_of(e->d_name, uid, name,
									  sizeof(name)))
			continue;
		below = false;
		rc = bg_proc_has_ancestor((pid_t)strtol(e->d_name, NULL, 10), self, me.start,
					  &below);
		/* Gone meanwhile, or this login's own. */
		if (rc == BG_ENOENT || (rc == BG_OK && below))
			continue;
		(void)!bg_snprintf(why, whylen, "process %s (%s) is running", e->d_name, name);
		r = BG_EBUSY;
	}
	(void)closedir(d);
	return r;
}
