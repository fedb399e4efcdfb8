/* The recorder's I/O loop (relay.h): poll over the user's fds, the child's
 * pty master or pipes and a signalfd, each chunk shown to the sink first,
 * then queued in the buffers of relaybuf.c; signals, the child's exit and
 * the hang-up. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "relaybuf.h"

#define SEC_US 1000000ULL
#define HUP_GRACE_US (5 * SEC_US)       /* SIGHUP, then SIGKILL */
#define DRAIN_QUIET_US (2 * SEC_US)     /* a background job keeps the pty open */

/* One per process: relay_run owns the signal mask and SIGPIPE anyway. */
static struct relay the_relay;

void relay_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	sigaddset(set, SIGWINCH);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGUSR1);
}

uint64_t relay_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * SEC_US + (uint64_t)ts.tv_nsec / 1000u;
}

static void want(struct pollfd *p, int fd, short ev, bool on)
{
	p->fd = on ? fd : -1;
	p->events = ev;
	p->revents = 0;
}

static void signal_group(pid_t pid, int sig)
{
	if (kill(-pid, sig) != 0)
		kill(pid, sig);
}

static void reap(struct relay *r, int flags)
{
	pid_t p;
	int st;

	while (!r->exited && (p = waitpid(r->o->child, &st, flags)) != 0) {
		if (p < 0 && errno == EINTR)
			continue;
		r->exited = true;
		r->last_move = relay_now_us();
		if (p < 0)
			r->err = errno;
		else
			r->status = st;
		if (!r->hup)
			relaybuf_close_input(r);
	}
}

