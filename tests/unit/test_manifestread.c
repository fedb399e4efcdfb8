/* Tests for reading the signed session manifest
 * (lib/evidence/manifestread.c): every byte flipped, cuts, the wrong key,
 * none at all; hand-made hostile files are in test_manifestread_hostile.c. */
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

static void test_manifestread_every_byte_flip_is_refused(void **state)
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

static void test_manifestread_cut_or_extended_is_refused(void **state)
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

static void test_manifestread_wrong_trusted_key_is_refused(void **state)
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

static void test_manifestread_missing_is_enoent(void **state)
{
	struct fixture *f = *state;
	struct bg_manifest *got;

	assert_int_equal(bg_manifestread_load(f->dir, &f->host->pub, &got, f->why, sizeof(f->why)),
			 BG_ENOENT);
	assert_null(got);
	assert_string_equal(f->why, "no manifest.json");
	assert_int_equal(bg_manifestread_load(f->dir, NULL, &got, NULL, 0), BG_ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, manifest_setup, manifest_teardown)
		T(test_manifestread_every_byte_flip_is_refused),
		T(test_manifestread_cut_or_extended_is_refused),
		T(test_manifestread_wrong_trusted_key_is_refused),
		T(test_manifestread_missing_is_enoent),
		T(test_manifestread_hostile_files),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
