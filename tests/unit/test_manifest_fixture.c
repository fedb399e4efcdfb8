/* The fixture that test_manifest and test_manifestread share: a host
 * key, another key, a manifest with segments, and its file. */
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

#include "breakglass/evidence/manifest.h"
#include "helpers.h"
#include "test_manifest.h"

int manifest_setup(void **state)
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

int manifest_teardown(void **state)
{
	struct fixture *f = *state;

	bg_keys_free(f->host);
	bg_keys_free(f->other);
	th_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

char *manifest_path(const struct fixture *f)
{
	char path[4096];

	assert_true(snprintf(path, sizeof(path), "%s/manifest.json", f->dir) < (int)sizeof(path));
	return strdup(path);
}

void assert_same(const struct bg_manifest *a, const struct bg_manifest *b)
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
	assert_int_equal(a->n_commands, b->n_commands);
	for (size_t i = 0; i < a->n_commands; i++) {
		assert_int_equal(a->command[i].source, b->command[i].source);
		assert_int_equal(a->command[i].length, b->command[i].length);
		assert_int_equal(a->command[i].len, b->command[i].len);
		assert_memory_equal(a->command[i].bytes, b->command[i].bytes, a->command[i].len + 1);
	}
}

char *write_and_slurp(struct fixture *f, size_t *len)
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
