/* Sessions that are validly signed and chained but malformed inside, as a
 * buggy or compromised writer holding the host key could make them: only
 * the reader's content and record-order checks (docs/FORMAT.md 7.4) can
 * catch them, so each must, and before any event of the bad record. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "breakglass/evidence/recformat.h"
#include "helpers.h"
#include "test_transcript_forge.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define WHY_LEN 256

#define TAG(n, s, r, k) { "tag_" n, D_TAG, s, r, false, "tag", k, { 0 } }
#define EV(n, ty, t, d, w) \
	{ n, D_EVENT, 1, 2, false, w, 0, { ty, t, sizeof(d) - 1, d, sizeof(d) - 1, false } }
#define META(n, d) EV("meta_" n, BG_EV_META, 600, d, "meta")
#define AT(n, dd, s, r, st, w) { n, dd, s, r, st, w, 0, { 0 } }
#define VICTIM(n, dd, w) AT(n, dd, 1, 2, false, w)

/* forge_session writes segment 0 as records 1 data, 2 data (zstd), 3 end of
 * segment, and segment 1 as 1 data, 2 data, 3 end of session; a chunk's
 * contents are spoilt in record 2 of segment 1, after eight good events. */
static const struct fcase cases[] = {
	TAG("data_push", 1, 2, BG_SEG_END_SEGMENT), TAG("data_final", 1, 2, BG_SEG_END_SESSION),
	TAG("end_segment_message", 0, 3, BG_SEG_DATA),
	TAG("end_segment_final", 0, 3, BG_SEG_END_SESSION),
	TAG("end_session_message", 1, 3, BG_SEG_DATA),
	TAG("end_session_push", 1, 3, BG_SEG_END_SEGMENT),
	{ "compression_2", D_COMP, 1, 2, false, "compression", 2, { 0 } },
	{ "compression_255", D_COMP, 1, 2, false, "compression", 255, { 0 } },
	VICTIM("zstd_corrupt", D_ZSTD_CORRUPT, "invalid zstd"),
	VICTIM("zstd_cut", D_ZSTD_CUT, "single zstd"),
	VICTIM("zstd_no_content_size", D_ZSTD_NO_SIZE, "size"),
	VICTIM("zstd_content_size_over_4_mib", D_ZSTD_HUGE, "too large"),
	VICTIM("zstd_skippable_frame_first", D_ZSTD_SKIPPABLE, "single zstd"),
	VICTIM("zstd_two_frames", D_ZSTD_TWO, "single zstd"),
	VICTIM("zstd_trailing_bytes", D_ZSTD_TRAILING, "single zstd"),
	VICTIM("event_header_cut_short", D_EV_CUT, "runs past its batch"),
	{ "event_runs_past_batch", D_EVENT, 1, 2, false, "runs past its batch", 0,
	  { BG_EV_OUT, 600, 100, "0123456789", 10, false } },
	EV("event_type_0", 0, 600, "x", "unknown event type"),
	EV("event_type_8", 8, 600, "x", "unknown event type"),
	EV("in_escrow_40_bytes", BG_EV_IN_ESCROW, 600, "0123456789012345678901234567890123456789",
	   "wrong data length"),
	EV("in_escrow_before_escrow_keys", BG_EV_IN_ESCROW, 600,
	   "01234567890123456789012345678901234567890", "before the escrow_keys"),
	EV("escrow_keys_95_bytes", BG_EV_ESCROW_KEYS, 600,
	   "01234567890123456789012345678901234567890123456789"
	   "012345678901234567890123456789012345678901234", "wrong data length"),
	EV("in_redacted_3_bytes", BG_EV_IN_REDACTED, 600, "abc", "wrong data length"),
	EV("in_redacted_5_bytes", BG_EV_IN_REDACTED, 600, "abcde", "wrong data length"),
	EV("resize_3_bytes", BG_EV_RESIZE, 600, "abc", "wrong data length"),
	EV("resize_5_bytes", BG_EV_RESIZE, 600, "abcde", "wrong data length"),
	EV("time_backwards_in_batch", BG_EV_OUT, 599, "x", "time goes backwards"),
	{ "time_backwards_across_records", D_EVENT, 1, 2, false, "time goes backwards", 0,
	  { BG_EV_OUT, 450, 1, "x", 1, true } },
	{ "time_backwards_across_segments", D_EVENT, 1, 1, false, "time goes backwards", 0,
	  { BG_EV_OUT, 250, 1, "x", 1, true } },
	META("not_json", "{\"a\":"), META("array", "[1]"), META("string", "\"x\""),
	META("empty", ""), META("duplicate_key", "{\"a\":1,\"a\":2}"),
	META("invalid_utf8", "{\"a\":\"\xff\"}"), META("overlong_utf8", "{\"a\":\"\xc0\xaf\"}"),
	META("utf8_surrogate", "{\"a\":\"\xed\xa0\x80\"}"),
	META("utf8_above_10ffff", "{\"a\":\"\xf4\x90\x80\x80\"}"),
	META("raw_nul_in_string", "{\"a\":\"b\0c\"}"),
	META("nul_after_object", "{\"a\":1}\0"), META("two_objects", "{}{}"),
	AT("record_after_end_of_segment", D_AFTER_END, 0, 4, true, "after the end record"),
	AT("record_after_end_of_session", D_AFTER_END, 1, 4, true, "after the end record"),
	AT("end_of_session_not_in_last_segment", D_END_SESSION_EARLY, 0, 3, true,
	   "end of session before the last segment"),
	AT("segment_without_end_record", D_NO_END_SEGMENT, 1, 1, true, "end-of-segment"),
	AT("empty_plaintext", D_EMPTY_PLAIN, 1, 2, true, "out of range"),
	AT("later_segment_drops_recipient", D_NO_RECIPIENT, 1, 1, false, "no recipient entry"),
	AT("later_segment_seals_other_key", D_OTHER_KEY, 1, 1, false, "sealed with another session key"),
	VICTIM("ad_record_number", D_AD_REC, "does not decrypt"),
	VICTIM("ad_segment_number", D_AD_SEG, "does not decrypt"),
	VICTIM("ad_session_id", D_AD_SESSION, "does not decrypt"),
	VICTIM("ad_kind", D_AD_KIND, "does not decrypt"),
	VICTIM("ad_previous_hash", D_AD_HPREV, "does not decrypt"),
};

