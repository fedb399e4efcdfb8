/* Tests for a session checked as a whole (lib/transcript.c) on the
 * committed format fixture: verdicts with and without keys, and the
 * manifest held against the segments.  The tamper matrix is in
 * test_transcript_tamper.c, forged records in test_transcript_forge.c. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <sodium.h>

#include "breakglass/evidence/keyfile.h"
#include "breakglass/evidence/manifest.h"
#include "breakglass/evidence/manifestread.h"
#include "breakglass/evidence/transcript.h"
#include "helpers.h"
#include "test_transcript.h"

static void path_of(char *out, size_t cap, const char *a, const char *b)
{
	assert_true(snprintf(out, cap, "%s/%s", a, b) < (int)cap);
}

static void run_ok(const char *const argv[])
{
	char out[256];

	assert_int_equal(th_run(argv, out, sizeof(out)), 0);
}

/* One line "segment type time length sha256" per event. */
static void load_events(const char *file, struct tevents *e)
{
	char *text = th_slurp(file, NULL), *line, *save = NULL, hex[65];
	unsigned long long t;
	struct tevent *ev;

	assert_non_null(text);
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (e->n == e->cap) {
			e->cap = e->cap ? 2 * e->cap : 64;
			assert_non_null(e->ev = realloc(e->ev, e->cap * sizeof(*e->ev)));
		}
		ev = &e->ev[e->n++];
		assert_int_equal(sscanf(line, "%u %u %llu %zu %64s", &ev->seg, &ev->type, &t,
					&ev->len, hex), 5);
		ev->t = t;
		assert_int_equal(sodium_hex2bin(ev->sha, 32, hex, 64, NULL, NULL, NULL), 0);
	}
	free(text);
	assert_true(e->n > 0);
}

void tfix_load(struct tfix *f)
{
	const char *src = getenv("TESTS_SRCDIR");
	char from[512], to[512], key[600];

	memset(f, 0, sizeof(*f));
	f->tmp = th_mkdtemp();
	path_of(from, sizeof(from), src != NULL ? src : "tests", "format/fixtures/format-v1");
	path_of(to, sizeof(to), f->tmp, "fx");
	{
		const char *cp[] = { "cp", "-R", from, to, NULL };
		const char *ch[] = { "chmod", "-R", "u+rwX,go-w", to, NULL };

		run_ok(cp);
		run_ok(ch);
	}
	path_of(f->complete, sizeof(f->complete), to, "5e55104e0102030405060708090a0b0c");
	path_of(f->truncated, sizeof(f->truncated), to, "7a0ca7edfeedface0000000000000001");
	path_of(key, sizeof(key), to, "keys/auditor1.key");
	assert_int_equal(chmod(key, 0600), 0);
	assert_int_equal(bg_keyfile_load_pair(key, BG_KEY_AUDITOR, geteuid(), &f->aud1), BG_OK);
	path_of(key, sizeof(key), to, "keys/auditor2.key");
	assert_int_equal(chmod(key, 0600), 0);
	assert_int_equal(bg_keyfile_load_pair(key, BG_KEY_AUDITOR, geteuid(), &f->aud2), BG_OK);
	path_of(key, sizeof(key), to, "keys/host.key");
	assert_int_equal(chmod(key, 0600), 0);
	assert_int_equal(bg_keyfile_load_pair(key, BG_KEY_HOST, geteuid(), &f->host), BG_OK);
	path_of(key, sizeof(key), to, "keys/host.pub");
	assert_int_equal(bg_keyfile_load_public(key, BG_KEY_HOST, geteuid(), &f->host_pub), BG_OK);
	path_of(key, sizeof(key), to, "complete.events");
	load_events(key, &f->want_complete);
	path_of(key, sizeof(key), to, "truncated.events");
	load_events(key, &f->want_truncated);
}

void tfix_free(struct tfix *f)
{
	bg_keys_free(f->aud1);
	bg_keys_free(f->aud2);
	bg_keys_free(f->host);
	tevents_free(&f->want_complete);
	tevents_free(&f->want_truncated);
	th_rmtree(f->tmp);
	free(f->tmp);
}

