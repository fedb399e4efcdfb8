/* Grant files: written by the PAM module, read by the recorder. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "breakglass/base/buf.h"
#include "breakglass/evidence/grant.h"
#include "breakglass/base/safefile.h"
#include "breakglass/base/text.h"

#define GRANT_VERSION 1
#define GRANT_MAX_BYTES (64 * 1024)

bool bg_grant_id_valid(const char *id)
{
	size_t i;

	if (id == NULL)
		return false;
	for (i = 0; i < BG_SESSION_ID_LEN; i++)
		if (id[i] == '\0' || strchr("0123456789abcdef", id[i]) == NULL)
			return false;
	return id[i] == '\0';
}

int bg_grant_new_id(char id[BG_SESSION_ID_LEN + 1])
{
	unsigned char raw[BG_SESSION_ID_LEN / 2];

	if (sodium_init() < 0)
		return BG_ECRYPTO;
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(id, BG_SESSION_ID_LEN + 1, raw, sizeof(raw));
	return BG_OK;
}

static int grant_path(const char *run_dir, const char *id, char *out, size_t outlen)
{
	if (!bg_grant_id_valid(id))
		return BG_EINVAL;
	return bg_snprintf(out, outlen, "%s/%s.json", run_dir, id) == BG_OK ?
	       BG_OK : BG_EINVAL;
}

int bg_grant_json(const struct bg_grant *g, enum bg_grant_form form, char **out)
{
	/* The meta event has always left out a false ticket_unverified. */
	json_t *unverified = g->ticket_unverified ? json_true() :
			     form == BG_GRANT_FILE ? json_false() : NULL;
	bool login = form == BG_GRANT_FILE && g->login_pid > 0;
	json_t *o;

	*out = NULL;
	if (g->login_start > (unsigned long long)INT64_MAX)
		return BG_EINVAL;
	o = json_pack("{s:i, s:s, s:s, s:I, s:s, s:s, s:s*, s:s*, s:s*, s:s*, s:o*, s:I, s:I, "
		      "s:o*, s:o*}",
		      "version", GRANT_VERSION, "session", g->session,
		      "user", g->user, "uid", (json_int_t)g->uid,
		      "ticket", g->ticket, "justification", g->justification,
		      "approver", g->approver, "rhost", g->rhost, "tty", g->tty,
		      "mfa", g->mfa, "ticket_unverified", unverified,
		      "start", (json_int_t)g->start, "expires", (json_int_t)g->expires,
		      "login_pid", login ? json_integer((json_int_t)g->login_pid) : NULL,
		      "login_start", login ? json_integer((json_int_t)g->login_start) : NULL);
	if (o != NULL && form == BG_GRANT_META)
		o = json_pack("{s:o}", "grant", o);
	if (o == NULL)
		return BG_EINVAL;
	*out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER |
			  (form == BG_GRANT_FILE ? JSON_ENSURE_ASCII : 0));
	json_decref(o);
	return *out != NULL ? BG_OK : BG_ENOMEM;
}

int bg_grant_write(const char *run_dir, const struct bg_grant *g, gid_t gid)
{
	char path[PATH_MAX], *text;
	int r;

	if ((r = grant_path(run_dir, g->session, path, sizeof(path))) != BG_OK)
		return r;
	if ((r = bg_safefile_mkdir(run_dir, 0750, gid)) != BG_OK)
		return r;
	if ((r = bg_grant_json(g, BG_GRANT_FILE, &text)) != BG_OK)
		return r;
	r = bg_safefile_write_atomic(path, text, strlen(text), 0640, gid);
	free(text);
	return r;
}

/* A copy of an optional string member that must hold no control bytes. */
static int take(const char *in, bool required, char **out)
{
	*out = NULL;
	if (in == NULL)
		return required ? BG_EINVAL : BG_OK;
	if (bg_text_has_control(in))
		return BG_EINVAL;
	return (*out = strdup(in)) != NULL ? BG_OK : BG_ENOMEM;
}

