/* Tests for the chunk plaintext (lib/evidence/recchunk.c): packing a
 * batch, unpacking one, and the checks of the events inside. */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <zstd.h>

#include "breakglass/evidence/recchunk.h"

/* A batch of 16 bytes stays raw, in place; a long repetitive one comes
 * back as a zstd frame that unpacks to the same events. */
static void test_recchunk_pack_compresses_only_what_shrinks(void **state)
{
	unsigned char batch[1 + 4096], zbuf[1 + ZSTD_COMPRESSBOUND(4096)], dec[4096];
	const unsigned char *plain, *ev;
	size_t plen, hw = 0, dhw = 0, n;
	ZSTD_CCtx *c = ZSTD_createCCtx();
	ZSTD_DCtx *d = ZSTD_createDCtx();
	char why[64];

	(void)state;
	assert_non_null(c);
	assert_non_null(d);
	assert_int_equal(bg_recchunk_zstd_setup(c, 3), BG_OK);
	batch[0] = 0xff;
	memset(batch + 1, 'a', sizeof(batch) - 1);
	plain = bg_recchunk_pack(c, batch, 17, zbuf, &hw, &plen);
	assert_ptr_equal(plain, batch);
	assert_int_equal(plen, 17);
	assert_int_equal(batch[0], 0);
	assert_int_equal(hw, 0);
	plain = bg_recchunk_pack(c, batch, sizeof(batch), zbuf, &hw, &plen);
	assert_ptr_equal(plain, zbuf);
	assert_int_equal(zbuf[0], 1);
	assert_true(plen < 100);
	assert_int_equal(hw, plen);
	assert_int_equal(bg_recchunk_unpack(d, plain, plen, dec, &dhw, &ev, &n, why, sizeof(why)),
			 BG_OK);
	assert_int_equal(n, sizeof(batch) - 1);
	assert_memory_equal(ev, batch + 1, n);
	ZSTD_freeCCtx(c);
	ZSTD_freeDCtx(d);
}

static void test_recchunk_unpack(void **state)
{
	static const char events[] = "\x01\x05\0\0\0\0\0\0\0\x03\0\0\0abc";
	unsigned char plain[256], dec[256];
	const unsigned char *ev;
	size_t n, hw = 0, z;
	ZSTD_DCtx *d;
	char why[64];

	(void)state;
	plain[0] = 0;
	memcpy(plain + 1, events, 16);
	assert_int_equal(bg_recchunk_unpack(NULL, plain, 17, dec, &hw, &ev, &n, why,
					    sizeof(why)), BG_OK);
	assert_ptr_equal(ev, plain + 1);
	assert_int_equal(n, 16);
	assert_non_null(d = ZSTD_createDCtx());
	plain[0] = 1;
	z = ZSTD_compress(plain + 1, sizeof(plain) - 1, events, 16, 3);
	assert_false(ZSTD_isError(z));
	assert_int_equal(bg_recchunk_unpack(d, plain, z + 1, dec, &hw, &ev, &n, why,
					    sizeof(why)), BG_OK);
	assert_ptr_equal(ev, dec);
	assert_int_equal(n, 16);
	assert_int_equal(hw, 16);
	assert_memory_equal(dec, events, 16);
	/* A second frame after the first is refused. */
	memcpy(plain + 1 + z, plain + 1, z);
	assert_int_equal(bg_recchunk_unpack(d, plain, 2 * z + 1, dec, &hw, &ev, &n, why,
					    sizeof(why)), BG_EINTEGRITY);
	assert_string_equal(why, "not a single zstd frame");
	plain[0] = 2;
	assert_int_equal(bg_recchunk_unpack(d, plain, z + 1, dec, &hw, &ev, &n, why,
					    sizeof(why)), BG_EINTEGRITY);
	assert_string_equal(why, "unknown compression 2");
	assert_int_equal(bg_recchunk_unpack(d, plain, 0, dec, &hw, &ev, &n, why,
					    sizeof(why)), BG_EINTEGRITY);
	assert_string_equal(why, "empty chunk");
	ZSTD_freeDCtx(d);
}

/* Each malformed batch is named; a good one moves the time on. */
static void test_recchunk_check_names_what_is_wrong(void **state)
{
	static const struct {
		const char *ev;
		size_t len;
		const char *why;
	} bad[] = {
		{ "\x01\x05\0\0\0\0\0\0\0\x03\0", 11, "an event runs past its batch" },
		{ "\x01\x05\0\0\0\0\0\0\0\x04\0\0\0abc", 16, "an event runs past its batch" },
		{ "\x08\x05\0\0\0\0\0\0\0\0\0\0\0", 13, "unknown event type 8" },
		{ "\x06\x05\0\0\0\0\0\0\0\0\0\0\0", 13, "wrong data length for event type 6" },
		{ "\x07\x05\0\0\0\0\0\0\0\0\0\0\0", 13, "wrong data length for event type 7" },
		{ "\x04\x05\0\0\0\0\0\0\0\x03\0\0\0abc", 16, "wrong data length for event type 4" },
		{ "\x01\x01\0\0\0\0\0\0\0\0\0\0\0", 13, "time goes backwards" },
		{ "\x05\x05\0\0\0\0\0\0\0\x02\0\0\0[]", 15, "meta event is not a JSON object" },
	};
	static const unsigned char good[] = "\x01\x05\0\0\0\0\0\0\0\x03\0\0\0abc"
					    "\x05\x07\0\0\0\0\0\0\0\x02\0\0\0{}";
	uint64_t t;
	size_t i;
	char why[64];

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		t = 2;
		why[0] = 0;
		assert_int_equal(bg_recchunk_check((const unsigned char *)bad[i].ev, bad[i].len, &t,
						   why, sizeof(why)), BG_EINTEGRITY);
		assert_string_equal(why, bad[i].why);
	}
	t = 5;
	assert_int_equal(bg_recchunk_check(good, sizeof(good) - 1, &t, why, sizeof(why)), BG_OK);
	assert_int_equal(t, 7);
	t = 9;
	assert_int_equal(bg_recchunk_check(good, 0, &t, why, sizeof(why)), BG_OK);
	assert_int_equal(t, 9);
}