int tevents_collect(void *ctx, const struct bg_event *ev)
{
	struct tevents *e = ctx;
	struct tevent *t;

	if (e->n == e->cap) {
		e->cap = e->cap ? 2 * e->cap : 64;
		assert_non_null(e->ev = realloc(e->ev, e->cap * sizeof(*e->ev)));
	}
	t = &e->ev[e->n++];
	t->seg = ev->segment;
	t->type = ev->type;
	t->t = ev->t_us;
	t->len = ev->len;
	crypto_hash_sha256(t->sha, ev->data, ev->len);
	return 0;
}

void tevents_free(struct tevents *e)
{
	free(e->ev);
	memset(e, 0, sizeof(*e));
}

void tevents_assert_prefix(const struct tevents *want, const struct tevents *got)
{
	size_t i;

	assert_true(got->n <= want->n);
	for (i = 0; i < got->n; i++) {
		assert_int_equal(got->ev[i].seg, want->ev[i].seg);
		assert_int_equal(got->ev[i].type, want->ev[i].type);
		assert_int_equal(got->ev[i].t, want->ev[i].t);
		assert_int_equal(got->ev[i].len, want->ev[i].len);
		assert_memory_equal(got->ev[i].sha, want->ev[i].sha, 32);
	}
}

size_t tseg_records(const char *path, size_t *off, size_t max)
{
	size_t len, n = 0, at;
	unsigned char *b = (unsigned char *)th_slurp(path, &len);

	assert_non_null(b);
	assert_true(len >= 90 && max > 1);
	/* FORMAT.md 7.1: the header is 114 + 96n bytes, n at offset 88. */
	at = 114 + 96 * (size_t)(b[88] | b[89] << 8);
	off[0] = at;
	while (at < len) {
		assert_true(at + 5 <= len && n + 1 < max);
		/* kind (1), L (4, little-endian), ciphertext, signature (64) */
		at += 5 + ((size_t)b[at + 1] | (size_t)b[at + 2] << 8 | (size_t)b[at + 3] << 16 |
			   (size_t)b[at + 4] << 24) + 64;
		off[++n] = at;
	}
	assert_int_equal(at, len);
	free(b);
	return n;
}

int tverify(const char *dir, const struct bg_pubkey *host, const struct bg_keypair *aud,
	    struct tevents *got, enum bg_verdict *v, char *why, size_t whylen)
{
	struct bg_transcript_opts o = { .dir = dir, .host = host, .auditor = aud };

	tevents_free(got);
	return bg_transcript_verify(&o, tevents_collect, got, v, why, whylen);
}

int tfix_setup(void **state)
{
	struct tfix *f = malloc(sizeof(*f));

	assert_non_null(f);
	tfix_load(f);
	*state = f;
	return 0;
}

int tfix_teardown(void **state)
{
	tfix_free(*state);
	free(*state);
	return 0;
}

/* Every key, pinned or not: the verdicts and events the fixture was made
 * with (format stability: these bytes were written by version 1). */
static void test_transcript_fixture_verdicts(void **state)
{
	struct tfix *f = *state;
	const struct bg_pubkey *hosts[] = { &f->host_pub, NULL };
	const struct bg_keypair *auds[] = { f->aud1, f->aud2, NULL };
	struct tevents got = { 0 };
	enum bg_verdict v;
	char why[256];
	size_t h, a;

	for (h = 0; h < 2; h++) {
		for (a = 0; a < 3; a++) {
			assert_int_equal(tverify(f->complete, hosts[h], auds[a], &got, &v, why,
						 sizeof(why)), BG_OK);
			assert_int_equal(v, BG_VERDICT_COMPLETE);
			assert_int_equal(got.n, auds[a] != NULL ? f->want_complete.n : 0);
			tevents_assert_prefix(&f->want_complete, &got);
		}
		assert_int_equal(tverify(f->truncated, hosts[h], f->aud1, &got, &v, why,
					 sizeof(why)), BG_OK);
		assert_int_equal(v, BG_VERDICT_TRUNCATED);
		assert_non_null(strstr(why, "no end-of-session record"));
		assert_int_equal(got.n, f->want_truncated.n);
		tevents_assert_prefix(&f->want_truncated, &got);
		/* auditor2 was not among this session's recipients. */
		assert_int_equal(tverify(f->truncated, hosts[h], f->aud2, &got, &v, why,
					 sizeof(why)), BG_EAUTH);
		assert_int_equal(v, BG_VERDICT_TRUNCATED);
		assert_string_equal(why, "not a recipient of this session");
		assert_int_equal(got.n, 0);
	}
	tevents_free(&got);
}

