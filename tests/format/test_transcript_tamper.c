/* The tamper matrix of issue 4 on the committed fixture: thousands of
 * flipped bytes over headers, sealed keys, records, signatures and the
 * manifest; cuts at and inside every record; dropped, duplicated,
 * reordered and foreign segments; a replaced sealed key; a session
 * re-signed with another host key.  Each must be tampered (truncated only
 * for a clean cut the manifest does not contradict), and what was handed
 * out must be the first events of the session, nothing else. */
#include "config.h"

#include <fcntl.h>
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

#include "breakglass/evidence/manifest.h"
#include "breakglass/evidence/manifestread.h"
#include "breakglass/evidence/recformat.h"
#include "breakglass/evidence/recwriter.h"
#include "breakglass/evidence/transcript.h"
#include "helpers.h"
#include "test_transcript.h"

#define MAXREC 64

enum region { HEADER, SEALED, RECORD_HEAD, CIPHERTEXT, SIGNATURE, MANIFEST, NREGIONS };

static const char *const region_names[] = {
	"header", "sealed keys", "record heads", "ciphertext", "signatures", "manifest",
};

static void path_of(char *out, size_t cap, const char *dir, const char *name)
{
	assert_true(snprintf(out, cap, "%s/%s", dir, name) < (int)cap);
}

static void seg_file(char *out, size_t cap, const char *dir, unsigned seg)
{
	assert_true(snprintf(out, cap, "%s/%06u.bgr", dir, seg) < (int)cap);
}

static void poke(const char *path, size_t off, unsigned char x)
{
	unsigned char b;
	int fd = open(path, O_RDWR);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &b, 1, (off_t)off), 1);
	b ^= x;
	assert_int_equal(pwrite(fd, &b, 1, (off_t)off), 1);
	close(fd);
}

/* The exit status of breakglass-replay verify, pinned, with the key. */
static int cli_verify(struct tfix *f, const char *dir)
{
	const char *prog = getenv("BREAKGLASS_REPLAY");
	char key[600], pub[600], out[512];
	const char *argv[] = { prog, "verify", "-k", key, "--host-pub", pub, dir, NULL };

	path_of(key, sizeof(key), f->tmp, "fx/keys/auditor1.key");
	path_of(pub, sizeof(pub), f->tmp, "fx/keys/host.pub");
	return prog != NULL ? th_run(argv, out, sizeof(out)) : 4;
}

/* One flip: tampered with the key (events a prefix) and, every few
 * cases, without it and through the program. */
static void flip_case(struct tfix *f, const char *path, size_t off, size_t n)
{
	static const unsigned char masks[] = { 0x01, 0x80, 0xff, 0x20 };
	unsigned char x = masks[n % 4];
	struct tevents got = { 0 };
	enum bg_verdict v;
	char why[256];

	poke(path, off, x);
	assert_int_equal(tverify(f->complete, &f->host_pub, f->aud1, &got, &v, why, sizeof(why)),
			 BG_OK);
	if (v != BG_VERDICT_TAMPERED)
		fail_msg("%s byte %zu ^ 0x%02x: verdict %d (%s)", path, off, x, v, why);
	tevents_assert_prefix(&f->want_complete, &got);
	if (n % 4 == 0) {
		assert_int_equal(tverify(f->complete, NULL, NULL, &got, &v, why, sizeof(why)), BG_OK);
		assert_int_equal(v, BG_VERDICT_TAMPERED);
	}
	if (n % 97 == 0)
		assert_int_equal(cli_verify(f, f->complete), 4);
	poke(path, off, x);
	tevents_free(&got);
}

