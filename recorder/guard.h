/* The recorder's start-up guards against its caller: resource limits
 * lowered before exec, and another process that already holds the
 * outer terminal open. */
#ifndef BREAKGLASS_RECORDER_GUARD_H
#define BREAKGLASS_RECORDER_GUARD_H

#include <stddef.h>

/* Raise every soft limit the recording depends on (file size, open
 * files, memory, CPU time, stack, pending signals) to what it needs;
 * core dumps off.  -1 with a message in why when a hard limit is below
 * what a complete recording needs: an unprivileged process cannot raise
 * it, and a recording cut short by it would be silently truncated. */
int guard_limits(char *why, size_t whylen);

/* When fd is a terminal, make it exclusive (TIOCEXCL: later opens fail
 * with EBUSY, except root's).  0 (also when fd is no terminal), or -1
 * with why set. */
int guard_terminal_exclusive(int fd, char *why, size_t whylen);

/* When fd is a terminal, look through /proc (every thread's fd table),
 * with the caller's effective ids, for another process that holds the
 * same terminal open: it could type or print around the recording; or
 * that hides its files from these ids while running with only the real
 * uid (and one gid), so that it may (sshd's own processes of a login
 * spared).  0, or -1 with why set, naming the process. */
int guard_terminal_alone(int fd, char *why, size_t whylen);

#endif
