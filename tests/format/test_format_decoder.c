/* Tests that docs/FORMAT.md suffices: the independent decoder (indep_decoder.c,
 * written from the spec alone) reads and verifies the committed format-v1
 * fixture, and refuses tampered copies of it. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <ftw.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <sodium.h>

#include "indep_decoder.h"

#define COMPLETE "5e55104e0102030405060708090a0b0c"
#define TRUNCATED "7a0ca7edfeedface0000000000000001"

static char fixdir[PATH_MAX];	/* .../tests/format/fixtures/format-v1 */
static struct indep_key aud1, aud2, aud1pub, host, hostpub;

struct got {
	char *ev, *out, *in;	/* events as .events lines; out and in data */
	size_t evlen, outlen, inlen, n;
};

static char *path2(const char *a, const char *b)
{
	static char p[4][PATH_MAX];
	static int k;

	k = (k + 1) % 4;	/* a few live results at once */
	assert_true(snprintf(p[k], sizeof(p[k]), "%s/%s", a, b) < (int)sizeof(p[k]));
	return p[k];
}

/* The whole file, NUL-terminated for strstr. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b = NULL;
	size_t n = 0, r;

	assert_non_null(f);
	do {
		assert_non_null(b = realloc(b, n + 65537));
		n += r = fread(b + n, 1, 65536, f);
	} while (r > 0);
	assert_int_equal(ferror(f), 0);
	fclose(f);
	b[n] = '\0';
	*len = n;
	return b;
}

static void spew(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static void append(char **buf, size_t *len, const void *p, size_t n)
{
	assert_non_null(*buf = realloc(*buf, *len + n + 1));
	if (n > 0)
		memcpy(*buf + *len, p, n);
	*len += n;
}

static int on_event(void *arg, const struct indep_event *e)
{
	struct got *g = arg;
	uint8_t h[32];
	char hex[65], line[160];
	int l;

	assert_int_equal(crypto_hash_sha256(h, e->data, e->len), 0);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	l = snprintf(line, sizeof(line), "%" PRIu32 " %u %" PRIu64 " %" PRIu32 " %s\n",
		     e->segment, e->type, e->time, e->len, hex);
	assert_true(l > 0 && l < (int)sizeof(line));
	append(&g->ev, &g->evlen, line, (size_t)l);
	if (e->type == 1)
		append(&g->out, &g->outlen, e->data, e->len);
	if (e->type == 2)
		append(&g->in, &g->inlen, e->data, e->len);
	g->n++;
	return 0;
}

static void got_free(struct got *g)
{
	free(g->ev);
	free(g->out);
	free(g->in);
}

/* Decodes; the events are counted (and freed unless the caller keeps g). */
static enum indep_verdict decode(const char *dir, const uint8_t *pin, const struct indep_key *aud,
				 struct got *g, struct indep_result *r)
{
	struct got mine;

	g = g ? g : &mine;
	memset(g, 0, sizeof(*g));
	indep_decode(dir, pin, aud, on_event, g, r);
	print_message("%s: %s (%s)\n", dir, indep_verdict_name(r->verdict), r->reason);
	if (g == &mine)
		got_free(g);
	return r->verdict;
}

static void assert_matches_fixture(const char *stem, const struct got *g)
{
	static const char *const ext[] = { "events", "out", "in" };
	const char *have[] = { g->ev, g->out, g->in };
	size_t havelen[] = { g->evlen, g->outlen, g->inlen }, i, n;
	char name[64], *want;

	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "%s.%s", stem, ext[i]);
		want = slurp(path2(fixdir, name), &n);
		assert_int_equal(havelen[i], n);
		if (n > 0)
			assert_memory_equal(have[i], want, n);
		free(want);
	}
}

struct sess {
	const char *dir, *stem;	/* session; stem of its .events, .out and .in */
	enum indep_verdict verdict;
	uint32_t segments;
	const struct indep_key *aud;
};
static const struct sess complete1 = { COMPLETE, "complete", INDEP_COMPLETE, 3, &aud1 },
	complete2 = { COMPLETE, "complete", INDEP_COMPLETE, 3, &aud2 },
	truncated1 = { TRUNCATED, "truncated", INDEP_TRUNCATED, 2, &aud1 };

static void test_session_decodes(void **state)
{
	const struct sess *s = *state;
	struct indep_result r;
	struct got g;

	assert_int_equal(decode(path2(fixdir, s->dir), hostpub.pk, s->aud, &g, &r), s->verdict);
	assert_int_equal(r.segments, s->segments);
	assert_matches_fixture(s->stem, &g);
	/* The README promises both kinds of chunk, stored (0) and zstd (1), in the complete one. */
	assert_true(s->verdict != INDEP_COMPLETE || (r.chunks_stored > 0 && r.chunks_zstd > 0));
	got_free(&g);
}

