/* What the two files of test_manifest share: the fixture (a host key,
 * another key, a manifest with segments) and writing manifest.json. */
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

/* Put data[len] in the fixture directory as manifest.json (0640). */
void put_file(struct fixture *f, const void *data, size_t len);

/* test_manifest_hostile.c, with the fixture of test_manifest.c */
void test_manifest_hostile_files(void **state);

#endif
