/* Tests for the relay's buffers (recorder/relaybuf.c) on plain pipes,
 * without a loop: room at the tail, writing without blocking, a
 * destination that is gone, the child's input closed at EOF, notices and
 * the drain at the end.  The whole relay is tested in test_relay*.c. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "relaybuf.h"

/* One test's relay in pipe mode: dst[i] is the write end of pipe i. */
static struct fx {
	struct relay r;
	int rd[NBUF], wr[NBUF];
} *f;

static int setup(void **state)
{
	int i, p[2];

	assert_non_null(f = calloc(1, sizeof(*f)));
	for (i = 0; i < NBUF; i++) {
		assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
		f->rd[i] = p[0];
		f->wr[i] = f->r.dst[i] = p[1];
	}
	f->r.fd[0] = f->r.in = f->wr[TO_CHILD];
	*state = f;
	return 0;
}

static int teardown(void **state __attribute__((unused)))
{
	int i;

	for (i = 0; i < NBUF; i++) {
		close(f->rd[i]);
		if (i != TO_CHILD || f->r.fd[0] >= 0)
			close(f->wr[i]);
	}
	free(f);
	return 0;
}

static void queue(int i, const char *s)
{
	size_t room, n = strlen(s);
	unsigned char *p = relaybuf_tail(&f->r.b[i], &room);

	assert_true(room >= n);
	memcpy(p, s, n);
	f->r.b[i].len += n;
}

/* What pipe i holds, as a string. */
static const char *got(int i)
{
	static char buf[256];
	ssize_t n = read(f->rd[i], buf, sizeof(buf) - 1);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

#define CASE(name) static void name(void **state __attribute__((unused)))

/* A buffer whose data reaches the end moves it to the front for room. */
CASE(test_tail_makes_room_at_the_front)
{
	struct rbuf *b = &f->r.b[TO_OUT];
	unsigned char *p;
	size_t room;

	b->off = RELAY_BUF - 3;
	b->len = 3;
	memcpy(b->d + b->off, "abc", 3);
	p = relaybuf_tail(b, &room);
	assert_int_equal(b->off, 0);
	assert_memory_equal(b->d, "abc", 3);
	assert_ptr_equal(p, b->d + 3);
	assert_int_equal(room, RELAY_BUF - 3);
	/* Room left at the end: nothing moves. */
	b->off = 10;
	p = relaybuf_tail(b, &room);
	assert_int_equal(b->off, 10);
	assert_int_equal(room, RELAY_BUF - 13);
}

/* Written in order; last_move follows the user's side only. */
CASE(test_flush_writes_and_empties)
{
	queue(TO_OUT, "hello ");
	queue(TO_OUT, "world");
	assert_int_equal(relaybuf_flush(&f->r, TO_OUT), 0);
	assert_int_equal(f->r.b[TO_OUT].len, 0);
	assert_int_equal(f->r.b[TO_OUT].off, 0);
	assert_string_equal(got(TO_OUT), "hello world");
	assert_true(f->r.last_move > 0);
	f->r.last_move = 0;
	queue(TO_CHILD, "ls\n");
	assert_int_equal(relaybuf_flush(&f->r, TO_CHILD), 0);
	assert_string_equal(got(TO_CHILD), "ls\n");
	assert_int_equal(f->r.last_move, 0);
}

/* A full pipe is no error: what does not fit waits in the buffer. */
CASE(test_flush_keeps_what_does_not_fit)
{
	static unsigned char big[RELAY_BUF];
	size_t room;

	assert_int_equal(fcntl(f->wr[TO_OUT], F_SETPIPE_SZ, 4096), 4096);
	memset(relaybuf_tail(&f->r.b[TO_OUT], &room), 'x', RELAY_BUF);
	f->r.b[TO_OUT].len = RELAY_BUF;
	assert_int_equal(relaybuf_flush(&f->r, TO_OUT), 0);
	assert_int_equal(f->r.b[TO_OUT].len, RELAY_BUF - 4096);
	assert_int_equal(f->r.b[TO_OUT].off, 4096);
	assert_false(f->r.hup);
	assert_int_equal(read(f->rd[TO_OUT], big, sizeof(big)), 4096);
}

/* The user gone: hang up.  The child's input gone: closed, no hang-up. */
CASE(test_flush_to_a_closed_reader)
{
	close(f->rd[TO_OUT]);
	f->rd[TO_OUT] = -1;
	queue(TO_OUT, "lost");
	assert_int_equal(relaybuf_flush(&f->r, TO_OUT), -1);
	assert_true(f->r.hup);
	f->r.hup = false;
	close(f->rd[TO_CHILD]);
	f->rd[TO_CHILD] = -1;
	queue(TO_CHILD, "typed");
	assert_int_equal(relaybuf_flush(&f->r, TO_CHILD), -1);
	assert_false(f->r.hup);
	assert_true(f->r.fd[0] == -1 && f->r.in == -1 && f->r.dst[TO_CHILD] == -1);
	assert_int_equal(f->r.b[TO_CHILD].len, 0);
}

/* EOF from the user reaches the child once what was typed is written. */
CASE(test_user_eof_closes_child_input_after_the_data)
{
	f->r.in_eof = true;
	queue(TO_CHILD, "exit\n");
	assert_int_equal(relaybuf_flush(&f->r, TO_CHILD), 0);
	assert_int_equal(f->r.fd[0], -1);
	assert_string_equal(got(TO_CHILD), "exit\n");
	assert_int_equal(read(f->rd[TO_CHILD], &(char){ 0 }, 1), 0);
}

/* A notice goes to stderr in pipe mode, stdout on a pty, after what the
 * user has not seen; with the user gone it fails with EPIPE. */
CASE(test_notice_goes_after_pending_output)
{
	queue(TO_ERR, "pending ");
	assert_int_equal(relay_notice(&f->r, "notice", 6), 0);
	assert_string_equal(got(TO_ERR), "pending notice");
	f->r.pty = true;
	assert_int_equal(relay_notice(&f->r, "on the pty", 10), 0);
	assert_string_equal(got(TO_OUT), "on the pty");
	f->r.dst[TO_OUT] = -1;
	errno = 0;
	assert_int_equal(relay_notice(&f->r, "x", 1), -1);
	assert_int_equal(errno, EPIPE);
}

/* At the end, queued output still reaches the user. */
CASE(test_drain_sends_what_is_queued)
{
	queue(TO_OUT, "last words");
	queue(TO_ERR, "last error");
	relaybuf_drain(&f->r);
	assert_string_equal(got(TO_OUT), "last words");
	assert_string_equal(got(TO_ERR), "last error");
}

CASE(test_ms_until_rounds_up_and_saturates)
{
	assert_int_equal(relaybuf_ms_until(100, 200), 0);
	assert_int_equal(relaybuf_ms_until(1001, 0), 2);
	assert_int_equal(relaybuf_ms_until(1000, 0), 1);
	assert_int_equal(relaybuf_ms_until(UINT64_MAX, 0), INT_MAX);
}

int main(void)
{
	/* As in the recorder: a closed reader is EPIPE, not death. */
	signal(SIGPIPE, SIG_IGN);
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_tail_makes_room_at_the_front),
		T(test_flush_writes_and_empties),
		T(test_flush_keeps_what_does_not_fit),
		T(test_flush_to_a_closed_reader),
		T(test_user_eof_closes_child_input_after_the_data),
		T(test_notice_goes_after_pending_output),
		T(test_drain_sends_what_is_queued),
		T(test_ms_until_rounds_up_and_saturates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
