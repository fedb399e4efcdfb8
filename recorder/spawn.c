/* Starting the session's child on a pty or on pipes, with the environment
 * of environ.c, nothing of the recorder's left open, and exec failures
 * reported back through an error pipe. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "spawn.h"

#define CHILD_SETUP_FAILED 126
#define CHILD_EXEC_FAILED 127


/* Everything the child needs, made before fork: after it the child only
 * makes async-signal-safe calls. */
static const char *shell_of(const struct passwd *pw)
{
	return pw->pw_shell != NULL && pw->pw_shell[0] != '\0' ? pw->pw_shell : "/bin/sh";
}

struct plan {
	const struct spawn_opts *o;
	const char *shell;
	char *argv[4];
	char argv0[PATH_MAX + 2];
	char slave[128];
	int fd[4];                      /* the child's 0, 1, 2; the error pipe */
	int go[2];                      /* ready's release: read, write end */
	pid_t parent;                   /* the recorder */
};

/* errno to the parent, what to fd 2 (if still there), and out. */
static __attribute__((noreturn)) void child_fail(const struct plan *p, int status,
						  const char *what)
{
	static const char pre[] = "breakglass-rec: ";
	int err = errno;

	/* Nothing more to do if a write fails: the exit status says it. */
	if (p->fd[3] >= 0)
		(void)!write(p->fd[3], &err, sizeof(err));
	(void)!write(2, pre, sizeof(pre) - 1);
	(void)!write(2, what, strlen(what));
	(void)!write(2, "\n", 1);
	_exit(status);
}

/* Close every fd from 4 up: close_range where the kernel has it, else
 * what /proc lists, read with getdents64 into the stack (no malloc).
 * The listing goes by fd number, so closing as it goes skips nothing. */
static int close_from_4(void)
{
	char buf[4096];
	unsigned short reclen;
	long n, i, fd;
	int dir;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, 4U, ~0U, 0U) == 0)
		return 0;
