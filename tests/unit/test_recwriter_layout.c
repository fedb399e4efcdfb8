/* Tests for the bytes the transcript writer (lib/recwriter.c) leaves in
 * segment files, parsed here by the offsets of docs/FORMAT.md section 7
 * and checked with libsodium directly, independently of lib/recformat.c. */
#include "config.h"

#include <stdarg.h>
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

static uint64_t le(const unsigned char *p, size_t n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = v << 8 | p[n];
	return v;
}

static void hash2(unsigned char out[32], const void *a, size_t alen, const void *b, size_t blen)
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, a, alen);
	crypto_generichash_update(&st, b, blen);
	crypto_generichash_final(&st, out, 32);
}

/* Read segment num, check its header field by field (naud recipients,
 * previous end hash prev) and every record's hash chain and signature. */
void parse_seg(struct fixture *f, uint32_t num, size_t naud,
	       const unsigned char prev[32], struct seg *s)
{
	unsigned char h[32], msg[15 + 32];
	char name[600];
	struct stat st;
	size_t i, p;

	memset(s, 0, sizeof(*s));
	assert_true(snprintf(name, sizeof(name), "%s/%06u.bgr", f->dir, num) < (int)sizeof(name));
	assert_int_equal(lstat(name, &st), 0);
	assert_int_equal(st.st_mode, S_IFREG | 0600);
	s->data = (unsigned char *)th_slurp(name, &s->len);
	assert_non_null(s->data);
	assert_true(s->len >= 114 + 96);
	assert_memory_equal(s->data, "BGSEG\r\n\x1a", 8);
	assert_int_equal(le(s->data + 8, 2), 1);
	assert_int_equal(le(s->data + 10, 2), 0);
	assert_memory_equal(s->data + 12, f->session, 16);
	assert_int_equal(le(s->data + 28, 4), num);
	/* Wall-clock microseconds: after 2020, and not after the file's last
	 * write (no bound on how slow the run is). */
	assert_true(le(s->data + 32, 8) / 1000000 >= 1577836800);
	assert_true(le(s->data + 32, 8) / 1000000 <= (uint64_t)st.st_mtime + 1);
	assert_memory_equal(s->data + 40, f->host->pub.id, 16);
	assert_memory_equal(s->data + 56, prev, 32);
	s->n = le(s->data + 88, 2);
	assert_int_equal(s->n, naud);
	for (i = 0; i < naud; i++)
		assert_memory_equal(s->data + 90 + 96 * i, f->pubs[i].id, 16);
	s->hlen = 114 + 96 * s->n;
	hash2(h, "BGSEG-v1-header", 15, s->data, s->hlen);
	for (p = s->hlen; p < s->len; s->nrec++) {
		assert_true(s->nrec < MAXREC && s->len - p >= 5);
		s->off[s->nrec] = p;
		s->kind[s->nrec] = s->data[p];
		s->clen[s->nrec] = (uint32_t)le(s->data + p + 1, 4);
		assert_in_range(s->kind[s->nrec], 1, 3);
		assert_in_range(s->clen[s->nrec], 18, L_MAX);
		assert_true(s->len - p >= 5 + s->clen[s->nrec] + 64);
		memcpy(s->hin[s->nrec], h, 32);
		hash2(h, s->hin[s->nrec], 32, s->data + p, 5 + s->clen[s->nrec]);
		memcpy(msg, "BGSEG-v1-record", 15);
		memcpy(msg + 15, h, 32);
		p += 5 + s->clen[s->nrec];
		assert_int_equal(crypto_sign_verify_detached(s->data + p, msg, sizeof(msg),
							     f->host->pub.pk), 0);
		p += 64;
	}
	memcpy(s->end, h, 32);
}

/* Decrypt every record of s with auditor a; the compression byte of
 * each into comp[], the tag checked against the kind. */