static void test_truncated_session_refuses_non_recipient_auditor2(void **state)
{
	struct indep_result r;
	struct got g;

	(void)state;
	assert_int_equal(decode(path2(fixdir, TRUNCATED), hostpub.pk, &aud2, &g, &r),
			 INDEP_NOT_RECIPIENT);
	assert_int_equal(g.n, 0);
	assert_int_equal(r.records, 3);	/* every signature was still checked */
	got_free(&g);
}

/* State: the pinned host key, or NULL to use the manifest's. */
static void test_verify_without_key(void **state)
{
	struct indep_result r;
	struct got g;

	assert_int_equal(decode(path2(fixdir, COMPLETE), *state, NULL, &g, &r), INDEP_COMPLETE);
	assert_int_equal(g.n + r.chunks_stored + r.chunks_zstd, 0);
	assert_int_equal(r.records, 6);
	got_free(&g);
	assert_int_equal(decode(path2(fixdir, TRUNCATED), *state, NULL, &g, &r), INDEP_TRUNCATED);
	assert_int_equal(g.n + r.chunks_stored + r.chunks_zstd, 0);
	assert_int_equal(r.records, 3);
	got_free(&g);
}

static void test_verify_refuses_other_pinned_host(void **state)
{
	struct indep_result r;
	uint8_t other[32], sk[64];

	(void)state;
	assert_int_equal(crypto_sign_keypair(other, sk), 0);
	assert_int_equal(decode(path2(fixdir, COMPLETE), other, &aud1, NULL, &r), INDEP_TAMPERED);
	assert_int_equal(decode(path2(fixdir, COMPLETE), aud1pub.pk, NULL, NULL, &r),
			 INDEP_TAMPERED);
}

struct scratch {
	char dir[PATH_MAX];
	const struct tcase *c;	/* NULL but for test_tampered_copy_is_refused */
};

static void test_key_files_parse_and_agree(void **state)
{
	struct indep_key k;
	const char *why;
	char *t, *p;
	size_t n;

	assert_true(aud1.kind == 1 && aud1.secret && aud1pub.kind == 1 && !aud1pub.secret);
	assert_true(host.kind == 2 && host.secret && hostpub.kind == 2 && !hostpub.secret);
	assert_memory_equal(aud1.pk, aud1pub.pk, 32);
	assert_memory_equal(aud1.id, aud1pub.id, 16);
	assert_memory_equal(host.pk, hostpub.pk, 32);
	assert_memory_equal(host.id, hostpub.id, 16);
	assert_memory_not_equal(aud1.id, aud2.id, 16);
	/* A copy with one digit of the id changed is refused. */
	t = slurp(path2(fixdir, "keys/auditor1.pub"), &n);
	assert_non_null(p = strstr(t, "\"id\": \""));
	p[7] = p[7] == '0' ? '1' : '0';
	p = path2(((struct scratch *)*state)->dir, "bad.pub");
	spew(p, t, n);
	assert_int_equal(indep_key_load(p, &k, &why), -1);
	assert_string_equal(why, "the id is not the key id of the public key");
	free(t);
}

/* Tamper cases on scratch copies; the committed fixture is never edited. */
enum action { FLIP, UNLINK, EXTRA };
struct tcase {
	const char *name, *session, *file;
	enum action act;
	long off;		/* FLIP: offset, from the end if negative, or LAST_REC + in the
				 * last record */
	int mask, resign;	/* xor mask; re-sign the segment with the host key after */
	enum indep_verdict keyless;	/* verdict without an auditor key */
	const char *why;	/* the reason with auditor1 */
};
#define LAST_REC (1L << 30)