#endif
	if ((dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	while ((n = syscall(SYS_getdents64, dir, buf, sizeof(buf))) > 0) {
		/* struct linux_dirent64: d_reclen at 16, d_name at 19 */
		for (i = 0; i < n; i += reclen) {
			const char *name = buf + i + 19;

			memcpy(&reclen, buf + i + 16, sizeof(reclen));
			for (fd = 0; *name >= '0' && *name <= '9' && fd < INT_MAX / 10; name++)
				fd = fd * 10 + (*name - '0');
			if (*name == '\0' && fd >= 4 && fd != dir)
				close((int)fd);
		}
	}
	return n < 0 ? -1 : close(dir);
}

static void signals_default(void)
{
	/* SIG_DFL, no flags, an empty mask: all zero in every
	 * architecture's struct for rt_sigaction. */
	static const unsigned long dfl[16];
	sigset_t none;
	int sig;

	/* exec keeps what is ignored and blocked, the relay's SIG_IGN and
	 * mask included.  The raw call reaches the signals the C library
	 * keeps for itself (32, 33), which may be ignored too; SIGKILL and
	 * SIGSTOP refuse, and need nothing. */
	for (sig = 1; sig < NSIG; sig++)
		(void)!syscall(SYS_rt_sigaction, sig, dfl, NULL, (size_t)(NSIG - 1) / 8);
	sigemptyset(&none);
	(void)!sigprocmask(SIG_SETMASK, &none, NULL);
}

static __attribute__((noreturn)) void child(struct plan *p)
{
	const struct spawn_opts *o = p->o;
	char go;
	ssize_t n;
	int i, fd;

	/* Nothing of the session runs before the parent says so: the end of
	 * the pipe unwritten means it will not. */
	if (p->go[0] >= 0) {
		close(p->go[1]);
		do
			n = read(p->go[0], &go, 1);
		while (n < 0 && errno == EINTR);
		close(p->go[0]);
		if (n != 1) {
			errno = ECANCELED;
			child_fail(p, CHILD_SETUP_FAILED, "the recorder did not let the session start");
		}
	}
	signals_default();
	if (setsid() < 0)
		child_fail(p, CHILD_SETUP_FAILED, "cannot start a new session");
	if (o->pty) {
		/* The first tty a session leader opens becomes its controlling
		 * terminal; TIOCSCTTY in case the open did not make it so. */
		if ((fd = open(p->slave, O_RDWR)) < 0 || ioctl(fd, TIOCSCTTY, 0) < 0)
			child_fail(p, CHILD_SETUP_FAILED, "cannot take the terminal");
		errno = ENOTTY;
		if (tcgetsid(fd) != getpid())
			child_fail(p, CHILD_SETUP_FAILED, "cannot take the terminal");
		p->fd[0] = p->fd[1] = p->fd[2] = fd;
	}
	/* All above 2 first, so that no dup2 below overwrites one. */
	for (i = 0; i < 4; i++)
		if (p->fd[i] < 3 && (p->fd[i] = fcntl(p->fd[i], F_DUPFD_CLOEXEC, 3)) < 0)
			child_fail(p, CHILD_SETUP_FAILED, "cannot place fds");
	for (i = 0; i < 3; i++)
		if (dup2(p->fd[i], i) != i)
			child_fail(p, CHILD_SETUP_FAILED, "cannot place fds");
	if (p->fd[3] != 3) {
		if (dup3(p->fd[3], 3, O_CLOEXEC) != 3)
			child_fail(p, CHILD_SETUP_FAILED, "cannot place fds");
		p->fd[3] = 3;
	}
	if (close_from_4() != 0)
		child_fail(p, CHILD_SETUP_FAILED, "cannot close the recorder's fds");
	/* The error pipe stays silent: a failed drop is the child's exit
	 * status 126, which the recorder reports as the session's. */
	if (o->drop != NULL && o->drop(o->drop_ctx) != 0) {
		p->fd[3] = -1;
		child_fail(p, CHILD_SETUP_FAILED, "cannot drop privileges: no shell");
	}
	/* If the recorder dies, even by SIGKILL, the session ends with it:
	 * a pty is hung up by the kernel, pipes are not.  Set after the id
	 * change, which clears it; the parent may already be gone. */
	if (prctl(PR_SET_PDEATHSIG, SIGHUP, 0, 0, 0) != 0 || getppid() != p->parent)
		child_fail(p, CHILD_SETUP_FAILED, "the recorder is gone");
	/* After the drop: the home is entered with the shell's own ids. */
	if (o->pw->pw_dir == NULL || chdir(o->pw->pw_dir) != 0)
		if (chdir("/") != 0)
			child_fail(p, CHILD_SETUP_FAILED, "cannot change to /");
	execve(p->shell, p->argv, o->env);
	child_fail(p, CHILD_EXEC_FAILED, "cannot run the shell");
}

static int plan_argv(struct plan *p)
{
	const char *base = strrchr(p->shell, '/');
	size_t len;

	base = base != NULL ? base + 1 : p->shell;
	len = strlen(base);
	if (len == 0 || len + 2 > sizeof(p->argv0))
		return -1;
	p->argv0[0] = '-';
	memcpy(p->argv0 + 1, base, len + 1);
	if (p->o->command == NULL) {
		p->argv[0] = p->argv0;
		p->argv[1] = NULL;
	} else {
		p->argv[0] = p->argv0 + 1;
		p->argv[1] = (char *)"-c";
		p->argv[2] = (char *)p->o->command;
		p->argv[3] = NULL;
	}
	return 0;
}

/* The new pty's slave, opened here with the user's termios and size so
 * they are in place before the shell's first read. */
static int open_pty(const struct spawn_opts *o, struct plan *p, int *master)
{
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };
	struct winsize tws;
	struct termios tio;
	int m, s = -1;

	if ((m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
		return -1;
	if (grantpt(m) != 0 || unlockpt(m) != 0 ||
	    ptsname_r(m, p->slave, sizeof(p->slave)) != 0 ||
	    (s = open(p->slave, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
		goto fail;
	if (o->term_fd >= 0 && isatty(o->term_fd)) {
		if (tcgetattr(o->term_fd, &tio) != 0 || tcsetattr(s, TCSANOW, &tio) != 0)
			goto fail;
		if (ioctl(o->term_fd, TIOCGWINSZ, &tws) == 0 && tws.ws_row > 0 &&
		    tws.ws_col > 0)
			ws = tws;
	}
	if (ioctl(s, TIOCSWINSZ, &ws) != 0)
		goto fail;
	*master = m;
	return s;
fail:
	if (s >= 0)
		close(s);
	close(m);
	return -1;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* 0 once the child has exec'd (the error pipe closed unwritten) or has
 * ended without a word; -1 with the child's errno, the child reaped. */
static int await_exec(pid_t pid, int rfd)
{
	int err, st;
	ssize_t n;

	do
		n = read(rfd, &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return 0;
	if (n != (ssize_t)sizeof(err) || err == 0) {
		err = n < 0 ? errno : EIO;
		kill(pid, SIGKILL);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	errno = err;
	return -1;
}

int spawn_start(const struct spawn_opts *o, struct spawn_child *c)
{
	struct plan p = { .o = o, .fd = { -1, -1, -1, -1 }, .go = { -1, -1 } };
	/* in r, w; out r, w; err r, w; error pipe r, w; slave; master */
	int fd[10] = { -1, -1, -1, -1, -1, -1, -1, -1, -1, -1 };
	int err, i;
	pid_t pid;

	c->pid = -1;
	c->pty = c->in = c->out = c->err = -1;
	if (o == NULL || o->pw == NULL || o->env == NULL) {
		errno = EINVAL;
		return -1;
	}
	p.shell = shell_of(o->pw);
	/* A relative shell would be looked up in the user's home. */
	if (p.shell[0] != '/' || plan_argv(&p) != 0) {
		errno = EINVAL;
		return -1;
	}
	if (o->pty) {
		if ((fd[8] = open_pty(o, &p, &fd[9])) < 0)
			goto fail;
	} else {
		if (pipe2(fd, O_CLOEXEC) != 0 || pipe2(fd + 2, O_CLOEXEC) != 0 ||
		    pipe2(fd + 4, O_CLOEXEC) != 0)
			goto fail;
		p.fd[0] = fd[0];
		p.fd[1] = fd[3];
		p.fd[2] = fd[5];
	}
	if (pipe2(fd + 6, O_CLOEXEC) != 0 || (o->ready != NULL && pipe2(p.go, O_CLOEXEC) != 0))
		goto fail;
	p.fd[3] = fd[7];
	p.parent = getpid();
	if ((pid = fork()) < 0)
		goto fail;
	if (pid == 0)
		child(&p);
	if (o->ready != NULL) {
		close_fd(&p.go[0]);
		/* Unwritten, the closed pipe ends the child unexec'd. */
		if (o->ready(o->ready_ctx) == 0)
			(void)!write(p.go[1], "", 1);
		close_fd(&p.go[1]);
	}
	/* The parent keeps the slave open until the child has it: the
	 * master never sees a hang-up before the shell runs. */
	close_fd(&fd[0]);
	close_fd(&fd[3]);
	close_fd(&fd[5]);
	close_fd(&fd[7]);
	err = await_exec(pid, fd[6]);
	close_fd(&fd[6]);
	close_fd(&fd[8]);
	if (err != 0)
		goto fail;
	c->pid = pid;
	c->pty = fd[9];
	c->in = fd[1];
	c->out = fd[2];
	c->err = fd[4];
	return 0;
fail:
	err = errno;
	for (i = 0; i < 10; i++)
		close_fd(&fd[i]);
	close_fd(&p.go[0]);
	close_fd(&p.go[1]);
	errno = err;
	return -1;
}
