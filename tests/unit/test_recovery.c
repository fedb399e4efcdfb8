/* Tests for recovery codes: shape, hashing and one-time use (lib/recovery.c). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sodium.h>

#include "breakglass/login/recovery.h"
#include "breakglass/login/totp.h"

/* Fresh hashes and their plain codes. */
struct fixture {
	char *hashes[BG_RECOVERY_CODES];
	struct bg_recovery_codes codes;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(bg_recovery_generate(f->hashes, &f->codes), BG_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	bg_recovery_hashes_free(f->hashes);
	bg_recovery_codes_free(&f->codes);
	free(f);
	return 0;
}

static void test_recovery_codes_have_the_documented_shape(void **state)
{
	struct fixture *f = *state;
	const char *c;
	size_t i, j;

	for (i = 0; i < BG_RECOVERY_CODES; i++) {
		c = bg_recovery_code(&f->codes, i);
		assert_int_equal(strlen(c), BG_RECOVERY_CODE_LEN);
		for (j = 0; j < BG_RECOVERY_CODE_LEN; j++)
			assert_non_null(strchr(j % 5 == 4 ? "-" :
					       "abcdefghijklmnopqrstuvwxyz234567", c[j]));
		assert_true(bg_recovery_looks_like(c));
		for (j = 0; j < i; j++)
			assert_string_not_equal(c, bg_recovery_code(&f->codes, j));
	}
	assert_null(bg_recovery_code(&f->codes, BG_RECOVERY_CODES));
	assert_null(bg_recovery_code(NULL, 0));
	bg_recovery_codes_free(&f->codes);
	assert_null(f->codes.text);
	assert_null(bg_recovery_code(&f->codes, 0));
}

static void test_recovery_only_argon2id_hashes_are_kept(void **state)
{
	struct fixture *f = *state;
	size_t i;

	for (i = 0; i < BG_RECOVERY_CODES; i++) {
		assert_non_null(f->hashes[i]);
		assert_true(strncmp(f->hashes[i], "$argon2id$", 10) == 0);
		assert_null(strstr(f->hashes[i], bg_recovery_code(&f->codes, i)));
		assert_true(bg_recovery_hash_ok(f->hashes[i]));
	}
}

static void test_recovery_hash_ok_table(void **state)
{
	static const struct { const char *what, *h; } bad[] = {
		{ "argon2i", "$argon2i$v=19$m=16384,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$"
		  "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g" },
		{ "garbage", "$argon2id$garbage" },
		{ "empty", "" },
		{ "plain code", "abcd-efgh-ijkl-mnop" },
	};
	struct fixture *f = *state;
	char costly[256];
	const char *m;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("case %zu: %s\n", i, bad[i].what);
		assert_false(bg_recovery_hash_ok(bad[i].h));
	}
	assert_false(bg_recovery_hash_ok(NULL));
	/* A genuine hash with a memory cost that would stall every login. */
	m = strstr(f->hashes[0], "m=16384,");
	assert_non_null(m);
	assert_true(snprintf(costly, sizeof(costly), "%.*sm=4194304,%s",
			     (int)(m - f->hashes[0]), f->hashes[0], m + 8)
		    < (int)sizeof(costly));
	assert_false(bg_recovery_hash_ok(costly));
}

static void test_recovery_each_code_works_exactly_once(void **state)
{
	struct fixture *f = *state;
	char upper[BG_RECOVERY_CODE_LEN + 8];
	size_t i;

	assert_int_equal(bg_recovery_use(f->hashes, bg_recovery_code(&f->codes, 3)), BG_OK);
	assert_null(f->hashes[3]);
	assert_int_equal(bg_recovery_use(f->hashes, bg_recovery_code(&f->codes, 3)), BG_EAUTH);
	/* Typed differently: upper case, spaces for dashes. */
	for (i = 0; i < BG_RECOVERY_CODE_LEN; i++) {
		char c = bg_recovery_code(&f->codes, 7)[i];

		upper[i] = c == '-' ? ' ' : (c >= 'a' && c <= 'z' ? (char)(c - 32) : c);
	}
	upper[i] = '\0';
	assert_int_equal(bg_recovery_use(f->hashes, upper), BG_OK);
	assert_null(f->hashes[7]);
	for (i = 0; i < BG_RECOVERY_CODES; i++)
		if (i != 3 && i != 7)
			assert_non_null(f->hashes[i]);
}

