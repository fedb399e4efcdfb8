/* Start-up guards of the setuid recorder: limits its caller lowered
 * (see breakglass-rec(8), RESOURCE LIMITS) and the outer terminal held
 * by someone else (OUTER TERMINAL). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "breakglass/base/buf.h"
#include "guard.h"

#define MIB ((rlim_t)1 << 20)

/* need: the least hard limit that lets the recording complete
 * (RLIM_INFINITY: only no limit will do); want: the soft limit the
 * recorder works with (RLIM_INFINITY: the hard limit). */
static const struct limit {
	int res;
	const char *name;
	rlim_t need, want;
} limits[] = {
	/* Segments grow to recorder.segment_bytes, and a partial write
	 * would truncate the evidence. */
	{ RLIMIT_FSIZE, "file size", RLIM_INFINITY, RLIM_INFINITY },
	/* A kill by SIGXCPU mid-session ends the recording. */
	{ RLIMIT_CPU, "CPU time", RLIM_INFINITY, RLIM_INFINITY },
	/* The relay's fds, a segment, the manifest, keys, syslog. */
	{ RLIMIT_NOFILE, "open files", 64, 1024 },
	/* The sanitizer builds reserve terabytes of address space. */
	{ RLIMIT_AS, "address space", 512 * MIB, RLIM_INFINITY },
	{ RLIMIT_DATA, "data size", 256 * MIB, RLIM_INFINITY },
	/* Not unlimited: that changes the address space layout. */
	{ RLIMIT_STACK, "stack size", 1 * MIB, 8 * MIB },
	/* The relay takes SIGCHLD, SIGWINCH, SIGTERM ... through a signalfd. */
	{ RLIMIT_SIGPENDING, "pending signals", 16, RLIM_INFINITY },
};

int guard_limits(char *why, size_t whylen)
{
	struct rlimit rl, core = { 0, 0 };
	rlim_t want;
	size_t i;

	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		const struct limit *l = &limits[i];

		if (getrlimit(l->res, &rl) != 0)
			goto fail;
		if (rl.rlim_max != RLIM_INFINITY &&
		    (l->need == RLIM_INFINITY || rl.rlim_max < l->need)) {
			(void)!bg_snprintf(why, whylen, "the hard limit of %s (%llu) is below "
					   "what a complete recording needs (%s%llu)", l->name,
					   (unsigned long long)rl.rlim_max,
					   l->need == RLIM_INFINITY ? "unlimited, not " : "",
					   (unsigned long long)(l->need == RLIM_INFINITY ?
								rl.rlim_max : l->need));
			return -1;
		}
		want = l->want;
		if (want == RLIM_INFINITY || (rl.rlim_max != RLIM_INFINITY && want > rl.rlim_max))
			want = rl.rlim_max;
		if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
			rl.rlim_cur = want;
			if (setrlimit(l->res, &rl) != 0)
				goto fail;
		}
	}
	/* Undumpable anyway; a core file of the recorder could hold keys. */
	if (setrlimit(RLIMIT_CORE, &core) != 0)
		goto fail;
	return 0;
fail:
	(void)!bg_snprintf(why, whylen, "cannot set the resource limits: %s", strerror(errno));
	return -1;
}

/* Whether process pid (a /proc name) has the terminal tty open. */
static bool holds(const char *pid, const struct stat *tty)
{
	char path[64];
	struct dirent *e;
	struct stat st;
	bool found = false;
	DIR *d;

	if (bg_snprintf(path, sizeof(path), "/proc/%s/fd", pid) != BG_OK ||
	    (d = opendir(path)) == NULL)
		return false;
	while (!found && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' ||
		    fstatat(dirfd(d), e->d_name, &st, 0) != 0)
			continue;
		found = S_ISCHR(st.st_mode) && st.st_rdev == tty->st_rdev;
	}
	(void)closedir(d);
	return found;
}

int guard_terminal_exclusive(int fd, char *why, size_t whylen)
{
	if (isatty(fd) == 1 && ioctl(fd, TIOCEXCL) != 0) {
		(void)!bg_snprintf(why, whylen, "cannot make the terminal exclusive: %s",
				   strerror(errno));
		return -1;
	}
	return 0;
}

int guard_terminal_alone(int fd, char *why, size_t whylen)
{
	struct stat tty;
	struct dirent *e;
	char self[32];
	long pid = 0;
	DIR *d;

	if (isatty(fd) != 1)
		return 0;
	if (fstat(fd, &tty) != 0) {
		(void)!bg_snprintf(why, whylen, "cannot read the terminal: %s", strerror(errno));
		return -1;
	}
	if (bg_snprintf(self, sizeof(self), "%ld", (long)getpid()) != BG_OK ||
	    (d = opendir("/proc")) == NULL) {
		(void)!bg_snprintf(why, whylen, "cannot look for other holders of the "
				   "terminal: %s", strerror(errno));
		return -1;
	}
	/* Only processes whose fds these ids may read: the user's own,
	 * unless one made itself undumpable (breakglass-rec(8) says why
	 * containment covers those). */
	while (pid == 0 && (e = readdir(d)) != NULL)
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9' &&
		    strcmp(e->d_name, self) != 0 && holds(e->d_name, &tty))
			pid = strtol(e->d_name, NULL, 10);
	(void)closedir(d);
	if (pid != 0) {
		(void)!bg_snprintf(why, whylen, "another process (pid %ld) already holds the "
				   "terminal open", pid);
		return -1;
	}
	return 0;
}