static struct tcase cases[] = {
	{ "header_magic_flipped", COMPLETE, "000000.bgr", FLIP, 0, 1, 0, INDEP_TAMPERED,
	  "segment 0: bad magic, version or flags" },
	{ "header_host_key_id_flipped", COMPLETE, "000001.bgr", FLIP, 40, 1, 0, INDEP_TAMPERED,
	  "segment 1: another host key id, bad recipient count or short header" },
	{ "header_prev_flipped", COMPLETE, "000002.bgr", FLIP, 56, 1, 0, INDEP_TAMPERED,
	  "segment 2: prev is not the end hash of the previous segment" },
	{ "header_sealed_key_flipped", COMPLETE, "000001.bgr", FLIP, 90 + 16 + 40, 1, 0,
	  INDEP_TAMPERED, "segment 1 record 1: bad signature" },
	{ "ciphertext_flipped", COMPLETE, "000001.bgr", FLIP, 114 + 2 * 96 + 5 + 20, 1, 0,
	  INDEP_TAMPERED, "segment 1 record 1: bad signature" },
	{ "signature_flipped", COMPLETE, "000002.bgr", FLIP, -1, 1, 0, INDEP_TAMPERED,
	  "segment 2 record 1: bad signature" },
	{ "manifest_host_flipped", COMPLETE, "manifest.json", FLIP, 66, 1, 0, INDEP_TAMPERED,
	  "manifest: bad signature" },
	{ "middle_segment_removed", COMPLETE, "000001.bgr", UNLINK, 0, 0, 0, INDEP_TAMPERED,
	  "a gap in the segment numbers" },
	{ "last_listed_segment_removed", COMPLETE, "000002.bgr", UNLINK, 0, 0, 0, INDEP_TAMPERED,
	  "a segment listed in the manifest is missing" },
	{ "odd_segment_name", TRUNCATED, "0000002.bgr", EXTRA, 0, 0, 0, INDEP_TAMPERED,
	  "a .bgr file whose name is not a segment name" },
	{ "unlisted_segment_cut", TRUNCATED, "000001.bgr", FLIP, -1, 0, 0, INDEP_TAMPERED,
	  "segment 1 record 2: bad kind or length, or cut short" },
	{ "resigned_ciphertext_flip", TRUNCATED, "000001.bgr", FLIP, LAST_REC + 5 + 20, 1, 1,
	  INDEP_TRUNCATED, "segment 1 record 2: does not decrypt" },
	{ "resigned_kind_change", TRUNCATED, "000001.bgr", FLIP, LAST_REC, 3, 1, INDEP_TRUNCATED,
	  "segment 1 record 2: does not decrypt" },
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

static int setup(void **state)
{
	static const char *const files[] = { COMPLETE "/000000.bgr", COMPLETE "/000001.bgr",
		COMPLETE "/000002.bgr", COMPLETE "/manifest.json", TRUNCATED "/000000.bgr",
		TRUNCATED "/000001.bgr", TRUNCATED "/manifest.json" };
	const char *base = getenv("TMPDIR");
	struct scratch *s = calloc(1, sizeof(*s));
	size_t i, n;
	char *b;

	assert_non_null(s);
	s->c = *state;
	snprintf(s->dir, sizeof(s->dir), "%s/bg-fmtdec-XXXXXX", base && *base ? base : "/tmp");
	assert_non_null(mkdtemp(s->dir));
	assert_int_equal(mkdir(path2(s->dir, COMPLETE), 0700), 0);
	assert_int_equal(mkdir(path2(s->dir, TRUNCATED), 0700), 0);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		b = slurp(path2(fixdir, files[i]), &n);
		spew(path2(s->dir, files[i]), b, n);
		free(b);
	}
	*state = s;
	return 0;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(p);
}

static int teardown(void **state)
{
	struct scratch *s = *state;
	int rc = nftw(s->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);

	free(s);
	return rc;
}

/* Re-signs a segment after an edit, as a thief of the host key could; also finds
 * the last record.  Then only the auditor-key checks can notice. */
static size_t walk(uint8_t *b, size_t n, int resign)
{
	crypto_generichash_state st;
	uint8_t msg[47];
	size_t pos = 114 + 96 * (size_t)(b[88] | b[89] << 8), last = pos, L;

	memcpy(msg, "BGSEG-v1-record", 15);
	assert_int_equal(crypto_generichash_init(&st, NULL, 0, 32) |
			 crypto_generichash_update(&st, (const uint8_t *)"BGSEG-v1-header", 15) |
			 crypto_generichash_update(&st, b, pos) |
			 crypto_generichash_final(&st, msg + 15, 32), 0);
	for (; pos + 5 <= n; last = pos, pos += 5 + L + 64) {
		L = b[pos + 1] | b[pos + 2] << 8 | (size_t)b[pos + 3] << 16 |
		    (size_t)b[pos + 4] << 24;
		assert_true(pos + 5 + L + 64 <= n);
		assert_int_equal(crypto_generichash_init(&st, NULL, 0, 32) |
				 crypto_generichash_update(&st, msg + 15, 32) |
				 crypto_generichash_update(&st, b + pos, 5 + L) |
				 crypto_generichash_final(&st, msg + 15, 32), 0);
		if (resign)
			assert_int_equal(crypto_sign_detached(b + pos + 5 + L, NULL, msg, 47,
							      host.sk), 0);
	}
	return last;
}

