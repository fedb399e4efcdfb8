/* The recorder's I/O loop: bytes between the user's side (the recorder's
 * own fds 0-2) and the session's child (a pty master, or three pipes),
 * each chunk reported to the recording before it is passed on. */
#ifndef BREAKGLASS_RECORDER_RELAY_H
#define BREAKGLASS_RECORDER_RELAY_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct relay;

/* What the relay tells the recording; each returns 0 to go on, anything
 * else to end the session (the child is hung up, see relay_run). */
struct relay_sink {
	/* The child wrote p[n] (pty output, or its stdout or stderr). */
	int (*output)(void *ctx, const unsigned char *p, size_t n);
	/* The user sent p[n] to the child; echo_off: the pty was reading
	 * lines with ECHO off (a password prompt: ICANON on, ECHO off) when
	 * the bytes were read, or its modes could not be read (always false
	 * in pipe mode).  Readline and full-screen programs turn ECHO off
	 * too but read raw and echo themselves: not echo_off.  The VEOF sent
	 * for a user_in that is not a terminal (see relay_run) comes here as
	 * well. */
	int (*input)(void *ctx, const unsigned char *p, size_t n, bool echo_off);
	/* The user's terminal changed size (pty mode only; also once at the
	 * start with the initial size). */
	int (*resize)(void *ctx, unsigned cols, unsigned rows);
	/* The next time (CLOCK_MONOTONIC, µs) tick wants to run, or
	 * UINT64_MAX for none: an idle session with no deadline sleeps.
	 * Asked on every turn of the loop, so cheap. */
	uint64_t (*deadline)(void *ctx);
	/* Called once the deadline has passed, with the current time; once
	 * per deadline value: a deadline left unmoved is not called again. */
	int (*tick)(void *ctx, struct relay *r, uint64_t now_us);
	/* Root (or the account) sent SIGUSR1: something outside the session
	 * changed, such as a revocation.  Anything but 0 ends the session
	 * with no grace: its processes are killed at once (kill_all, or
	 * SIGKILL to the child's group).  NULL: SIGUSR1 is ignored. */
	int (*poke)(void *ctx, struct relay *r);
};

struct relay_opts {
	/* the recorder's stdin, stdout; a terminal user_in must be in raw
	 * mode (the caller's job: else ^C would hang the session up); user_in
	 * -1 is EOF at once */
	int user_in, user_out;
	int pty;                        /* pty master, or -1 for pipe mode */
	/* pipe mode: the parent's ends of the child's stdin, stdout, stderr */
	int child_in, child_out, child_err;
	int user_err;                   /* where the child's stderr goes */
	pid_t child;                    /* to wait for (> 0); the leader of the
					   process group to hang up */
	/* How to end the child's processes at the end of the grace when the
	 * recorder's ids may not signal them (the session's cgroup); NULL:
	 * SIGKILL to the child's group. */
	int (*kill_all)(void *ctx);
	void *kill_ctx;
};

/* Relay until the child has exited and its output is drained (or the
 * sink ends the session: then SIGHUP to the child's process group, the
 * pty master closed, SIGKILL after a grace of 5 s).  After the child's
 * exit the drain also ends when no output has come for 2 s (a background
 * job holding the pty or a pipe).  EOF on user_in is passed on: pipe
 * mode closes child_in; pty mode sends the terminal's EOF character only
 * when the user side is not a terminal, else hangs up.  SIGWINCH,
 * SIGCHLD, SIGHUP, SIGTERM, SIGINT and SIGUSR1 are read from a signalfd inside;
 * the caller blocks them (in every thread) before it starts the child,
 * so that none is lost or acted on elsewhere, and relay_run puts the
 * caller's mask back on return.  SIGPIPE is ignored meanwhile.  The fds
 * get O_NONBLOCK: the user's get their flags back on return, the
 * child's (pty, child_in/out/err) are closed on return, on every path.
 * One relay per process at a time.  No busy loop; when nothing happens
 * and no deadline is set the process sleeps in the kernel.  *status is
 * the child's wait status; the child has been waited for on return
 * unless waitpid failed.  0, or -1 with errno (a sink's refusal is not
 * an error: *sink_stopped says so; neither is a hang-up by a signal;
 * EINVAL for a child <= 0 touches nothing). */
int relay_run(const struct relay_opts *o, const struct relay_sink *s, void *ctx,
	      int *status, bool *sink_stopped);

/* The signals relay_run takes through a signalfd (SIGCHLD, SIGWINCH,
 * SIGHUP, SIGTERM, SIGINT, SIGUSR1): the caller blocks them before it starts the
 * child, so that none arrives before the relay listens. */
void relay_signals(sigset_t *set);

/* The clock of deadlines and tick: CLOCK_MONOTONIC in microseconds. */
uint64_t relay_now_us(void);

/* From tick (relaybuf.c): write text to the user's terminal (user_out; user_err in
 * pipe mode, where stdout carries a command's data) only, never
 * into the child's input; the sink records it itself if it wants.  It
 * goes after the output the user has not been shown yet; waits at most
 * 2 s for room.  0, or -1 with errno (ETIMEDOUT, EPIPE, ...). */
int relay_notice(struct relay *r, const char *text, size_t len);

#endif
