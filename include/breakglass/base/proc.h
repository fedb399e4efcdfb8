/* Processes as /proc shows them: a process's parent, and its start time,
 * which tells it from a later process that got the same pid. */
#ifndef BREAKGLASS_PROC_H
#define BREAKGLASS_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "breakglass/base/error.h"

struct bg_proc {
	pid_t ppid;
	unsigned long long start;       /* clock ticks after boot */
};

/* Process pid's parent and start time, from /proc/PID/stat (readable by
 * everyone).  BG_ENOENT when there is no such process, BG_EINVAL for a
 * pid below 1 or a line that does not parse. */
BG_WUR int bg_proc_read(pid_t pid, struct bg_proc *out);

/* /proc/<pid>/<name>, at most its first cap - 1 bytes, into buf
 * (NUL-terminated): the number of bytes read, or -1 (errno set) when it
 * cannot be opened or read.  For the files of other processes that
 * everyone may read (status, comm, cgroup); a result of cap - 1 may mean
 * there was more. */
ssize_t bg_proc_file(pid_t pid, const char *name, char *buf, size_t cap);

/* Whether the process anc, started at start, is an ancestor of pid (its
 * parent, its parent's parent, ...); BG_OK with the answer in *yes, or
 * the error of a process of the chain that could not be read. */
BG_WUR int bg_proc_has_ancestor(pid_t pid, pid_t anc, unsigned long long start, bool *yes);

#endif