static void test_transcript_flipped_bytes(void **state)
{
	struct tfix *f = *state;
	size_t off[MAXREC], count[NREGIONS] = { 0 }, total = 0, nrec, i, r, at, len;
	char path[700];
	unsigned seg;

	for (seg = 0; seg < 3; seg++) {
		seg_file(path, sizeof(path), f->complete, seg);
		nrec = tseg_records(path, off, MAXREC);
		/* Every byte of the header: fixed part, recipients, stream header. */
		for (at = 0; at < off[0]; at++) {
			enum region g = at >= 90 && at < off[0] - 24 ? SEALED : HEADER;

			flip_case(f, path, at, total++);
			count[g]++;
		}
		for (r = 0; r < nrec; r++) {
			len = off[r + 1] - off[r] - 5 - 64;
			for (i = 0; i < 5; i++, count[RECORD_HEAD]++)
				flip_case(f, path, off[r] + i, total++);
			/* Spread over the ciphertext, its first and last bytes included. */
			for (i = 0; i < len; i += len > 600 ? 7 : 2, count[CIPHERTEXT]++)
				flip_case(f, path, off[r] + 5 + i, total++);
			flip_case(f, path, off[r] + 5 + len - 1, total++);
			for (i = 0; i < 64; i += 1 + seg, count[SIGNATURE]++)
				flip_case(f, path, off[r + 1] - 64 + i, total++);
		}
	}
	path_of(path, sizeof(path), f->complete, "manifest.json");
	free(th_slurp(path, &len));
	for (at = 0; at < len; at++, count[MANIFEST]++)
		flip_case(f, path, at, total++);
	for (i = 0; i < NREGIONS; i++) {
		print_message("%s: %zu flips\n", region_names[i], count[i]);
		assert_true(count[i] >= 25);
	}
	assert_true(total >= 2000);
}

/* Cut path to len bytes, verify with the key, put the bytes back. */
static enum bg_verdict cut(struct tfix *f, const char *dir, const char *path, size_t len,
			   const struct tevents *want, size_t *n_events)
{
	size_t full;
	char *keep = th_slurp(path, &full), why[256];
	struct tevents got = { 0 };
	enum bg_verdict v;

	assert_int_equal(truncate(path, (off_t)len), 0);
	assert_int_equal(tverify(dir, &f->host_pub, f->aud1, &got, &v, why, sizeof(why)), BG_OK);
	tevents_assert_prefix(want, &got);
	*n_events = got.n;
	tevents_free(&got);
	free(th_write(dir, strrchr(path, '/') + 1, keep, full, 0600));
	free(keep);
	return v;
}

/* Cuts of every segment of session dir: inside the header or a record
 * always tampered; at a record boundary truncated when the segment is
 * the last and the manifest does not list it (open), else tampered. */
static void cuts(struct tfix *f, const char *dir, unsigned nseg, unsigned open,
		 const struct tevents *want)
{
	size_t off[MAXREC], nrec, r, i, n, before = 0;
	const size_t inside[] = { 1, 4, 5, 6, 40 };
	char path[700];
	unsigned seg;

	for (seg = 0; seg < nseg; seg++) {
		seg_file(path, sizeof(path), dir, seg);
		nrec = tseg_records(path, off, MAXREC);
		for (i = 0; i < off[0]; i += 37)
			assert_int_equal(cut(f, dir, path, i, want, &n), BG_VERDICT_TAMPERED);
		for (r = 0; r <= nrec; r++) {
			enum bg_verdict v = cut(f, dir, path, off[r], want, &n);

			if (seg == open && seg + 1 == nseg && r < nrec) {
				assert_int_equal(v, BG_VERDICT_TRUNCATED);
				assert_true(n >= before);
				before = n;
			} else if (r < nrec) {
				assert_int_equal(v, BG_VERDICT_TAMPERED);
			}
			for (i = 0; r < nrec && i < 5; i++)
				assert_int_equal(cut(f, dir, path, off[r] + inside[i] +
						     (i == 4 ? off[r + 1] - off[r] - 46 : 0), want, &n),
						 BG_VERDICT_TAMPERED);
		}
	}
}

