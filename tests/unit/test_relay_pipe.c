/* Tests for the relay in pipe mode (a command without a terminal): binary
 * data both ways, EOF, the sink ending the session, ticks. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <sodium.h>

#include "test_relay.h"

#define BIG (10 * 1024 * 1024)
#define PIECE (64 * 1024)

/* The child's output: deterministic, so the test can make it again. */
static void pattern(unsigned char *p, size_t n, uint64_t *x)
{
	size_t i;

	for (i = 0; i < n; i++) {
		*x ^= *x << 13;
		*x ^= *x >> 7;
		*x ^= *x << 17;
		p[i] = (unsigned char)*x;
	}
}

/* All of its output before it reads any input: the classic deadlock for
 * a relay that blocks writing the child's stdin; the hash of its input
 * goes to fd 3. */
static int pump(void)
{
	static unsigned char b[PIECE];
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;
	uint64_t x = 88172645463325252ULL;
	size_t done;
	ssize_t n;

	for (done = 0; done < BIG; done += sizeof(b)) {
		pattern(b, sizeof(b), &x);
		if (write(1, b, sizeof(b)) != (ssize_t)sizeof(b))
			return 1;
	}
	crypto_hash_sha256_init(&st);
	while ((n = read(0, b, sizeof(b))) > 0)
		crypto_hash_sha256_update(&st, b, (size_t)n);
	crypto_hash_sha256_final(&st, h);
	return n == 0 && write(3, h, sizeof(h)) == (ssize_t)sizeof(h) ? 0 : 1;
}

struct feed {
	int fd;
	unsigned char *p;
	struct tbuf got;
};

static void *feed_input(void *arg)
{
	struct feed *f = arg;
	size_t done = 0;
	ssize_t n;

	while (done < BIG && (n = write(f->fd, f->p + done, BIG - done)) > 0)
		done += (size_t)n;
	close(f->fd);
	return NULL;
}

static void *take_output(void *arg)
{
	struct feed *f = arg;
	static unsigned char b[PIECE];
	ssize_t n;

	while ((n = read(f->fd, b, sizeof(b))) > 0)
		tbuf_add(&f->got, b, (size_t)n);
	close(f->fd);
	return NULL;
}

void pipe_10mib_each_way_no_deadlock(void **state)
{
	unsigned char h[crypto_hash_sha256_BYTES], *want;
	struct feed in = { 0 }, out = { 0 };
	uint64_t x = 88172645463325252ULL;
	pthread_t ti, to;
	struct fsink k = { 0 };
	struct sess t;

	(void)state;
	assert_true(sodium_init() >= 0);
	assert_non_null(in.p = malloc(BIG));
	assert_non_null(want = malloc(BIG));
	randombytes_buf(in.p, BIG);
	pattern(want, BIG, &x);
	sess_start(&t, CHILD_PIPES, USER_PIPES, pump);
	in.fd = t.uin;
	out.fd = t.uout;
	t.uin = t.uout = -1;    /* the threads' now */
	assert_int_equal(pthread_create(&ti, NULL, feed_input, &in), 0);
	assert_int_equal(pthread_create(&to, NULL, take_output, &out), 0);
	sess_run(&t, &k);
	assert_int_equal(pthread_join(ti, NULL), 0);
	assert_int_equal(pthread_join(to, NULL), 0);
	assert_int_equal(t.rc, 0);
	assert_exited(t.status, 0);
	assert_true(tbuf_eq(&out.got, want, BIG));
	assert_true(tbuf_eq(&k.out, want, BIG));
	crypto_hash_sha256(h, in.p, BIG);
	assert_true(tbuf_eq(&t.got_side, h, sizeof(h)));
	assert_true(tbuf_eq(&k.in, in.p, BIG));
	assert_int_equal(k.blind.len, 0);
	tbuf_free(&out.got);
	free(in.p);
	free(want);
	sess_free(&t, &k);
}

static const unsigned char bin_out[] = "\0\377\376 \xc3\x28 \xed\xa0\x80 ok\r\n\0";
static const unsigned char bin_err[] = "\x80\x81\0err\xf8";

static int write_both(void)
{
	if (write(1, bin_out, sizeof(bin_out)) != (ssize_t)sizeof(bin_out) ||
	    write(2, bin_err, sizeof(bin_err)) != (ssize_t)sizeof(bin_err))
		return 1;
	return 0;
}

void pipe_binary_stdout_stderr(void **state)
{
	unsigned char both[sizeof(bin_out) + sizeof(bin_err)];
	struct fsink k = { 0 };
	struct sess t;
	bool ordered;

	(void)state;
	sess_start(&t, CHILD_PIPES, USER_PIPES, write_both);
	sess_run(&t, &k);
	assert_exited(t.status, 0);
	assert_true(tbuf_eq(&t.got_out, bin_out, sizeof(bin_out)));
	assert_true(tbuf_eq(&t.got_err, bin_err, sizeof(bin_err)));
	/* one event stream: either order, each chunk whole */
	memcpy(both, bin_out, sizeof(bin_out));
	memcpy(both + sizeof(bin_out), bin_err, sizeof(bin_err));
	ordered = tbuf_eq(&k.out, both, sizeof(both));
	memcpy(both, bin_err, sizeof(bin_err));
	memcpy(both + sizeof(bin_err), bin_out, sizeof(bin_out));
	assert_true(ordered || tbuf_eq(&k.out, both, sizeof(both)));
	sess_free(&t, &k);
}

