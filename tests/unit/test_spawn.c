/* Tests for starting the session's child (recorder/spawn.c): what the
 * child finds on a pty or on pipes, the id-drop hook and exec failures.
 * The environment's allow-list is tested in test_environ.c. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <cmocka.h>

#include "breakglass/base/text.h"
#include "helpers.h"
#include "environ.h"
#include "spawn.h"

#define SESSION "0123456789abcdef0123456789abcdef"

static char *home;              /* the test user's home: an empty scratch dir */

static size_t count(char *const *env)
{
	size_t n = 0;

	while (env[n] != NULL)
		n++;
	return n;
}

static bool has_n(char *const *env, const char *entry, size_t len)
{
	size_t i;

	for (i = 0; env[i] != NULL; i++)
		if (strlen(env[i]) == len && memcmp(env[i], entry, len) == 0)
			return true;
	return false;
}

/* Options for a child of the test user: our own account with shell,
 * home dir (or the scratch home), command (NULL: a login shell). */
static struct spawn_opts opts(struct passwd *pw, const char *shell, const char *dir,
			      const char *command)
{
	struct spawn_opts o = { .pw = pw, .command = command, .term_fd = -1 };

	*pw = *getpwuid(geteuid());
	pw->pw_shell = (char *)shell;
	pw->pw_dir = (char *)(dir != NULL ? dir : home);
	assert_non_null(o.env = environ_build(NULL, pw, SESSION));
	return o;
}

static void opts_free(struct spawn_opts *o)
{
	environ_free((char **)o->env);        /* made by opts() */
}

struct run {
	pid_t pid;
	int status;
	char tty[64];
	char out[32768], err[1024];     /* out starts with '\n' (see has_line) */
};

/* Everything until EOF (a pipe) or EIO (a pty whose slave is gone). */
static void read_all(int fd, char *buf, size_t cap)
{
	size_t len = strlen(buf);
	ssize_t n;

	do {
		assert_true(len + 1 < cap);
		n = read(fd, buf + len, cap - 1 - len);
		len += n > 0 ? (size_t)n : 0;
	} while (n > 0 || (n < 0 && errno == EINTR));
	buf[len] = '\0';
	assert_true(n == 0 || errno == EIO);
}

static void reap(struct run *r)
{
	assert_int_equal(waitpid(r->pid, &r->status, 0), r->pid);
	assert_true(WIFEXITED(r->status));
	r->status = WEXITSTATUS(r->status);
}

/* Start o on a pty, type input, read the pty until the child is gone. */
static void run_pty(struct spawn_opts *o, const char *input, struct run *r)
{
	struct spawn_child c;
	char *s, *d;

	o->pty = true;
	memset(r, 0, sizeof(*r));
	assert_int_equal(spawn_start(o, &c), 0);
	assert_true(c.pty >= 0 && c.in == -1 && c.out == -1 && c.err == -1);
	r->pid = c.pid;
	assert_int_equal(ptsname_r(c.pty, r->tty, sizeof(r->tty)), 0);
	if (input != NULL)
		assert_int_equal(write(c.pty, input, strlen(input)), (ssize_t)strlen(input));
	r->out[0] = '\n';
	read_all(c.pty, r->out, sizeof(r->out));
	close(c.pty);
	reap(r);
	for (s = d = r->out; *s; s++)   /* the pty's ONLCR */
		if (*s != '\r')
			*d++ = *s;
	*d = '\0';
}

static bool has_line(const struct run *r, const char *line)
{
	char want[512];

	assert_true(snprintf(want, sizeof(want), "\n%s\n", line) < (int)sizeof(want));
	return strstr(r->out, want) != NULL;
}