static void resize(struct relay *r)
{
	struct winsize ws;

	/* A terminal that does not know its size (0x0) keeps the pty's. */
	if (!r->pty || !r->user_tty || r->fd[0] < 0 ||
	    ioctl(r->o->user_in, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0 || ws.ws_row == 0 ||
	    ioctl(r->fd[0], TIOCSWINSZ, &ws) != 0)
		return;
	if (r->s->resize(r->ctx, ws.ws_col, ws.ws_row) != 0)
		r->stopped = r->hup = true;
}

static void signals(struct relay *r)
{
	struct signalfd_siginfo si;

	while (read(r->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			reap(r, WNOHANG);
		else if (r->hup)
			continue;
		else if (si.ssi_signo == SIGWINCH)
			resize(r);
		else if (si.ssi_signo == SIGUSR1) {
			if (r->s->poke != NULL && r->s->poke(r->ctx, r) != 0)
				r->stopped = r->hup = r->kill_now = true;
		} else
			r->hup = true;  /* SIGHUP, SIGTERM, SIGINT */
	}
}

static void to_child(struct relay *r, unsigned char *p, size_t n)
{
	struct termios t;
	/* tcgetattr on a master reads the slave's modes; failing, the bytes
	 * count as typed blind (fail closed).  A password prompt reads lines
	 * with ECHO off; readline and full-screen programs read raw (ICANON
	 * off) and echo for themselves, so their input is not secret. */
	bool blind = r->pty && (tcgetattr(r->fd[0], &t) != 0 ||
				((t.c_lflag & (ECHO | ICANON)) == ICANON));

	if (r->s->input(r->ctx, p, n, blind) != 0) {
		r->stopped = r->hup = true;
		return;
	}
	r->b[TO_CHILD].len += n;
	relaybuf_flush(r, TO_CHILD);
}

static void user_eof(struct relay *r)
{
	struct termios t;
	unsigned char *p;
	size_t room;

	r->in = -1;
	if (!r->pty) {
		r->in_eof = true;
		relaybuf_flush(r, TO_CHILD);
	} else if (r->user_tty) {
		r->hup = true;          /* the terminal went away */
	} else if (r->dst[TO_CHILD] >= 0 && tcgetattr(r->fd[0], &t) == 0 &&
		   t.c_cc[VEOF] != _POSIX_VDISABLE) {
		/* a script piped into an interactive shell ends as with ^D */
		p = relaybuf_tail(&r->b[TO_CHILD], &room);
		if (room > 0) {
			*p = t.c_cc[VEOF];
			to_child(r, p, 1);
		}
	}
}

/* Reads into buffer i: the bytes at *p; 0 at EOF or on an error (that
 * side can give no more); -1 when there is nothing yet. */
static ssize_t fill(int fd, struct rbuf *b, unsigned char **p)
{
	size_t room;
	ssize_t n;

	*p = relaybuf_tail(b, &room);
	n = read(fd, *p, room);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return -1;
	return n < 0 ? 0 : n;
}

static void user_read(struct relay *r)
{
	unsigned char *p;
	ssize_t n = fill(r->in, &r->b[TO_CHILD], &p);

	if (n == 0)
		user_eof(r);
	else if (n > 0)
		to_child(r, p, (size_t)n);
}

static void child_read(struct relay *r, int k)
{
	unsigned char *p;
	ssize_t n = fill(r->src[k], &r->b[TO_OUT + k], &p);

	if (n == 0) {
		/* EOF, or EIO on a master: no slave fd is left open */
		r->src[k] = -1;
		if (r->pty)
			relaybuf_close_input(r);
	} else if (n > 0) {
		r->last_move = relay_now_us();
		/* recorded before the user sees it: what cannot be is not shown */
		if (r->s->output(r->ctx, p, (size_t)n) != 0) {
			r->stopped = r->hup = true;
			return;
		}
		r->b[TO_OUT + k].len += (size_t)n;
		relaybuf_flush(r, TO_OUT + k);
	}
}

static void timers(struct relay *r)
{
	uint64_t now = relay_now_us(), d = r->s->deadline(r->ctx);

	/* once per deadline: a sink that does not move it gets no busy loop */
	if (d == UINT64_MAX || d == r->ticked || d > now)
		return;
	r->ticked = d;
	if (r->s->tick(r->ctx, r, now) != 0)
		r->stopped = r->hup = true;
}

static bool finished(struct relay *r)
{
	if (!r->exited)
		return false;
	return (r->src[0] < 0 && r->src[1] < 0 && r->b[TO_OUT].len == 0 &&
		r->b[TO_ERR].len == 0) || relay_now_us() >= r->last_move + DRAIN_QUIET_US;
}

static void step(struct relay *r)
{
	uint64_t t = r->s->deadline(r->ctx);
	struct pollfd p[7];
	int i;

	if (t == r->ticked)
		t = UINT64_MAX;
	if (r->exited && r->last_move + DRAIN_QUIET_US < t)
		t = r->last_move + DRAIN_QUIET_US;
	want(&p[0], r->sfd, POLLIN, true);
	want(&p[1], r->in, POLLIN, r->in >= 0 && r->b[TO_CHILD].len < RELAY_BUF);
	for (i = 0; i < NBUF; i++)
		want(&p[2 + i], r->dst[i], POLLOUT, r->dst[i] >= 0 && r->b[i].len > 0);
	for (i = 0; i < 2; i++)
		want(&p[5 + i], r->src[i], POLLIN, r->src[i] >= 0 &&
		     r->b[TO_OUT + i].len < RELAY_BUF);
	/* no deadline, nothing to do: sleep in the kernel */
	if (poll(p, 7, t == UINT64_MAX ? -1 : relaybuf_ms_until(t, relay_now_us())) < 0) {
		if (errno != EINTR)
			r->err = errno;
		return;
	}
	/* signals first: a resize lands before input typed after it */
	if (p[0].revents)
		signals(r);
	if (!r->hup)
		timers(r);
	for (i = 0; i < 2; i++)
		if (!r->hup && p[5 + i].revents && p[5 + i].fd == r->src[i])
			child_read(r, i);
	if (!r->hup && p[1].revents && p[1].fd == r->in)
		user_read(r);
	for (i = 0; i < NBUF; i++)
		if (!r->hup && p[2 + i].revents && p[2 + i].fd == r->dst[i])
			relaybuf_flush(r, i);
}

/* SIGHUP to the child's group and its terminal or pipes gone, as when a
 * line drops; a child deaf to both is killed after the grace. */
static void hang_up(struct relay *r)
{
	uint64_t until = relay_now_us() + HUP_GRACE_US, now;
	struct pollfd p;
	int i;

	if (!r->exited) {
		signal_group(r->o->child, SIGHUP);
		signal_group(r->o->child, SIGCONT);
	}
	r->hup = true;
	for (i = 0; i < 3; i++)
		if (r->fd[i] >= 0)
			close(r->fd[i]);
	r->fd[0] = r->fd[1] = r->fd[2] = -1;
	while (!r->exited) {
		now = relay_now_us();
		if (now >= until || r->sfd < 0 || r->kill_now) {
			if (r->o->kill_all == NULL || r->o->kill_all(r->o->kill_ctx) != 0)
				signal_group(r->o->child, SIGKILL);
			reap(r, 0);
			break;
		}
		want(&p, r->sfd, POLLIN, true);
		if (poll(&p, 1, relaybuf_ms_until(until, now)) > 0)
			signals(r);
		reap(r, WNOHANG);
	}
}

static void init(struct relay *r, const struct relay_opts *o)
{
	int i, *fd = r->fd;

	fd[0] = r->dst[TO_CHILD] = r->pty ? o->pty : o->child_in;
	fd[1] = r->pty ? -1 : o->child_out;
	fd[2] = r->src[1] = r->pty ? -1 : o->child_err;
	fd[3] = r->in = o->user_in;
	fd[4] = r->dst[TO_OUT] = o->user_out;
	fd[5] = r->dst[TO_ERR] = r->pty ? -1 : o->user_err;
	r->src[0] = r->pty ? o->pty : o->child_out;
	r->user_tty = o->user_in >= 0 && isatty(o->user_in);
	r->ticked = UINT64_MAX;
	/* all saved before any is set: the user's fds may share one file */
	for (i = 0; i < 6; i++)
		r->flags[i] = fd[i] >= 0 ? fcntl(fd[i], F_GETFL) : -1;
	for (i = 0; i < 6; i++)
		if (r->flags[i] >= 0 && fcntl(fd[i], F_SETFL, r->flags[i] | O_NONBLOCK) != 0)
			r->err = errno;
}

int relay_run(const struct relay_opts *o, const struct relay_sink *s, void *ctx,
	      int *status, bool *sink_stopped)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, oldpipe;
	struct relay *r = &the_relay;
	sigset_t set, oldmask;
	size_t i;

	/* kill(-0) or kill(-(-1)) would reach far more than the session */
	if (o->child <= 0) {
		errno = EINVAL;
		return -1;
	}
	memset(r, 0, sizeof(*r));
	r->o = o;
	r->s = s;
	r->ctx = ctx;
	r->pty = o->pty >= 0;
	relay_signals(&set);
	sigprocmask(SIG_BLOCK, &set, &oldmask);
	/* EPIPE from a vanished user is handled where it happens */
	sigaction(SIGPIPE, &ign, &oldpipe);
	r->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (r->sfd < 0)
		r->err = errno;
	init(r, o);
	if (!r->err) {
		reap(r, WNOHANG);       /* gone before its SIGCHLD could be caught */
		resize(r);
		if (o->user_in < 0)
			user_eof(r);
	}
	while (!r->hup && !r->err && !finished(r))
		step(r);
	hang_up(r);
	relaybuf_drain(r);
	for (i = 3; i < 6; i++)
		if (r->flags[i] >= 0)
			fcntl(r->fd[i], F_SETFL, r->flags[i]);
	if (r->sfd >= 0)
		close(r->sfd);
	sigaction(SIGPIPE, &oldpipe, NULL);
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	*status = r->status;
	*sink_stopped = r->stopped;
	if (r->err) {
		errno = r->err;
		return -1;
	}
	return 0;
}