void pipe_stdin_null_or_closed_gives_eof(void **state)
{
	int how;
	struct fsink k;
	struct sess t;

	(void)state;
	g_script = "wc -c";
	/* ssh -n: /dev/null; stdin closed by the client at once; no fd at all */
	for (how = 0; how < 3; how++) {
		memset(&k, 0, sizeof(k));
		sess_start(&t, CHILD_PIPES, USER_PIPES, run_sh);
		if (how == 0) {
			close(t.o.user_in);
			assert_true((t.o.user_in = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0);
		} else if (how == 2) {
			close(t.o.user_in);
			t.o.user_in = -1;
		}
		close(t.uin);
		t.uin = -1;
		sess_run(&t, &k);
		assert_int_equal(t.rc, 0);
		assert_exited(t.status, 0);
		assert_true(tbuf_eq(&t.got_out, "0\n", 2));
		assert_int_equal(k.in.len, 0);
		sess_free(&t, &k);
	}
}

void pipe_refused_output_hangs_up(void **state)
{
	struct fsink k = { .refuse = 'Q' };
	struct sess t;

	(void)state;
	g_text = "ok Q\n";
	sess_start(&t, CHILD_PIPES, USER_PIPES, say_and_wait);
	sess_run(&t, &k);
	assert_int_equal(t.rc, 0);
	assert_true(t.stopped);
	assert_killed(t.status, SIGHUP);
	/* what could not be recorded was not shown */
	assert_false(tbuf_has(&t.got_out, "Q"));
	assert_false(tbuf_has(&k.out, "Q"));
	sess_free(&t, &k);
}

void pipe_past_deadline_ticks_once(void **state)
{
	struct fsink k = { .deadline = { 1 }, .fixed = true };
	struct sess t;

	(void)state;
	g_script = "cat";
	sess_start(&t, CHILD_PIPES, USER_PIPES, run_sh);
	assert_int_equal(write(t.uin, "a\nb\nc\n", 6), 6);
	close(t.uin);
	t.uin = -1;
	sess_run(&t, &k);
	assert_exited(t.status, 0);
	assert_false(t.stopped);
	assert_int_equal(k.ticks, 1);
	assert_true(k.deadline_calls > 2);      /* it was asked on every turn */
	assert_true(tbuf_eq(&k.in, "a\nb\nc\n", 6));
	assert_true(tbuf_eq(&k.out, "a\nb\nc\n", 6));
	assert_true(tbuf_eq(&t.got_out, "a\nb\nc\n", 6));
	sess_free(&t, &k);
}

void pipe_tick_nonzero_ends_session(void **state)
{
	struct fsink k = { .deadline = { 1, 2 }, .n_deadline = 2, .stop_at_tick = 2 };
	struct sess t;

	(void)state;
	g_text = "x";
	sess_start(&t, CHILD_PIPES, USER_PIPES, say_and_wait);
	sess_run(&t, &k);
	assert_int_equal(t.rc, 0);
	assert_true(t.stopped);
	assert_int_equal(k.ticks, 2);
	assert_killed(t.status, SIGHUP);
	sess_free(&t, &k);
}

/* More output than the pipe to the user and the relay's buffer hold. */
static int flood(void)
{
	static unsigned char b[PIECE];
	int i;

	memset(b, 'x', sizeof(b));
	for (i = 0; i < 16; i++)
		if (write(1, b, sizeof(b)) != (ssize_t)sizeof(b))
			return 1;
	return 0;
}

/* A user who stops reading stdout (ssh suspended with ~^Z) cannot hold
 * the session past its expiry; the notice goes to stderr, not into the
 * command's data on stdout. */
void pipe_stalled_user_does_not_stall_expiry(void **state)
{
	struct fsink k = { .deadline = { 1 }, .n_deadline = 1, .stop_at_tick = 1,
			   .notice = "BYE\n", .notice_rc = 0 };
	struct sess t;
	int pipe_size;

	(void)state;
	sess_start(&t, CHILD_PIPES, USER_PIPES, flood);
	/* the tick comes once the pipe and the relay's 64 KiB are full */
	assert_true((pipe_size = fcntl(t.o.user_out, F_GETPIPE_SZ)) > 0);
	k.tick_after = (size_t)pipe_size + 64 * 1024;
	sess_run(&t, &k);
	assert_int_equal(t.rc, 0);
	assert_true(t.stopped);
	assert_int_equal(k.ticks, 1);
	assert_killed(t.status, SIGHUP);
	assert_false(tbuf_has(&t.got_out, "BYE"));
	assert_true(tbuf_has(&t.got_err, "BYE"));
	sess_free(&t, &k);
}
