/* Tests for reading the signed session manifest
 * (lib/evidence/manifestread.c) against hand-made hostile files, one table
 * row each. */
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

#include "breakglass/evidence/manifest.h"
#include "breakglass/evidence/manifestread.h"
#include "helpers.h"
#include "test_manifest.h"
#include "test_manifestread.h"

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
#define CMD(c) OK_TEXT ",\"command\":" c
#define CMD1(t) CMD("[{\"source\":\"-c\",\"text\":\"" t "\",\"length\":2,\"truncated\":false}]")
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
	{ "with a command", CMD1("id"), OURS, NULL },
	{ "command with an escape", CMD1("\\u001B."), OURS, NULL },
	{ "command a string", CMD("\"id\""), OURS, "not an array" },
	{ "command null", CMD("null"), OURS, "not an array" },
	{ "command text a number", CMD("[{\"source\":\"-c\",\"text\":7,\"length\":1,\"truncated\":false}]"),
	  OURS, "not exactly" },
	{ "escaped NUL in command", CMD1("\\u0000x"), OURS, "not one JSON object" },
	{ "invalid UTF-8 in command", CMD1("\xc3x"), OURS, "not one JSON object" },
	{ "command twice", CMD1("id") ",\"command\":[]", OURS, "not one JSON object" },
	{ "command cut unmarked", CMD("[{\"source\":\"-c\",\"text\":\"i\",\"length\":2,\"truncated\":false}]"),
	  OURS, "truncated" },
	{ "command lower-case escape", CMD1("\\u001b."), OURS, "compact encoding" },
	{ "command before segments", ENDING(END "\"command\":[{\"source\":\"-c\",\"text\":\"id\","
	  "\"length\":2,\"truncated\":false}],"), OURS, "compact encoding" },
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

void test_manifestread_hostile_files(void **state)
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
		r = bg_manifestread_load(f->dir, h->how >= OURS_TRUST_NONE ? NULL : &f->host->pub,
				     &got, f->why, sizeof(f->why));
		if (r != (h->why == NULL ? BG_OK : BG_EINTEGRITY) ||
		    (h->why != NULL && strstr(f->why, h->why) == NULL))
			fail_msg("%s: got %d (%s), want \"%s\"", h->name, r, f->why, h->why);
		assert_true((r == BG_OK) == (got != NULL));
		bg_manifest_free(got);
	}
}