/* A scratch copy of session dir under a new parent (same name). */
static char *copy_session(const char *dir, char *out, size_t cap)
{
	char *parent = th_mkdtemp();
	const char *cp[] = { "cp", "-R", dir, parent, NULL };
	const char *base = strrchr(dir, '/');

	run_ok(cp);
	path_of(out, cap, parent, base + 1);
	return parent;
}

static void expect(const char *dir, const struct bg_pubkey *host, const struct bg_keypair *aud,
		   enum bg_verdict want, const char *why_part, size_t max_events,
		   const struct tevents *want_ev)
{
	struct tevents got = { 0 };
	enum bg_verdict v;
	char why[256];

	assert_int_equal(tverify(dir, host, aud, &got, &v, why, sizeof(why)), BG_OK);
	if (v != want || strstr(why, why_part) == NULL)
		fail_msg("%s: verdict %d (%s), wanted %d and \"%s\"", dir, v, why, want, why_part);
	assert_true(got.n <= max_events);
	tevents_assert_prefix(want_ev, &got);
	tevents_free(&got);
}

/* Rewrite dir's manifest, signed with the fixture's host key, after
 * edit has changed it. */
static void rewrite_manifest(struct tfix *f, const char *dir, void (*edit)(struct bg_manifest *))
{
	struct bg_manifest *m;

	assert_int_equal(bg_manifestread_load(dir, &f->host_pub, &m, NULL, 0), BG_OK);
	edit(m);
	assert_int_equal(bg_manifest_write(dir, m, f->host), BG_OK);
	bg_manifest_free(m);
}

/* The recorder crashed after closing segment 1: the manifest lags. */
static void list_two_open(struct bg_manifest *m)
{
	m->n_segments = 2;
	m->complete = false;
	free(m->end);
	m->end = NULL;
}

static void claim_complete(struct bg_manifest *m)
{
	m->complete = true;
	assert_non_null(m->end = strdup("2026-11-29T02:30:00Z"));
}

static void test_transcript_manifest_against_segments(void **state)
{
	struct tfix *f = *state;
	const struct tevents *wc = &f->want_complete, *wt = &f->want_truncated;
	char dir[600], p[700], q[700];
	size_t off[64], n;
	char *parent;

	/* A manifest that lags behind the segments is what a crash leaves. */
	parent = copy_session(f->complete, dir, sizeof(dir));
	rewrite_manifest(f, dir, list_two_open);
	expect(dir, &f->host_pub, f->aud1, BG_VERDICT_COMPLETE, "intact", wc->n, wc);
	/* ... but every segment it lists must be there, as listed. */
	path_of(p, sizeof(p), dir, "000002.bgr");
	assert_int_equal(unlink(p), 0);
	expect(dir, &f->host_pub, f->aud1, BG_VERDICT_TRUNCATED, "no end-of-session record", wc->n, wc);
	th_rmtree(parent);
	free(parent);
	parent = copy_session(f->complete, dir, sizeof(dir));
	path_of(p, sizeof(p), dir, "000002.bgr");
	assert_int_equal(unlink(p), 0);
	expect(dir, NULL, f->aud1, BG_VERDICT_TAMPERED, "lists segment 000002, which is missing",
	       wc->n, wc);
	th_rmtree(parent);
	free(parent);
	/* Rolled back to a shorter copy: the last segment without its end. */
	parent = copy_session(f->complete, dir, sizeof(dir));
	path_of(p, sizeof(p), dir, "000002.bgr");
	n = tseg_records(p, off, 64);
	assert_int_equal(truncate(p, (off_t)off[n - 1]), 0);
	expect(dir, &f->host_pub, NULL, BG_VERDICT_TAMPERED,
	       "segment 000002 is not the one manifest.json lists", 0, wc);
	th_rmtree(parent);
	free(parent);
	/* A manifest that claims an end the segments do not have. */
	parent = copy_session(f->truncated, dir, sizeof(dir));
	rewrite_manifest(f, dir, claim_complete);
	expect(dir, &f->host_pub, f->aud1, BG_VERDICT_TAMPERED, "says the session ended",
	       wt->n, wt);
	/* Missing, or another session's (same host, genuinely signed). */
	path_of(p, sizeof(p), dir, "manifest.json");
	assert_int_equal(unlink(p), 0);
	expect(dir, &f->host_pub, f->aud1, BG_VERDICT_TAMPERED, "manifest.json is missing", 0, wt);
	path_of(q, sizeof(q), f->complete, "manifest.json");
	{
		const char *cp[] = { "cp", q, p, NULL };

		run_ok(cp);
	}
	expect(dir, &f->host_pub, f->aud1, BG_VERDICT_TAMPERED, "names another session", 0, wt);
	free(th_write_str(dir, "manifest.json", "{\"version\":1}"));
	expect(dir, NULL, NULL, BG_VERDICT_TAMPERED, "manifest.json: ", 0, wt);
	th_rmtree(parent);
	free(parent);
}

