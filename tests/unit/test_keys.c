/* Tests for key pairs and key ids (lib/evidence/keys.c); their files
 * are test_keyfile's. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "breakglass/evidence/keys.h"

static void test_keys_id_matches_reference(void **state)
{
	/* Computed with Python's hashlib.blake2b, not with libsodium. */
	static const char *const want[2] = {
		"c5213669e060fae6b4aa075e5940fe98", "a08f4f40c13e16570c7b46a1df04a4b1",
	};
	unsigned char pk[BG_KEY_PUBLIC_LEN], id[BG_KEY_ID_LEN];
	char hex[2 * BG_KEY_ID_LEN + 1];
	int i;

	(void)state;
	for (i = 0; i < BG_KEY_PUBLIC_LEN; i++)
		pk[i] = (unsigned char)i;
	bg_keys_id(BG_KEY_AUDITOR, pk, id);
	bg_keys_id_hex(id, hex);
	assert_string_equal(hex, want[0]);
	bg_keys_id(BG_KEY_HOST, pk, id);
	bg_keys_id_hex(id, hex);
	assert_string_equal(hex, want[1]);
}

static void test_keys_ids_differ_between_types(void **state)
{
	unsigned char a[BG_KEY_ID_LEN], h[BG_KEY_ID_LEN];
	struct bg_keypair *k;

	(void)state;
	assert_int_equal(bg_keys_generate(BG_KEY_HOST, &k), BG_OK);
	bg_keys_id(BG_KEY_AUDITOR, k->pub.pk, a);
	bg_keys_id(BG_KEY_HOST, k->pub.pk, h);
	assert_memory_not_equal(a, h, BG_KEY_ID_LEN);
	assert_memory_equal(h, k->pub.id, BG_KEY_ID_LEN);
	bg_keys_free(k);
}

/* A pair made to be filled in place: sized for its type, all zeros. */
static void test_keys_alloc_sizes_the_secret(void **state)
{
	static const unsigned char zeros[BG_KEY_SECRET_MAX];
	struct bg_keypair *k = (void *)1;

	(void)state;
	assert_int_equal(bg_keys_alloc(BG_KEY_HOST, &k), BG_OK);
	assert_int_equal(k->pub.type, BG_KEY_HOST);
	assert_int_equal(bg_secret_len(k->sk), bg_keys_secret_len(BG_KEY_HOST));
	assert_true(bg_secret_equal(k->sk, zeros, bg_secret_len(k->sk)));
	bg_keys_free(k);
	assert_int_equal(bg_keys_secret_len(BG_KEY_AUDITOR), 32);
	assert_int_equal(bg_keys_secret_len(BG_KEY_HOST), 64);
	assert_int_equal(bg_keys_secret_len((enum bg_key_type)3), 0);
	assert_int_equal(bg_keys_alloc((enum bg_key_type)3, &k), BG_EINVAL);
	assert_null(k);
}

static void test_keys_generate_refuses_unknown_type(void **state)
{
	struct bg_keypair *k = (void *)1;

	(void)state;
	assert_int_equal(bg_keys_generate((enum bg_key_type)3, &k), BG_EINVAL);
	assert_null(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_id_matches_reference),
		cmocka_unit_test(test_keys_ids_differ_between_types),
		cmocka_unit_test(test_keys_generate_refuses_unknown_type),
		cmocka_unit_test(test_keys_alloc_sizes_the_secret),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
