/* Unit tests for lib/evidence/recformat.c: the segment layout helpers checked
 * against the bytes docs/FORMAT.md section 7 states, built here by hand. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "breakglass/evidence/recformat.h"
#include "helpers.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static void test_recformat_little_endian(void **state)
{
	unsigned char b[8];

	(void)state;
	bg_recformat_put_le(b, 0x0102030405060708u, 8);
	assert_memory_equal(b, "\x08\x07\x06\x05\x04\x03\x02\x01", 8);
	assert_int_equal(bg_recformat_get_le(b, 8), 0x0102030405060708u);
	assert_int_equal(bg_recformat_get_le(b + 6, 2), 0x0102);
	bg_recformat_put_le(b, 0xabcdef, 2);    /* only n bytes are written */
	assert_memory_equal(b, "\xef\xcd\x06", 3);
}

static void test_recformat_segment_names_are_canonical(void **state)
{
	static const struct {
		const char *name;
		int ok;
		uint32_t n;
	} cases[] = {
		{ "000000.bgr", 1, 0 }, { "000042.bgr", 1, 42 }, { "999999.bgr", 1, 999999 },
		{ "1000000.bgr", 1, 1000000 }, { "4294967295.bgr", 1, UINT32_MAX },
		{ "4294967296.bgr", 0, 0 }, { "0000001.bgr", 0, 0 }, { "00001.bgr", 0, 0 },
		{ "00000a.bgr", 0, 0 }, { "-00001.bgr", 0, 0 }, { ".bgr", 0, 0 },
		{ "00000000000.bgr", 0, 0 },
	};
	char name[BG_SEG_NAME_MAX];
	uint32_t n;
	size_t i;

	(void)state;
	for (i = 0; i < N_ELEMS(cases); i++) {
		n = 12345;
		if (bg_recformat_segment_number(cases[i].name, strlen(cases[i].name), &n) !=
		    (cases[i].ok != 0))
			fail_msg("%s: not %s", cases[i].name, cases[i].ok ? "accepted" : "refused");
		if (!cases[i].ok)
			continue;
		assert_int_equal(n, cases[i].n);
		assert_int_equal(bg_recformat_segment_name(name, sizeof(name), n), BG_OK);
		assert_string_equal(name, cases[i].name);
	}
	assert_int_not_equal(bg_recformat_segment_name(name, 10, 0), BG_OK);
}

static void test_recformat_header_offsets(void **state)
{
	struct bg_seg_header h = { .seg = 0x01020304, .created_us = 1700000000123456u,
				   .n_recipients = 3 }, back;
	unsigned char hdr[BG_SEG_HDR_FIXED];
	size_t i;

	(void)state;
	for (i = 0; i < 16; i++)
		h.session[i] = (unsigned char)(0x10 + i), h.host_id[i] = (unsigned char)(0x40 + i);
	for (i = 0; i < BG_HASH_LEN; i++)
		h.prev[i] = (unsigned char)(0x80 + i);
	bg_recformat_header_put(hdr, &h);
	assert_memory_equal(hdr, "BGSEG\r\n\x1a\x01\x00\x00\x00", 12);
	assert_memory_equal(hdr + 12, h.session, 16);
	assert_memory_equal(hdr + 28, "\x04\x03\x02\x01", 4);
	assert_int_equal(bg_recformat_get_le(hdr + 32, 8), h.created_us);
	assert_memory_equal(hdr + 40, h.host_id, 16);
	assert_memory_equal(hdr + 56, h.prev, 32);
	assert_memory_equal(hdr + 88, "\x03\x00", 2);
	bg_recformat_header_get(hdr, &back);
	assert_true(back.magic_ok);
	assert_int_equal(back.version, 1);
	assert_int_equal(back.flags, 0);
	assert_int_equal(back.seg, h.seg);
	assert_int_equal(back.created_us, h.created_us);
	assert_int_equal(back.n_recipients, 3);
	assert_memory_equal(back.session, h.session, 16);
	assert_memory_equal(back.host_id, h.host_id, 16);
	assert_memory_equal(back.prev, h.prev, 32);
	hdr[7] = 0x1b;
	bg_recformat_header_get(hdr, &back);
	assert_false(back.magic_ok);
	assert_int_equal(bg_recformat_header_len(1), 90 + 96 + 24);
	assert_int_equal(bg_recformat_header_len(16), 90 + 96 * 16 + 24);
}

static void blake2b(unsigned char out[32], const void *a, size_t alen, const void *b,
		    size_t blen, const void *c, size_t clen)
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, a, alen);
	crypto_generichash_update(&st, b, blen);
	crypto_generichash_update(&st, c, clen);
	crypto_generichash_final(&st, out, 32);
}

static void test_recformat_hash_chain(void **state)
{
	unsigned char hdr[210], h0[32], want[32], h[32], rh[5] = { 1, 3, 0, 0, 0 };

	(void)state;
	randombytes_buf(hdr, sizeof(hdr));
	bg_recformat_h0(hdr, sizeof(hdr), h0);
	blake2b(want, "BGSEG-v1-header", 15, hdr, sizeof(hdr), "", 0);
	assert_memory_equal(h0, want, 32);
	bg_recformat_chain(h0, rh, (const unsigned char *)"abc", 3, h);
	blake2b(want, h0, 32, rh, 5, "abc", 3);
	assert_memory_equal(h, want, 32);
	/* h(i) may replace h(i-1) in place, as the writer does. */
	bg_recformat_chain(h0, rh, (const unsigned char *)"abc", 3, h0);
	assert_memory_equal(h0, want, 32);
}

