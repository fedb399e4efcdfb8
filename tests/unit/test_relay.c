/* Tests for the recorder's I/O loop (recorder/relay.c): the harness (a
 * fake sink, fake children on ptys and pipes) and exit statuses; the
 * cases are in test_relay_pty.c and test_relay_pipe.c. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <cmocka.h>

#include "test_relay.h"

const char *g_script, *g_text;

void tbuf_add(struct tbuf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = b->len + n > 2 * b->cap ? b->len + n : 2 * b->cap;
		assert_non_null(b->p = realloc(b->p, b->cap));
	}
	if (n > 0)
		memcpy(b->p + b->len, p, n);
	b->len += n;
}

bool tbuf_has(const struct tbuf *b, const char *s)
{
	return b->len > 0 && memmem(b->p, b->len, s, strlen(s)) != NULL;
}

bool tbuf_eq(const struct tbuf *b, const void *p, size_t n)
{
	return b->len == n && (n == 0 || memcmp(b->p, p, n) == 0);
}

void tbuf_free(struct tbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static int fs_output(void *ctx, const unsigned char *p, size_t n)
{
	struct fsink *k = ctx;
	const unsigned char *at;
	size_t ml;

	if (k->refuse && memchr(p, k->refuse, n) != NULL)
		return -1;
	tbuf_add(&k->out, p, n);
	while (k->next < k->n_step) {
		ml = strlen(k->marker[k->next]);
		at = memmem(k->out.p + k->scan, k->out.len - k->scan, k->marker[k->next], ml);
		if (at == NULL)
			break;
		k->scan = (size_t)(at - k->out.p) + ml;
		k->step[k->next++](k);
	}
	return 0;
}

static int fs_input(void *ctx, const unsigned char *p, size_t n, bool echo_off)
{
	struct fsink *k = ctx;

	tbuf_add(&k->in, p, n);
	if (echo_off)
		tbuf_add(&k->blind, p, n);
	return 0;
}

static int fs_resize(void *ctx, unsigned cols, unsigned rows)
{
	struct fsink *k = ctx;

	assert_true(k->n_resize < 8);
	k->resize[k->n_resize][0] = cols;
	k->resize[k->n_resize++][1] = rows;
	return 0;
}

static uint64_t fs_deadline(void *ctx)
{
	struct fsink *k = ctx;

	k->deadline_calls++;
	if (k->out.len < k->tick_after)
		return UINT64_MAX;
	if (k->fixed)
		return k->deadline[0];
	return k->ticks < k->n_deadline ? k->deadline[k->ticks] : UINT64_MAX;
}

static int fs_tick(void *ctx, struct relay *r, uint64_t now)
{
	struct fsink *k = ctx;

	k->ticks++;
	k->tick_now = now;
	if (k->notice != NULL)
		assert_int_equal(relay_notice(r, k->notice, strlen(k->notice)), k->notice_rc);
	return k->ticks == k->stop_at_tick;
}

static int fs_poke(void *ctx, struct relay *r)
{
	struct fsink *k = ctx;

	(void)r;
	k->pokes++;
	return k->poke_rc;
}

const struct relay_sink fake_sink = {
	.output = fs_output, .input = fs_input, .resize = fs_resize,
	.deadline = fs_deadline, .tick = fs_tick, .poke = fs_poke,
};

void type(struct fsink *k, const char *s)
{
	assert_int_equal(write(k->um, s, strlen(s)), (ssize_t)strlen(s));
}

int run_sh(void)
{
	execl("/bin/sh", "sh", "-c", g_script, (char *)NULL);
	return 127;
}

int say_and_wait(void)
{
	/* A relay that already ended the session (a slow child under load)
	 * must still find it waiting for the hang-up, not dead of SIGPIPE. */
	(void)signal(SIGPIPE, SIG_IGN);
	(void)!write(1, g_text, strlen(g_text));
	for (;;)
		pause();
}

static void cpipe(int fd[2])
{
	assert_int_equal(pipe2(fd, O_CLOEXEC), 0);
}

static void child(int in, int out, int err, int side, bool ctty, int (*fn)(void))
{
	sigset_t none;

	if (setsid() < 0 || (ctty && ioctl(in, TIOCSCTTY, 0) != 0))
		_exit(120);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0 || dup2(side, 3) < 0)
		_exit(121);
	close_range(4, ~0U, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* As spawn.c does for the real child: the test may run under nohup
	 * or a harness that ignores these, and the cases expect SIGHUP and
	 * SIGPIPE to end the child. */
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	_exit(fn());
}

