/* Tests for the signed session manifest (lib/manifest.c): round trips,
 * the documented bytes, every byte flipped and cuts; hand-made hostile
 * files are in test_manifest_hostile.c. */
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

	assert_int_equal(bg_manifestread_load(f->dir, host, &got, f->why, sizeof(f->why)),
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
		assert_int_equal(bg_manifestread_load(f->dir, &f->host->pub, &got, f->why,
						  sizeof(f->why)), BG_OK);
		assert_string_equal(f->why, "");
		assert_same(&f->m, got);
		bg_manifest_free(got);
		/* Without a trusted key: the key it carries. */
		assert_int_equal(bg_manifestread_load(f->dir, NULL, &got, NULL, 0), BG_OK);
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

void put_file(struct fixture *f, const void *data, size_t len)
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

	assert_int_equal(bg_manifestread_load(f->dir, &f->host->pub, &got, f->why, sizeof(f->why)),
			 BG_ENOENT);
	assert_null(got);
	assert_string_equal(f->why, "no manifest.json");
	assert_int_equal(bg_manifestread_load(f->dir, NULL, &got, NULL, 0), BG_ENOENT);
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
