/* Verifying the hash-chained audit log that bg_audit_append writes. */
#ifndef BREAKGLASS_AUDITVERIFY_H
#define BREAKGLASS_AUDITVERIFY_H

#include <stddef.h>

#include "breakglass/base/error.h"

/* Check every line of path: valid JSON, "prev" equal to the hash of the
 * line before (64 zeros for the first), "hash" the BLAKE2b-256 of the
 * line up to it.  BG_OK, or BG_EINTEGRITY with *bad_line (1-based) and a
 * reason in why; BG_EIO/BG_ENOENT when unreadable. */
BG_WUR int bg_auditverify_run(const char *path, size_t *lines, size_t *bad_line,
			      char *why, size_t whylen);

#endif
