/* Tests for the signed session manifest (lib/manifest.c): round trips,
 * the documented bytes, every byte flipped, cuts and hostile files. */
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

#include "breakglass/manifest.h"
#include "helpers.h"

#define NSEG 5
#define MARK ",\"signature\":\""
#define TAIL_LEN (sizeof(MARK) - 1 + 2 * crypto_sign_BYTES + 2)

struct fixture {
	char *dir;
	struct bg_keypair *host, *other;
	struct bg_segment_info seg[NSEG + 1];
	struct bg_manifest m;
	char why[256];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	uint32_t i;

	assert_non_null(f);
	f->dir = th_mkdtemp();
	assert_int_equal(bg_keys_generate(BG_KEY_HOST, &f->host), BG_OK);
	assert_int_equal(bg_keys_generate(BG_KEY_HOST, &f->other), BG_OK);
	for (i = 0; i <= NSEG; i++) {
		f->seg[i].n = i;
		randombytes_buf(f->seg[i].hash, BG_HASH_LEN);
		f->seg[i].bytes = 1000 + 7 * i;
	}
	randombytes_buf(f->m.session, sizeof(f->m.session));
	memcpy(f->m.host_key_id, f->host->pub.id, BG_KEY_ID_LEN);
	memcpy(f->m.host_public, f->host->pub.pk, BG_KEY_PUBLIC_LEN);
	f->m.host = (char *)"bastion-1";
	f->m.user = (char *)"alice";
	f->m.ticket = (char *)"INC-42 \"quoted\" \\ caf\xc3\xa9";
	f->m.start = (char *)"2024-02-29T23:59:59Z";
	f->m.segments = f->seg;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	bg_keys_free(f->host);
	bg_keys_free(f->other);
	th_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static char *manifest_path(const struct fixture *f)
{
	char path[4096];

	assert_true(snprintf(path, sizeof(path), "%s/manifest.json", f->dir) < (int)sizeof(path));
	return strdup(path);
}

static void assert_same(const struct bg_manifest *a, const struct bg_manifest *b)
{
	assert_memory_equal(a->session, b->session, sizeof(a->session));
	assert_memory_equal(a->host_key_id, b->host_key_id, BG_KEY_ID_LEN);
	assert_memory_equal(a->host_public, b->host_public, BG_KEY_PUBLIC_LEN);
	assert_string_equal(a->host, b->host);
	assert_string_equal(a->user, b->user);
	assert_string_equal(a->ticket, b->ticket);
	assert_string_equal(a->start, b->start);
	if (a->end == NULL)
		assert_null(b->end);
	else
		assert_string_equal(a->end, b->end);
	assert_int_equal(a->complete, b->complete);
	assert_int_equal(a->n_segments, b->n_segments);
	if (a->n_segments > 0)
		assert_memory_equal(a->segments, b->segments, a->n_segments * sizeof(*a->segments));
}

/* A read that must fail as tampered, leaving nothing behind. */
static void assert_refused(struct fixture *f, const struct bg_pubkey *host, const char *why)
{
	struct bg_manifest *got = (struct bg_manifest *)1;

	assert_int_equal(bg_manifest_read(f->dir, host, &got, f->why, sizeof(f->why)),
			 BG_EINTEGRITY);
	assert_null(got);
	if (why != NULL && strstr(f->why, why) == NULL)
		fail_msg("why \"%s\" lacks \"%s\"", f->why, why);
}

static void test_manifest_round_trip(void **state)
{
	static const struct { size_t n; const char *end; bool complete; } cases[] = {
		{ 0, NULL, false }, { NSEG, NULL, false }, { 0, "2024-03-01T00:00:01.5Z", false },
		{ NSEG, "2024-03-01T00:10:00Z", true }, { 1, "2024-03-01T00:00:00.123456789Z", true },
	};
	struct fixture *f = *state;
	struct bg_manifest *got;
	struct stat st;
	char *path = manifest_path(f);
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		f->m.n_segments = cases[i].n;
		f->m.end = (char *)cases[i].end;
		f->m.complete = cases[i].complete;
		assert_int_equal(bg_manifest_write(f->dir, &f->m, f->host), BG_OK);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0640);
		assert_int_equal(bg_manifest_read(f->dir, &f->host->pub, &got, f->why,
						  sizeof(f->why)), BG_OK);
		assert_string_equal(f->why, "");
		assert_same(&f->m, got);
		bg_manifest_free(got);
		/* Without a trusted key: the key it carries. */
		assert_int_equal(bg_manifest_read(f->dir, NULL, &got, NULL, 0), BG_OK);
		assert_same(&f->m, got);
		bg_manifest_free(got);
	}
	free(path);
}