/* Compress in (n bytes) into out with a fresh context set up by the
 * writer's rules (setup) or with level and, unless 0, hash_log. */
static size_t squeeze(const unsigned char *in, size_t n, unsigned char *out, bool setup,
		      int level, int hash_log)
{
	ZSTD_CCtx *c = ZSTD_createCCtx();
	size_t z;

	assert_non_null(c);
	if (setup)
		assert_int_equal(bg_recchunk_zstd_setup(c, level), BG_OK);
	else {
		assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level)));
		if (hash_log != 0)
			assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_hashLog, hash_log)));
	}
	z = ZSTD_compress2(c, out, ZSTD_compressBound(n), in, n);
	assert_false(ZSTD_isError(z));
	ZSTD_freeCCtx(c);
	return z;
}

/* The fast levels get a 16 KiB hash table (2^12) and nothing else
 * changes; the frames still state their content size, which readers
 * require. */
/* The lengths FORMAT.md fixes, at their edges. */
static void test_recchunk_length_ok_edges(void **state)
{
	static const struct {
		unsigned type;
		size_t len;
		bool ok;
	} cases[] = {
		{ BG_EV_IN_REDACTED, 4, true }, { BG_EV_IN_REDACTED, 3, false },
		{ BG_EV_RESIZE, 5, false }, { BG_EV_OUT, 0, true }, { BG_EV_META, 9, true },
		{ BG_EV_IN_ESCROW, BG_ESCROW_OVERHEAD, false },
		{ BG_EV_IN_ESCROW, BG_ESCROW_OVERHEAD + 1, true },
		{ BG_EV_IN_ESCROW, BG_ESCROW_OVERHEAD + BG_ESCROW_MAX, true },
		{ BG_EV_IN_ESCROW, BG_ESCROW_OVERHEAD + BG_ESCROW_MAX + 1, false },
		{ BG_EV_ESCROW_KEYS, 0, false }, { BG_EV_ESCROW_KEYS, BG_SEG_RECIPIENT_LEN, true },
		{ BG_EV_ESCROW_KEYS, BG_SEG_RECIPIENT_LEN + 1, false },
		{ BG_EV_ESCROW_KEYS, BG_SEG_RECIPIENT_LEN * BG_RECIPIENTS_MAX, true },
		{ BG_EV_ESCROW_KEYS, BG_SEG_RECIPIENT_LEN * (BG_RECIPIENTS_MAX + 1), false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		if (bg_recchunk_length_ok(cases[i].type, cases[i].len) != cases[i].ok)
			fail_msg("type %u length %zu", cases[i].type, cases[i].len);
}

static void test_recchunk_zstd_setup(void **state)
{
	static const struct { int level; bool fast; } t[] = {
		{ 1, true }, { -1, true }, { -7, true }, { 0, false }, { 2, false }, { 3, false },
		{ 19, false },
	};
	size_t i, n = 512 * 1024, cap = ZSTD_compressBound(n), z, zr;
	unsigned char *in = malloc(n), *out = malloc(cap), *ref = malloc(cap);
	uint64_t seed = 7;
	unsigned word = 0;

	(void)state;
	assert_non_null(in);
	assert_non_null(out);
	assert_non_null(ref);
	/* Words drawn from 512 random ones: more distinct repeats than a
	 * 2^12 table holds, so its size shows in the output. */
	for (i = 0; i < n; i++) {
		if (i % 8 == 0) {
			seed = seed * 6364136223846793005u + 1442695040888963407u;
			word = (unsigned)(seed >> 55);
		}
		in[i] = (unsigned char)(i % 8 == 7 ? ' ' : 'a' + (word * (i % 8 + 3)) % 26);
	}
	for (i = 0; i < sizeof(t) / sizeof(*t); i++) {
		z = squeeze(in, n, out, true, t[i].level, 0);
		assert_int_equal(ZSTD_getFrameContentSize(out, z), n);
		zr = squeeze(in, n, ref, false, t[i].level, t[i].fast ? 12 : 0);
		assert_int_equal(z, zr);
		assert_memory_equal(out, ref, z);
		if (t[i].fast) {
			/* and that differs from the level's own table */
			zr = squeeze(in, n, ref, false, t[i].level, 0);
			assert_true(z != zr || memcmp(out, ref, z) != 0);
		}
	}
	free(in);
	free(out);
	free(ref);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recchunk_pack_compresses_only_what_shrinks),
		cmocka_unit_test(test_recchunk_unpack),
		cmocka_unit_test(test_recchunk_check_names_what_is_wrong),
		cmocka_unit_test(test_recchunk_length_ok_edges),
		cmocka_unit_test(test_recchunk_zstd_setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
