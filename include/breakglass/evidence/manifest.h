/* The signed session manifest (docs/FORMAT.md section 8): what a listing
 * needs without any key. */
#ifndef BREAKGLASS_MANIFEST_H
#define BREAKGLASS_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "breakglass/base/error.h"
#include "breakglass/evidence/keys.h"
#include "breakglass/evidence/recformat.h"

/* A closed segment: its number, end hash and file size. */
struct bg_segment_info {
	uint32_t n;
	unsigned char hash[BG_HASH_LEN];
	uint64_t bytes;
};

struct bg_manifest {
	unsigned char session[16];
	char *host;
	unsigned char host_key_id[BG_KEY_ID_LEN];
	unsigned char host_public[BG_KEY_PUBLIC_LEN];
	char *user;
	char *ticket;
	char *start;                    /* RFC 3339 UTC */
	char *end;                      /* NULL while the session runs */
	bool complete;
	size_t n_segments;
	struct bg_segment_info *segments;
};

/* Sign m with host and write dir/manifest.json atomically (mode 0640). */
BG_WUR int bg_manifest_write(const char *dir, const struct bg_manifest *m,
			     const struct bg_keypair *host);
/* Read and check dir/manifest.json against the trusted host key (NULL:
 * the key the manifest carries, which proves only that it is intact).
 * BG_EINTEGRITY with why for a bad signature, a key other than host, or a
 * malformed manifest; BG_ENOENT when there is none. */
BG_WUR int bg_manifest_read(const char *dir, const struct bg_pubkey *host,
			    struct bg_manifest **out, char *why, size_t whylen);
void bg_manifest_free(struct bg_manifest *m);

#endif