static void lag_manifest(struct tfix *f, const char *dir, size_t listed)
{
	struct bg_manifest *m;

	assert_int_equal(bg_manifestread_load(dir, &f->host_pub, &m, NULL, 0), BG_OK);
	m->n_segments = listed;
	m->complete = false;
	free(m->end);
	m->end = NULL;
	assert_int_equal(bg_manifest_write(dir, m, f->host), BG_OK);
	bg_manifest_free(m);
}

static void test_transcript_cuts(void **state)
{
	struct tfix *f = *state;
	char path[700], *keep;
	size_t len;

	/* The complete session: every segment is listed, so no cut is clean. */
	cuts(f, f->complete, 3, UINT32_MAX, &f->want_complete);
	/* The killed one: its open segment may end at any record. */
	cuts(f, f->truncated, 2, 1, &f->want_truncated);
	/* Killed before the manifest listed the last segment. */
	path_of(path, sizeof(path), f->complete, "manifest.json");
	keep = th_slurp(path, &len);
	lag_manifest(f, f->complete, 2);
	cuts(f, f->complete, 3, 2, &f->want_complete);
	free(th_write(f->complete, "manifest.json", keep, len, 0640));
	free(keep);
}

/* The complete session as it now is: tampered, for the reason named. */
static void expect_tampered(struct tfix *f, const char *what, const char *why_part)
{
	struct tevents got = { 0 };
	enum bg_verdict v;
	char why[256];

	assert_int_equal(tverify(f->complete, &f->host_pub, f->aud1, &got, &v, why, sizeof(why)),
			 BG_OK);
	if (v != BG_VERDICT_TAMPERED || strstr(why, why_part) == NULL)
		fail_msg("%s: verdict %d (%s)", what, v, why);
	tevents_assert_prefix(&f->want_complete, &got);
	assert_int_equal(cli_verify(f, f->complete), 4);
	tevents_free(&got);
}

/* Segment file a of the complete session removed for a while. */
static void without(struct tfix *f, const char *a, const char *why_part)
{
	char pa[700], pb[700];

	path_of(pa, sizeof(pa), f->complete, a);
	path_of(pb, sizeof(pb), f->tmp, "away.bgr");
	assert_int_equal(rename(pa, pb), 0);
	expect_tampered(f, a, why_part);
	assert_int_equal(rename(pb, pa), 0);
}

static void copy_file(const char *from, const char *to)
{
	size_t len;
	char *b = th_slurp(from, &len), *slash = strrchr(to, '/'), dir[700];

	assert_non_null(b);
	assert_non_null(slash);
	assert_true((size_t)(slash - to) < sizeof(dir));
	memcpy(dir, to, (size_t)(slash - to));
	dir[slash - to] = '\0';
	free(th_write(dir, slash + 1, b, len, 0600));
	free(b);
}

/* Another session by the same host, to the same auditors. */
static void other_session(struct tfix *f, char *dir, size_t cap)
{
	static const unsigned char sid[16] = { 0x5e, 0x55, 0x10, 0x4e, 9 };
	struct bg_pubkey auds[2] = { f->aud1->pub, f->aud2->pub };
	struct bg_recwriter_opts o = { .dir = dir, .session = sid, .host = f->host,
				       .auditors = auds, .n_auditors = 2,
				       .batch_bytes = 65536, .zstd_level = 1 };
	struct bg_recwriter *w;
	char hex[33];
	int i;

	sodium_bin2hex(hex, sizeof(hex), sid, 16);
	path_of(dir, cap, f->tmp, hex);
	assert_int_equal(bg_recwriter_open(&o, &w), BG_OK);
	for (i = 0; i < 3; i++) {
		assert_int_equal(bg_recwriter_event(w, BG_EV_OUT, 10 + (uint64_t)i, "x", 1), BG_OK);
		assert_int_equal(i < 2 ? bg_recwriter_next_segment(w) : bg_recwriter_finish(w),
				 BG_OK);
	}
	bg_recwriter_free(w);
}

