/* What the files of test_transcript share: the committed format fixture
 * in a scratch copy, the events it must hold, and each file's group. */
#ifndef BREAKGLASS_TESTS_TEST_TRANSCRIPT_H
#define BREAKGLASS_TESTS_TEST_TRANSCRIPT_H

#include <stddef.h>
#include <stdint.h>

#include "breakglass/evidence/keys.h"
#include "breakglass/evidence/recreader.h"

/* An event as the fixture's .events files list it. */
struct tevent {
	unsigned seg, type;
	uint64_t t;
	size_t len;
	unsigned char sha[32];
};

struct tevents {
	struct tevent *ev;
	size_t n, cap;
};

/* tests/format/fixtures/format-v1 copied into tmp, secrets made 0600. */
struct tfix {
	char *tmp;
	char complete[512], truncated[512];     /* the two session directories */
	struct bg_keypair *aud1, *aud2, *host;
	struct bg_pubkey host_pub;
	struct tevents want_complete, want_truncated;
};

void tfix_load(struct tfix *f);
void tfix_free(struct tfix *f);
/* cmocka group set-up and tear-down: a struct tfix in *state. */
int tfix_setup(void **state);
int tfix_teardown(void **state);
/* A bg_event_fn collecting into a struct tevents. */
int tevents_collect(void *ctx, const struct bg_event *ev);
void tevents_free(struct tevents *e);
/* got holds exactly the first got->n events of want (none other). */
void tevents_assert_prefix(const struct tevents *want, const struct tevents *got);
/* bg_transcript_verify of dir into got (reset first); its return value. */
int tverify(const char *dir, const struct bg_pubkey *host, const struct bg_keypair *aud,
	    struct tevents *got, enum bg_verdict *v, char *why, size_t whylen);

/* Where the records of segment file path start: off[0] is the header's
 * end, off[i] the end of record i; returns the number of records (at
 * most max - 1). */
size_t tseg_records(const char *path, size_t *off, size_t max);

/* Each file's cmocka group; non-zero when a test failed. */
int transcript_tamper_group(void);
int transcript_forge_group(void);

#endif
