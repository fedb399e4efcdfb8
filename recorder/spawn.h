/* Starting the session's child: on a new pty (interactive) or on pipes
 * (a command without a terminal), with the user's ids and a check that
 * none of the recorder's can come back. */
#ifndef BREAKGLASS_RECORDER_SPAWN_H
#define BREAKGLASS_RECORDER_SPAWN_H

#include <pwd.h>
#include <stdbool.h>
#include <sys/types.h>

struct spawn_opts {
	const struct passwd *pw;        /* the user: shell, home */
	char *const *env;               /* from environ_build */
	const char *command;            /* -c COMMAND, or NULL: a login shell */
	bool pty;                       /* interactive: a new pty */
	int term_fd;                    /* pty mode: the user's terminal to copy
					   termios and size from, or -1 */
	/* Called in the child after the fds are in place and before exec:
	 * the id drop (priv.c).  Non-zero: the child exits 126 unexec'd. */
	int (*drop)(void *ctx);
	void *drop_ctx;
	/* Called in the parent once the child exists, before it does
	 * anything: the child waits until it returns 0 (the recorder makes
	 * itself unsignalable first); non-zero: the child ends unexec'd and
	 * spawn_start fails with ECANCELED.  NULL: no wait. */
	int (*ready)(void *ctx);
	void *ready_ctx;
};

struct spawn_child {
	pid_t pid;
	int pty;                        /* master, or -1 */
	int in, out, err;               /* pipe mode: parent's ends, else -1 */
};

/* Start the child: pty mode opens a pty (the slave owned by the caller's
 * effective uid, so call it with the user's effective ids) with the
 * termios and size of term_fd (80x24 and the kernel's defaults when it is
 * not a terminal), makes it the controlling terminal of a new session,
 * fds 0-2 on it; pipe mode puts pipes on 0-2 (and a new session too).
 * Every other fd is closed in the child, signals are reset to default and
 * unblocked, drop is called, then cwd is the user's home (or / when that
 * fails).  The shell is pw->pw_shell (or /bin/sh when empty; EINVAL when
 * not absolute), argv[0] "-" + its base name for a login shell, or its
 * base name, "-c", command (as sshd does).  The parent's ends (master,
 * pipes) are close-on-exec and blocking.  0 once the child has exec'd or
 * has ended before (a failed drop: exit status 126); -1 with errno
 * (exec's ENOENT, EACCES, ... reported by the child through an error
 * pipe) and nothing left running, the child reaped. */
int spawn_start(const struct spawn_opts *o, struct spawn_child *c);

#endif
