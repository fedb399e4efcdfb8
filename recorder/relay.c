/* The recorder's I/O loop (relay.h): poll over the user's fds, the child's
 * pty master or pipes and a signalfd, each chunk shown to the sink first. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "relay.h"

#define RELAY_BUF (64 * 1024)
#define SEC_US 1000000ULL
#define HUP_GRACE_US (5 * SEC_US)       /* SIGHUP, then SIGKILL */
#define DRAIN_QUIET_US (2 * SEC_US)     /* a background job keeps the pty open */
#define NOTICE_WAIT_US (2 * SEC_US)

struct rbuf {
	size_t off, len;
	unsigned char d[RELAY_BUF];
};

enum { TO_CHILD, TO_OUT, TO_ERR, NBUF };

struct relay {
	const struct relay_opts *o;
	const struct relay_sink *s;
	void *ctx;
	int sfd;
	/* pty or child_in, child_out, child_err: closed at the end; user_in,
	 * user_out, user_err: their flags put back */
	int fd[6], flags[6];
	int in;                 /* user_in while it is read, else -1 */
	int src[2];             /* child output while it is read, else -1 */
	int dst[NBUF];          /* pty or child_in, user_out, user_err; -1: gone */
	struct rbuf b[NBUF];
	bool pty, user_tty, in_eof, exited, stopped, hup;
	int status, err;
	uint64_t ticked, last_move;
};

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
}

uint64_t relay_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * SEC_US + (uint64_t)ts.tv_nsec / 1000u;
}

static int ms_until(uint64_t t, uint64_t now)
{
	uint64_t ms = t > now ? (t - now + 999) / 1000 : 0;

	return ms > INT_MAX ? INT_MAX : (int)ms;
}

static void want(struct pollfd *p, int fd, short ev, bool on)
{
	p->fd = on ? fd : -1;
	p->events = ev;
	p->revents = 0;
}

/* Where the next read goes, data moved to the front when that helps. */
static unsigned char *tail(struct rbuf *b, size_t *room)
{
	if (b->off > 0 && b->off + b->len == RELAY_BUF) {
		memmove(b->d, b->d + b->off, b->len);
		b->off = 0;
	}
	*room = RELAY_BUF - b->off - b->len;
	return b->d + b->off + b->len;
}

/* The child takes no more input: its pipe is closed at once so that it
 * sees EOF; a pty master stays open for the output. */
static void close_input(struct relay *r)
{
	r->in = -1;
	r->dst[TO_CHILD] = -1;
	r->b[TO_CHILD].len = 0;
	if (!r->pty && r->fd[0] >= 0) {
		close(r->fd[0]);
		r->fd[0] = -1;
	}
}

/* Writes what the destination takes now; -1 when it is gone. */
static int flush(struct relay *r, int i)
{
	struct rbuf *b = &r->b[i];
	ssize_t n = 0;

	if (r->dst[i] < 0)
		b->len = 0;     /* nowhere to go; recorded all the same */
	while (b->len > 0) {
		n = write(r->dst[i], b->d + b->off, b->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		b->off += (size_t)n;
		b->len -= (size_t)n;
		if (i != TO_CHILD)
			r->last_move = relay_now_us();
	}
	if (b->len == 0)
		b->off = 0;
	if (n < 0 && errno != EAGAIN) {
		if (i == TO_CHILD)
			close_input(r);
		else
			r->hup = true;  /* the user is gone */
		return -1;
	}
	if (i == TO_CHILD && r->in_eof && b->len == 0)
		close_input(r);
	return 0;
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
			close_input(r);
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
		else
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
	flush(r, TO_CHILD);
}

static void user_eof(struct relay *r)
{
	struct termios t;
	unsigned char *p;
	size_t room;

	r->in = -1;
	if (!r->pty) {
		r->in_eof = true;
		flush(r, TO_CHILD);
	} else if (r->user_tty) {
		r->hup = true;          /* the terminal went away */
	} else if (r->dst[TO_CHILD] >= 0 && tcgetattr(r->fd[0], &t) == 0 &&
		   t.c_cc[VEOF] != _POSIX_VDISABLE) {
		/* a script piped into an interactive shell ends as with ^D */
		p = tail(&r->b[TO_CHILD], &room);
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

	*p = tail(b, &room);
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
			close_input(r);
	} else if (n > 0) {
		r->last_move = relay_now_us();
		/* recorded before the user sees it: what cannot be is not shown */
		if (r->s->output(r->ctx, p, (size_t)n) != 0) {
			r->stopped = r->hup = true;
			return;
		}
		r->b[TO_OUT + k].len += (size_t)n;
		flush(r, TO_OUT + k);
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
	if (poll(p, 7, t == UINT64_MAX ? -1 : ms_until(t, relay_now_us())) < 0) {
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
			flush(r, i);
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
		if (now >= until || r->sfd < 0) {
			signal_group(r->o->child, SIGKILL);
			reap(r, 0);
			break;
		}
		want(&p, r->sfd, POLLIN, true);
		if (poll(&p, 1, ms_until(until, now)) > 0)
			signals(r);
		reap(r, WNOHANG);
	}
}

/* Waits for room on fd within the bound: a stalled user must not keep
 * an expiring session alive. */
static int wait_out(int fd, uint64_t until)
{
	uint64_t now = relay_now_us();
	struct pollfd pf;

	if (now >= until) {
		errno = ETIMEDOUT;
		return -1;
	}
	want(&pf, fd, POLLOUT, true);
	return poll(&pf, 1, ms_until(until, now)) < 0 && errno != EINTR ? -1 : 0;
}

/* The session is over; what the user has not been shown yet (a last
 * notice among it) still goes out. */
static void drain_user(struct relay *r)
{
	uint64_t until = relay_now_us() + NOTICE_WAIT_US;
	int i;

	for (i = TO_OUT; i < NBUF; i++)
		while (r->b[i].len > 0 && flush(r, i) == 0 && r->b[i].len > 0 &&
		       wait_out(r->dst[i], until) == 0)
			;
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
	drain_user(r);
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

int relay_notice(struct relay *r, const char *text, size_t len)
{
	/* In pipe mode stdout carries a command's data (scp, rsync): the
	 * notice goes where the user reads messages, stderr. */
	int w = r->pty ? TO_OUT : TO_ERR;
	uint64_t until = relay_now_us() + NOTICE_WAIT_US;
	unsigned char *p;
	size_t room, n;

	/* queued after what the user has not seen yet, so never inside an
	 * escape sequence; waiting only when it does not fit */
	while (r->dst[w] >= 0) {
		p = tail(&r->b[w], &room);
		n = len < room ? len : room;
		memcpy(p, text, n);
		r->b[w].len += n;
		text += n;
		len -= n;
		if (flush(r, w) != 0)
			return -1;
		if (len == 0)
			return 0;
		if (wait_out(r->dst[w], until) != 0)
			return -1;
	}
	errno = EPIPE;
	return -1;
}
