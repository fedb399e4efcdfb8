/* Revocation files: written by breakglassctl revoke, read by the recorder. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "breakglass/base/buf.h"
#include "breakglass/base/input.h"
#include "breakglass/base/safefile.h"
#include "breakglass/base/text.h"
#include "breakglass/evidence/grant.h"
#include "breakglass/login/revoke.h"

#define REVOKE_VERSION 1
#define REVOKE_MAX_BYTES 4096
#define BY_MAX 64

const char *bg_revoke_reason_problem(const char *reason)
{
	return bg_input_problem(reason, strlen(reason), 1, BG_REVOKE_REASON_MAX);
}

static int revoke_path(const char *run_dir, const char *id, char *out, size_t outlen)
{
	if (!bg_grant_id_valid(id))
		return BG_EINVAL;
	return bg_snprintf(out, outlen, "%s/%s.revoked", run_dir, id) == BG_OK ?
	       BG_OK : BG_EINVAL;
}

/* Both sides hold a revocation to the same rules. */
static bool valid(const char *by, long by_uid, const char *reason, long long at)
{
	return by != NULL && reason != NULL && by[0] != '\0' && strlen(by) <= BY_MAX &&
	       !bg_text_has_control(by) && bg_input_utf8_valid(by, strlen(by)) &&
	       bg_revoke_reason_problem(reason) == NULL && by_uid >= -1 &&
	       by_uid <= (long)INT_MAX && at >= 0;
}

int bg_revoke_write(const char *run_dir, const char *session,
		    const struct bg_revocation *rv, gid_t gid)
{
	char path[PATH_MAX], *text;
	json_t *o;
	int r;

	if ((r = revoke_path(run_dir, session, path, sizeof(path))) != BG_OK)
		return r;
	if (!valid(rv->by, rv->by_uid, rv->reason, (long long)rv->at))
		return BG_EINVAL;
	o = json_pack("{s:i, s:s, s:s, s:I, s:s, s:I}", "version", REVOKE_VERSION,
		      "session", session, "by", rv->by, "by_uid", (json_int_t)rv->by_uid,
		      "reason", rv->reason, "time", (json_int_t)rv->at);
	if (o == NULL)
		return BG_ENOMEM;
	text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	json_decref(o);
	if (text == NULL)
		return BG_ENOMEM;
	r = bg_safefile_write_atomic(path, text, strlen(text), 0640, gid);
	free(text);
	return r;
}

static int parse(const char *text, size_t len, const char *id, struct bg_revocation *rv)
{
	const char *session, *by, *reason;
	json_int_t version, by_uid, at;
	json_error_t e;
	json_t *o;
	int r;

	if ((o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e)) == NULL)
		return BG_EINVAL;
	r = json_unpack_ex(o, &e, JSON_STRICT, "{s:I, s:s, s:s, s:I, s:s, s:I}",
			   "version", &version, "session", &session, "by", &by,
			   "by_uid", &by_uid, "reason", &reason, "time", &at) == 0 ?
	    BG_OK : BG_EINVAL;
	if (r == BG_OK && (version != REVOKE_VERSION || strcmp(session, id) != 0 ||
			   by_uid < -1 || by_uid > INT_MAX ||
			   !valid(by, (long)by_uid, reason, (long long)at)))
		r = BG_EINVAL;
	if (r == BG_OK) {
		rv->by_uid = (long)by_uid;
		rv->at = (time_t)at;
		if ((rv->by = strdup(by)) == NULL || (rv->reason = strdup(reason)) == NULL)
			r = BG_ENOMEM;
	}
	json_decref(o);
	return r;
}

int bg_revoke_read(const char *run_dir, const char *session, uid_t trusted,
		   struct bg_revocation **out)
{
	struct bg_safefile_why why;
	char path[PATH_MAX], *text;
	struct bg_revocation *rv;
	size_t len;
	int r;

	*out = NULL;
	if ((r = revoke_path(run_dir, session, path, sizeof(path))) != BG_OK)
		return r;
	if ((r = bg_safefile_read(path, trusted, REVOKE_MAX_BYTES, &text, &len, &why)) != BG_OK)
		return r;
	if ((rv = calloc(1, sizeof(*rv))) == NULL) {
		free(text);
		return BG_ENOMEM;
	}
	r = parse(text, len, session, rv);
	free(text);
	if (r != BG_OK) {
		bg_revoke_free(rv);
		return r;
	}
	*out = rv;
	return BG_OK;
}

int bg_revoke_remove(const char *run_dir, const char *session)
{
	char path[PATH_MAX];
	int r;

	if ((r = revoke_path(run_dir, session, path, sizeof(path))) != BG_OK)
		return r;
	return unlink(path) == 0 || errno == ENOENT ? BG_OK : BG_EIO;
}

int bg_revoke_meta(const struct bg_revocation *rv, char **out)
{
	char when[BG_TEXT_UTC_LEN];
	json_t *o;
	int r;

	*out = NULL;
	if ((r = bg_text_utc(rv->at, when)) != BG_OK)
		return r;
	o = json_pack("{s:{s:s, s:I, s:s, s:s}}", "revoked", "by", rv->by,
		      "by_uid", (json_int_t)rv->by_uid, "reason", rv->reason, "time", when);
	if (o == NULL)
		return BG_EINVAL;
	*out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return *out != NULL ? BG_OK : BG_ENOMEM;
}

void bg_revoke_free(struct bg_revocation *rv)
{
	if (rv == NULL)
		return;
	free(rv->by);
	free(rv->reason);
	free(rv);
}