static void test_recformat_additional_data_and_tags(void **state)
{
	unsigned char ad[BG_SEG_AD_LEN], session[16], h[32];

	(void)state;
	randombytes_buf(session, sizeof(session));
	randombytes_buf(h, sizeof(h));
	bg_recformat_ad(ad, session, 7, 0x01000002, BG_SEG_END_SEGMENT, h);
	assert_int_equal(sizeof(ad), 57);
	assert_memory_equal(ad, session, 16);
	assert_memory_equal(ad + 16, "\x07\x00\x00\x00\x02\x00\x00\x01\x02", 9);
	assert_memory_equal(ad + 25, h, 32);
	assert_int_equal(bg_recformat_tag(BG_SEG_DATA),
			 crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
	assert_int_equal(bg_recformat_tag(BG_SEG_END_SEGMENT),
			 crypto_secretstream_xchacha20poly1305_TAG_PUSH);
	assert_int_equal(bg_recformat_tag(BG_SEG_END_SESSION),
			 crypto_secretstream_xchacha20poly1305_TAG_FINAL);
}

static void test_recformat_signature_covers_context_and_hash(void **state)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	unsigned char h[32], sig[BG_SEG_SIG_LEN], msg[15 + 32];

	(void)state;
	crypto_sign_keypair(pk, sk);
	randombytes_buf(h, sizeof(h));
	assert_int_equal(bg_recformat_sign(h, sk, sig), BG_OK);
	memcpy(msg, "BGSEG-v1-record", 15);
	memcpy(msg + 15, h, 32);
	assert_int_equal(crypto_sign_verify_detached(sig, msg, sizeof(msg), pk), 0);
	assert_true(bg_recformat_verify(h, pk, sig));
	h[31] ^= 1;
	assert_false(bg_recformat_verify(h, pk, sig));
	h[31] ^= 1;
	sig[0] ^= 0x80;
	assert_false(bg_recformat_verify(h, pk, sig));
}

static void test_recformat_meta_is_a_json_object(void **state)
{
	static const struct {
		const char *text;
		size_t len;
		int ok;
	} cases[] = {
		{ "{}", 2, 1 }, { "{\"a\":123456789012345678901234567890}", 36, 1 },
		{ "{\"a\":\"\\u0000\"}", 14, 1 },
		{ "[1]", 3, 0 }, { "1", 1, 0 }, { "{\"a\":1,\"a\":2}", 13, 0 },
		{ "{\"a\":\"\xff\"}", 9, 0 }, { "{} {}", 5, 0 }, { "", 0, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N_ELEMS(cases); i++)
		if (bg_recformat_meta_ok(cases[i].text, cases[i].len) != (cases[i].ok != 0))
			fail_msg("%s: not %s", cases[i].text, cases[i].ok ? "accepted" : "refused");
}

static void test_recformat_full_reads_and_writes(void **state)
{
	unsigned char buf[70000], back[70010];
	int fds[2], status;
	pid_t pid;

	(void)state;
	randombytes_buf(buf, sizeof(buf));
	assert_int_equal(pipe(fds), 0);
	/* More than a pipe holds at once: the writer child must be read. */
	assert_true((pid = fork()) >= 0);
	if (pid == 0) {
		close(fds[0]);
		_exit(bg_recformat_write_full(fds[1], buf, sizeof(buf)) == BG_OK ? 0 : 1);
	}
	close(fds[1]);
	assert_int_equal(bg_recformat_read_full(fds[0], back, sizeof(back)), sizeof(buf));
	assert_memory_equal(back, buf, sizeof(buf));
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(status, 0);
	assert_int_equal(bg_recformat_read_full(-1, back, 1), -1);
	assert_int_equal(bg_recformat_write_full(-1, buf, 1), BG_EIO);
}

/* Segment files are counted only when they are 0 to n - 1 under
 * canonical names; else the first gap or the bad name is said. */
static void test_recformat_segment_count(void **state)
{
	static const struct {
		const char *files[3];
		int rc;
		uint32_t count;
		const char *why;
	} t[] = {
		{ { "000000.bgr", "000001.bgr", "manifest.json" }, BG_OK, 2, "" },
		{ { "manifest.json" }, BG_EINTEGRITY, 0, "segment 000000 is missing" },
		{ { "000000.bgr", "000002.bgr" }, BG_EINTEGRITY, 0, "segment 000001 is missing" },
		{ { "000000.bgr", "00001.bgr" }, BG_EINTEGRITY, 0, "00001.bgr is not a segment file name" },
	};
	uint32_t count;
	size_t i, j;
	char why[128], *dir;
	DIR *d;

	(void)state;
	for (i = 0; i < N_ELEMS(t); i++) {
		dir = th_mkdtemp();
		for (j = 0; j < 3 && t[i].files[j] != NULL; j++)
			free(th_write_str(dir, t[i].files[j], "x"));
		assert_non_null(d = opendir(dir));
		count = 0;
		why[0] = 0;
		assert_int_equal(bg_recformat_segment_count(d, &count, why, sizeof(why)), t[i].rc);
		assert_int_equal(count, t[i].count);
		assert_string_equal(why, t[i].why);
		closedir(d);
		th_rmtree(dir);
		free(dir);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recformat_little_endian),
		cmocka_unit_test(test_recformat_segment_names_are_canonical),
		cmocka_unit_test(test_recformat_segment_count),
		cmocka_unit_test(test_recformat_header_offsets),
		cmocka_unit_test(test_recformat_hash_chain),
		cmocka_unit_test(test_recformat_additional_data_and_tags),
		cmocka_unit_test(test_recformat_signature_covers_context_and_hash),
		cmocka_unit_test(test_recformat_meta_is_a_json_object),
		cmocka_unit_test(test_recformat_full_reads_and_writes),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
