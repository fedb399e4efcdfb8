/* Deterministic terminal-like text for the benchmarks: prompts, logs,
 * listings, full-screen refreshes and progress lines with their escapes. */
#ifndef BENCH_TERMTEXT_H
#define BENCH_TERMTEXT_H

#include <stddef.h>
#include <stdint.h>

/* The next number of the generator whose state is *s (splitmix64). */
uint64_t bench_rand(uint64_t *s);

/* len bytes of text from seed in a new buffer (free() it); NULL when
 * out of memory.  The same seed and len give the same bytes. */
unsigned char *bench_termtext(size_t len, uint64_t seed);

#endif