static struct forge_keys K;

/* tverify of f with host and aud: rc, verdict v and exactly the first n
 * events of the session; what the reader said in why[WHY_LEN]. */
static void expect(struct forge *f, const struct bg_pubkey *host, const struct bg_keypair *aud,
		   int rc, enum bg_verdict v, size_t n, char *why)
{
	struct tevents got = { 0 };
	enum bg_verdict gv;

	assert_int_equal(tverify(f->dir, host, aud, &got, &gv, why, WHY_LEN), rc);
	if (gv != v)
		fail_msg("%s%s: verdict %d, \"%s\"", f->c->name, aud ? "" : " without key",
			 (int)gv, why);
	assert_int_equal(got.n, n);
	tevents_assert_prefix(&f->want, &got);
	tevents_free(&got);
}

static void test_forge_honest_session_is_complete(void **state)
{
	static const struct fcase honest = { .name = "honest" };
	struct forge *f = forge_session(&K, &honest);
	char why[WHY_LEN];

	(void)state;
	assert_int_equal(f->want.n, 9);
	expect(f, &K.host->pub, K.aud, BG_OK, BG_VERDICT_COMPLETE, 9, why);
	/* The other recipient, and the key the manifest carries. */
	expect(f, NULL, K.other, BG_OK, BG_VERDICT_COMPLETE, 9, why);
	expect(f, &K.host->pub, NULL, BG_OK, BG_VERDICT_COMPLETE, 0, why);
	forge_free(f);
}

static void test_forge_auditor_not_a_recipient(void **state)
{
	static const struct fcase c = { .name = "not_a_recipient", .d = D_NOT_RECIPIENT };
	struct forge *f = forge_session(&K, &c);
	char why[WHY_LEN];

	(void)state;
	expect(f, &K.host->pub, K.aud, BG_EAUTH, BG_VERDICT_COMPLETE, 0, why);
	assert_non_null(strstr(why, "not a recipient"));
	expect(f, &K.host->pub, K.other, BG_OK, BG_VERDICT_COMPLETE, f->want.n, why);
	forge_free(f);
}

/* The case in *state: tampered with the key, at the bad record and before
 * any event of it; without the key, what signatures and structure say. */
static void test_forged(void **state)
{
	const struct fcase *c = *state;
	struct forge *f = forge_session(&K, c);
	char why[WHY_LEN], where[64];

	expect(f, &K.host->pub, K.aud, BG_OK, BG_VERDICT_TAMPERED, f->before, why);
	/* A missing end record is found after its segment, not at a record. */
	assert_true(snprintf(where, sizeof(where), "segment %06u: record %u: ", c->seg,
			     c->rec) < (int)sizeof(where));
	if (strstr(why, c->why) == NULL ||
	    (c->d != D_NO_END_SEGMENT && strncmp(why, where, strlen(where)) != 0))
		fail_msg("%s: \"%s\", not \"%s\" at %s", c->name, why, c->why, where);
	expect(f, &K.host->pub, NULL, BG_OK,
	       c->structural ? BG_VERDICT_TAMPERED : BG_VERDICT_COMPLETE, 0, why);
	if (c->structural && strstr(why, c->why) == NULL)
		fail_msg("%s without key: \"%s\"", c->name, why);
	forge_free(f);
}

static int group_setup(void **state)
{
	(void)state;
	if (sodium_init() < 0 || bg_keys_generate(BG_KEY_HOST, &K.host) != BG_OK ||
	    bg_keys_generate(BG_KEY_AUDITOR, &K.aud) != BG_OK ||
	    bg_keys_generate(BG_KEY_AUDITOR, &K.other) != BG_OK)
		return -1;
	K.tmp = th_mkdtemp();
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	th_rmtree(K.tmp);
	free(K.tmp);
	bg_keys_free(K.host);
	bg_keys_free(K.aud);
	bg_keys_free(K.other);
	return 0;
}

int transcript_forge_group(void)
{
	struct CMUnitTest tests[2 + N_ELEMS(cases)] = {
		cmocka_unit_test(test_forge_honest_session_is_complete),
		cmocka_unit_test(test_forge_auditor_not_a_recipient),
	};
	size_t i;

	/* One test per case, named for it (group state is left NULL so that
	 * each gets its case). */
	for (i = 0; i < N_ELEMS(cases); i++)
		tests[2 + i] = (struct CMUnitTest){ cases[i].name, test_forged, NULL, NULL,
						    (void *)&cases[i] };
	return cmocka_run_group_tests_name("transcript_forge", tests, group_setup,
					   group_teardown);
}
