/* The audit log's lines, as appending (audit.c) writes them and
 * verifying (auditverify.c) checks them: each a JSON object whose last
 * member "hash" is the BLAKE2b-256 of the line up to it, and whose "prev"
 * is the hash of the line before; and the lock both take on the file. */
#ifndef BREAKGLASS_AUDITLOG_H
#define BREAKGLASS_AUDITLOG_H

#include <stddef.h>

#include "breakglass/base/error.h"

#define BG_AUDITLOG_HEX_LEN 64
#define BG_AUDITLOG_HASH_KEY ",\"hash\":\""
#define BG_AUDITLOG_HASH_KEY_LEN (sizeof(BG_AUDITLOG_HASH_KEY) - 1)
/* The "prev" of the first line. */
#define BG_AUDITLOG_ZERO_HASH \
	"0000000000000000000000000000000000000000000000000000000000000000"

/* The hash of p[n] in lowercase hex; returns hex. */
const char *bg_auditlog_hash(const void *p, size_t n, char hex[BG_AUDITLOG_HEX_LEN + 1]);
/* Check one line p[n] (no newline): a JSON object ending in its own
 * hash, with a "prev".  Fills hash and prev (hex) and returns NULL, or
 * returns why it is not an event line. */
const char *bg_auditlog_check(const char *p, size_t n, char hash[BG_AUDITLOG_HEX_LEN + 1],
			      char prev[BG_AUDITLOG_HEX_LEN + 1]);
/* flock(fd, op), retried on EINTR: BG_OK or BG_EIO. */
BG_WUR int bg_auditlog_lock(int fd, int op);

#endif
