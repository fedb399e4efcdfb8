/* Tests for the text of key files (lib/evidence/keyfile.c): exact to the
 * byte, parsed back, and what a mixed-up file is told. */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>
#include <sodium.h>

#include "breakglass/evidence/keyfile.h"
#include "test_keyfile.h"

static const enum bg_key_type types[] = { BG_KEY_AUDITOR, BG_KEY_HOST };

/* The file of k (secret or public half) as jansson reads it. */
static json_t *file_of(const struct bg_keypair *k, bool secret, char *copy, size_t cap)
{
	struct bg_secret *text = NULL;
	size_t len = 0;
	json_t *root;

	assert_int_equal(bg_keyfile_text(k, secret, &text, &len), BG_OK);
	assert_int_equal(strlen((const char *)bg_secret_data(text)), len);
	if (copy != NULL) {
		assert_true(len < cap);
		memcpy(copy, bg_secret_data(text), len + 1);
	}
	root = json_loadb((const char *)bg_secret_data(text), len, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(root);
	bg_secret_free(text);
	return root;
}

void test_keyfile_type_names(void **state)
{
	(void)state;
	assert_string_equal(bg_keyfile_type_name(BG_KEY_AUDITOR, true), "auditor-secret");
	assert_string_equal(bg_keyfile_type_name(BG_KEY_AUDITOR, false), "auditor-public");
	assert_string_equal(bg_keyfile_type_name(BG_KEY_HOST, true), "host-secret");
	assert_string_equal(bg_keyfile_type_name(BG_KEY_HOST, false), "host-public");
}

/* Section 6 to the byte: four members in this order, two-space indent,
 * lowercase hex, a final newline. */
void test_keyfile_text_is_exact(void **state)
{
	char got[512], want[512], id[33], hex[129];
	struct bg_keypair *k;
	size_t i;
	int half;
	json_t *root;

	(void)state;
	for (i = 0; i < 2; i++) {
		assert_int_equal(bg_keys_generate(types[i], &k), BG_OK);
		bg_keys_id_hex(k->pub.id, id);
		for (half = 0; half < 2; half++) {
			if (half)
				sodium_bin2hex(hex, sizeof(hex), bg_secret_data(k->sk),
					       bg_secret_len(k->sk));
			else
				sodium_bin2hex(hex, sizeof(hex), k->pub.pk, sizeof(k->pub.pk));
			snprintf(want, sizeof(want), "{\n  \"version\": 1,\n  \"type\": \"%s\",\n"
				 "  \"id\": \"%s\",\n  \"%s\": \"%s\"\n}\n",
				 bg_keyfile_type_name(types[i], half), id,
				 half ? "secret" : "public", hex);
			root = file_of(k, half, got, sizeof(got));
			assert_string_equal(got, want);
			json_decref(root);
		}
		bg_keys_free(k);
	}
}

/* What is written reads back: the same public key and id, and for a
 * secret file the same secret. */
void test_keyfile_parse_reads_back_what_text_writes(void **state)
{
	struct bg_pubkey pub;
	struct bg_keypair *k;
	struct bg_secret *sk;
	const char *why = "unset";
	size_t i;
	json_t *root;

	(void)state;
	for (i = 0; i < 2; i++) {
		assert_int_equal(bg_keys_generate(types[i], &k), BG_OK);
		root = file_of(k, false, NULL, 0);
		memset(&pub, 0, sizeof(pub));
		assert_int_equal(bg_keyfile_parse(root, types[i], &pub, NULL, &why), BG_OK);
		assert_null(why);
		assert_int_equal(pub.type, types[i]);
		assert_memory_equal(pub.pk, k->pub.pk, sizeof(pub.pk));
		assert_memory_equal(pub.id, k->pub.id, sizeof(pub.id));
		json_decref(root);

		root = file_of(k, true, NULL, 0);
		assert_int_equal(bg_secret_new(bg_secret_len(k->sk), &sk), BG_OK);
		assert_int_equal(bg_secret_set(sk, bg_secret_data(k->sk), bg_secret_len(k->sk)),
				 BG_OK);
		sodium_memzero(bg_secret_data(sk), bg_secret_len(sk));
		memset(&pub, 0, sizeof(pub));
		assert_int_equal(bg_keyfile_parse(root, types[i], &pub, sk, &why), BG_OK);
		assert_true(bg_secret_equal(sk, bg_secret_data(k->sk), bg_secret_len(k->sk)));
		assert_memory_equal(pub.pk, k->pub.pk, sizeof(pub.pk));
		json_decref(root);
		bg_secret_free(sk);
		bg_keys_free(k);
	}
}

/* A public file where a secret one is needed, and the reverse, are named
 * as such; another kind of key is a type mismatch. */
void test_keyfile_mix_ups_are_named(void **state)
{
	struct bg_keypair *k;
	struct bg_pubkey pub;
	struct bg_secret *sk;
	const char *why = NULL;
	json_t *pub_file, *sec_file, *array = json_array();

	(void)state;
	assert_int_equal(bg_keys_generate(BG_KEY_AUDITOR, &k), BG_OK);
	pub_file = file_of(k, false, NULL, 0);
	sec_file = file_of(k, true, NULL, 0);
	assert_true(bg_keyfile_is(pub_file, BG_KEY_AUDITOR, false));
	assert_false(bg_keyfile_is(pub_file, BG_KEY_AUDITOR, true));
	assert_false(bg_keyfile_is(pub_file, BG_KEY_HOST, false));
	assert_true(bg_keyfile_is(sec_file, BG_KEY_AUDITOR, true));
	assert_false(bg_keyfile_is(array, BG_KEY_AUDITOR, true));

	assert_int_equal(bg_secret_new(32, &sk), BG_OK);
	assert_int_equal(bg_secret_set(sk, bg_secret_data(k->sk), 32), BG_OK);
	assert_int_equal(bg_keyfile_parse(pub_file, BG_KEY_AUDITOR, &pub, sk, &why), BG_EINVAL);
	assert_non_null(strstr(why, "a public key file (.pub) where the secret one (.key)"));
	assert_int_equal(bg_keyfile_parse(sec_file, BG_KEY_AUDITOR, &pub, NULL, &why), BG_EINVAL);
	assert_non_null(strstr(why, "a secret key does not belong here"));
	assert_int_equal(bg_keyfile_parse(pub_file, BG_KEY_HOST, &pub, NULL, &why), BG_EINVAL);
	assert_string_equal(why, "type is not the kind of key asked for");
	assert_int_equal(bg_keyfile_parse(array, BG_KEY_AUDITOR, &pub, NULL, &why), BG_EINVAL);
	assert_string_equal(why, "the top level is not an object");
	json_decref(pub_file);
	json_decref(sec_file);
	json_decref(array);
	bg_secret_free(sk);
	bg_keys_free(k);
}
