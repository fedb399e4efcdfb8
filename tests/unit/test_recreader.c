/* Tests for the transcript reader (lib/recreader.c): round trips of
 * random event sequences through the writer, recipients and outsiders,
 * sessions left unfinished; tampering is in test_recreader_tamper.c. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <sodium.h>

#include "breakglass/evidence/recreader.h"
#include "breakglass/evidence/recwriter.h"
#include "helpers.h"
#include "test_recreader.h"

#define MIB (1024 * 1024)

void evlog_add(struct evlog *l, enum bg_event_type type, uint64_t t, const void *data,
	       size_t len)
{
	struct evrec *e;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		assert_non_null(l->ev = realloc(l->ev, l->cap * sizeof(*l->ev)));
	}
	e = &l->ev[l->n++];
	e->type = type;
	e->t = t;
	e->len = len;
	assert_non_null(e->data = malloc(len + 1));
	if (len > 0)
		memcpy(e->data, data, len);
}

void evlog_free(struct evlog *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->ev[i].data);
	free(l->ev);
	memset(l, 0, sizeof(*l));
}

void evlog_assert_prefix(const struct evlog *want, const struct evlog *got, size_t n)
{
	size_t i;

	assert_true(want->n >= n && got->n >= n);
	for (i = 0; i < n; i++) {
		assert_int_equal(got->ev[i].type, want->ev[i].type);
		assert_int_equal(got->ev[i].t, want->ev[i].t);
		assert_int_equal(got->ev[i].len, want->ev[i].len);
		assert_memory_equal(got->ev[i].data, want->ev[i].data, want->ev[i].len);
	}
}

void session_dir(const char *parent, const unsigned char session[16], char *out, size_t outlen)
{
	char hex[33];

	sodium_bin2hex(hex, sizeof(hex), session, 16);
	assert_true(snprintf(out, outlen, "%s/%s", parent, hex) < (int)outlen);
}

struct bg_recwriter *new_writer(struct fixture *f, const char *parent,
				const unsigned char session[16], size_t naud, size_t batch,
				char *dir, size_t dirlen)
{
	struct bg_recwriter_opts o = {
		.dir = dir, .session = session, .host = f->host, .auditors = f->pubs,
		.n_auditors = naud, .batch_bytes = batch, .zstd_level = 1,
	};
	struct bg_recwriter *w = NULL;

	session_dir(parent, session, dir, dirlen);
	assert_int_equal(bg_recwriter_open(&o, &w), BG_OK);
	return w;
}

void put(struct bg_recwriter *w, struct evlog *l, enum bg_event_type type, uint64_t t,
	 const void *data, size_t len)
{
	assert_int_equal(bg_recwriter_event(w, type, t, data, len), BG_OK);
	evlog_add(l, type, t, data, len);
}

static int collect(void *ctx, const struct bg_event *ev)
{
	evlog_add(ctx, ev->type, ev->t_us, ev->data, ev->len);
	return 0;
}

int read_back(const char *dir, const struct bg_pubkey *host, const struct bg_keypair *auditor,
	      struct evlog *got, enum bg_verdict *v, char *why, size_t whylen)
{
	struct bg_recreader_opts o = { .dir = dir, .host = host, .auditor = auditor };

	evlog_free(got);
	return bg_recreader_run(&o, collect, got, v, why, whylen);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->tmp = th_mkdtemp();
	assert_int_equal(bg_keys_generate(BG_KEY_HOST, &f->host), BG_OK);
	assert_int_equal(bg_keys_generate(BG_KEY_HOST, &f->other_host), BG_OK);
	assert_int_equal(bg_keys_generate(BG_KEY_AUDITOR, &f->outsider), BG_OK);
	th_auditors_make(f->aud, f->pubs, NAUD);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	th_auditors_free(f->aud, NAUD);
	bg_keys_free(f->outsider);
	bg_keys_free(f->other_host);
	bg_keys_free(f->host);
	th_rmtree(f->tmp);
	free(f->tmp);
	free(f);
	return 0;
}

/* xorshift64*: the same sequences on every run. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

enum gen { G_EMPTY, G_ONE_BYTE, G_MIB, G_BINARY, G_RESIZE, G_META, G_MIXED };

static const struct scenario {
	const char *name;
	enum gen gen;
	size_t events, rotate, batch;
} scenarios[] = {
	{ "empty session", G_EMPTY, 0, 0, 4096 },
	{ "1-byte events", G_ONE_BYTE, 3000, 400, 4096 },
	{ "1 MiB events", G_MIB, 5, 2, 65536 },
	{ "binary, all byte values", G_BINARY, 400, 60, 8192 },
	{ "resize storm", G_RESIZE, 10000, 3000, 65536 },
	{ "meta JSON", G_META, 60, 7, 1024 },
	{ "mixed, a segment every 3 events", G_MIXED, 300, 3, 512 },
};

/* Event i of a scenario into buf (MIB bytes). */
static enum bg_event_type make_event(enum gen g, size_t i, uint64_t *s, unsigned char *buf,
				     size_t *len)
{
	static const char text[] = "drwxr-xr-x 2 root root 4096 Nov 28 23:16 \x1b[01;34metc\x1b[0m\r\n";
	enum bg_event_type type = rnd(s) & 1 ? BG_EV_OUT : BG_EV_IN;
	size_t k;

	if (g == G_MIXED)
		g = (enum gen)(G_ONE_BYTE + rnd(s) % 6);
	switch (g) {
	case G_ONE_BYTE:
		*len = 1;
		buf[0] = (unsigned char)rnd(s);
		return type;
	case G_MIB:
		*len = MIB;
		for (k = 0; k < MIB; k++)
			buf[k] = i & 1 ? (unsigned char)rnd(s) : (unsigned char)text[k % (sizeof(text) - 1)];
		return BG_EV_OUT;
	case G_BINARY:
		*len = i == 0 ? 256 : 1 + rnd(s) % 700;
		for (k = 0; k < *len; k++)
			buf[k] = i == 0 ? (unsigned char)k : (unsigned char)rnd(s);
		return type;
	case G_RESIZE:
		*len = 4;
		k = rnd(s);
		memcpy(buf, &k, 4);
		return BG_EV_RESIZE;
	case G_META:
		*len = (size_t)snprintf((char *)buf, MIB,
			"{\"n\":%zu,\"note\":\"caf\xc3\xa9 \xe2\x9c\x93\",\"x\":[%llu,null]}",
			i, (unsigned long long)rnd(s));
		return BG_EV_META;
	default:
		*len = 4;
		k = rnd(s) % 5000;
		memcpy(buf, &k, 4);
		return BG_EV_IN_REDACTED;
	}
}