/* The exact text of FORMAT.md section 8, built here independently. */
static void test_manifest_file_has_the_documented_bytes(void **state)
{
	struct fixture *f = *state;
	char s[33], id[33], pk[65], h0[65], h1[65], want[2048], *path = manifest_path(f), *text;
	unsigned char msg[2048], sig[crypto_sign_BYTES];
	size_t len = 0, plen;

	f->m.n_segments = 2;
	assert_int_equal(bg_manifest_write(f->dir, &f->m, f->host), BG_OK);
	sodium_bin2hex(s, sizeof(s), f->m.session, 16);
	sodium_bin2hex(id, sizeof(id), f->host->pub.id, 16);
	sodium_bin2hex(pk, sizeof(pk), f->host->pub.pk, 32);
	sodium_bin2hex(h0, sizeof(h0), f->seg[0].hash, 32);
	sodium_bin2hex(h1, sizeof(h1), f->seg[1].hash, 32);
	plen = (size_t)snprintf(want, sizeof(want), "{\"version\":1,\"session\":\"%s\","
		"\"host\":\"bastion-1\",\"host_key_id\":\"%s\",\"host_public\":\"%s\","
		"\"user\":\"alice\",\"ticket\":\"INC-42 \\\"quoted\\\" \\\\ caf\\u00E9\","
		"\"start\":\"2024-02-29T23:59:59Z\",\"end\":null,\"complete\":false,\"segments\":["
		"{\"n\":0,\"hash\":\"%s\",\"bytes\":1000},{\"n\":1,\"hash\":\"%s\",\"bytes\":1007}]",
		s, id, pk, h0, h1);
	text = th_slurp(path, &len);
	assert_non_null(text);
	assert_int_equal(len, plen + TAIL_LEN);
	assert_memory_equal(text, want, plen);
	assert_memory_equal(text + plen, MARK, sizeof(MARK) - 1);
	assert_memory_equal(text + len - 2, "\"}", 2);
	assert_int_equal(sodium_hex2bin(sig, sizeof(sig), text + plen + sizeof(MARK) - 1,
					2 * sizeof(sig), NULL, NULL, NULL), 0);
	memcpy(msg, "BGMAN-v1", 8);
	memcpy(msg + 8, text, plen);
	assert_int_equal(crypto_sign_verify_detached(sig, msg, 8 + plen, f->host->pub.pk), 0);
	msg[8 + 10] ^= 1;
	assert_int_not_equal(crypto_sign_verify_detached(sig, msg, 8 + plen, f->host->pub.pk), 0);
	free(text);
	free(path);
}

static char *write_and_slurp(struct fixture *f, size_t *len)
{
	char *path = manifest_path(f), *text;

	assert_int_equal(bg_manifest_write(f->dir, &f->m, f->host), BG_OK);
	text = th_slurp(path, len);
	assert_non_null(text);
	free(path);
	return text;
}

static void put_file(struct fixture *f, const void *data, size_t len)
{
	free(th_write(f->dir, "manifest.json", data, len, 0640));
}

