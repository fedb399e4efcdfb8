/* The signed session manifest (docs/FORMAT.md section 8): what a listing
 * needs without any key; its content rules, canonical bytes and
 * signature, and writing it (reading it: manifestread.h). */
#ifndef BREAKGLASS_MANIFEST_H
#define BREAKGLASS_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "breakglass/base/buf.h"
#include "breakglass/base/error.h"
#include "breakglass/base/secret.h"
#include "breakglass/evidence/command.h"
#include "breakglass/evidence/keys.h"
#include "breakglass/evidence/recformat.h"

#define BG_MANIFEST_VERSION 1
#define BG_MANIFEST_MAX_BYTES (1024 * 1024)
#define BG_MANIFEST_SIG_LEN 64          /* Ed25519 */

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
	struct bg_command *command;     /* a non-interactive session's; NULL otherwise */
	size_t n_commands;
};

/* Sign m with host and write dir/manifest.json atomically (mode 0640). */
BG_WUR int bg_manifest_write(const char *dir, const struct bg_manifest *m,
			     const struct bg_keypair *host);
void bg_manifest_free(struct bg_manifest *m);

/* NULL if the content of m is one we would write, else what is wrong. */
const char *bg_manifest_problem(const struct bg_manifest *m);
/* The signed bytes of m: the compact dump of every member but the
 * signature, without its final '}', malloc'ed into *prefix (*len bytes).
 * BG_EINVAL if a string is not UTF-8. */
BG_WUR int bg_manifest_signed_bytes(const struct bg_manifest *m, char **prefix, size_t *len);
/* Sign (with sk) or verify (sk NULL, with pk) sig over "BGMAN-v1" ||
 * prefix: BG_OK, or BG_ECRYPTO (signing), BG_EINTEGRITY (a bad
 * signature), BG_ENOMEM. */
BG_WUR int bg_manifest_signature(const char *prefix, size_t len,
				 unsigned char sig[BG_MANIFEST_SIG_LEN], struct bg_secret *sk,
				 const unsigned char *pk);
/* The whole file into out (initialised here, freed on failure):
 * prefix || ,"signature":" || hex of sig || "} */
BG_WUR int bg_manifest_text(const char *prefix, size_t len, const unsigned char *sig,
			    struct bg_buf *out);

#endif
