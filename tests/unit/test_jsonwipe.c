/* Tests for lib/jsonwipe.c: between begin and end nothing jansson frees
 * still holds a secret it saw; outside, jansson's allocator is as it was. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "breakglass/base/jsonwipe.h"
#include "helpers.h"

#define SECRET "SECRET-4f1d9a0c27b35e68"

/* Texts that carry SECRET through jansson's lexer and into a value. */
static const char *const docs[] = {
	"{\"totp_key\": \"" SECRET "\"}",
	"{\"a\": [1, 2, {\"b\": \"" SECRET "\", \"c\": null}]}",
	"[\"" SECRET "\", \"" SECRET "\"]",
	"{\"" SECRET "\": true}",                              /* as a key */
	"{\"k\": \"" SECRET "\", oops",                        /* error after it */
	"{\"k\": \"" SECRET,                                   /* cut inside it */
	"{\"k\": \"" SECRET "\", \"k\": \"" SECRET "\"}",      /* duplicate key */
};
#define NDOCS (sizeof(docs) / sizeof(*docs))

/* Parse doc and dump it again when it parses. */
static void parse(const char *doc)
{
	json_error_t e;
	json_t *root = json_loads(doc, JSON_REJECT_DUPLICATES, &e);
	json_free_t f;
	char *text;

	if (root == NULL)
		return;
	text = json_dumps(root, 0);
	assert_non_null(text);
	json_decref(root);
	/* the caller's own copy: the caller's to wipe, freed as jansson
	 * allocated it */
	explicit_bzero(text, strlen(text));
	json_get_alloc_funcs(NULL, &f);
	f(text);
}

/* The control: without the wipe jansson leaves copies behind, so the
 * watch can see them and the tests below mean something. */
static void test_jsonwipe_without_it_copies_remain(void **state)
{
	size_t i, freed, held, total = 0;

	(void)state;
	for (i = 0; i < NDOCS; i++) {
		th_json_watch(SECRET, strlen(SECRET));
		parse(docs[i]);
		th_json_unwatch(&freed, &held);
		assert_true(freed > 0);
		total += held;
	}
	assert_true(total >= NDOCS);
}

static void test_jsonwipe_nothing_freed_holds_the_secret(void **state)
{
	size_t i, freed, held;

	(void)state;
	for (i = 0; i < NDOCS; i++) {
		th_json_watch(SECRET, strlen(SECRET));
		bg_jsonwipe_begin();
		parse(docs[i]);
		bg_jsonwipe_end();
		th_json_unwatch(&freed, &held);
		assert_true(freed > 0);
		if (held != 0)
			fail_msg("%s: %zu of %zu freed blocks held the secret", docs[i], held, freed);
	}
}

static void test_jsonwipe_nests_and_restores(void **state)
{
	json_malloc_t m0, m;
	json_free_t f0, f;
	size_t freed, held;

	(void)state;
	json_get_alloc_funcs(&m0, &f0);
	bg_jsonwipe_end();      /* without begin: nothing changes */
	json_get_alloc_funcs(&m, &f);
	assert_ptr_equal(m, m0);
	assert_ptr_equal(f, f0);
	th_json_watch(SECRET, strlen(SECRET));
	bg_jsonwipe_begin();
	bg_jsonwipe_begin();
	bg_jsonwipe_end();      /* the inner end: still wiping */
	parse(docs[0]);
	bg_jsonwipe_end();
	th_json_unwatch(&freed, &held);
	assert_true(freed > 0);
	assert_int_equal(held, 0);
	json_get_alloc_funcs(&m, &f);
	assert_ptr_equal(m, m0);
	assert_ptr_equal(f, f0);
}

/* An allocator that is not malloc: blocks with a size header in front,
 * which malloc_usable_size must never see. */
static unsigned other_frees;

static void *other_malloc(size_t n)
{
	size_t *p = malloc(n + sizeof(size_t));

	if (p == NULL)
		return NULL;
	*p = n;
	return p + 1;
}

static void other_free(void *p)
{
	if (p == NULL)
		return;
	other_frees++;
	free((size_t *)p - 1);
}

static void test_jsonwipe_leaves_another_allocator_alone(void **state)
{
	json_malloc_t m0, m;
	json_free_t f0, f;

	(void)state;
	json_get_alloc_funcs(&m0, &f0);
	json_set_alloc_funcs(other_malloc, other_free);
	other_frees = 0;
	bg_jsonwipe_begin();
	json_get_alloc_funcs(&m, &f);
	assert_ptr_equal(m, other_malloc);
	assert_ptr_equal(f, other_free);
	parse(docs[1]);
	bg_jsonwipe_end();
	assert_true(other_frees > 0);
	json_get_alloc_funcs(&m, &f);
	assert_ptr_equal(f, other_free);
	json_set_alloc_funcs(m0, f0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jsonwipe_without_it_copies_remain),
		cmocka_unit_test(test_jsonwipe_nothing_freed_holds_the_secret),
		cmocka_unit_test(test_jsonwipe_nests_and_restores),
		cmocka_unit_test(test_jsonwipe_leaves_another_allocator_alone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