static void test_manifest_every_byte_flip_is_refused(void **state)
{
	static const unsigned char masks[] = { 0x01, 0x20, 0x80 };
	struct fixture *f = *state;
	size_t len = 0, i, k;
	char *text;

	f->m.n_segments = 2;
	f->m.end = (char *)"2024-03-01T00:10:00Z";
	text = write_and_slurp(f, &len);
	for (k = 0; k < sizeof(masks); k++) {
		for (i = 0; i < len; i++) {
			text[i] ^= (char)masks[k];
			put_file(f, text, len);
			assert_refused(f, &f->host->pub, NULL);
			assert_refused(f, NULL, NULL);
			text[i] ^= (char)masks[k];
		}
	}
	put_file(f, text, len);
	assert_refused(f, &f->other->pub, "is not the trusted key");
	free(text);
}

static void test_manifest_cut_or_extended_is_refused(void **state)
{
	static const char *const after[] = { "\n", " ", "x", "{}", "\0" };
	struct fixture *f = *state;
	size_t len = 0, i;
	char *text;

	f->m.n_segments = NSEG;
	text = write_and_slurp(f, &len);
	for (i = 0; i < 10; i++) {
		put_file(f, text, len * i / 10);
		assert_refused(f, &f->host->pub, "malformed");
	}
	put_file(f, text, len - 1);
	assert_refused(f, &f->host->pub, "malformed");
	for (i = 0; i < sizeof(after) / sizeof(after[0]); i++) {
		text = realloc(text, len + 3);
		assert_non_null(text);
		memcpy(text + len, after[i], strlen(after[i]) + 1);
		put_file(f, text, len + (after[i][0] == '\0' ? 1 : strlen(after[i])));
		assert_refused(f, &f->host->pub, "malformed");
	}
	/* Refused unread, before the parser sees it. */
	text = realloc(text, 1024 * 1024 + 1);
	assert_non_null(text);
	memset(text + len, ' ', 1024 * 1024 + 1 - len);
	put_file(f, text, 1024 * 1024 + 1);
	assert_refused(f, &f->host->pub, "larger than 1 MiB");
	free(text);
}

static void test_manifest_wrong_trusted_key_is_refused(void **state)
{
	struct fixture *f = *state;
	struct bg_pubkey twin = f->host->pub;
	size_t len = 0;

	f->m.n_segments = 1;
	free(write_and_slurp(f, &len));
	assert_refused(f, &f->other->pub, "host key id");
	/* The right id but another key: it is the key that is trusted. */
	twin.pk[0] ^= 1;
	assert_refused(f, &twin, "host_public is not the trusted key");
	twin = f->host->pub;
	twin.type = BG_KEY_AUDITOR;
	assert_refused(f, &twin, "not a host key");
}

static void test_manifest_missing_is_enoent(void **state)
{
	struct fixture *f = *state;
	struct bg_manifest *got;

	assert_int_equal(bg_manifest_read(f->dir, &f->host->pub, &got, f->why, sizeof(f->why)),
			 BG_ENOENT);
	assert_null(got);
	assert_string_equal(f->why, "no manifest.json");
	assert_int_equal(bg_manifest_read(f->dir, NULL, &got, NULL, 0), BG_ENOENT);
}

