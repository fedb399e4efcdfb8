/* What the files of test_relay share: a fake sink that keeps what it is
 * told and acts on markers in the output, and sessions with a fake child
 * on a pty or on pipes. */
#ifndef BREAKGLASS_TESTS_TEST_RELAY_H
#define BREAKGLASS_TESTS_TEST_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "relay.h"

struct tbuf {
	unsigned char *p;
	size_t len, cap;
};

void tbuf_add(struct tbuf *b, const void *p, size_t n);
bool tbuf_has(const struct tbuf *b, const char *s);
bool tbuf_eq(const struct tbuf *b, const void *p, size_t n);
void tbuf_free(struct tbuf *b);

struct fsink;
typedef void (*step_fn)(struct fsink *k);

struct fsink {
	struct tbuf out, in, blind;     /* output; input; input with echo_off */
	unsigned resize[8][2];          /* cols, rows */
	size_t n_resize;
	uint64_t deadline[4];           /* one per tick in turn, then none */
	size_t n_deadline;
	bool fixed;                     /* deadline[0] whatever tick does */
	size_t tick_after;              /* no deadline before this much output */
	size_t ticks, deadline_calls, stop_at_tick;
	uint64_t tick_now;
	const char *notice;             /* tick shows it */
	int notice_rc;                  /* what relay_notice must return */
	int refuse;                     /* output() refuses a chunk with it */
	const char *marker[4];          /* run step[i] once output shows marker[i] */
	step_fn step[4];
	size_t n_step, next, scan;
	int um;                         /* the user's end of the user's pty */
	size_t pokes;                   /* SIGUSR1s the relay passed on */
	int poke_rc;                    /* what poke() returns */
};

extern const struct relay_sink fake_sink;

struct sess {
	struct relay_opts o;
	int um;                         /* the user's pty (test's end), or -1 */
	int uin, uout, uerr;            /* the user's pipes (test's ends), or -1 */
	int side;                       /* the child's fd 3, read end */
	int rc, status;
	bool stopped;
	struct tbuf got_out, got_err, got_side;
};

enum { CHILD_PIPES, CHILD_PTY };
enum { USER_PIPES, USER_TTY };

/* The child runs fn() (its exit status) with fds 0-2 on the pty's slave
 * as its controlling terminal or on pipes, fd 3 a pipe back to the test. */
void sess_start(struct sess *t, int child, int user, int (*fn)(void));
/* relay_run with k (k->um set), then everything the user and fd 3 got. */
void sess_run(struct sess *t, struct fsink *k);
void sess_free(struct sess *t, struct fsink *k);
void type(struct fsink *k, const char *s);

/* Children: /bin/sh -c g_script; write g_text and wait for a signal. */
extern const char *g_script, *g_text;
int run_sh(void);
int say_and_wait(void);

#define assert_exited(st, code) do { assert_true(WIFEXITED(st)); \
	assert_int_equal(WEXITSTATUS(st), code); } while (0)
#define assert_killed(st, sig) do { assert_true(WIFSIGNALED(st)); \
	assert_int_equal(WTERMSIG(st), sig); } while (0)

/* test_relay_pty.c and test_relay_pipe.c */
void pty_binary_output_recorded_as_delivered(void **state);
void pty_input_recorded_as_received(void **state);
void pty_echo_off_marks_exactly_blind_input(void **state);
void pty_raw_mode_input_is_not_blind(void **state);
void pty_resize_at_start_and_on_sigwinch(void **state);
void pty_piped_script_ends_with_veof(void **state);
void pty_terminal_gone_hangs_up(void **state);
void pty_idle_session_does_not_spin(void **state);
void pty_notice_reaches_user_not_child(void **state);
void pty_signals_hang_up_child(void **state);
void pty_child_ignoring_sighup_is_killed(void **state);
void pty_poke_ends_session_without_grace(void **state);
void pty_poke_refused_goes_on(void **state);
void pipe_binary_stdout_stderr(void **state);
void pipe_10mib_each_way_no_deadlock(void **state);
void pipe_stdin_null_or_closed_gives_eof(void **state);
void pipe_refused_output_hangs_up(void **state);
void pipe_past_deadline_ticks_once(void **state);
void pipe_tick_nonzero_ends_session(void **state);
void pipe_stalled_user_does_not_stall_expiry(void **state);

#endif