/* Pinning decides whose session it is; the manifest's own key only
 * proves the files agree with each other. */
static void test_transcript_pinned_host_key(void **state)
{
	struct tfix *f = *state;
	struct bg_keypair *other;

	assert_int_equal(bg_keys_generate(BG_KEY_HOST, &other), BG_OK);
	expect(f->complete, &other->pub, f->aud1, BG_VERDICT_TAMPERED, "manifest.json: ", 0,
	       &f->want_complete);
	expect(f->complete, &other->pub, NULL, BG_VERDICT_TAMPERED, "manifest.json: ", 0,
	       &f->want_complete);
	bg_keys_free(other);
}

static int stop_after_three(void *ctx, const struct bg_event *ev)
{
	struct tevents *e = ctx;

	tevents_collect(ctx, ev);
	return e->n == 3;
}

static void test_transcript_caller_stops_and_bad_paths(void **state)
{
	struct tfix *f = *state;
	struct bg_transcript_opts o = { .dir = f->complete, .auditor = f->aud1 };
	struct tevents got = { 0 };
	char why[256], dir[600], p[700];
	enum bg_verdict v;
	char *parent;

	assert_int_equal(bg_transcript_verify(&o, stop_after_three, &got, &v, why, sizeof(why)),
			 BG_OK);
	assert_int_equal(v, BG_VERDICT_TRUNCATED);
	assert_int_equal(got.n, 3);
	tevents_assert_prefix(&f->want_complete, &got);
	tevents_free(&got);
	path_of(p, sizeof(p), f->tmp, "no-such-session");
	o.dir = p;
	assert_int_equal(bg_transcript_verify(&o, NULL, NULL, &v, why, sizeof(why)), BG_ENOENT);
	assert_int_equal(v, BG_VERDICT_TAMPERED);
	path_of(p, sizeof(p), f->complete, "000000.bgr");
	assert_int_equal(bg_transcript_verify(&o, NULL, NULL, &v, why, sizeof(why)), BG_EINVAL);
	/* Renamed: the session id is bound into every header. */
	parent = copy_session(f->complete, dir, sizeof(dir));
	path_of(p, sizeof(p), parent, "5e55104e0102030405060708090a0b0d");
	assert_int_equal(rename(dir, p), 0);
	expect(p, NULL, f->aud1, BG_VERDICT_TAMPERED, "names another session", 0,
	       &f->want_complete);
	path_of(dir, sizeof(dir), parent, "evidence");
	assert_int_equal(rename(p, dir), 0);
	expect(dir, NULL, f->aud1, BG_VERDICT_TAMPERED, "not a session id", 0,
	       &f->want_complete);
	th_rmtree(parent);
	free(parent);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transcript_fixture_verdicts),
		cmocka_unit_test(test_transcript_manifest_against_segments),
		cmocka_unit_test(test_transcript_pinned_host_key),
		cmocka_unit_test(test_transcript_caller_stops_and_bad_paths),
	};
	int r;

	r = cmocka_run_group_tests_name("transcript", tests, tfix_setup, tfix_teardown);
	r |= transcript_tamper_group();
	r |= transcript_forge_group();
	return r;
}