static void decrypt_seg(struct fixture *f, uint32_t num, const struct seg *s,
			size_t a, unsigned comp[])
{
	static const unsigned char tags[4] = { 0, 0, 1, 3 };
	crypto_secretstream_xchacha20poly1305_state st;
	unsigned char key[32], ad[57], *m, tag;
	unsigned long long mlen;
	size_t i;

	assert_int_equal(crypto_box_seal_open(key, s->data + 90 + 96 * a + 16, 80,
					      f->aud[a]->pub.pk, bg_secret_data(f->aud[a]->sk)), 0);
	assert_int_equal(crypto_secretstream_xchacha20poly1305_init_pull(&st, s->data + s->hlen - 24,
									 key), 0);
	for (i = 0; i < s->nrec; i++) {
		memcpy(ad, f->session, 16);
		ad[16] = (unsigned char)num, ad[17] = ad[18] = ad[19] = 0;
		ad[20] = (unsigned char)(i + 1), ad[21] = ad[22] = ad[23] = 0;
		ad[24] = (unsigned char)s->kind[i];
		memcpy(ad + 25, s->hin[i], 32);
		assert_non_null(m = malloc(s->clen[i]));
		assert_int_equal(crypto_secretstream_xchacha20poly1305_pull(&st, m, &mlen, &tag,
			s->data + s->off[i] + 5, s->clen[i], ad, sizeof(ad)), 0);
		assert_int_equal(tag, tags[s->kind[i]]);
		assert_true(mlen >= 1);
		comp[i] = m[0];
		free(m);
	}
}

void test_recwriter_files_match_the_format(void **state)
{
	struct fixture *f = *state;
	struct bg_recwriter *w = writer(f, 2, 65536);
	static const unsigned char zeros[32];
	const struct bg_segment_info *c;
	unsigned char rs[4] = { 80, 0, 24, 0 }, text[1000];
	unsigned comp[MAXREC];
	struct seg s0, s1;
	struct stat st;
	size_t n, i;

	for (i = 0; i < sizeof(text); i++)
		text[i] = (unsigned char)TEXT[i % (sizeof(TEXT) - 1)];
	assert_int_equal(bg_recwriter_event(w, BG_EV_META, 0, "{\"grant\":{}}", 12), BG_OK);
	assert_int_equal(bg_recwriter_event(w, BG_EV_OUT, 5, "hello", 5), BG_OK);
	assert_int_equal(bg_recwriter_event(w, BG_EV_RESIZE, 5, rs, 4), BG_OK);
	assert_int_equal(bg_recwriter_flush(w), BG_OK);
	assert_int_equal(bg_recwriter_next_segment(w), BG_OK);
	assert_int_equal(bg_recwriter_event(w, BG_EV_OUT, 9, text, sizeof(text)), BG_OK);
	assert_int_equal(bg_recwriter_finish(w), BG_OK);
	assert_int_equal(lstat(f->dir, &st), 0);
	assert_int_equal(st.st_mode, S_IFDIR | 0700);

	parse_seg(f, 0, 2, zeros, &s0);
	parse_seg(f, 1, 2, s0.end, &s1);
	/* Segment 0: the flushed batch (tiny: stored raw), then an empty end
	 * record (just the compression byte: L = 1 + 17). */
	assert_int_equal(s0.nrec, 2);
	assert_int_equal(s0.kind[0], 1);
	assert_int_equal(s0.clen[0], 1 + (13 + 12) + (13 + 5) + (13 + 4) + 17);
	assert_int_equal(s0.kind[1], 2);
	assert_int_equal(s0.clen[1], 18);
	/* Segment 1: the pending text rides in the end-of-session record. */
	assert_int_equal(s1.nrec, 1);
	assert_int_equal(s1.kind[0], 3);
	assert_true(s1.clen[0] < 1 + 13 + sizeof(text));
	for (i = 0; i < 2; i++) {
		decrypt_seg(f, 0, &s0, i, comp);
		assert_int_equal(comp[0], 0);
		assert_int_equal(comp[1], 0);
		decrypt_seg(f, 1, &s1, i, comp);
		assert_int_equal(comp[0], 1);
	}
	c = bg_recwriter_closed(w, &n);
	assert_int_equal(n, 2);
	assert_int_equal(c[0].n, 0);
	assert_memory_equal(c[0].hash, s0.end, 32);
	assert_int_equal(c[0].bytes, s0.len);
	assert_int_equal(c[1].n, 1);
	assert_memory_equal(c[1].hash, s1.end, 32);
	assert_int_equal(c[1].bytes, s1.len);
	free(s0.data);
	free(s1.data);
	bg_recwriter_free(w);
}