static void test_transcript_whole_segments(void **state)
{
	struct tfix *f = *state;
	char other[600], p1[700], p2[700], p3[700], saved[700], from[700];

	without(f, "000001.bgr", "segment 000001 is missing");
	without(f, "000002.bgr", "lists segment 000002, which is missing");
	without(f, "000000.bgr", "segment 000000 is missing");
	seg_file(p1, sizeof(p1), f->complete, 1);
	seg_file(p2, sizeof(p2), f->complete, 2);
	seg_file(p3, sizeof(p3), f->complete, 3);
	path_of(saved, sizeof(saved), f->tmp, "saved.bgr");
	/* Duplicated: segment 1 again after the end of the session. */
	copy_file(p1, p3);
	expect_tampered(f, "duplicate", "end of session before the last segment");
	assert_int_equal(unlink(p3), 0);
	/* Reordered: 1 and 2 swapped. */
	assert_int_equal(rename(p1, saved), 0);
	assert_int_equal(rename(p2, p1), 0);
	assert_int_equal(rename(saved, p2), 0);
	expect_tampered(f, "swap", "the header names segment 000002");
	assert_int_equal(rename(p2, saved), 0);
	assert_int_equal(rename(p1, p2), 0);
	assert_int_equal(rename(saved, p1), 0);
	/* A genuine segment of another session by the same host. */
	other_session(f, other, sizeof(other));
	seg_file(from, sizeof(from), other, 1);
	assert_int_equal(rename(p1, saved), 0);
	copy_file(from, p1);
	expect_tampered(f, "foreign", "session id is not the directory's");
	assert_int_equal(rename(saved, p1), 0);
	th_rmtree(other);
}

/* Chain and sign every record of dir again with host, fix the prev
 * links and write a manifest signed by host: what a holder of that key
 * can do, and all that one who has only the files cannot. */
static void resign(const char *dir, const struct bg_keypair *host)
{
	unsigned char end[BG_HASH_LEN] = { 0 }, h[BG_HASH_LEN], *b, *sk = bg_secret_data(host->sk);
	size_t off[MAXREC], nrec, r, len;
	struct bg_manifest *m;
	char path[700];
	unsigned seg;

	assert_int_equal(bg_manifestread_load(dir, NULL, &m, NULL, 0), BG_OK);
	for (seg = 0; seg < m->n_segments; seg++) {
		seg_file(path, sizeof(path), dir, seg);
		nrec = tseg_records(path, off, MAXREC);
		assert_non_null(b = (unsigned char *)th_slurp(path, &len));
		memcpy(b + 40, host->pub.id, BG_KEY_ID_LEN);
		memcpy(b + 56, end, BG_HASH_LEN);
		bg_recformat_h0(b, off[0], h);
		for (r = 0; r < nrec; r++) {
			bg_recformat_chain(h, b + off[r], b + off[r] + 5, off[r + 1] - off[r] - 69, h);
			assert_int_equal(bg_recformat_sign(h, sk, b + off[r + 1] - 64), BG_OK);
		}
		memcpy(end, h, BG_HASH_LEN);
		memcpy(m->segments[seg].hash, h, BG_HASH_LEN);
		free(th_write(dir, strrchr(path, '/') + 1, b, len, 0600));
		free(b);
	}
	memcpy(m->host_key_id, host->pub.id, BG_KEY_ID_LEN);
	memcpy(m->host_public, host->pub.pk, BG_KEY_PUBLIC_LEN);
	assert_int_equal(bg_manifest_write(dir, m, host), BG_OK);
	bg_manifest_free(m);
}