static int parse(const char *text, size_t len, const char *id, struct bg_grant *g)
{
	const char *session, *user, *ticket, *just, *approver = NULL,
		   *rhost = NULL, *tty = NULL, *mfa = NULL;
	int unverified = 0;
	json_int_t version, uid, start, expires, login_pid = -1, login_start = -1;
	json_error_t e;
	json_t *o;
	int r;

	if ((o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e)) == NULL)
		return BG_EINVAL;
	r = json_unpack_ex(o, &e, JSON_STRICT,
			   "{s:I, s:s, s:s, s:I, s:s, s:s, s?s, s?s, s?s, s?s, s?b, s:I, s:I, s?I, s?I}",
			   "version", &version, "session", &session, "user", &user,
			   "uid", &uid, "ticket", &ticket, "justification", &just,
			   "approver", &approver, "rhost", &rhost, "tty", &tty,
			   "mfa", &mfa, "ticket_unverified", &unverified, "start", &start,
			   "expires", &expires, "login_pid", &login_pid,
			   "login_start", &login_start) == 0 ? BG_OK : BG_EINVAL;
	if (r == BG_OK && (version != GRANT_VERSION || strcmp(session, id) != 0 ||
			   uid < 0 || uid > INT_MAX || start < 0 || expires < start))
		r = BG_EINVAL;
	/* Both or neither (an older file): a pid without its start time
	 * could be anyone's after the pid is reused. */
	if (r == BG_OK && (login_pid == -1) != (login_start == -1))
		r = BG_EINVAL;
	if (r == BG_OK && login_pid != -1 && (login_pid < 1 || login_pid > INT_MAX ||
					      login_start < 0))
		r = BG_EINVAL;
	if (r == BG_OK) {
		memcpy(g->session, id, BG_SESSION_ID_LEN + 1);
		g->uid = (long)uid;
		g->start = (time_t)start;
		g->expires = (time_t)expires;
		g->ticket_unverified = unverified != 0;
		g->login_pid = login_pid == -1 ? 0 : (long)login_pid;
		g->login_start = login_start == -1 ? 0 : (unsigned long long)login_start;
		if ((r = take(user, true, &g->user)) == BG_OK &&
		    (r = take(ticket, true, &g->ticket)) == BG_OK &&
		    (r = take(just, true, &g->justification)) == BG_OK &&
		    (r = take(approver, false, &g->approver)) == BG_OK &&
		    (r = take(rhost, false, &g->rhost)) == BG_OK &&
		    (r = take(tty, false, &g->tty)) == BG_OK)
			r = take(mfa, false, &g->mfa);
	}
	json_decref(o);
	return r;
}

int bg_grant_read(const char *run_dir, const char *id, uid_t trusted,
		  struct bg_grant **out)
{
	struct bg_safefile_why why;
	char path[PATH_MAX], *text;
	struct bg_grant *g;
	size_t len;
	int r;

	*out = NULL;
	if ((r = grant_path(run_dir, id, path, sizeof(path))) != BG_OK)
		return r;
	if ((r = bg_safefile_read(path, trusted, GRANT_MAX_BYTES, &text, &len, &why)) != BG_OK)
		return r;
	if ((g = calloc(1, sizeof(*g))) == NULL) {
		free(text);
		return BG_ENOMEM;
	}
	r = parse(text, len, id, g);
	free(text);
	if (r != BG_OK) {
		bg_grant_free(g);
		return r;
	}
	*out = g;
	return BG_OK;
}

int bg_grant_remove(const char *run_dir, const char *id)
{
	char path[PATH_MAX];
	int r;

	if ((r = grant_path(run_dir, id, path, sizeof(path))) != BG_OK)
		return r;
	if (unlink(path) == 0)
		return BG_OK;
	/* Only "not there" means gone: EACCES or EBUSY leave the grant alive. */
	return errno == ENOENT ? BG_ENOENT : BG_EIO;
}

void bg_grant_free(struct bg_grant *g)
{
	if (g == NULL)
		return;
	free(g->service);
	free(g->user);
	free(g->ticket);
	free(g->justification);
	free(g->approver);
	free(g->rhost);
	free(g->tty);
	free(g->mfa);
	free(g);
}
