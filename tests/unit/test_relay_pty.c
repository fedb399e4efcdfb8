/* Tests for the relay in pty mode: what the user saw and typed is what
 * was recorded, blind input, window sizes, EOF, hang-ups, idling. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "test_relay.h"

#define NBIN 1024

/* Every byte value, NULs and invalid UTF-8 included. */
static void binary(unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 7 + i / 256);
}

static int raw_self(void)
{
	struct termios t;

	if (tcgetattr(0, &t) != 0)
		return -1;
	cfmakeraw(&t);
	return tcsetattr(0, TCSANOW, &t);
}

static int write_binary(void)
{
	unsigned char b[NBIN];

	binary(b, sizeof(b));
	if (raw_self() != 0 || write(1, b, sizeof(b)) != (ssize_t)sizeof(b))
		return 1;
	return 0;
}

void pty_binary_output_recorded_as_delivered(void **state)
{
	unsigned char b[NBIN];
	struct fsink k = { 0 };
	struct sess t;

	(void)state;
	binary(b, sizeof(b));
	sess_start(&t, CHILD_PTY, USER_TTY, write_binary);
	sess_run(&t, &k);
	assert_int_equal(t.rc, 0);
	assert_exited(t.status, 0);
	assert_true(tbuf_eq(&k.out, b, sizeof(b)));
	assert_true(tbuf_eq(&t.got_out, b, sizeof(b)));
	sess_free(&t, &k);
}

/* Raw, then "R", then NBIN bytes of input copied to fd 3. */
static int copy_input(void)
{
	unsigned char b[NBIN];
	size_t got = 0;
	ssize_t n;

	if (raw_self() != 0 || write(1, "R", 1) != 1)
		return 1;
	while (got < sizeof(b) && (n = read(0, b + got, sizeof(b) - got)) > 0)
		got += (size_t)n;
	return write(3, b, got) == (ssize_t)got ? 0 : 1;
}

static void type_binary(struct fsink *k)
{
	unsigned char b[NBIN];

	binary(b, sizeof(b));
	assert_int_equal(write(k->um, b, sizeof(b)), sizeof(b));
}

void pty_input_recorded_as_received(void **state)
{
	struct fsink k = { .marker = { "R" }, .step = { type_binary }, .n_step = 1 };
	unsigned char b[NBIN];
	struct sess t;

	(void)state;
	binary(b, sizeof(b));
	sess_start(&t, CHILD_PTY, USER_TTY, copy_input);
	sess_run(&t, &k);
	assert_exited(t.status, 0);
	assert_true(tbuf_eq(&t.got_side, b, sizeof(b)));
	assert_true(tbuf_eq(&k.in, b, sizeof(b)));
	assert_int_equal(k.blind.len, 0);              /* raw: not a password prompt */
	sess_free(&t, &k);
}

static void type_secret(struct fsink *k)
{
	type(k, "secret\n");
}

static void type_plain(struct fsink *k)
{
	type(k, "plain\n");
}

void pty_echo_off_marks_exactly_blind_input(void **state)
{
	struct fsink k = { .marker = { "P1", "P2" }, .step = { type_secret, type_plain },
			   .n_step = 2 };
	struct sess t;

	(void)state;
	g_script = "stty -echo; echo P1; read x; stty echo; echo P2; read y; echo n=${#x}${#y}";
	sess_start(&t, CHILD_PTY, USER_TTY, run_sh);
	sess_run(&t, &k);
	assert_exited(t.status, 0);
	assert_true(tbuf_eq(&k.in, "secret\nplain\n", 13));
	assert_true(tbuf_eq(&k.blind, "secret\n", 7));
	assert_true(tbuf_has(&k.out, "n=65"));
	assert_false(tbuf_has(&k.out, "secret"));
	assert_true(tbuf_has(&k.out, "plain"));         /* echoed */
	assert_true(tbuf_eq(&t.got_out, k.out.p, k.out.len));
	sess_free(&t, &k);
}

static void type_raw(struct fsink *k)
{
	type(k, "ls -l\n");
}

/* Readline and editors read raw with ECHO off and echo themselves: what
 * is typed there is not a secret and must stay readable. */