static void test_manifest_write_refuses_what_it_would_not_read(void **state)
{
	struct fixture *f = *state;
	struct bg_segment_info *many = calloc(12000, sizeof(*many));
	struct bg_manifest m = f->m;
	struct stat st;
	char *path = manifest_path(f);
	size_t i;

	assert_non_null(many);
	for (i = 0; i < 12000; i++)
		many[i].n = (uint32_t)i;
	m.n_segments = 2;
	assert_int_equal(bg_manifest_write(f->dir, &m, f->other), BG_EINVAL);
	assert_int_equal(bg_manifest_write(f->dir, &m, NULL), BG_EINVAL);
	assert_int_equal(bg_manifest_write(NULL, &m, f->host), BG_EINVAL);
	m.complete = true;
	assert_int_equal(bg_manifest_write(f->dir, &m, f->host), BG_EINVAL);
	m.end = (char *)"2024-02-30T00:00:00Z";
	assert_int_equal(bg_manifest_write(f->dir, &m, f->host), BG_EINVAL);
	m = f->m;
	m.user = (char *)"al\nice";
	assert_int_equal(bg_manifest_write(f->dir, &m, f->host), BG_EINVAL);
	m.user = (char *)"al\xffice";       /* not UTF-8 */
	assert_int_equal(bg_manifest_write(f->dir, &m, f->host), BG_EINVAL);
	m = f->m;
	m.host_public[0] ^= 1;
	assert_int_equal(bg_manifest_write(f->dir, &m, f->host), BG_EINVAL);
	m = f->m;
	m.n_segments = 3;
	m.segments = f->seg + 1;                /* starts at 1 */
	assert_int_equal(bg_manifest_write(f->dir, &m, f->host), BG_EINVAL);
	m.segments = NULL;
	assert_int_equal(bg_manifest_write(f->dir, &m, f->host), BG_EINVAL);
	m.segments = many;
	many[0].bytes = (uint64_t)1 << 53;      /* beyond what JSON keeps exact */
	assert_int_equal(bg_manifest_write(f->dir, &m, f->host), BG_EINVAL);
	m = f->m;
	many[0].bytes = 0;
	m.segments = many;
	m.n_segments = 12000;
	assert_int_equal(bg_manifest_write(f->dir, &m, f->host), BG_ETOOBIG);
	assert_int_equal(lstat(path, &st), -1);
	free(many);
	free(path);
}

/* Hostile files: a text with $S the session, $I/$P our key id and public
 * key, $J/$Q the other key's, $H a hash; signed (or not) as the row says,
 * read with our key or none.  why: what the refusal must say; NULL: valid.
 * DOC is the valid text; the macros after it change one part of it. */
#define DOC(ver, host, ids, user, start, end, segs) "{\"version\":" ver ",\"session\":\"$S\",\"host\":\"" \
	host "\"," ids "\"user\":\"" user "\",\"ticket\":\"t\",\"start\":\"" start "\"," end "\"segments\":" segs
#define KEYS "\"host_key_id\":\"$I\",\"host_public\":\"$P\","
#define T0 "2024-01-02T03:04:05Z"
#define END "\"end\":null,\"complete\":false,"
#define SEG(n) "{\"n\":" #n ",\"hash\":\"$H\",\"bytes\":300}"
#define HASH(h) "{\"n\":0,\"hash\":\"" h "\",\"bytes\":1}"
#define VERS(v) DOC(v, "h", KEYS, "u", T0, END, "[" SEG(0) "]")
#define HOST(h) DOC("1", h, KEYS, "u", T0, END, "[" SEG(0) "]")
#define IDS(k) DOC("1", "h", k, "u", T0, END, "[" SEG(0) "]")
#define USER(u) DOC("1", "h", KEYS, u, T0, END, "[" SEG(0) "]")
#define START(t) DOC("1", "h", KEYS, "u", t, END, "[" SEG(0) "]")
#define ENDING(e) DOC("1", "h", KEYS, "u", T0, e, "[" SEG(0) "]")
#define SEGV(v) DOC("1", "h", KEYS, "u", T0, END, v)
#define SEGS(s) SEGV("[" s "]")
#define OK_TEXT SEGS(SEG(0))
#define THEIRS "\"host_key_id\":\"$J\",\"host_public\":\"$Q\","
#define Z31 "0000000000000000000000000000000"
enum { OURS, OTHER, UNSIGNED, OURS_TRUST_NONE, OTHER_TRUST_NONE };