/* Every recipient reads back exactly what was written; an outsider and
 * a reader without key learn nothing but the verdict. */
static void check_session(struct fixture *f, const char *dir, size_t naud,
			  const struct evlog *want, enum bg_verdict expect)
{
	struct evlog got = { 0 };
	enum bg_verdict v;
	char why[256];
	size_t a;

	for (a = 0; a < naud; a++) {
		assert_int_equal(read_back(dir, &f->host->pub, f->aud[a], &got, &v, why,
					   sizeof(why)), BG_OK);
		assert_int_equal(v, expect);
		assert_int_equal(got.n, want->n);
		evlog_assert_prefix(want, &got, want->n);
	}
	assert_int_equal(read_back(dir, &f->host->pub, f->outsider, &got, &v, why, sizeof(why)),
			 BG_EAUTH);
	assert_string_equal(why, "not a recipient of this session");
	assert_int_equal(v, expect);
	assert_int_equal(got.n, 0);
	assert_int_equal(read_back(dir, &f->host->pub, NULL, &got, &v, why, sizeof(why)), BG_OK);
	assert_int_equal(v, expect);
	assert_int_equal(got.n, 0);
	evlog_free(&got);
}

static void test_recreader_round_trips(void **state)
{
	static const size_t recipients[] = { 1, 2, 5 };
	struct fixture *f = *state;
	unsigned char *buf = malloc(MIB), session[16];
	struct evlog want = { 0 };
	size_t i, j, r, len;
	char dir[512];

	assert_non_null(buf);
	for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		const struct scenario *sc = &scenarios[i];

		for (r = 0; r < 3; r++) {
			uint64_t s = 0x9e3779b97f4a7c15ULL + i, t = 0;
			struct bg_recwriter *w;
			enum bg_event_type type;

			print_message("%s, %zu recipients\n", sc->name, recipients[r]);
			randombytes_buf(session, sizeof(session));
			w = new_writer(f, f->tmp, session, recipients[r], sc->batch, dir, sizeof(dir));
			for (j = 0; j < sc->events; j++) {
				type = make_event(sc->gen, j, &s, buf, &len);
				t += rnd(&s) % 3 == 0 ? 0 : rnd(&s) % 100000;
				put(w, &want, type, t, buf, len);
				if (rnd(&s) % 10 == 0)
					assert_int_equal(bg_recwriter_flush(w), BG_OK);
				if (sc->rotate != 0 && (j + 1) % sc->rotate == 0)
					assert_int_equal(bg_recwriter_next_segment(w), BG_OK);
			}
			assert_int_equal(bg_recwriter_finish(w), BG_OK);
			bg_recwriter_free(w);
			check_session(f, dir, recipients[r], &want, BG_VERDICT_COMPLETE);
			evlog_free(&want);
		}
	}
	free(buf);
}

