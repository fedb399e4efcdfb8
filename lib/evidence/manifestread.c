/* Reading a session manifest (docs/FORMAT.md, 8) and checking it, to the
 * byte, against its signature and the trusted host key. */
#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "breakglass/base/buf.h"
#include "breakglass/base/text.h"
#include "breakglass/evidence/manifest.h"
#include "breakglass/evidence/manifestread.h"
#include "breakglass/evidence/recformat.h"

static const char no_memory[] = "out of memory";

static __attribute__((format(printf, 4, 5)))
int why_set(char *why, size_t whylen, int err, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || whylen == 0)
		return err;
	va_start(ap, fmt);
	(void)vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return err;
}

/* Exactly 2n lowercase hex digits into out[n]. */
static bool unhex(const char *s, unsigned char *out, size_t n)
{
	size_t i;

	if (strlen(s) != 2 * n)
		return false;
	for (i = 0; i < 2 * n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return sodium_hex2bin(out, n, s, 2 * n, NULL, NULL, NULL) == 0;
}

static const char *segments_get(json_t *a, struct bg_manifest *m)
{
	json_int_t n, bytes;
	const char *h;
	json_t *o;
	size_t i;

	if (json_array_size(a) > 0 &&
	    (m->segments = calloc(json_array_size(a), sizeof(*m->segments))) == NULL)
		return no_memory;
	json_array_foreach(a, i, o) {
		if (json_unpack(o, "{s:I, s:s, s:I !}", "n", &n, "hash", &h, "bytes", &bytes) != 0 ||
		    n < 0 || n > UINT32_MAX || bytes < 0 || !unhex(h, m->segments[i].hash, BG_HASH_LEN))
			return "a segment is not exactly n, hash (64 hex) and bytes";
		m->segments[i].n = (uint32_t)n;
		m->segments[i].bytes = (uint64_t)bytes;
		m->n_segments = i + 1;
	}
	return NULL;
}

/* The members into m and the signature into sig; NULL or what is wrong
 * (perhaps in q).  jansson refuses "\u0000" by default: no NUL inside. */
static const char *members_get(json_t *root, struct bg_manifest *m, unsigned char *sig,
			       char *q, size_t qlen)
{
	json_error_t jerr;
	const char *session, *id, *pk, *sighex, *host, *user, *ticket, *start;
	json_int_t version;
	json_t *end, *segs, *command = NULL;
	const char *bad;
	int complete;

	/* "!": a member not named here is an error. */
	if (json_unpack_ex(root, &jerr, 0, "{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:b, "
			   "s:o, s?o, s:s !}", "version", &version, "session", &session, "host", &host,
			   "host_key_id", &id, "host_public", &pk, "user", &user, "ticket", &ticket,
			   "start", &start, "end", &end, "complete", &complete, "segments", &segs,
			   "command", &command, "signature", &sighex) != 0) {
		/* Its text names members and types, not values: kept printable. */
		bg_text_quote(jerr.text, 120, q, qlen);
		return q;
	}
	if (version != BG_MANIFEST_VERSION)
		return "version is not 1";
	if (!unhex(session, m->session, sizeof(m->session)) ||
	    !unhex(id, m->host_key_id, sizeof(m->host_key_id)) ||
	    !unhex(pk, m->host_public, sizeof(m->host_public)) ||
	    !unhex(sighex, sig, crypto_sign_BYTES))
		return "session, host_key_id, host_public or signature is not lowercase hex of its size";
	if (!json_is_null(end) && !json_is_string(end))
		return "end is neither a string nor null";
	if (!json_is_array(segs))
		return "segments is not an array";
	if ((m->host = strdup(host)) == NULL || (m->user = strdup(user)) == NULL ||
	    (m->ticket = strdup(ticket)) == NULL || (m->start = strdup(start)) == NULL ||
	    (json_is_string(end) && (m->end = strdup(json_string_value(end))) == NULL))
		return no_memory;
	m->complete = complete != 0;
	if (command != NULL &&
	    (bad = bg_command_from_json(command, &m->command, &m->n_commands)) != NULL)
		return bad;
	return segments_get(segs, m);
}

/* Parse, then re-encode and demand the very same bytes: the signature
 * then covers exactly what was understood, whatever the parser allows. */
static int check(const char *text, size_t len, const struct bg_pubkey *host,
		 struct bg_manifest *m, char *why, size_t whylen)
{
	unsigned char sig[crypto_sign_BYTES], id[BG_KEY_ID_LEN];
	char have[2 * BG_KEY_ID_LEN + 1], want[2 * BG_KEY_ID_LEN + 1], q[160], *prefix;
	const char *bad = NULL;
	json_error_t jerr;
	struct bg_buf canon;
	size_t plen = 0;
	json_t *root;
	int r;

	if ((root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		return why_set(why, whylen, BG_EINTEGRITY, "malformed: not one JSON object "
			       "(line %d, column %d)", jerr.line, jerr.column);
	bad = members_get(root, m, sig, q, sizeof(q));
	json_decref(root);
	if (bad == NULL)
		bad = bg_manifest_problem(m);
	if (bad != NULL)
		return why_set(why, whylen, bad == no_memory ? BG_ENOMEM : BG_EINTEGRITY,
			       "malformed: %s", bad);
	if ((r = bg_manifest_signed_bytes(m, &prefix, &plen)) != BG_OK)
		return why_set(why, whylen, r == BG_EINVAL ? BG_EINTEGRITY : r,
			       "malformed: cannot be encoded again");
	if ((r = bg_manifest_text(prefix, plen, sig, &canon)) == BG_OK) {
		r = canon.len == len && memcmp(canon.data, text, len) == 0 ? BG_OK : BG_EINTEGRITY;
		bg_buf_free(&canon);
	}
	bg_keys_id(BG_KEY_HOST, m->host_public, id);
	bg_keys_id_hex(m->host_key_id, have);
	bg_keys_id_hex(host != NULL ? host->id : id, want);
	if (r != BG_OK)
		r = why_set(why, whylen, r == BG_ETOOBIG ? BG_EINTEGRITY : r, "malformed: not the "
			    "compact encoding of section 8 (order, spacing, escapes)");
	else if (host != NULL && host->type != BG_KEY_HOST)
		r = why_set(why, whylen, BG_EINTEGRITY, "the trusted key is not a host key");
	else if (host != NULL && sodium_memcmp(m->host_key_id, host->id, BG_KEY_ID_LEN) != 0)
		r = why_set(why, whylen, BG_EINTEGRITY,
			    "host key id %s is not the trusted key %s", have, want);
	else if (host != NULL && sodium_memcmp(m->host_public, host->pk, BG_KEY_PUBLIC_LEN) != 0)
		r = why_set(why, whylen, BG_EINTEGRITY, "host_public is not the trusted key %s", want);
	else if (sodium_memcmp(id, m->host_key_id, BG_KEY_ID_LEN) != 0)
		r = why_set(why, whylen, BG_EINTEGRITY,
			    "host key id %s is not the id of host_public (%s)", have, want);
	else if ((r = bg_manifest_signature(prefix, plen, sig, NULL, m->host_public)) != BG_OK)
		r = why_set(why, whylen, r, r == BG_EINTEGRITY ? "bad signature" : "out of memory");
	free(prefix);
	return r;
}

int bg_manifestread_load(const char *dir, const struct bg_pubkey *host,
			 struct bg_manifest **out, char *why, size_t whylen)
{
	struct bg_manifest *m;
	char path[PATH_MAX], *text = NULL;
	size_t len = 0;
	int r;

	*out = NULL;
	(void)why_set(why, whylen, 0, "%s", "");
	if (dir == NULL || bg_snprintf(path, sizeof(path), "%s/manifest.json", dir) != BG_OK)
		return why_set(why, whylen, BG_EINVAL, "no directory, or its name is too long");
	if (sodium_init() < 0)
		return why_set(why, whylen, BG_ECRYPTO, "libsodium failed to start");
	r = bg_recformat_read_file(path, BG_MANIFEST_MAX_BYTES, &text, &len);
	if (r == BG_ENOENT)
		return why_set(why, whylen, r, "no manifest.json");
	if (r == BG_ETOOBIG)
		return why_set(why, whylen, BG_EINTEGRITY, "malformed: larger than 1 MiB");
	if (r == BG_EUNSAFE)
		return why_set(why, whylen, BG_EINTEGRITY, "not a regular file");
	if (r != BG_OK)
		return why_set(why, whylen, r, "%s", bg_strerror(r));
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		free(text);
		return why_set(why, whylen, BG_ENOMEM, "out of memory");
	}
	r = check(text, len, host, m, why, whylen);
	free(text);
	if (r != BG_OK) {
		bg_manifest_free(m);
		return r;
	}
	*out = m;
	return BG_OK;
}