static const struct hostile {
	const char *name, *text;
	int how;
	const char *why;
} hostile[] = {
	{ "valid", OK_TEXT, OURS, NULL },
	{ "valid, no trusted key", OK_TEXT, OURS_TRUST_NONE, NULL },
	{ "another host's, no trusted key", IDS(THEIRS), OTHER_TRUST_NONE, NULL },
	{ "another host's", IDS(THEIRS), OTHER, "host key id" },
	{ "signed by another key", OK_TEXT, OTHER, "bad signature" },
	{ "signed by another key, no trusted key", OK_TEXT, OTHER_TRUST_NONE, "bad signature" },
	{ "key id of another key", IDS("\"host_key_id\":\"$J\",\"host_public\":\"$P\","), OURS_TRUST_NONE,
	  "is not the id of host_public" },
	{ "not JSON", "breakglass manifest", UNSIGNED, "not one JSON object" },
	{ "empty", "", UNSIGNED, "not one JSON object" },
	{ "an array", "[1]", UNSIGNED, "malformed" },
	{ "unsigned", OK_TEXT "}", UNSIGNED, "signature" },
	{ "extra member", OK_TEXT ",\"note\":\"x\"", OURS, "note" },
	{ "missing member", ENDING("\"end\":null,"), OURS, "complete" },
	{ "duplicate member", USER("u\",\"user\":\"v"), OURS, "not one JSON object" },
	{ "version 2", VERS("2"), OURS, "version" },
	{ "version a string", VERS("\"1\""), OURS, "integer" },
	{ "version 1.0", VERS("1.0"), OURS, "integer" },
	{ "complete a string", ENDING("\"end\":null,\"complete\":\"false\","), OURS, "true or false" },
	{ "end a number", ENDING("\"end\":0,\"complete\":false,"), OURS, "end is neither" },
	{ "segments an object", SEGV("{}"), OURS, "not an array" },
	{ "upper-case hex", SEGS(HASH("ABCDEF" Z31 "000000000000000000000000000")), OURS, "hash" },
	{ "hex not hex", SEGS(HASH("g" Z31 Z31 "0")), OURS, "hash" },
	{ "hash too short", SEGS(HASH(Z31 Z31)), OURS, "hash" },
	{ "short key id", IDS("\"host_key_id\":\"00\",\"host_public\":\"$P\","), OURS, "lowercase hex" },
	{ "segments out of order", SEGS(SEG(1) "," SEG(0)), OURS, "in order" },
	{ "segments from 1", SEGS(SEG(1)), OURS, "in order" },
	{ "segment number repeated", SEGS(SEG(0) "," SEG(0)), OURS, "in order" },
	{ "segment with an extra member", SEGS("{\"n\":0,\"hash\":\"$H\",\"bytes\":1,\"x\":1}"), OURS, "a segment" },
	{ "segment bytes negative", SEGS("{\"n\":0,\"hash\":\"$H\",\"bytes\":-1}"), OURS, "a segment" },
	{ "segment bytes 2^53", SEGS("{\"n\":0,\"hash\":\"$H\",\"bytes\":9007199254740992}"), OURS, "out of range" },
	{ "segment not an object", SEGS("[0]"), OURS, "a segment" },
	{ "start not a time", START("yesterday"), OURS, "start" },
	{ "start on 2023-02-29", START("2023-02-29T00:00:00Z"), OURS, "start" },
	{ "start with an offset", START("2024-01-02T03:04:05+00:00"), OURS, "start" },
	{ "start without Z", START("2024-01-02T03:04:05X"), OURS, "start" },
	{ "start with an empty fraction", START("2024-01-02T03:04:05.Z"), OURS, "start" },
	{ "end at hour 24", ENDING("\"end\":\"2024-01-02T24:00:00Z\",\"complete\":true,"), OURS, "end is not" },
	{ "complete without end", ENDING("\"end\":null,\"complete\":true,"), OURS, "complete without" },
	{ "empty user", USER(""), OURS, "empty" },
	{ "terminal escape in host", HOST("\\u001b[2J"), OURS, "control" },
	{ "C1 control in host", HOST("\\u009b2J"), OURS, "control" },
	{ "escaped NUL in user", USER("u\\u0000v"), OURS, "not one JSON object" },
	{ "invalid UTF-8 in host", HOST("\xc3"), OURS, "not one JSON object" },
	{ "needless escape", USER("\\u0075"), OURS, "compact encoding" },
	{ "lower-case escape", USER("caf\\u00e9"), OURS, "compact encoding" },
	{ "spaces", VERS(" 1"), OURS, "compact encoding" },
	{ "members reordered", "{\"session\":\"$S\",\"version\":1,\"host\":\"h\"," KEYS "\"user\":\"u\",\"ticket\":\"t\","
	  "\"start\":\"" T0 "\"," END "\"segments\":[]", OURS, "compact encoding" },
};