void test_recwriter_rotation_chains_segments(void **state)
{
	struct fixture *f = *state;
	struct bg_recwriter *w = writer(f, 1, 4096);
	unsigned char prev[32] = { 0 };
	const struct bg_segment_info *c;
	struct seg s;
	uint32_t i;
	size_t n;

	for (i = 0; i < 6; i++) {
		assert_int_equal(bg_recwriter_event(w, BG_EV_IN, i, "x", 1), BG_OK);
		if (i < 5)
			assert_int_equal(bg_recwriter_next_segment(w), BG_OK);
	}
	c = bg_recwriter_closed(w, &n);
	assert_int_equal(n, 5);
	assert_int_equal(bg_recwriter_finish(w), BG_OK);
	c = bg_recwriter_closed(w, &n);
	assert_int_equal(n, 6);
	for (i = 0; i < 6; i++) {
		parse_seg(f, i, 1, prev, &s);
		assert_int_equal(s.nrec, 1);
		assert_int_equal(s.kind[0], i < 5 ? 2 : 3);
		assert_int_equal(c[i].n, i);
		assert_memory_equal(c[i].hash, s.end, 32);
		assert_int_equal(c[i].bytes, s.len);
		memcpy(prev, s.end, 32);
		free(s.data);
	}
	bg_recwriter_free(w);
}

struct got {
	size_t n, total;
	int same;
	unsigned char *buf;
};

static int gather(void *ctx, const struct bg_event *ev)
{
	struct got *g = ctx;

	assert_true(ev->len <= (9u << 20) - g->total);
	g->same &= ev->type == BG_EV_OUT && ev->t_us == 77 && ev->len <= BG_BATCH_MAX - 14;
	memcpy(g->buf + g->total, ev->data, ev->len);
	g->total += ev->len;
	g->n++;
	return 0;
}

void test_recwriter_splits_a_9_mib_event(void **state)
{
	struct fixture *f = *state;
	struct bg_recwriter *w = writer(f, 1, BG_BATCH_MAX);
	size_t i, len = 9 << 20;
	unsigned char *big = malloc(len);
	struct got g = { .same = 1, .buf = malloc(len) };
	struct bg_recreader_opts ro = { .dir = f->dir, .host = &f->host->pub, .auditor = f->aud[0] };
	enum bg_verdict v;
	struct seg s;

	assert_non_null(big);
	assert_non_null(g.buf);
	randombytes_buf(big, len);      /* incompressible: records at their largest */
	assert_int_equal(bg_recwriter_event(w, BG_EV_OUT, 77, big, len), BG_OK);
	assert_int_equal(bg_recwriter_finish(w), BG_OK);
	parse_seg(f, 0, 1, (const unsigned char[32]){ 0 }, &s);
	assert_int_equal(s.nrec, 3);
	for (i = 0; i < s.nrec; i++)
		assert_true(s.clen[i] <= L_MAX);
	assert_int_equal(s.clen[0], L_MAX);
	assert_int_equal(bg_recreader_run(&ro, gather, &g, &v, NULL, 0), BG_OK);
	assert_int_equal(v, BG_VERDICT_COMPLETE);
	assert_int_equal(g.n, 3);
	assert_true(g.same);
	assert_int_equal(g.total, len);
	assert_memory_equal(g.buf, big, len);
	free(s.data);
	free(g.buf);
	free(big);
	bg_recwriter_free(w);
}
