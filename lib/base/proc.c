/* Reading a process's parent and start time from /proc/PID/stat. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "breakglass/base/buf.h"
#include "breakglass/base/proc.h"

/* Deeper than any login: sshd, its session child, a shell or two. */
#define PROC_MAX_DEPTH 64

/* The unsigned decimal number at *p, which then points past it and one
 * space (or the end); BG_EINVAL when there is none. */
static int field(const char **p, unsigned long long *out)
{
	char *end;

	if (**p < '0' || **p > '9')
		return BG_EINVAL;
	errno = 0;
	*out = strtoull(*p, &end, 10);
	if (errno != 0 || (*end != ' ' && *end != '\n' && *end != '\0'))
		return BG_EINVAL;
	*p = *end == '\0' ? end : end + 1;
	return BG_OK;
}

/* Skip one field (state is a letter, the others numbers, maybe signed). */
static int skip(const char **p)
{
	const char *sp = strchr(*p, ' ');

	if (sp == NULL || sp == *p)
		return BG_EINVAL;
	*p = sp + 1;
	return BG_OK;
}

/* The line is "PID (COMM) STATE PPID ... STARTTIME ...", field 22 the
 * start time; COMM may hold spaces and parentheses, so fields are counted
 * from its last ')'. */
static int parse(const char *line, struct bg_proc *out)
{
	const char *p = strrchr(line, ')');
	unsigned long long ppid;
	int i, r;

	if (p == NULL || p[1] != ' ')
		return BG_EINVAL;
	p += 2;
	if ((r = skip(&p)) != BG_OK || (r = field(&p, &ppid)) != BG_OK)
		return r;
	for (i = 5; i < 22; i++)
		if ((r = skip(&p)) != BG_OK)
			return r;
	if ((r = field(&p, &out->start)) != BG_OK)
		return r;
	if (ppid > INT_MAX)
		return BG_EINVAL;
	out->ppid = (pid_t)ppid;
	return BG_OK;
}

int bg_proc_read(pid_t pid, struct bg_proc *out)
{
	char path[64], line[1024];
	ssize_t n;
	int fd, r;

	if (pid < 1 || bg_snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid) != BG_OK)
		return BG_EINVAL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT || errno == ESRCH ? BG_ENOENT : BG_EIO;
	n = read(fd, line, sizeof(line) - 1);
	r = n > 0 ? BG_OK : n == 0 || errno == ESRCH ? BG_ENOENT : BG_EIO;
	(void)close(fd);
	if (r != BG_OK)
		return r;
	line[n] = '\0';
	return parse(line, out);
}

ssize_t bg_proc_file(pid_t pid, const char *name, char *buf, size_t cap)
{
	char path[64];
	size_t got = 0;
	ssize_t n = 0;
	int fd, saved;

	if (cap == 0 || pid < 1 ||
	    bg_snprintf(path, sizeof(path), "/proc/%ld/%s", (long)pid, name) != BG_OK) {
		errno = EINVAL;
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	while (got < cap - 1 && (n = read(fd, buf + got, cap - 1 - got)) > 0)
		got += (size_t)n;
	saved = errno;
	(void)close(fd);
	buf[got] = '\0';
	if (n < 0) {
		errno = saved;
		return -1;
	}
	return (ssize_t)got;
}

int bg_proc_has_ancestor(pid_t pid, pid_t anc, unsigned long long start, bool *yes)
{
	struct bg_proc pr;
	int depth, r;

	*yes = false;
	for (depth = 0; depth < PROC_MAX_DEPTH; depth++) {
		if ((r = bg_proc_read(pid, &pr)) != BG_OK)
			return r;
		/* The pid 0 of init's parent ends the chain. */
		if (pr.ppid < 1)
			return BG_OK;
		pid = pr.ppid;
		if (pid == anc) {
			if ((r = bg_proc_read(pid, &pr)) != BG_OK)
				return r;
			*yes = pr.start == start;
			return BG_OK;
		}
	}
	return BG_OK;
}