void sess_start(struct sess *t, int kind, int user, int (*fn)(void))
{
	int ui[2], uo[2], ue[2], ci[2], co[2], ce[2], side[2], us, cm, cs;
	struct winsize ws = { .ws_row = 33, .ws_col = 101 };
	struct termios tio;
	pid_t pid;

	memset(t, 0, sizeof(*t));
	t->um = t->uin = t->uout = t->uerr = -1;
	if (user == USER_TTY) {
		assert_int_equal(openpty(&t->um, &us, NULL, NULL, &ws), 0);
		assert_int_equal(tcgetattr(us, &tio), 0);
		cfmakeraw(&tio);        /* as the recorder leaves the user's terminal */
		assert_int_equal(tcsetattr(us, TCSANOW, &tio), 0);
		t->o.user_in = t->o.user_out = t->o.user_err = us;
	} else {
		cpipe(ui);
		cpipe(uo);
		cpipe(ue);
		t->o.user_in = ui[0];
		t->uin = ui[1];
		t->o.user_out = uo[1];
		t->uout = uo[0];
		t->o.user_err = ue[1];
		t->uerr = ue[0];
	}
	cpipe(side);
	t->side = side[0];
	if (kind == CHILD_PTY) {
		assert_int_equal(openpty(&cm, &cs, NULL, NULL, NULL), 0);
		ci[0] = co[1] = ce[1] = cs;
	} else {
		cpipe(ci);
		cpipe(co);
		cpipe(ce);
	}
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		child(ci[0], co[1], ce[1], side[1], kind == CHILD_PTY, fn);
	t->o.child = pid;
	close(side[1]);
	if (kind == CHILD_PTY) {
		close(cs);
		t->o.pty = cm;
		t->o.child_in = t->o.child_out = t->o.child_err = -1;
	} else {
		close(ci[0]);
		close(co[1]);
		close(ce[1]);
		t->o.pty = -1;
		t->o.child_in = ci[1];
		t->o.child_out = co[0];
		t->o.child_err = ce[0];
	}
}

static void drain(int *fd, struct tbuf *b)
{
	unsigned char buf[4096];
	ssize_t n;

	/* a pty master reads EIO once the slave is closed and drained */
	while (*fd >= 0 && ((n = read(*fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)))
		if (n > 0)
			tbuf_add(b, buf, (size_t)n);
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void sess_run(struct sess *t, struct fsink *k)
{
	k->um = t->um;
	t->rc = relay_run(&t->o, &fake_sink, k, &t->status, &t->stopped);
	t->um = k->um;          /* a step may have closed it */
	/* the recorder's user-side fds: closed so that the test's ends see EOF */
	close(t->o.user_in);
	if (t->o.user_out != t->o.user_in)
		close(t->o.user_out);
	if (t->o.user_err != t->o.user_in)
		close(t->o.user_err);
	if (t->uin >= 0)
		close(t->uin);
	t->uin = -1;
	if (t->um >= 0)
		drain(&t->um, &t->got_out);
	drain(&t->uout, &t->got_out);
	drain(&t->uerr, &t->got_err);
	drain(&t->side, &t->got_side);
}

void sess_free(struct sess *t, struct fsink *k)
{
	tbuf_free(&t->got_out);
	tbuf_free(&t->got_err);
	tbuf_free(&t->got_side);
	tbuf_free(&k->out);
	tbuf_free(&k->in);
	tbuf_free(&k->blind);
}

static void exit_status_preserved(int kind)
{
	static const struct {
		const char *script;
		int exited, code;
	} cases[] = {
		{ "exit 0", 1, 0 }, { "exit 3", 1, 3 }, { "exit 255", 1, 255 },
		{ "kill -USR1 $$", 0, SIGUSR1 }, { "kill -KILL $$", 0, SIGKILL },
	};
	struct fsink k;
	struct sess t;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&k, 0, sizeof(k));
		g_script = cases[i].script;
		sess_start(&t, kind, kind == CHILD_PTY ? USER_TTY : USER_PIPES, run_sh);
		sess_run(&t, &k);
		assert_int_equal(t.rc, 0);
		assert_false(t.stopped);
		if (cases[i].exited)
			assert_exited(t.status, cases[i].code);
		else
			assert_killed(t.status, cases[i].code);
		sess_free(&t, &k);
	}
}

static void pty_exit_status_preserved(void **state)
{
	(void)state;
	exit_status_preserved(CHILD_PTY);
}

static void pipe_exit_status_preserved(void **state)
{
	(void)state;
	exit_status_preserved(CHILD_PIPES);
}

static int setup(void **state)
{
	(void)state;
	alarm(60);              /* a deadlock fails the run instead of hanging it */
	return 0;
}

int main(void)
{
	sigset_t set;
#define T(name) cmocka_unit_test_setup(name, setup)
	const struct CMUnitTest tests[] = {
		T(pty_exit_status_preserved),
		T(pty_binary_output_recorded_as_delivered),
		T(pty_input_recorded_as_received),
		T(pty_echo_off_marks_exactly_blind_input),
		T(pty_raw_mode_input_is_not_blind),
		T(pty_resize_at_start_and_on_sigwinch),
		T(pty_piped_script_ends_with_veof),
		T(pty_terminal_gone_hangs_up),
		T(pty_idle_session_does_not_spin),
		T(pty_notice_reaches_user_not_child),
		T(pty_signals_hang_up_child),
		T(pty_child_ignoring_sighup_is_killed),
		T(pty_poke_ends_session_without_grace),
		T(pty_poke_refused_goes_on),
		T(pipe_exit_status_preserved),
		T(pipe_binary_stdout_stderr),
		T(pipe_10mib_each_way_no_deadlock),
		T(pipe_stdin_null_or_closed_gives_eof),
		T(pipe_refused_output_hangs_up),
		T(pipe_past_deadline_ticks_once),
		T(pipe_tick_nonzero_ends_session),
		T(pipe_stalled_user_does_not_stall_expiry),
	};

	/* as the recorder does before it starts the child (relay.h) */
	relay_signals(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
