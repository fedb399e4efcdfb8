/* The relay's buffers (relaybuf.h): queues toward the child and the
 * user, written without blocking, and the end-of-session drain. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "relaybuf.h"

#define NOTICE_WAIT_US (2 * 1000000ULL)

int relaybuf_ms_until(uint64_t t, uint64_t now)
{
	/* Rounded up without t - now + 999, which wraps near UINT64_MAX. */
	uint64_t ms = t > now ? (t - now) / 1000 + ((t - now) % 1000 != 0) : 0;

	return ms > INT_MAX ? INT_MAX : (int)ms;
}

unsigned char *relaybuf_tail(struct rbuf *b, size_t *room)
{
	if (b->off > 0 && b->off + b->len == RELAY_BUF) {
		memmove(b->d, b->d + b->off, b->len);
		b->off = 0;
	}
	*room = RELAY_BUF - b->off - b->len;
	return b->d + b->off + b->len;
}

void relaybuf_close_input(struct relay *r)
{
	r->in = -1;
	r->dst[TO_CHILD] = -1;
	r->b[TO_CHILD].len = 0;
	if (!r->pty && r->fd[0] >= 0) {
		close(r->fd[0]);
		r->fd[0] = -1;
	}
}

int relaybuf_flush(struct relay *r, int i)
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
			relaybuf_close_input(r);
		else
			r->hup = true;  /* the user is gone */
		return -1;
	}
	if (i == TO_CHILD && r->in_eof && b->len == 0)
		relaybuf_close_input(r);
	return 0;
}

/* Waits for room on fd within the bound: a stalled user must not keep
 * an expiring session alive. */
static int wait_out(int fd, uint64_t until)
{
	uint64_t now = relay_now_us();
	struct pollfd pf = { .fd = fd, .events = POLLOUT };

	if (now >= until) {
		errno = ETIMEDOUT;
		return -1;
	}
	return poll(&pf, 1, relaybuf_ms_until(until, now)) < 0 && errno != EINTR ? -1 : 0;
}

void relaybuf_drain(struct relay *r)
{
	uint64_t until = relay_now_us() + NOTICE_WAIT_US;
	int i;

	for (i = TO_OUT; i < NBUF; i++)
		while (r->b[i].len > 0 && relaybuf_flush(r, i) == 0 && r->b[i].len > 0 &&
		       wait_out(r->dst[i], until) == 0)
			;
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
		p = relaybuf_tail(&r->b[w], &room);
		n = len < room ? len : room;
		memcpy(p, text, n);
		r->b[w].len += n;
		text += n;
		len -= n;
		if (relaybuf_flush(r, w) != 0)
			return -1;
		if (len == 0)
			return 0;
		if (wait_out(r->dst[w], until) != 0)
			return -1;
	}
	errno = EPIPE;
	return -1;
}