static void test_recovery_totp_code_is_not_a_recovery_code(void **state)
{
	struct fixture *f = *state;
	unsigned char key[BG_TOTP_SECRET_BYTES];
	char totp[16];
	size_t i;

	randombytes_buf(key, sizeof(key));
	assert_int_equal(bg_totp_code(key, sizeof(key), 1, 6, totp, sizeof(totp)), BG_OK);
	assert_false(bg_recovery_looks_like(totp));
	assert_int_equal(bg_recovery_use(f->hashes, totp), BG_EAUTH);
	assert_int_equal(bg_recovery_use(f->hashes, "aaaa-aaaa-aaaa-aaaa"), BG_EAUTH);
	assert_int_equal(bg_recovery_use(f->hashes, NULL), BG_EAUTH);
	assert_int_equal(bg_recovery_use(NULL, bg_recovery_code(&f->codes, 0)), BG_EAUTH);
	/* A refusal spends nothing. */
	for (i = 0; i < BG_RECOVERY_CODES; i++)
		assert_non_null(f->hashes[i]);
}

static void test_recovery_looks_like_table(void **state)
{
	static const struct { const char *s; bool yes; } cases[] = {
		{ "abcd-efgh-ijkl-mnop", true }, { "ABCDEFGHIJKLMNOP", true },
		{ "abcd efgh ijkl mnop", true }, { "a-b-c-d-e-f-g-h-234567ab", true },
		{ "abcd-efgh-ijkl-mno", false }, { "abcd-efgh-ijkl-mnopq", false },
		{ "abcd-efgh-ijkl-mno1", false }, { "abcd-efgh-ijkl-mno8", false },
		{ "abcd_efgh_ijkl_mnop", false }, { "123456", false },
		{ "12345678", false }, { "", false }, { "----", false },
		{ "abcd-efgh-ijkl-mn\xc3\xa9", false },
		{ "abcd\tefgh-ijkl-mnop", false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("case %zu: %s\n", i, cases[i].s);
		assert_int_equal(bg_recovery_looks_like(cases[i].s), cases[i].yes);
	}
	assert_false(bg_recovery_looks_like(NULL));
}

static void test_recovery_new_codes_invalidate_old_ones(void **state)
{
	struct fixture *f = *state;
	struct bg_recovery_codes fresh;
	char *old0 = strdup(f->hashes[0]);

	assert_non_null(old0);
	assert_int_equal(bg_recovery_generate(f->hashes, &fresh), BG_OK);
	assert_string_not_equal(bg_recovery_code(&f->codes, 0), bg_recovery_code(&fresh, 0));
	assert_string_not_equal(f->hashes[0], old0);
	assert_int_equal(bg_recovery_use(f->hashes, bg_recovery_code(&f->codes, 0)), BG_EAUTH);
	assert_int_equal(bg_recovery_use(f->hashes, bg_recovery_code(&f->codes, 9)), BG_EAUTH);
	assert_int_equal(bg_recovery_use(f->hashes, bg_recovery_code(&fresh, 9)), BG_OK);
	bg_recovery_codes_free(&fresh);
	free(old0);
}

static void test_recovery_generate_refuses_null(void **state)
{
	struct fixture *f = *state;
	struct bg_recovery_codes codes = { (struct bg_secret *)1 };

	assert_int_equal(bg_recovery_generate(NULL, &codes), BG_EINVAL);
	assert_int_equal(bg_recovery_generate(f->hashes, NULL), BG_EINVAL);
	/* The old codes are untouched. */
	assert_int_equal(bg_recovery_use(f->hashes, bg_recovery_code(&f->codes, 5)), BG_OK);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_recovery_codes_have_the_documented_shape),
		T(test_recovery_only_argon2id_hashes_are_kept),
		T(test_recovery_hash_ok_table),
		T(test_recovery_each_code_works_exactly_once),
		T(test_recovery_totp_code_is_not_a_recovery_code),
		cmocka_unit_test(test_recovery_looks_like_table),
		T(test_recovery_new_codes_invalidate_old_ones),
		T(test_recovery_generate_refuses_null),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