/* The drop hook: records where and in what state it ran. */
static int drop_record(void *ctx)
{
	char line[128];
	int n = snprintf(line, sizeof(line), "pid=%d sid=%d tty0=%d", (int)getpid(),
			 (int)getsid(0), isatty(0));
	int fd = open(ctx, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	return fd < 0 || write(fd, line, (size_t)n) != n || close(fd) != 0;
}

static int drop_fail(void *ctx)
{
	(void)ctx;
	return -1;
}

/* One pty child started the way the recorder would, with the parent in
 * a hostile state (signals ignored and blocked, an fd left inheritable,
 * the user's terminal 132x43 with ^A as intr), reports on itself. */
/* The signal state first, with builtins only: once the shell has forked
 * and waits, it blocks SIGCHLD itself. */
static const char probe_script[] =
	"while read -r l; do case $l in SigIgn:*|SigBlk:*) echo \"$l\";; esac; done "
	"</proc/$$/status; "
	"echo \"tty=$(tty) argv0=$0\"; : </dev/tty && echo ctty=yes; "
	"set -- $(cut -d' ' -f6,8 /proc/$$/stat); echo \"pid=$$ sid=$1 fg=$2\"; "
	"echo fds; ls -1 /proc/$$/fd; echo env; tr '\\0' '\\n' </proc/$$/environ; "
	"echo end; echo \"size=$(stty size)\"; stty -a | grep -o 'intr = [^;]*'; "
	"echo \"cwd=$(pwd -P)\"; exit 42";
static struct run probe;
static char **probe_env;
static char probe_drop[4200];

static int run_probe(void **state)
{
	const char *in[] = { "TERM=xterm", "LD_PRELOAD=/nonexistent.so", "LANG=C.UTF-8",
			     "BREAKGLASS_CONFIG=/tmp/c.json", "TERM=vt100", NULL };
	struct winsize ws = { .ws_row = 43, .ws_col = 132 };
	struct passwd pw;
	struct spawn_opts o = opts(&pw, "/bin/sh", NULL, probe_script);
	int leak = open("/dev/null", O_RDONLY), m;
	struct termios tio;
	sigset_t all, old;

	(void)state;
	opts_free(&o);
	assert_non_null(o.env = probe_env = environ_build((char *const *)in, &pw, SESSION));
	assert_true(snprintf(probe_drop, sizeof(probe_drop), "%s/dropped", home) < 4200);
	o.drop = drop_record;
	o.drop_ctx = probe_drop;
	assert_int_equal(openpty(&m, &o.term_fd, NULL, NULL, &ws), 0);
	assert_int_equal(tcgetattr(o.term_fd, &tio), 0);
	tio.c_cc[VINTR] = 1;
	assert_int_equal(tcsetattr(o.term_fd, TCSANOW, &tio), 0);
	sigfillset(&all);
	assert_int_equal(sigprocmask(SIG_BLOCK, &all, &old), 0);
	assert_true(signal(SIGPIPE, SIG_IGN) != SIG_ERR && signal(SIGINT, SIG_IGN) != SIG_ERR);
	run_pty(&o, NULL, &probe);
	assert_true(signal(SIGPIPE, SIG_DFL) != SIG_ERR && signal(SIGINT, SIG_DFL) != SIG_ERR);
	assert_int_equal(sigprocmask(SIG_SETMASK, &old, NULL), 0);
	assert_true(leak >= 0 && close(leak) == 0 && close(m) == 0 && close(o.term_fd) == 0);
	return 0;
}

static void test_pty_controlling_terminal_and_session_leader(void **state)
{
	char want[128];

	(void)state;
	assert_true(snprintf(want, sizeof(want), "tty=%s argv0=sh", probe.tty) < 128);
	assert_true(strncmp(probe.tty, "/dev/pts/", 9) == 0 && has_line(&probe, want));
	assert_true(has_line(&probe, "ctty=yes"));
	snprintf(want, sizeof(want), "pid=%d sid=%d fg=%d", probe.pid, probe.pid, probe.pid);
	assert_true(has_line(&probe, want));
}

static void test_pty_only_fds_0_1_2(void **state)
{
	(void)state;
	assert_true(has_line(&probe, "fds\n0\n1\n2\nenv"));
}

static void test_pty_environment_exact(void **state)
{
	const char *p = strstr(probe.out, "\nenv\n"), *nl;
	size_t n = 0;

	(void)state;
	assert_non_null(p);
	for (p += 5; strncmp(p, "end\n", 4) != 0; p = nl + 1, n++) {
		assert_non_null(nl = strchr(p, '\n'));
		assert_true(has_n(probe_env, p, (size_t)(nl - p)));
	}
	assert_int_equal(n, count(probe_env));
	assert_int_equal(n, 7);         /* the six fixed ones and LANG */
}

static void test_pty_window_size_and_termios_copied(void **state)
{
	struct passwd pw;
	struct spawn_opts o = opts(&pw, "/bin/sh", NULL,
				   "echo \"size=$(stty size)\"; stty -a | grep -o 'intr = [^;]*'");
	int defaults[] = { -1, open("/dev/null", O_RDWR) }, i;
	struct run r;

	(void)state;
	assert_true(has_line(&probe, "size=43 132") && has_line(&probe, "intr = ^A"));
	for (i = 0; i < 2; i++) {       /* no terminal to copy: 80x24, sane */
		o.term_fd = defaults[i];
		run_pty(&o, NULL, &r);
		assert_true(has_line(&r, "size=24 80") && has_line(&r, "intr = ^C"));
	}
	assert_int_equal(close(defaults[1]), 0);
	opts_free(&o);
}

static void test_pty_cwd_home_else_root(void **state)
{
	struct passwd pw;
	struct spawn_opts o = opts(&pw, "/bin/sh", "/nonexistent/home", "echo \"cwd=$(pwd -P)\"");
	char want[4200], *real = realpath(home, NULL);
	struct run r;

	(void)state;
	assert_non_null(real);
	assert_true(snprintf(want, sizeof(want), "cwd=%s", real) < (int)sizeof(want));
	assert_true(has_line(&probe, want));
	run_pty(&o, NULL, &r);
	assert_true(has_line(&r, "cwd=/"));
	free(real);
	opts_free(&o);
}

static void test_pty_signals_default_and_unblocked(void **state)
{
	(void)state;
	assert_true(has_line(&probe, "SigBlk:\t0000000000000000"));
	assert_true(has_line(&probe, "SigIgn:\t0000000000000000"));
}

static void test_pty_login_shell_argv0(void **state)
{
	struct passwd pw;
	struct spawn_opts o = opts(&pw, "/bin/sh", NULL, NULL);
	struct run r;

	(void)state;
	run_pty(&o, "echo \"argv0=[$0]\"; exit 7\n", &r);
	/* After the prompt, which follows the echo of what was typed. */
	assert_non_null(strstr(r.out, "argv0=[-sh]\n"));
	assert_int_equal(r.status, 7);
	opts_free(&o);
}

static void test_pty_exit_status(void **state)
{
	(void)state;
	assert_int_equal(probe.status, 42);
}

static void test_drop_called_in_child_on_its_terminal(void **state)
{
	char want[128], *got = th_slurp(probe_drop, NULL);

	(void)state;
	assert_non_null(got);
	snprintf(want, sizeof(want), "pid=%d sid=%d tty0=1", probe.pid, probe.pid);
	assert_string_equal(got, want);
	free(got);
}

static void test_drop_failure_exits_126_without_exec(void **state)
{
	struct passwd pw;
	struct spawn_opts o = opts(&pw, "/bin/sh", NULL, "touch ran");  /* in home */
	char marker[4200];
	struct run r;

	(void)state;
	assert_true(snprintf(marker, sizeof(marker), "%s/ran", home) < (int)sizeof(marker));
	o.drop = drop_fail;
	run_pty(&o, NULL, &r);
	assert_int_equal(r.status, 126);
	assert_int_equal(access(marker, F_OK), -1);
	assert_non_null(strstr(r.out, "cannot drop privileges"));
	opts_free(&o);
}

static void test_pipe_mode_streams_and_eof(void **state)
{
	struct passwd pw;
	struct spawn_opts o = opts(&pw, "/bin/sh", NULL,
		"cat; echo to-err >&2; set -- $(cut -d' ' -f6,7 /proc/$$/stat); "
		"echo \"pid=$$ sid=$1 tty=$2\"; exit 3");
	struct spawn_child c;
	struct run r = { 0 };
	char want[128];

	(void)state;
	assert_int_equal(spawn_start(&o, &c), 0);
	assert_true(c.pty == -1 && c.in >= 0 && c.out >= 0 && c.err >= 0);
	assert_int_equal(write(c.in, "hello\n\0binary", 13), 13);
	assert_int_equal(close(c.in), 0);
	read_all(c.out, r.out, sizeof(r.out));
	read_all(c.err, r.err, sizeof(r.err));
	r.pid = c.pid;
	reap(&r);
	assert_int_equal(r.status, 3);
	assert_memory_equal(r.out, "hello\n", 7);
	snprintf(want, sizeof(want), "binarypid=%d sid=%d tty=0\n", r.pid, r.pid);
	assert_string_equal(r.out + 7, want);
	assert_string_equal(r.err, "to-err\n");
	assert_true(close(c.out) == 0 && close(c.err) == 0);
	opts_free(&o);
}

/* ready: runs in the parent while the child waits; it leaves a mark the
 * child's command looks for first thing, and counts its calls. */
static int ready_calls;
static const char *ready_mark;

static int ready_ok(void *ctx)
{
	(void)ctx;
	ready_calls++;
	free(th_write_str(home, ready_mark, "x"));
	return 0;
}

static int ready_no(void *ctx)
{
	(void)ctx;
	ready_calls++;
	return -1;
}

/* The child runs nothing of the session before ready has returned 0; a
 * refusal ends it unexec'd (ECANCELED), reaped, in either mode. */
static void test_ready_holds_the_child_until_it_returns(void **state)
{
	struct passwd pw;
	struct spawn_opts o = opts(&pw, "/bin/sh", NULL,
				   "test -e mark && echo released || echo early");
	struct spawn_opts no = opts(&pw, "/bin/sh", NULL, "touch ran");
	struct spawn_child c;
	char marker[4200];
	struct run r = { 0 };
	int i;

	(void)state;
	ready_mark = "mark";
	o.ready = ready_ok;
	assert_int_equal(spawn_start(&o, &c), 0);
	assert_int_equal(ready_calls, 1);
	assert_int_equal(close(c.in), 0);
	read_all(c.out, r.out, sizeof(r.out));
	r.pid = c.pid;
	reap(&r);
	assert_string_equal(r.out, "released\n");
	assert_true(close(c.out) == 0 && close(c.err) == 0);
	assert_true(snprintf(marker, sizeof(marker), "%s/ran", home) < (int)sizeof(marker));
	no.ready = ready_no;
	for (i = 0; i < 2; i++) {
		no.pty = i == 1;
		errno = 0;
		assert_int_equal(spawn_start(&no, &c), -1);
		assert_int_equal(errno, ECANCELED);
		assert_int_equal(c.pid, -1);
		assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
		assert_int_equal(access(marker, F_OK), -1);
	}
	assert_int_equal(ready_calls, 3);
	opts_free(&o);
	opts_free(&no);
}

static void assert_exec_fails(const char *shell, bool pty, int err)
{
	struct passwd pw;
	struct spawn_opts o = opts(&pw, shell, NULL, "exit 0");
	struct spawn_child c;

	o.pty = pty;
	errno = 0;
	assert_int_equal(spawn_start(&o, &c), -1);
	assert_int_equal(errno, err);
	assert_true(c.pid == -1 && c.pty == -1 && c.in == -1 && c.out == -1 && c.err == -1);
	/* Reaped already: no zombie, no child at all. */
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	opts_free(&o);
}

static void test_exec_failure_reported_without_zombie(void **state)
{
	char *notexec = th_write_str(home, "notexec", "#!/bin/sh\nexit 0\n");

	(void)state;
	assert_exec_fails("/nonexistent/shell", true, ENOENT);
	assert_exec_fails("/nonexistent/shell", false, ENOENT);
	assert_exec_fails(notexec, true, EACCES);       /* mode 0644 */
	assert_exec_fails("sh", false, EINVAL);
	assert_int_equal(unlink(notexec), 0);
	free(notexec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pty_controlling_terminal_and_session_leader),
		cmocka_unit_test(test_pty_only_fds_0_1_2),
		cmocka_unit_test(test_pty_environment_exact),
		cmocka_unit_test(test_pty_window_size_and_termios_copied),
		cmocka_unit_test(test_pty_cwd_home_else_root),
		cmocka_unit_test(test_pty_signals_default_and_unblocked),
		cmocka_unit_test(test_pty_login_shell_argv0),
		cmocka_unit_test(test_pty_exit_status),
		cmocka_unit_test(test_drop_called_in_child_on_its_terminal),
		cmocka_unit_test(test_drop_failure_exits_126_without_exec),
		cmocka_unit_test(test_pipe_mode_streams_and_eof),
		cmocka_unit_test(test_exec_failure_reported_without_zombie),
		cmocka_unit_test(test_ready_holds_the_child_until_it_returns),
	};
	int rc;

	/* A child that never ends must fail the run, not hang it. */
	alarm(300);
	home = th_mkdtemp();
	rc = cmocka_run_group_tests(tests, run_probe, NULL);
	environ_free(probe_env);
	th_rmtree(home);
	free(home);
	return rc;
}
