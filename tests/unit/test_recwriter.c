/* Tests for the transcript writer (lib/recwriter.c): batching, the
 * writer's refusals and what it never overwrites; the bytes of the files
 * are checked in test_recwriter_layout.c. */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <sodium.h>

#include "breakglass/evidence/recreader.h"
#include "breakglass/evidence/recwriter.h"
#include "helpers.h"
#include "test_recwriter.h"

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char hex[33];

	assert_non_null(f);
	f->tmp = th_mkdtemp();
	randombytes_buf(f->session, sizeof(f->session));
	sodium_bin2hex(hex, sizeof(hex), f->session, sizeof(f->session));
	assert_true(snprintf(f->dir, sizeof(f->dir), "%s/%s", f->tmp, hex) < (int)sizeof(f->dir));
	assert_int_equal(bg_keys_generate(BG_KEY_HOST, &f->host), BG_OK);
	th_auditors_make(f->aud, f->pubs, NAUD);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	th_auditors_free(f->aud, NAUD);
	bg_keys_free(f->host);
	th_rmtree(f->tmp);
	free(f->tmp);
	free(f);
	return 0;
}

static struct bg_recwriter_opts opts(struct fixture *f, size_t naud, size_t batch)
{
	struct bg_recwriter_opts o = {
		.dir = f->dir, .session = f->session, .host = f->host,
		.auditors = f->pubs, .n_auditors = naud, .batch_bytes = batch, .zstd_level = 3,
	};
	return o;
}

struct bg_recwriter *writer(struct fixture *f, size_t naud, size_t batch)
{
	struct bg_recwriter_opts o = opts(f, naud, batch);
	struct bg_recwriter *w = NULL;

	assert_int_equal(bg_recwriter_open(&o, &w), BG_OK);
	return w;
}

static void test_recwriter_writes_a_batch_at_batch_bytes(void **state)
{
	struct fixture *f = *state;
	struct bg_recwriter *w = writer(f, 1, 1000);
	uint64_t hdr = bg_recwriter_segment_bytes(w);
	char data[100];
	int i;

	assert_int_equal(hdr, 114 + 96);
	memset(data, 'a', sizeof(data));
	/* 8 events of 13 + 100 bytes stay pending; the 9th reaches 1000. */
	for (i = 0; i < 8; i++)
		assert_int_equal(bg_recwriter_event(w, BG_EV_OUT, 1, data, sizeof(data)), BG_OK);
	assert_int_equal(bg_recwriter_segment_bytes(w), hdr);
	assert_int_equal(bg_recwriter_flush(w), BG_OK);
	assert_true(bg_recwriter_segment_bytes(w) > hdr);
	hdr = bg_recwriter_segment_bytes(w);
	for (i = 0; i < 9; i++)
		assert_int_equal(bg_recwriter_event(w, BG_EV_OUT, 2, data, sizeof(data)), BG_OK);
	assert_true(bg_recwriter_segment_bytes(w) > hdr);
	hdr = bg_recwriter_segment_bytes(w);
	/* Nothing pending: flushing writes nothing. */
	assert_int_equal(bg_recwriter_flush(w), BG_OK);
	assert_int_equal(bg_recwriter_segment_bytes(w), hdr);
	bg_recwriter_free(w);
}

static void test_recwriter_refuses_time_going_backwards(void **state)
{
	struct fixture *f = *state;
	struct bg_recwriter *w = writer(f, 1, 4096);

	assert_int_equal(bg_recwriter_event(w, BG_EV_OUT, 100, "a", 1), BG_OK);
	assert_int_equal(bg_recwriter_event(w, BG_EV_OUT, 100, "b", 1), BG_OK);
	assert_int_equal(bg_recwriter_event(w, BG_EV_IN, 99, "c", 1), BG_EINVAL);
	/* The refusal does not break the writer. */
	assert_int_equal(bg_recwriter_event(w, BG_EV_IN, 101, "d", 1), BG_OK);
	assert_int_equal(bg_recwriter_finish(w), BG_OK);
	bg_recwriter_free(w);
}

static void test_recwriter_refuses_everything_after_finish(void **state)
{
	struct fixture *f = *state;
	struct bg_recwriter *w = writer(f, 1, 4096);
	uint64_t n;

	assert_int_equal(bg_recwriter_finish(w), BG_OK);
	n = bg_recwriter_segment_bytes(w);
	assert_int_equal(bg_recwriter_event(w, BG_EV_OUT, 1, "a", 1), BG_EINVAL);
	assert_int_equal(bg_recwriter_next_segment(w), BG_EINVAL);
	assert_int_equal(bg_recwriter_finish(w), BG_EINVAL);
	assert_int_equal(bg_recwriter_flush(w), BG_OK);
	assert_int_equal(bg_recwriter_segment_bytes(w), n);
	bg_recwriter_free(w);
}

