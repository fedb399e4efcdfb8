/* What appending to the audit log and verifying it share: a line's hash,
 * the check of one line, and the lock on the file. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/file.h>

#include <jansson.h>
#include <sodium.h>

#include "breakglass/audit/auditlog.h"

/* `,"hash":"` + 64 hex + `"}` ends every line. */
#define SUFFIX_LEN (BG_AUDITLOG_HASH_KEY_LEN + BG_AUDITLOG_HEX_LEN + 2)

const char *bg_auditlog_hash(const void *p, size_t n, char hex[BG_AUDITLOG_HEX_LEN + 1])
{
	unsigned char h[BG_AUDITLOG_HEX_LEN / 2];

	crypto_generichash(h, sizeof(h), p, n, NULL, 0);
	return sodium_bin2hex(hex, BG_AUDITLOG_HEX_LEN + 1, h, sizeof(h));
}

static bool is_hash_hex(const char *s)
{
	return s != NULL && strlen(s) == BG_AUDITLOG_HEX_LEN &&
	       strspn(s, "0123456789abcdef") == BG_AUDITLOG_HEX_LEN;
}

const char *bg_auditlog_check(const char *p, size_t n, char hash[BG_AUDITLOG_HEX_LEN + 1],
			      char prev[BG_AUDITLOG_HEX_LEN + 1])
{
	const char *why = NULL, *h, *pv;
	json_t *o;

	o = json_loadb(p, n, JSON_REJECT_DUPLICATES, NULL);
	h = json_string_value(json_object_get(o, "hash"));
	pv = json_string_value(json_object_get(o, "prev"));
	/* The member parsed and the bytes hashed must be the same "hash". */
	if (o == NULL || !json_is_object(o))
		why = "not JSON";
	else if (n < SUFFIX_LEN || !is_hash_hex(h) ||
		 memcmp(p + n - SUFFIX_LEN, BG_AUDITLOG_HASH_KEY, BG_AUDITLOG_HASH_KEY_LEN) != 0 ||
		 memcmp(p + n - BG_AUDITLOG_HEX_LEN - 2, h, BG_AUDITLOG_HEX_LEN) != 0 ||
		 memcmp(p + n - 2, "\"}", 2) != 0)
		why = "no hash";
	else if (!is_hash_hex(pv))
		why = "no prev";
	else if (strcmp(bg_auditlog_hash(p, n - SUFFIX_LEN, hash), h) != 0)
		why = "hash mismatch";
	if (why == NULL)
		memcpy(prev, pv, BG_AUDITLOG_HEX_LEN + 1);
	json_decref(o);
	return why;
}

int bg_auditlog_lock(int fd, int op)
{
	int r;

	while ((r = flock(fd, op)) != 0 && errno == EINTR)
		;
	return r == 0 ? BG_OK : BG_EIO;
}