/* tmpl with its $ tokens replaced, into out[cap]. */
static size_t expand(const struct fixture *f, const char *tmpl, char *out, size_t cap)
{
	static const char tokens[] = "SIJPQH";
	static const size_t sizes[] = { 16, 16, 16, 32, 32, 32 };
	const unsigned char *bin[] = { f->m.session, f->host->pub.id, f->other->pub.id,
				       f->host->pub.pk, f->other->pub.pk, f->seg[0].hash };
	const char *t;
	char v[65] = "";
	size_t n = 0, k;

	for (; *tmpl != '\0'; tmpl++) {
		if (*tmpl == '$') {
			t = strchr(tokens, *++tmpl);
			assert_true(t != NULL && *t != '\0');
			sodium_bin2hex(v, sizeof(v), bin[t - tokens], sizes[t - tokens]);
		} else {
			v[0] = *tmpl;
			v[1] = '\0';
		}
		k = strlen(v);
		assert_true(n + k < cap);
		memcpy(out + n, v, k);
		n += k;
	}
	return n;
}

static void test_manifest_hostile_files(void **state)
{
	struct fixture *f = *state;
	unsigned char msg[4096], sig[crypto_sign_BYTES];
	struct bg_manifest *got;
	char text[4096];
	size_t i, n;
	int r;

	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		const struct hostile *h = &hostile[i];
		bool ours = h->how == OURS || h->how == OURS_TRUST_NONE;

		n = expand(f, h->text, text, sizeof(text) - TAIL_LEN);
		if (h->how != UNSIGNED) {
			memcpy(msg, "BGMAN-v1", 8);
			memcpy(msg + 8, text, n);
			assert_int_equal(crypto_sign_detached(sig, NULL, msg, n + 8,
				bg_secret_data((ours ? f->host : f->other)->sk)), 0);
			memcpy(text + n, MARK, sizeof(MARK) - 1);
			sodium_bin2hex(text + n + sizeof(MARK) - 1, 2 * sizeof(sig) + 1, sig, sizeof(sig));
			n += TAIL_LEN;
			memcpy(text + n - 2, "\"}", 2);
		}
		put_file(f, text, n);
		r = bg_manifest_read(f->dir, h->how >= OURS_TRUST_NONE ? NULL : &f->host->pub,
				     &got, f->why, sizeof(f->why));
		if (r != (h->why == NULL ? BG_OK : BG_EINTEGRITY) ||
		    (h->why != NULL && strstr(f->why, h->why) == NULL))
			fail_msg("%s: got %d (%s), want \"%s\"", h->name, r, f->why, h->why);
		assert_true((r == BG_OK) == (got != NULL));
		bg_manifest_free(got);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_manifest_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_manifest_file_has_the_documented_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_manifest_every_byte_flip_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_manifest_cut_or_extended_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_manifest_wrong_trusted_key_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_manifest_missing_is_enoent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_manifest_write_refuses_what_it_would_not_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_manifest_hostile_files, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