static void verdict_is(const char *dir, const struct bg_pubkey *host,
		       const struct bg_keypair *aud, enum bg_verdict want, const char *why_part)
{
	struct tevents got = { 0 };
	enum bg_verdict v;
	char why[256];

	assert_int_equal(tverify(dir, host, aud, &got, &v, why, sizeof(why)), BG_OK);
	if (v != want || strstr(why, why_part) == NULL)
		fail_msg("verdict %d (%s), wanted %d and \"%s\"", v, why, want, why_part);
	/* Nothing decrypts once the chain the data is bound to has changed. */
	if (want == BG_VERDICT_TAMPERED)
		assert_int_equal(got.n, 0);
	tevents_free(&got);
}

static void test_transcript_sealed_key_and_host_key(void **state)
{
	struct tfix *f = *state;
	unsigned char key[32], *b;
	struct bg_keypair *other;
	char *parent = th_mkdtemp(), dir[700], path[800];
	const char *cp[] = { "cp", "-R", f->complete, parent, NULL };
	size_t len;

	assert_int_equal(th_run(cp, path, sizeof(path)), 0);
	path_of(dir, sizeof(dir), parent, "5e55104e0102030405060708090a0b0c");
	/* auditor1's sealed key in segment 0 replaced by another key. */
	seg_file(path, sizeof(path), dir, 0);
	assert_non_null(b = (unsigned char *)th_slurp(path, &len));
	assert_true(memcmp(b + 90, f->aud1->pub.id, BG_KEY_ID_LEN) == 0 ||
		    memcmp(b + 186, f->aud1->pub.id, BG_KEY_ID_LEN) == 0);
	randombytes_buf(key, sizeof(key));
	assert_int_equal(crypto_box_seal(b + (memcmp(b + 90, f->aud1->pub.id, 16) ? 186 : 90) + 16,
					 key, sizeof(key), f->aud1->pub.pk), 0);
	free(th_write(dir, "000000.bgr", b, len, 0600));
	free(b);
	verdict_is(dir, &f->host_pub, NULL, BG_VERDICT_TAMPERED, "record 1: bad signature");
	verdict_is(dir, NULL, f->aud2, BG_VERDICT_TAMPERED, "record 1: bad signature");
	/* Re-signed with the genuine host key: signatures hold, content does
	 * not open, for the auditor whose entry changed and for the other. */
	resign(dir, f->host);
	verdict_is(dir, &f->host_pub, NULL, BG_VERDICT_COMPLETE, "intact");
	verdict_is(dir, &f->host_pub, f->aud1, BG_VERDICT_TAMPERED, "does not decrypt");
	verdict_is(dir, &f->host_pub, f->aud2, BG_VERDICT_TAMPERED, "does not decrypt");
	th_rmtree(dir);
	/* Re-signed with another host key, nothing else changed. */
	assert_int_equal(th_run(cp, path, sizeof(path)), 0);
	assert_int_equal(bg_keys_generate(BG_KEY_HOST, &other), BG_OK);
	resign(dir, other);
	verdict_is(dir, &f->host_pub, NULL, BG_VERDICT_TAMPERED, "manifest.json: ");
	verdict_is(dir, &f->host_pub, f->aud1, BG_VERDICT_TAMPERED, "manifest.json: ");
	/* Unpinned, the files agree with each other: why --host-pub matters. */
	verdict_is(dir, NULL, NULL, BG_VERDICT_COMPLETE, "intact");
	verdict_is(dir, NULL, f->aud1, BG_VERDICT_TAMPERED, "does not decrypt");
	verdict_is(dir, &other->pub, f->aud2, BG_VERDICT_TAMPERED, "does not decrypt");
	bg_keys_free(other);
	th_rmtree(parent);
	free(parent);
}

int transcript_tamper_group(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transcript_flipped_bytes),
		cmocka_unit_test(test_transcript_cuts),
		cmocka_unit_test(test_transcript_whole_segments),
		cmocka_unit_test(test_transcript_sealed_key_and_host_key),
	};

	return cmocka_run_group_tests_name("transcript_tamper", tests, tfix_setup,
					   tfix_teardown);
}
