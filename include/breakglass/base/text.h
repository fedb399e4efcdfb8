/* Checks on untrusted text: control characters, lengths in characters,
 * and the shapes of paths, URLs and account names. */
#ifndef BREAKGLASS_TEXT_H
#define BREAKGLASS_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "breakglass/base/buf.h"

/* True if s holds a C0 or C1 control character or DEL. */
bool bg_text_has_control(const char *s);
/* Characters in the UTF-8 string s (continuation bytes not counted). */
size_t bg_text_utf8_chars(const char *s);
/* s escaped (bg_buf_append_escaped) and cut to max bytes of input with
 * "..." appended, into out[outlen]: safe to put in a message. */
void bg_text_quote(const char *s, size_t max, char *out, size_t outlen);

/* NULL if s is an absolute path without empty, "." or ".." components;
 * otherwise what is wrong with it. */
const char *bg_text_path_problem(const char *s);
/* NULL if s is an http:// or https:// URL naming a host. */
const char *bg_text_url_problem(const char *s);
/* NULL if s is a user name, or %group, of letters, digits, . _ - (1 to
 * 32 characters, not starting with - or .). */
const char *bg_text_name_problem(const char *s);

/* Append url to out with its user:password, query and fragment replaced
 * by REDACTED, and with drop_path its path too: printable, not secret. */
BG_WUR int bg_text_redact_url(const char *url, bool drop_path,
			      struct bg_buf *out);

/* t in UTC, RFC 3339 to the second ("2026-12-07T22:44:19Z"), as the
 * audit log, manifests, enrollments and breakglassctl write times;
 * BG_EINVAL, out left alone, when t has no such form. */
#define BG_TEXT_UTC_LEN 32
BG_WUR int bg_text_utc(time_t t, char out[BG_TEXT_UTC_LEN]);

#endif
