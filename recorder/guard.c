/* Start-up guards of the setuid recorder: limits its caller lowered
 * (see breakglass-rec(8), RESOURCE LIMITS) and the outer terminal held,
 * or possibly held, by someone else (OUTER TERMINAL). */
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
#include "breakglass/base/proc.h"
#include "breakglass/base/text.h"
#include "breakglass/login/contain.h"
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

enum hold { HOLD_NO, HOLD_HIDDEN, HOLD_YES };

/* Whether the fd table at dir (a /proc/PID/task/TID/fd) has the terminal
 * tty open; HOLD_HIDDEN when these ids may not read it. */
static enum hold table(int dir, const struct stat *tty)
{
	struct dirent *e;
	struct stat st;
	enum hold h = HOLD_NO;
	DIR *d;

	if ((d = fdopendir(dir)) == NULL) {
		(void)close(dir);
		return HOLD_HIDDEN;
	}
	while (h == HOLD_NO && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, 0) != 0) {
			/* Closed meanwhile, or not ours to see (another group). */
			if (errno != ENOENT)
				h = HOLD_HIDDEN;
			continue;
		}
		if (S_ISCHR(st.st_mode) && st.st_rdev == tty->st_rdev)
			h = HOLD_YES;
	}
	(void)closedir(d);
	return h;
}

/* Whether thread tid (a name in dir, a /proc/PID/task) is a zombie: it
 * has closed its files, and /proc shows their table as root's. */
static bool dead(int dir, const char *tid)
{
	char path[64], line[1024], *p;
	ssize_t n;
	int fd;

	if (bg_snprintf(path, sizeof(path), "%s/stat", tid) != BG_OK ||
	    (fd = openat(dir, path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	n = read(fd, line, sizeof(line) - 1);
	(void)close(fd);
	if (n <= 0)
		return false;
	line[n] = '\0';
	/* "TID (COMM) STATE ...": COMM may hold anything, even ")". */
	p = strrchr(line, ')');
	return p != NULL && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

/* Whether process pid (a /proc name) has the terminal open in the fd
 * table of any of its threads: a thread made without CLONE_FILES has a
 * table of its own, which /proc/PID/fd does not show. */
static enum hold holds(const char *pid, const struct stat *tty)
{
	char path[64];
	struct dirent *e;
	enum hold h = HOLD_NO;
	DIR *d;
	int fd;

	if (bg_snprintf(path, sizeof(path), "/proc/%s/task", pid) != BG_OK)
		return HOLD_HIDDEN;
	if ((d = opendir(path)) == NULL)
		return errno == ENOENT ? HOLD_NO : HOLD_HIDDEN;
	/* The first hidden table settles it: the process's ids decide. */
	while (h == HOLD_NO && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' ||
		    bg_snprintf(path, sizeof(path), "%s/fd", e->d_name) != BG_OK)
			continue;
		fd = openat(dirfd(d), path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0)
			h = table(fd, tty);
		else if (errno != ENOENT && !dead(dirfd(d), e->d_name))
			h = HOLD_HIDDEN;
	}
	(void)closedir(d);
	return h;
}

/* The four ids of a "Uid:" or "Gid:" line (key) of a /proc status text. */
static bool ids_of(const char *text, const char *key, unsigned long v[4])
{
	const char *p = strstr(text, key);
	char *end;
	int i;

	if (p == NULL)
		return false;
	p += strlen(key);
	for (i = 0; i < 4; i++) {
		if (*p != '\t')
			return false;
		errno = 0;
		v[i] = strtoul(p + 1, &end, 10);
		if (errno != 0 || end == p + 1)
			return false;
		p = end;
	}
	return *p == '\n';
}

/* Uid and Gid of process pid (/proc/PID/status, which everyone may read). */
static bool ids(pid_t pid, unsigned long uid[4], unsigned long gid[4])
{
	char text[4096];

	if (bg_proc_file(pid, "status", text, sizeof(text)) <= 0)
		return false;
	/* The Name line is escaped: none but these lines start so. */
	return ids_of(text, "\nUid:", uid) && ids_of(text, "\nGid:", gid);
}

static bool all(const unsigned long v[4], unsigned long want)
{
	return v[0] == want && v[1] == want && v[2] == want && v[3] == want;
}

/* For a process these ids may not look into: whether the user can run
 * code in it, having every uid of the user's and one gid throughout (a
 * group the user switched to with sg(1) hides the files too); a
 * setuid or setgid program has other ids.  A process gone: false.
 * Root is trusted (breakglass-rec(8), SECURITY), its processes too. */
static bool users_own(pid_t pid)
{
	unsigned long uid[4], gid[4];

	return getuid() != 0 && ids(pid, uid, gid) && all(uid, (unsigned long)getuid()) &&
	       all(gid, gid[0]);
}

/* sshd's process of a session, which made itself non-dumpable: its parent
 * is root's (sshd's monitor), and it is this recorder's ancestor (this
 * login's, contained or not) or in the recorder child of some session
 * together with that parent (another login's).  A process the session
 * left behind has another parent, or init, outside those children. */
static bool sshds(pid_t pid)
{
	char sid[BG_SESSION_ID_LEN + 1], psid[BG_SESSION_ID_LEN + 1];
	unsigned long uid[4], gid[4];
	struct bg_proc pr;
	bool below = false;

	if (bg_proc_read(pid, &pr) != BG_OK || !ids(pr.ppid, uid, gid) || !all(uid, 0) ||
	    !all(gid, 0))
		return false;
	if (bg_proc_has_ancestor(getpid(), pid, pr.start, &below) == BG_OK && below)
		return true;
	return bg_contain_rec_of(pid, sid) == BG_OK && bg_contain_rec_of(pr.ppid, psid) == BG_OK &&
	       strcmp(sid, psid) == 0;
}

/* 0, or -1 with why set when process pid (a /proc name) holds the
 * terminal, or may and hides it. */
static int check(const char *name, const struct stat *tty, char *why, size_t whylen)
{
	char comm[32] = "", q[80];
	pid_t pid = (pid_t)strtol(name, NULL, 10);
	enum hold h = holds(name, tty);

	if (h == HOLD_YES) {
		(void)!bg_snprintf(why, whylen, "another process (pid %ld) already holds the "
				   "terminal open", (long)pid);
		return -1;
	}
	if (h == HOLD_NO || !users_own(pid) || sshds(pid))
		return 0;
	if (bg_proc_file(pid, "comm", comm, sizeof(comm)) < 0)
		comm[0] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
	bg_text_quote(comm, 16, q, sizeof(q));
	(void)!bg_snprintf(why, whylen, "a process of yours (pid %ld, %s) hides its open files "
			   "(non-dumpable, or another group), so the terminal cannot be checked: "
			   "end it and log in again", (long)pid, q);
	return -1;
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
	int rc = 0;
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
	/* With the user's ids: the user's processes are readable, unless
	 * one hides its files (breakglass-rec(8), OUTER TERMINAL). */
	while (rc == 0) {
		errno = 0;
		if ((e = readdir(d)) == NULL)
			break;
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9' && strcmp(e->d_name, self) != 0)
			rc = check(e->d_name, &tty, why, whylen);
	}
	if (rc == 0 && errno != 0) {
		(void)!bg_snprintf(why, whylen, "cannot look through /proc: %s", strerror(errno));
		rc = -1;
	}
	(void)closedir(d);
	return rc;
}