static void test_tampered_copy_is_refused(void **state)
{
	const struct tcase *c = ((struct scratch *)*state)->c;
	char *dir = path2(((struct scratch *)*state)->dir, c->session), *path = path2(dir, c->file);
	struct indep_result r;
	struct got g;
	uint8_t *b;
	size_t n;
	long off = c->off;

	if (c->act == UNLINK)
		assert_int_equal(unlink(path), 0);
	if (c->act == EXTRA)
		spew(path, "", 0);
	if (c->act == FLIP) {
		b = (uint8_t *)slurp(path, &n);
		if (off >= LAST_REC)
			off += (long)walk(b, n, 0) - LAST_REC;
		else if (off < 0)
			off += (long)n;
		assert_true(off >= 0 && (size_t)off < n);
		b[off] ^= (uint8_t)c->mask;
		if (c->resign)
			walk(b, n, 1);
		spew(path, b, c->mask ? n : (size_t)off);	/* mask 0: cut the file there */
		free(b);
	}
	assert_int_equal(decode(dir, hostpub.pk, NULL, NULL, &r), c->keyless);
	assert_int_equal(decode(dir, NULL, NULL, NULL, &r), c->keyless);
	assert_int_equal(decode(dir, hostpub.pk, &aud1, &g, &r), INDEP_TAMPERED);
	assert_string_equal(r.reason, c->why);
	/* What was emitted is authentic: a prefix of what the writer was given. */
	b = (uint8_t *)slurp(path2(fixdir, c->session[0] == '5' ? "complete.events" :
				   "truncated.events"), &n);
	assert_true(g.evlen < n);
	if (g.evlen > 0)
		assert_memory_equal(g.ev, b, g.evlen);
	free(b);
	got_free(&g);
}

static int load(const char *name, struct indep_key *k)
{
	const char *why = NULL;

	if (indep_key_load(path2(fixdir, name), k, &why) == 0)
		return 0;
	fprintf(stderr, "%s: %s\n", name, why);
	return -1;
}

/* $TESTS_SRCDIR/format (make check), else beside the binary, else
 * ./tests/format. */
static int find_fixture(const char *argv0)
{
	char self[PATH_MAX], src[PATH_MAX];
	const char *cand[3] = { NULL, self, "tests/format" };
	size_t i;

	if (getenv("TESTS_SRCDIR") != NULL &&
	    snprintf(src, sizeof(src), "%s/format", getenv("TESTS_SRCDIR")) < (int)sizeof(src))
		cand[0] = src;
	snprintf(self, sizeof(self), "%s", argv0);
	cand[1] = dirname(self);
	for (i = 0; i < 3; i++)
		if (cand[i] != NULL &&
		    snprintf(fixdir, sizeof(fixdir), "%s/fixtures/format-v1", cand[i]) <
			    (int)sizeof(fixdir) && access(path2(fixdir, "README"), R_OK) == 0)
			return 0;
	fprintf(stderr, "format-v1 fixture not found (set TESTS_SRCDIR)\n");
	return -1;
}

int main(int argc, char **argv)
{
#define T(name) cmocka_unit_test(name)
	const struct CMUnitTest fixed[] = {
		cmocka_unit_test_setup_teardown(test_key_files_parse_and_agree, setup, teardown),
		{ "test_complete_session_decodes_for_auditor1", test_session_decodes, NULL, NULL,
		  (void *)&complete1 },
		{ "test_complete_session_decodes_for_auditor2", test_session_decodes, NULL, NULL,
		  (void *)&complete2 },
		{ "test_truncated_session_decodes_for_auditor1", test_session_decodes, NULL, NULL,
		  (void *)&truncated1 },
		T(test_truncated_session_refuses_non_recipient_auditor2),
		{ "test_verify_without_key_pinned_host", test_verify_without_key, NULL, NULL,
		  hostpub.pk },
		{ "test_verify_without_key_manifest_host", test_verify_without_key, NULL, NULL,
		  NULL },
		T(test_verify_refuses_other_pinned_host),
	};
	struct CMUnitTest tests[sizeof(fixed) / sizeof(fixed[0]) + NCASES];
	size_t i, nf = sizeof(fixed) / sizeof(fixed[0]);

	(void)argc;
	memcpy(tests, fixed, sizeof(fixed));
	for (i = 0; i < NCASES; i++)
		tests[nf + i] = (struct CMUnitTest){ cases[i].name, test_tampered_copy_is_refused,
						     setup, teardown, &cases[i] };
	if (sodium_init() < 0 || find_fixture(argv[0]) < 0 ||
	    load("keys/auditor1.key", &aud1) < 0 || load("keys/auditor2.key", &aud2) < 0 ||
	    load("keys/auditor1.pub", &aud1pub) < 0 ||
	    load("keys/host.key", &host) < 0 || load("keys/host.pub", &hostpub) < 0)
		return 1;
	return cmocka_run_group_tests_name("test_format_decoder", tests, NULL, NULL);
}