void pty_raw_mode_input_is_not_blind(void **state)
{
	struct fsink k = { .marker = { "P1" }, .step = { type_raw }, .n_step = 1 };
	struct sess t;

	(void)state;
	g_script = "stty -echo -icanon min 1; echo P1; x=$(dd bs=1 count=6 2>/dev/null); "
		   "stty echo icanon; echo got=$x";
	sess_start(&t, CHILD_PTY, USER_TTY, run_sh);
	sess_run(&t, &k);
	assert_exited(t.status, 0);
	assert_true(tbuf_eq(&k.in, "ls -l\n", 6));
	assert_int_equal(k.blind.len, 0);
	assert_true(tbuf_has(&k.out, "got=ls -l"));
	sess_free(&t, &k);
}

static void grow_window(struct fsink *k)
{
	struct winsize ws = { .ws_row = 40, .ws_col = 120 };

	assert_int_equal(ioctl(k->um, TIOCSWINSZ, &ws), 0);
	assert_int_equal(kill(getpid(), SIGWINCH), 0);
	type(k, "\n");
}

void pty_resize_at_start_and_on_sigwinch(void **state)
{
	struct fsink k = { .marker = { "P1" }, .step = { grow_window }, .n_step = 1 };
	struct sess t;

	(void)state;
	/* the first read holds the child until the start's resize is done */
	g_script = "read x; stty size; echo P1; read y; stty size";
	sess_start(&t, CHILD_PTY, USER_TTY, run_sh);
	k.um = t.um;
	type(&k, "\n");
	sess_run(&t, &k);
	assert_exited(t.status, 0);
	assert_true(tbuf_has(&k.out, "33 101\r\nP1"));
	assert_true(tbuf_has(&k.out, "40 120\r\n"));
	assert_int_equal(k.n_resize, 2);
	assert_int_equal(k.resize[0][0], 101);
	assert_int_equal(k.resize[0][1], 33);
	assert_int_equal(k.resize[1][0], 120);
	assert_int_equal(k.resize[1][1], 40);
	sess_free(&t, &k);
}

void pty_piped_script_ends_with_veof(void **state)
{
	struct fsink k = { 0 };
	struct sess t;

	(void)state;
	g_script = "cat";
	sess_start(&t, CHILD_PTY, USER_PIPES, run_sh);
	assert_int_equal(write(t.uin, "abc\n", 4), 4);
	close(t.uin);
	t.uin = -1;
	sess_run(&t, &k);
	assert_int_equal(t.rc, 0);
	assert_exited(t.status, 0);
	assert_true(tbuf_eq(&k.in, "abc\n\004", 5));   /* ^D: the pty's VEOF */
	assert_true(tbuf_has(&t.got_out, "abc"));
	sess_free(&t, &k);
}

/* The child says READY and waits; step ends the session from the user's
 * side or the recorder's, and the child must die of sig. */
static void hang_up_case(int (*fn)(void), step_fn step, int sig)
{
	struct fsink k = { .marker = { "READY" }, .step = { step }, .n_step = 1 };
	struct sess t;

	g_text = "READY";
	sess_start(&t, CHILD_PTY, USER_TTY, fn);
	sess_run(&t, &k);
	assert_int_equal(t.rc, 0);
	assert_false(t.stopped);
	assert_killed(t.status, sig);
	sess_free(&t, &k);
}

static void hang_up_terminal(struct fsink *k)
{
	close(k->um);
	k->um = -1;
}

void pty_terminal_gone_hangs_up(void **state)
{
	(void)state;
	hang_up_case(say_and_wait, hang_up_terminal, SIGHUP);
}

static int sleep_300ms(void)
{
	struct timespec ts = { .tv_nsec = 300 * 1000 * 1000 };

	while (nanosleep(&ts, &ts) != 0)
		;
	return 0;
}

void pty_idle_session_does_not_spin(void **state)
{
	struct fsink k = { 0 };
	struct rusage a, b;
	struct sess t;

	(void)state;
	sess_start(&t, CHILD_PTY, USER_TTY, sleep_300ms);
	assert_int_equal(getrusage(RUSAGE_SELF, &a), 0);
	sess_run(&t, &k);
	assert_int_equal(getrusage(RUSAGE_SELF, &b), 0);
	assert_exited(t.status, 0);
	/* a loop turn asks for the deadline: a handful of turns, not hundreds */
	assert_true(k.deadline_calls < 20);
	assert_true(b.ru_nvcsw - a.ru_nvcsw < 20);
	sess_free(&t, &k);
}

