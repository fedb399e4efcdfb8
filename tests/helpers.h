/* Test helpers: scratch directories and files. */
#ifndef BREAKGLASS_TESTS_HELPERS_H
#define BREAKGLASS_TESTS_HELPERS_H

#include <stddef.h>
#include <sys/types.h>

#include "breakglass/config.h"

/* A new private directory under $TMPDIR (or /tmp); aborts on failure. */
char *th_mkdtemp(void);
/* Write len bytes to dir/name with mode; returns the malloc'ed path. */
char *th_write(const char *dir, const char *name, const void *data,
	       size_t len, mode_t mode);
/* The same for a C string. */
char *th_write_str(const char *dir, const char *name, const char *text);
/* A breakglass.json in dir whose paths all point into dir (key files
 * made, empty, mode 0600), with extra (JSON members, or NULL) added at
 * the top level; returns its malloc'ed path. */
char *th_config(const char *dir, const char *extra);
/* Load a configuration that must be valid; aborts otherwise. */
struct bg_config *th_config_load(const char *path);
/* Remove dir and everything in it. */
void th_rmtree(const char *dir);

#endif
