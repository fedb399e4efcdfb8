/* Buffers for secrets (TOTP seeds, keys, codes): guarded, kept out of swap
 * where the system allows, and wiped when freed. */
#ifndef BREAKGLASS_SECRET_H
#define BREAKGLASS_SECRET_H

#include <stddef.h>

#include "breakglass/base/error.h"

struct bg_secret;

/* A zero-filled secret of up to cap bytes (len starts at 0). */
BG_WUR int bg_secret_new(size_t cap, struct bg_secret **out);
/* Wipe and release; NULL is allowed. */
void bg_secret_free(struct bg_secret *s);
/* Replace the contents with p[n]; BG_ETOOBIG leaves the secret empty. */
BG_WUR int bg_secret_set(struct bg_secret *s, const void *p, size_t n);
/* Wipe the contents, keeping the allocation. */
void bg_secret_clear(struct bg_secret *s);
unsigned char *bg_secret_data(struct bg_secret *s);
size_t bg_secret_len(const struct bg_secret *s);
size_t bg_secret_cap(const struct bg_secret *s);
/* Constant-time comparison with p[n]: 1 if equal, 0 otherwise. */
int bg_secret_equal(const struct bg_secret *s, const void *p, size_t n);

#endif