static void test_recwriter_recipients_1_to_16_distinct(void **state)
{
	struct fixture *f = *state;
	struct bg_recwriter_opts o = opts(f, 0, 4096);
	struct bg_recwriter *w = NULL;
	struct seg s;

	assert_int_equal(bg_recwriter_open(&o, &w), BG_EINVAL);
	o.n_auditors = 17;
	assert_int_equal(bg_recwriter_open(&o, &w), BG_EINVAL);
	f->pubs[3] = f->pubs[1];
	o.n_auditors = 4;
	assert_int_equal(bg_recwriter_open(&o, &w), BG_EINVAL);
	f->pubs[3] = f->aud[3]->pub;
	assert_null(w);
	w = writer(f, 16, 4096);
	assert_int_equal(bg_recwriter_finish(w), BG_OK);
	parse_seg(f, 0, 16, (const unsigned char[32]){ 0 }, &s);
	free(s.data);
	bg_recwriter_free(w);
}

static void test_recwriter_refuses_bad_options(void **state)
{
	struct fixture *f = *state;
	struct bg_recwriter_opts o;
	struct bg_keypair host = *f->host;
	struct bg_recwriter *w = NULL;
	size_t i;

	for (i = 0; i < 4; i++) {
		o = opts(f, 1, 4096);
		if (i == 0)
			o.batch_bytes = 0;
		else if (i == 1)
			o.batch_bytes = BG_BATCH_MAX + 1;
		else if (i == 2)
			o.host = f->aud[0];     /* not a signing key */
		else
			host.pub.type = BG_KEY_AUDITOR, o.host = &host;
		assert_int_equal(bg_recwriter_open(&o, &w), BG_EINVAL);
		assert_null(w);
	}
	assert_int_equal(access(f->dir, F_OK), -1);
}

static void test_recwriter_refuses_malformed_events(void **state)
{
	static const struct {
		int type;
		const char *data;
		size_t len;
	} bad[] = {
		{ 0, "x", 1 }, { 6, "x", 1 }, { 255, "x", 1 },
		{ BG_EV_IN_REDACTED, "abc", 3 }, { BG_EV_IN_REDACTED, "abcde", 5 },
		{ BG_EV_RESIZE, "abc", 3 }, { BG_EV_RESIZE, "", 0 },
		{ BG_EV_META, "not json", 8 }, { BG_EV_META, "[1]", 3 },
		{ BG_EV_META, "{\"a\":1,\"a\":2}", 13 }, { BG_EV_META, "{\"a\":\"\xff\"}", 9 },
		{ BG_EV_OUT, NULL, 3 },
	};
	struct fixture *f = *state;
	struct bg_recwriter *w = writer(f, 1, 4096);
	uint64_t n = bg_recwriter_segment_bytes(w);
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(bg_recwriter_event(w, (enum bg_event_type)bad[i].type, 1,
						    bad[i].data, bad[i].len), BG_EINVAL);
	assert_int_equal(bg_recwriter_flush(w), BG_OK);
	assert_int_equal(bg_recwriter_segment_bytes(w), n);
	bg_recwriter_free(w);
}

static void test_recwriter_never_overwrites_a_segment(void **state)
{
	struct fixture *f = *state;
	struct bg_recwriter_opts o = opts(f, 1, 4096);
	struct bg_recwriter *w = NULL;
	char *p, *back;

	assert_int_equal(mkdir(f->dir, 0700), 0);
	p = th_write_str(f->dir, "000000.bgr", "evidence");
	assert_int_equal(bg_recwriter_open(&o, &w), BG_EUNSAFE);
	assert_null(w);
	back = th_slurp(p, NULL);
	assert_string_equal(back, "evidence");
	free(back);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_recwriter_files_match_the_format),
		T(test_recwriter_rotation_chains_segments),
		T(test_recwriter_splits_a_9_mib_event),
		T(test_recwriter_writes_a_batch_at_batch_bytes),
		T(test_recwriter_refuses_time_going_backwards),
		T(test_recwriter_refuses_everything_after_finish),
		T(test_recwriter_recipients_1_to_16_distinct),
		T(test_recwriter_refuses_bad_options),
		T(test_recwriter_refuses_malformed_events),
		T(test_recwriter_never_overwrites_a_segment),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
