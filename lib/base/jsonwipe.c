/* Wiping what jansson frees while a secret passes through it. */
#include "config.h"

#include <malloc.h>
#include <stddef.h>
#include <stdlib.h>

#include <jansson.h>
#include <sodium.h>

#include "breakglass/base/jsonwipe.h"

static json_malloc_t outer_malloc;
static json_free_t outer_free;
static unsigned depth;

/* The whole block, as malloc gave it, not only the bytes asked for. */
static void wipe_free(void *p)
{
	if (p != NULL)
		sodium_memzero(p, malloc_usable_size(p));
	outer_free(p);
}

void bg_jsonwipe_begin(void)
{
	if (depth++ > 0)
		return;
	json_get_alloc_funcs(&outer_malloc, &outer_free);
	/* Only malloc's blocks have a size to wipe: another allocator (no
	 * caller of ours installs one) is left as it is. */
	if (outer_malloc == malloc)
		json_set_alloc_funcs(outer_malloc, wipe_free);
}

void bg_jsonwipe_end(void)
{
	if (depth == 0 || --depth > 0)
		return;
	json_set_alloc_funcs(outer_malloc, outer_free);
}