/* Copies its input to fd 3 until the terminal goes. */
static int input_to_side(void)
{
	unsigned char b[256];
	ssize_t n;

	if (raw_self() != 0)
		return 1;
	while ((n = read(0, b, sizeof(b))) > 0)
		if (write(3, b, (size_t)n) != n)
			return 1;
	return 0;
}

void pty_notice_reaches_user_not_child(void **state)
{
	struct fsink k = { .n_deadline = 1, .stop_at_tick = 1, .notice = "NOTICE\r\n" };
	struct timespec now;
	struct sess t;

	(void)state;
	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &now), 0);
	k.deadline[0] = (uint64_t)now.tv_sec * 1000000 + (uint64_t)now.tv_nsec / 1000 + 50000;
	sess_start(&t, CHILD_PTY, USER_TTY, input_to_side);
	sess_run(&t, &k);
	assert_int_equal(t.rc, 0);
	assert_true(t.stopped);
	assert_int_equal(k.ticks, 1);
	assert_true(k.tick_now >= k.deadline[0]);
	assert_true(tbuf_has(&t.got_out, "NOTICE\r\n"));
	assert_int_equal(t.got_side.len, 0);
	assert_int_equal(k.in.len, 0);
	sess_free(&t, &k);
}

static int g_sig;

static void signal_self(struct fsink *k)
{
	(void)k;
	assert_int_equal(kill(getpid(), g_sig), 0);
}

void pty_signals_hang_up_child(void **state)
{
	static const int sigs[] = { SIGTERM, SIGHUP, SIGINT };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		g_sig = sigs[i];
		hang_up_case(say_and_wait, signal_self, SIGHUP);
	}
}

static int deaf_to_sighup(void)
{
	signal(SIGHUP, SIG_IGN);
	return say_and_wait();
}

void pty_child_ignoring_sighup_is_killed(void **state)
{
	(void)state;
	g_sig = SIGTERM;
	hang_up_case(deaf_to_sighup, signal_self, SIGKILL);
}

static uint64_t g_poked_at, g_killed_at;

static void poke_self(struct fsink *k)
{
	(void)k;
	g_poked_at = relay_now_us();
	assert_int_equal(kill(getpid(), SIGUSR1), 0);
}

static int kill_group_now(void *ctx)
{
	pid_t *child = ctx;

	g_killed_at = relay_now_us();
	return kill(-*child, SIGKILL);
}

/* A revocation (a poke the sink accepts) kills a child deaf to SIGHUP at
 * once through kill_all: no 5 s grace. */
void pty_poke_ends_session_without_grace(void **state)
{
	struct fsink k = { .marker = { "READY" }, .step = { poke_self }, .n_step = 1,
			   .poke_rc = 1 };
	struct sess t;

	(void)state;
	g_text = "READY";
	g_killed_at = 0;
	sess_start(&t, CHILD_PTY, USER_TTY, deaf_to_sighup);
	t.o.kill_all = kill_group_now;
	t.o.kill_ctx = &t.o.child;
	sess_run(&t, &k);
	assert_int_equal(t.rc, 0);
	assert_true(t.stopped);
	assert_int_equal(k.pokes, 1);
	assert_killed(t.status, SIGKILL);
	/* Called, and well before the grace would have ended. */
	assert_true(g_killed_at >= g_poked_at && g_killed_at - g_poked_at < 4000000);
	sess_free(&t, &k);
}

static void poke_then_quit(struct fsink *k)
{
	assert_int_equal(kill(getpid(), SIGUSR1), 0);
	type(k, "q");
}

/* Copies nothing; exits 7 at the first byte typed. */
static int exit_on_input(void)
{
	char c;

	if (raw_self() != 0 || write(1, "READY", 5) != 5)
		return 1;
	return read(0, &c, 1) == 1 ? 7 : 1;
}

/* A stray SIGUSR1 (nothing revoked: poke returns 0) changes nothing. */
void pty_poke_refused_goes_on(void **state)
{
	struct fsink k = { .marker = { "READY" }, .step = { poke_then_quit }, .n_step = 1 };
	struct sess t;

	(void)state;
	sess_start(&t, CHILD_PTY, USER_TTY, exit_on_input);
	sess_run(&t, &k);
	assert_int_equal(t.rc, 0);
	assert_false(t.stopped);
	assert_int_equal(k.pokes, 1);
	assert_exited(t.status, 7);
	sess_free(&t, &k);
}
