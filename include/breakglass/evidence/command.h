/* The command line of a non-interactive session (docs/FORMAT.md 7.2 and
 * 8): the bytes as given, capped and marked when cut, as the JSON of the
 * transcript's meta event and of the manifest, and as a log line. */
#ifndef BREAKGLASS_COMMAND_H
#define BREAKGLASS_COMMAND_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "breakglass/base/error.h"

/* Stored bytes of one command; the rest is counted, not kept. */
#define BG_COMMAND_MAX (64 * 1024)
/* At most one of each source. */
#define BG_COMMAND_SOURCES 2

enum bg_command_source {
	BG_COMMAND_ARG = 0,     /* breakglass-rec -c COMMAND (the login shell's) */
	BG_COMMAND_SSH = 1,     /* SSH_ORIGINAL_COMMAND (ForceCommand) */
};

struct bg_command {
	enum bg_command_source source;
	char *bytes;            /* the first len bytes, NUL-terminated, no NUL inside */
	size_t len;             /* at most BG_COMMAND_MAX */
	uint64_t length;        /* the whole command's; len < length when cut */
};

/* c from the string s: its first BG_COMMAND_MAX bytes (fewer so as not to
 * cut a UTF-8 character) and its length.  BG_ENOMEM. */
BG_WUR int bg_command_set(struct bg_command *c, enum bg_command_source source,
			  const char *s);
/* Free the bytes of c[0..n-1] and c itself. */
void bg_command_free(struct bg_command *c, size_t n);

/* NULL if c[0..n-1] is one we would write: 1 or 2 commands, sources
 * distinct and -c first, no NUL, len within the cap and the length. */
const char *bg_command_problem(const struct bg_command *c, size_t n);
/* The JSON array of c[0..n-1] (new reference), NULL out of memory. */
json_t *bg_command_json(const struct bg_command *c, size_t n);
/* The array a back into *out (*n entries, malloc'ed): NULL, or what is
 * wrong with it (then nothing is returned). */
const char *bg_command_from_json(const json_t *a, struct bg_command **out, size_t *n);
/* {"command":[...]}, malloc'ed, for the transcript's meta event. */
BG_WUR int bg_command_meta(const struct bg_command *c, size_t n, char **out);
/* For a log line: each command as SOURCE "its first 128 bytes, escaped"
 * and its length (and "truncated" when the recording cut it), no control
 * character; "-" for none.  BG_COMMAND_DESCRIBE_LEN holds two. */
#define BG_COMMAND_DESCRIBE_LEN 1280
void bg_command_describe(const struct bg_command *c, size_t n, char *out, size_t outlen);

#endif
