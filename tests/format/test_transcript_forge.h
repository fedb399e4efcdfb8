/* What the two files of transcript_forge share: the defects a forged
 * session can have and the forger that writes one, signed with the host
 * key (test_transcript_forger.c). */
#ifndef BREAKGLASS_TESTS_TEST_TRANSCRIPT_FORGE_H
#define BREAKGLASS_TESTS_TEST_TRANSCRIPT_FORGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "breakglass/evidence/keys.h"
#include "breakglass/evidence/manifest.h"
#include "test_transcript.h"

#define FORGE_Z_MAX 65536               /* room for any forged chunk */

enum defect {
	D_NONE, D_TAG, D_COMP, D_ZSTD_CORRUPT, D_ZSTD_CUT, D_ZSTD_NO_SIZE, D_ZSTD_HUGE,
	D_ZSTD_SKIPPABLE, D_ZSTD_TWO, D_ZSTD_TRAILING, D_EV_CUT, D_EVENT, D_AFTER_END,
	D_END_SESSION_EARLY, D_NO_END_SEGMENT, D_EMPTY_PLAIN, D_NO_RECIPIENT, D_OTHER_KEY,
	D_AD_REC, D_AD_SEG, D_AD_SESSION, D_AD_KIND, D_AD_HPREV, D_NOT_RECIPIENT,
};

/* A session with one thing wrong, in record rec of segment seg. */
struct fcase {
	const char *name;
	enum defect d;
	unsigned seg, rec;
	bool structural;        /* refused without the auditor key too */
	const char *why;        /* in what the reader says */
	unsigned arg;           /* D_TAG: the tag of this kind; D_COMP: the byte */
	struct {                /* D_EVENT: this event, after a good one unless alone */
		unsigned type;
		uint64_t t;
		size_t len;     /* as its header states */
		const char *data;
		size_t dlen;    /* as there are */
		bool alone;
	} ev;
};

struct forge_keys {
	struct bg_keypair *host, *aud, *other;
	char *tmp;                      /* where sessions are made */
};

/* A forged session: its directory, the good events put in, and how many
 * of them come before the bad record; the rest is the forger's. */
struct forge {
	char dir[600];
	struct tevents want;
	size_t before;
	const struct fcase *c;
	const struct forge_keys *k;
	unsigned char session[16], key[32], h[BG_HASH_LEN];
	crypto_secretstream_xchacha20poly1305_state st;
	int fd;
	uint32_t seg, rec;
	uint64_t bytes;
	struct bg_segment_info segs[2];
	size_t nseg;
	unsigned char *buf;             /* chunk plaintext: compression byte, batch */
	size_t n;                       /* bytes of batch */
	unsigned char z[FORGE_Z_MAX], ct[FORGE_Z_MAX + crypto_secretstream_xchacha20poly1305_ABYTES];
};

/* Two segments, sealed to k->aud and k->other and signed with k->host,
 * with a correct signed manifest, and the defect of c. */
struct forge *forge_session(const struct forge_keys *k, const struct fcase *c);
/* Remove the session and free f. */
void forge_free(struct forge *f);

#endif
