/* Reading a signed session manifest (docs/FORMAT.md section 8) and
 * checking it against the trusted host key. */
#ifndef BREAKGLASS_MANIFESTREAD_H
#define BREAKGLASS_MANIFESTREAD_H

#include <stddef.h>

#include "breakglass/base/error.h"
#include "breakglass/evidence/keys.h"
#include "breakglass/evidence/manifest.h"

/* Read and check dir/manifest.json against the trusted host key (NULL:
 * the key the manifest carries, which proves only that it is intact).
 * BG_EINTEGRITY with why for a bad signature, a key other than host, or a
 * malformed manifest; BG_ENOENT when there is none. */
BG_WUR int bg_manifestread_load(const char *dir, const struct bg_pubkey *host,
				struct bg_manifest **out, char *why, size_t whylen);

#endif
