/* Test helpers: scratch directories and files, reading files back and
 * running programs. */
#ifndef BREAKGLASS_TESTS_HELPERS_H
#define BREAKGLASS_TESTS_HELPERS_H

#include <stddef.h>
#include <sys/types.h>

#include "breakglass/config/conf.h"
#include "breakglass/evidence/keys.h"

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
/* Write json to dir/breakglass.json and load it as th_config_load does. */
struct bg_config *th_config_json(const char *dir, const char *json);
/* A key file for a configuration to name (dir/k, empty, mode 0600): its
 * malloc'ed path. */
char *th_config_key(const char *dir);
/* n new auditor key pairs in aud, their public halves in pubs (a
 * writer's recipients); aborts on failure.  th_auditors_free frees them. */
void th_auditors_make(struct bg_keypair **aud, struct bg_pubkey *pubs, size_t n);
void th_auditors_free(struct bg_keypair **aud, size_t n);
/* Remove dir and everything in it. */
void th_rmtree(const char *dir);
/* The whole file at path, NUL-terminated and malloc'ed, its length in
 * *len (if len is not NULL); NULL if it cannot be opened. */
char *th_slurp(const char *path, size_t *len);
/* Run argv (argv[0] looked up in PATH, no shell) without the test's
 * preloaded wrappers; the start of its stdout, NUL-terminated, in out.
 * Returns its exit status: 127 if it could not be run, 128 if killed. */
int th_run(const char *const argv[], char *out, size_t outlen);
/* Watch what jansson frees from now on, until th_json_unwatch: how many
 * blocks it freed, and in how many of them needle[n] was still there. */
void th_json_watch(const void *needle, size_t n);
void th_json_unwatch(size_t *freed, size_t *held);

#endif
