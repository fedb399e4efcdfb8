/* Tests for saving and loading key files (lib/evidence/keyfile.c); their
 * text is tested in test_keyfile_text.c, hostile files to load in
 * test_keyfile_hostile.c. */
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

#include "breakglass/evidence/keyfile.h"
#include "helpers.h"
#include "test_keyfile.h"

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int i;

	assert_non_null(f);
	f->dir = th_mkdtemp();
	for (i = 0; i < 2; i++) {
		struct material *m = &f->m[i];

		assert_int_equal(bg_keys_generate(i == 0 ? BG_KEY_AUDITOR : BG_KEY_HOST, &m->k), BG_OK);
		bg_keys_id_hex(m->k->pub.id, m->id);
		sodium_bin2hex(m->pk, sizeof(m->pk), m->k->pub.pk, BG_KEY_PUBLIC_LEN);
		sodium_bin2hex(m->sk, sizeof(m->sk), bg_secret_data(m->k->sk),
			       bg_secret_len(m->k->sk));
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	bg_keys_free(f->m[0].k);
	bg_keys_free(f->m[1].k);
	th_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

char *path_in(const struct fixture *f, const char *name)
{
	size_t n = strlen(f->dir) + strlen(name) + 2;
	char *p = malloc(n);

	assert_non_null(p);
	assert_true(snprintf(p, n, "%s/%s", f->dir, name) == (int)n - 1);
	return p;
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	return st.st_mode & 07777;
}

/* Save a fresh pair as NAME.key / NAME.pub, and load both back. */
static void round_trip(struct fixture *f, enum bg_key_type type, const char *name,
		       struct bg_keypair **gen, struct bg_keypair **pair,
		       struct bg_pubkey *pub)
{
	char sname[64], pname[64], *s, *p;

	snprintf(sname, sizeof(sname), "%s.key", name);
	snprintf(pname, sizeof(pname), "%s.pub", name);
	s = path_in(f, sname);
	p = path_in(f, pname);
	assert_int_equal(bg_keys_generate(type, gen), BG_OK);
	assert_int_equal(bg_keyfile_save(*gen, s, p, (gid_t)-1), BG_OK);
	assert_int_equal(mode_of(s), 0600);
	assert_int_equal(mode_of(p), 0644);
	assert_int_equal(bg_keyfile_load_pair(s, type, geteuid(), pair), BG_OK);
	assert_int_equal(bg_keyfile_load_public(p, type, geteuid(), pub), BG_OK);
	assert_int_equal(pub->type, type);
	assert_int_equal((*pair)->pub.type, type);
	assert_memory_equal(pub->id, (*gen)->pub.id, BG_KEY_ID_LEN);
	assert_memory_equal((*pair)->pub.id, (*gen)->pub.id, BG_KEY_ID_LEN);
	assert_memory_equal(pub->pk, (*gen)->pub.pk, BG_KEY_PUBLIC_LEN);
	assert_memory_equal((*pair)->pub.pk, (*gen)->pub.pk, BG_KEY_PUBLIC_LEN);
	assert_true(bg_secret_equal((*pair)->sk, bg_secret_data((*gen)->sk),
				    bg_secret_len((*gen)->sk)));
	free(s);
	free(p);
}

static void test_keyfile_auditor_round_trip_opens_sealed_box(void **state)
{
	static const unsigned char msg[] = "session key";
	unsigned char c[sizeof(msg) + crypto_box_SEALBYTES], m[sizeof(msg)];
	struct bg_keypair *gen, *pair;
	struct bg_pubkey pub;

	round_trip(*state, BG_KEY_AUDITOR, "auditor", &gen, &pair, &pub);
	assert_int_equal(bg_secret_len(pair->sk), crypto_box_SECRETKEYBYTES);
	assert_int_equal(crypto_box_seal(c, msg, sizeof(msg), pub.pk), 0);
	assert_int_equal(crypto_box_seal_open(m, c, sizeof(c), pair->pub.pk,
					      bg_secret_data(pair->sk)), 0);
	assert_memory_equal(m, msg, sizeof(msg));
	bg_keys_free(gen);
	bg_keys_free(pair);
}

static void test_keyfile_host_round_trip_signature_verifies(void **state)
{
	static const unsigned char msg[] = "segment hash";
	unsigned char sig[crypto_sign_BYTES];
	struct bg_keypair *gen, *pair;
	struct bg_pubkey pub;

	round_trip(*state, BG_KEY_HOST, "host", &gen, &pair, &pub);
	assert_int_equal(bg_secret_len(pair->sk), crypto_sign_SECRETKEYBYTES);
	assert_int_equal(crypto_sign_detached(sig, NULL, msg, sizeof(msg),
					      bg_secret_data(pair->sk)), 0);
	assert_int_equal(crypto_sign_verify_detached(sig, msg, sizeof(msg), pub.pk), 0);
	sig[0] ^= 1;
	assert_int_not_equal(crypto_sign_verify_detached(sig, msg, sizeof(msg), pub.pk), 0);
	bg_keys_free(gen);
	bg_keys_free(pair);
}

static char *slurp(const char *path)
{
	char *buf = calloc(1, 1024);
	FILE *fp = fopen(path, "r");

	assert_non_null(buf);
	assert_non_null(fp);
	assert_true(fread(buf, 1, 1023, fp) < 1023);
	fclose(fp);
	return buf;
}

static void test_keyfile_public_file_has_the_documented_text(void **state)
{
	struct fixture *f = *state;
	char *s = path_in(f, "text.key"), *p = path_in(f, "text.pub"), want[512], *got;

	assert_int_equal(bg_keyfile_save(f->m[0].k, s, p, (gid_t)-1), BG_OK);
	snprintf(want, sizeof(want), "{\n  \"version\": 1,\n  \"type\": \"auditor-public\",\n"
		 "  \"id\": \"%s\",\n  \"public\": \"%s\"\n}\n", f->m[0].id, f->m[0].pk);
	got = slurp(p);
	assert_string_equal(got, want);
	free(got);
	snprintf(want, sizeof(want), "{\n  \"version\": 1,\n  \"type\": \"auditor-secret\",\n"
		 "  \"id\": \"%s\",\n  \"secret\": \"%s\"\n}\n", f->m[0].id, f->m[0].sk);
	got = slurp(s);
	assert_string_equal(got, want);
	free(got);
	free(s);
	free(p);
}

static void test_keyfile_save_never_overwrites_a_secret(void **state)
{
	struct fixture *f = *state;
	char *s = path_in(f, "keep.key"), *p = path_in(f, "keep.pub"),
	     *p2 = path_in(f, "other.pub"), *before, *after;

	assert_int_equal(bg_keyfile_save(f->m[1].k, s, p, (gid_t)-1), BG_OK);
	before = slurp(s);
	/* Another key, even of the same type, is refused and writes nothing. */
	assert_int_equal(bg_keyfile_save(f->m[0].k, s, p2, (gid_t)-1), BG_EUNSAFE);
	assert_int_equal(bg_keyfile_save(f->m[1].k, s, p2, (gid_t)-1), BG_EUNSAFE);
	after = slurp(s);
	assert_string_equal(before, after);
	assert_int_equal(access(p2, F_OK), -1);
	free(before);
	free(after);
	free(s);
	free(p);
	free(p2);
}

static void test_keyfile_save_refuses_a_dangling_symlink(void **state)
{
	struct fixture *f = *state;
	char *s = path_in(f, "link.key"), *p = path_in(f, "link.pub"),
	     *target = path_in(f, "elsewhere.key");

	assert_int_equal(symlink(target, s), 0);
	assert_int_equal(bg_keyfile_save(f->m[0].k, s, p, (gid_t)-1), BG_EUNSAFE);
	assert_int_equal(access(target, F_OK), -1);
	free(s);
	free(p);
	free(target);
}

static void test_keyfile_save_replaces_a_public_file(void **state)
{
	struct fixture *f = *state;
	char *s = path_in(f, "new.key"), *p = path_in(f, "new.pub"), *s2 = path_in(f, "new2.key");
	struct bg_pubkey pub;

	assert_int_equal(bg_keyfile_save(f->m[0].k, s, p, (gid_t)-1), BG_OK);
	assert_int_equal(bg_keyfile_save(f->m[1].k, s2, p, (gid_t)-1), BG_OK);
	assert_int_equal(bg_keyfile_load_public(p, BG_KEY_HOST, geteuid(), &pub), BG_OK);
	assert_memory_equal(pub.pk, f->m[1].k->pub.pk, BG_KEY_PUBLIC_LEN);
	free(s);
	free(p);
	free(s2);
}

static void test_keyfile_save_sets_the_group(void **state)
{
	struct fixture *f = *state;
	char *s = path_in(f, "grp.key"), *p = path_in(f, "grp.pub");
	gid_t gid = geteuid() == 0 ? 1 : getegid();
	struct stat st;

	assert_int_equal(bg_keyfile_save(f->m[1].k, s, p, gid), BG_OK);
	assert_int_equal(lstat(s, &st), 0);
	assert_int_equal(st.st_gid, gid);
	assert_int_equal(st.st_mode & 07777, 0600);
	free(s);
	free(p);
}

static void test_keyfile_save_refuses_bad_arguments(void **state)
{
	struct fixture *f = *state;
	char *s = path_in(f, "same");

	assert_int_equal(bg_keyfile_save(f->m[0].k, s, s, (gid_t)-1), BG_EINVAL);
	assert_int_equal(bg_keyfile_save(NULL, s, "x.pub", (gid_t)-1), BG_EINVAL);
	assert_int_equal(bg_keyfile_save(f->m[0].k, NULL, "x.pub", (gid_t)-1), BG_EINVAL);
	assert_int_equal(access(s, F_OK), -1);
	free(s);
}

static void test_keyfile_load_missing_file_is_enoent(void **state)
{
	struct fixture *f = *state;
	char *p = path_in(f, "absent.pub");
	struct bg_keypair *k = (void *)1;
	struct bg_pubkey pub;

	assert_int_equal(bg_keyfile_load_public(p, BG_KEY_AUDITOR, geteuid(), &pub), BG_ENOENT);
	assert_int_equal(bg_keyfile_load_pair(p, BG_KEY_AUDITOR, geteuid(), &k), BG_ENOENT);
	assert_null(k);
	free(p);
}

static void test_keyfile_load_refuses_untrusted_owner(void **state)
{
	struct fixture *f = *state;
	char *s = path_in(f, "owner.key"), *p = path_in(f, "owner.pub");
	uid_t trusted = geteuid() + 1;
	struct bg_keypair *k;
	struct bg_pubkey pub;

	assert_int_equal(bg_keyfile_save(f->m[0].k, s, p, (gid_t)-1), BG_OK);
	/* Root files are always trusted: give them away instead. */
	if (geteuid() == 0) {
		trusted = 0;
		assert_int_equal(chown(s, 65534, (gid_t)-1), 0);
		assert_int_equal(chown(p, 65534, (gid_t)-1), 0);
	}
	assert_int_equal(bg_keyfile_load_pair(s, BG_KEY_AUDITOR, trusted, &k), BG_EUNSAFE);
	assert_int_equal(bg_keyfile_load_public(p, BG_KEY_AUDITOR, trusted, &pub), BG_EUNSAFE);
	free(s);
	free(p);
}

/* jansson's copies of a secret key (its lexer's buffer, the string
 * value) are wiped before they are freed: on success, and when the file
 * is refused after the key was read. */
static void test_keyfile_load_leaves_no_copy_in_freed_memory(void **state)
{
	struct fixture *f = *state;
	char text[512], *s[3];
	struct bg_keypair *k = NULL;
	size_t i, freed, held;
	int want[3] = { BG_OK, BG_EINVAL, BG_EINVAL };

	for (i = 0; i < 2; i++) {
		snprintf(text, sizeof(text), "{\"version\": 1, \"type\": \"auditor-secret\", "
			 "\"id\": \"%s\", \"secret\": \"%s\"}\n",
			 i == 0 ? f->m[0].id : f->m[1].id, f->m[0].sk);
		s[i] = th_write(f->dir, i == 0 ? "good.key" : "wrong-id.key", text, strlen(text), 0600);
	}
	/* a syntax error after the key: the lexer's error path */
	snprintf(text, sizeof(text), "{\"secret\": \"%s\", \"version\": 1,}", f->m[0].sk);
	s[2] = th_write(f->dir, "bad.key", text, strlen(text), 0600);
	for (i = 0; i < 3; i++) {
		th_json_watch(f->m[0].sk, strlen(f->m[0].sk));
		assert_int_equal(bg_keyfile_load_pair(s[i], BG_KEY_AUDITOR, geteuid(), &k), want[i]);
		th_json_unwatch(&freed, &held);
		assert_true(freed > 0);
		assert_int_equal(held, 0);
		bg_keys_free(k);
		k = NULL;
		free(s[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keyfile_type_names),
		cmocka_unit_test(test_keyfile_text_is_exact),
		cmocka_unit_test(test_keyfile_parse_reads_back_what_text_writes),
		cmocka_unit_test(test_keyfile_mix_ups_are_named),
		cmocka_unit_test_setup_teardown(test_keyfile_auditor_round_trip_opens_sealed_box, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keyfile_host_round_trip_signature_verifies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keyfile_public_file_has_the_documented_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keyfile_save_never_overwrites_a_secret, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keyfile_save_refuses_a_dangling_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keyfile_save_replaces_a_public_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keyfile_save_sets_the_group, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keyfile_save_refuses_bad_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keyfile_load_missing_file_is_enoent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keyfile_load_refuses_untrusted_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keyfile_hostile_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keyfile_load_leaves_no_copy_in_freed_memory, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