/* What a crash leaves: every flushed event, nothing of what was pending. */
static void test_recreader_unfinished_session_is_truncated(void **state)
{
	struct fixture *f = *state;
	struct evlog want = { 0 }, lost = { 0 };
	unsigned char session[16];
	struct bg_recwriter *w;
	char dir[512];
	int k;

	for (k = 0; k < 3; k++) {
		randombytes_buf(session, sizeof(session));
		w = new_writer(f, f->tmp, session, 2, 4096, dir, sizeof(dir));
		put(w, &want, BG_EV_META, 0, "{\"grant\":{\"user\":\"alice\"}}", 26);
		put(w, &want, BG_EV_OUT, 10, "$ ", 2);
		assert_int_equal(bg_recwriter_flush(w), BG_OK);
		if (k >= 1) {
			assert_int_equal(bg_recwriter_next_segment(w), BG_OK);
			put(w, &want, BG_EV_IN, 20, "id\r", 3);
			assert_int_equal(bg_recwriter_flush(w), BG_OK);
		}
		/* k == 2: the crash comes right after a new segment opened. */
		if (k == 2)
			assert_int_equal(bg_recwriter_next_segment(w), BG_OK);
		else
			put(w, &lost, BG_EV_OUT, 30, "uid=0(root)", 11);
		bg_recwriter_free(w);
		check_session(f, dir, 2, &want, BG_VERDICT_TRUNCATED);
		evlog_free(&want);
		evlog_free(&lost);
	}
}

static int stop_after_two(void *ctx, const struct bg_event *ev)
{
	size_t *n = ctx;

	(void)ev;
	return ++*n == 2;
}

static void test_recreader_stops_when_asked(void **state)
{
	struct fixture *f = *state;
	struct evlog want = { 0 };
	unsigned char session[16];
	struct bg_recreader_opts o = { .host = &f->host->pub, .auditor = f->aud[0] };
	struct bg_recwriter *w;
	enum bg_verdict v;
	char dir[512];
	size_t n = 0;

	randombytes_buf(session, sizeof(session));
	w = new_writer(f, f->tmp, session, 1, 4096, dir, sizeof(dir));
	put(w, &want, BG_EV_OUT, 1, "a", 1);
	put(w, &want, BG_EV_OUT, 2, "b", 1);
	put(w, &want, BG_EV_OUT, 3, "c", 1);
	assert_int_equal(bg_recwriter_finish(w), BG_OK);
	bg_recwriter_free(w);
	o.dir = dir;
	assert_int_equal(bg_recreader_run(&o, stop_after_two, &n, &v, NULL, 0), BG_OK);
	assert_int_equal(n, 2);
	assert_int_equal(v, BG_VERDICT_TRUNCATED);
	evlog_free(&want);
}

static void test_recreader_refuses_bad_arguments(void **state)
{
	struct fixture *f = *state;
	char dir[512], why[128];
	struct bg_recreader_opts o = { .dir = dir, .host = &f->host->pub };
	enum bg_verdict v;

	assert_true(snprintf(dir, sizeof(dir), "%s/%032x", f->tmp, 0) < (int)sizeof(dir));
	assert_int_equal(bg_recreader_run(&o, NULL, NULL, &v, why, sizeof(why)), BG_ENOENT);
	o.host = &f->aud[0]->pub;
	assert_int_equal(bg_recreader_run(&o, NULL, NULL, &v, why, sizeof(why)), BG_EINVAL);
	o.host = &f->host->pub;
	o.auditor = f->host;
	assert_int_equal(bg_recreader_run(&o, NULL, NULL, &v, why, sizeof(why)), BG_EINVAL);
	o.auditor = NULL;
	assert_int_equal(bg_recreader_run(&o, NULL, NULL, NULL, why, sizeof(why)), BG_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_recreader_round_trips),
		T(test_recreader_unfinished_session_is_truncated),
		T(test_recreader_stops_when_asked),
		T(test_recreader_refuses_bad_arguments),
		T(test_recreader_flipped_bytes_are_tampered),
		T(test_recreader_why_says_where),
		T(test_recreader_cuts_inside_records_are_tampered),
		T(test_recreader_cuts_at_record_boundaries_are_truncated),
		T(test_recreader_dropped_duplicated_swapped_segments_are_tampered),
		T(test_recreader_segment_of_another_session_is_tampered),
		T(test_recreader_other_host_key_is_tampered),
		T(test_recreader_stray_files),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
