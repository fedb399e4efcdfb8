/* What test_manifest and test_manifestread share (test_manifest_fixture.c):
 * the fixture (a host key, another key, a manifest with segments) and
 * its file. */
#ifndef BREAKGLASS_TESTS_TEST_MANIFEST_H
#define BREAKGLASS_TESTS_TEST_MANIFEST_H

#include <stddef.h>

#include <sodium.h>

#include "breakglass/evidence/manifest.h"

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

int manifest_setup(void **state);
int manifest_teardown(void **state);
/* The fixture's dir/manifest.json, malloc'ed. */
char *manifest_path(const struct fixture *f);
/* Every member of a and b is the same. */
void assert_same(const struct bg_manifest *a, const struct bg_manifest *b);
/* Write the fixture's manifest and read the file back (*len bytes). */
char *write_and_slurp(struct fixture *f, size_t *len);
/* Put data[len] in the fixture directory as manifest.json (0640). */
void put_file(struct fixture *f, const void *data, size_t len);

#endif
