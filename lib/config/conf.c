/* Loading breakglass.json: parse, check every key, locate every error. */
#include "config.h"

#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "breakglass/base/buf.h"
#include "breakglass/config/conf.h"
#include "breakglass/config/confschema.h"
#include "breakglass/base/jsonpos.h"
#include "breakglass/base/safefile.h"
#include "breakglass/base/text.h"

#define MAX_DEPTH 8

struct load {
	struct bg_config *cfg;
	struct bg_config_diags *d;
	const char *text;
	size_t len;
	struct bg_jsonpos_step steps[MAX_DEPTH];
	size_t depth;
	int oom;
};

const char *bg_config_default_path(void)
{
	return BG_SYSCONFDIR "/breakglass/breakglass.json";
}

/* Append a finding; keypath may be NULL, line 0 means "no location". */
static void diag_push(struct load *ld, enum bg_diag_severity sev,
		      const char *keypath, const char *msg,
		      unsigned line, unsigned col)
{
	struct bg_config_diag *nv, *dg;

	nv = realloc(ld->d->v, (ld->d->n + 1) * sizeof(*nv));
	if (nv == NULL) {
		ld->oom = 1;
		return;
	}
	ld->d->v = nv;
	dg = &nv[ld->d->n];
	dg->severity = sev;
	dg->line = line;
	dg->col = col;
	dg->message = strdup(msg);
	dg->keypath = keypath != NULL ? strdup(keypath) : NULL;
	if (dg->message == NULL || (keypath != NULL && dg->keypath == NULL)) {
		free(dg->message);
		free(dg->keypath);
		ld->oom = 1;
		return;
	}
	ld->d->n++;
	ld->d->errors += sev == BG_DIAG_ERROR;
}

/* Record a finding at steps[0..depth) of the document (depth 0: the file). */
static void diag_add(struct load *ld, enum bg_diag_severity sev,
		     const struct bg_jsonpos_step *steps, size_t depth,
		     const char *msg)
{
	unsigned line = 0, col = 0;
	struct bg_buf kp;
	size_t i;
	int r = BG_OK;

	bg_buf_init(&kp, BG_CONF_KEYPATH_MAX);
	for (i = 0; i < depth && r == BG_OK; i++) {
		if (steps[i].key == NULL) {
			r = bg_buf_appendf(&kp, "[%zu]", steps[i].index);
			continue;
		}
		if (i > 0)
			r = bg_buf_append(&kp, ".", 1);
		if (r == BG_OK)
			r = bg_buf_append_escaped(&kp, steps[i].key,
						  strlen(steps[i].key));
	}
	/* A cut key path still says where. */
	if (depth > 0 && ld->text != NULL &&
	    bg_jsonpos_find(ld->text, ld->len, steps, depth, &line, &col) != BG_OK)
		line = col = 0;
	diag_push(ld, sev, depth > 0 ? bg_buf_str(&kp) : NULL, msg, line, col);
	bg_buf_free(&kp);
}

static void diag_here(struct load *ld, enum bg_diag_severity sev,
		      const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A finding at the current position of the walk. */
static void diag_here(struct load *ld, enum bg_diag_severity sev,
		      const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_add(ld, sev, ld->steps, ld->depth, msg);
}

static void diag_key(struct load *ld, enum bg_diag_severity sev,
		     const char *keypath, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A finding about a known dotted key, wherever it is in the file. */
static void diag_key(struct load *ld, enum bg_diag_severity sev,
		     const char *keypath, const char *fmt, ...)
{
	struct bg_jsonpos_step steps[MAX_DEPTH];
	char copy[BG_CONF_KEYPATH_MAX], msg[1024], *tok, *save = NULL;
	size_t depth = 0;
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (bg_strlcpy(copy, keypath, sizeof(copy)) != BG_OK) {
		diag_add(ld, sev, NULL, 0, msg);
		return;
	}
	for (tok = strtok_r(copy, ".", &save); tok != NULL && depth < MAX_DEPTH;
	     tok = strtok_r(NULL, ".", &save))
		steps[depth++] = (struct bg_jsonpos_step){ tok, 0 };
	diag_add(ld, sev, steps, depth, msg);
}

/* Called by the value checks for each problem, with an element index. */
static void report(void *ctx, long index, const char *msg)
{
	struct load *ld = ctx;

	if (index >= 0 && ld->depth < MAX_DEPTH) {
		ld->steps[ld->depth++] = (struct bg_jsonpos_step){ NULL, (size_t)index };
		diag_here(ld, BG_DIAG_ERROR, "%s", msg);
		ld->depth--;
	} else {
		diag_here(ld, BG_DIAG_ERROR, "%s", msg);
	}
}

static void walk(struct load *ld, json_t *obj, const char *prefix)
{
	const struct bg_conffield *f;
	char path[BG_CONF_KEYPATH_MAX];
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		ld->steps[ld->depth++] = (struct bg_jsonpos_step){ key, 0 };
		f = NULL;
		/* "auth.lockout" as one key must not reach auth/lockout. */
		if (strchr(key, '.') == NULL &&
		    bg_snprintf(path, sizeof(path), "%s%s%s", prefix,
				*prefix ? "." : "", key) == BG_OK)
			f = bg_confschema_find(path);
		if (f == NULL)
			diag_here(ld, BG_DIAG_ERROR, "unknown key");
		else if (f->kind == BG_CK_OBJECT && !json_is_object(v))
			diag_here(ld, BG_DIAG_ERROR, "must be an object (got %s)",
				  bg_confschema_type_name(v));
		else if (f->kind == BG_CK_OBJECT && ld->depth < MAX_DEPTH - 1)
			walk(ld, v, path);
		else if (f->kind != BG_CK_OBJECT &&
			 bg_confschema_parse(f, v, ld->cfg, report, ld) == BG_ENOMEM)
			ld->oom = 1;
		ld->depth--;
	}
}

/* Rules that tie several keys together. */
static void cross_check(struct load *ld)
{
	const struct bg_config *c = ld->cfg;
	const char *const s3_needs[][2] = {
		{ "storage.endpoint", c->storage.endpoint },
		{ "storage.bucket", c->storage.bucket },
		{ "storage.region", c->storage.region },
		{ "storage.credentials_file", c->storage.credentials_file } };
	size_t i, j;

	/* Escrow is for the few who may open it, not for every auditor. */
	for (i = 0; i < c->paths.escrow_keys.n; i++)
		for (j = 0; j < c->paths.auditor_keys.n; j++)
			if (strcmp(c->paths.escrow_keys.v[i], c->paths.auditor_keys.v[j]) == 0)
				diag_key(ld, BG_DIAG_ERROR, "paths.escrow_keys",
					 "entry %zu is also in paths.auditor_keys: every auditor "
					 "could open the escrow", i);
	if (c->auth.justification_min > c->auth.justification_max)
		diag_key(ld, BG_DIAG_ERROR, "auth.justification_min",
			 "must not exceed auth.justification_max (%ld)",
			 c->auth.justification_max);
	if (c->grant.default_minutes > c->grant.max_minutes)
		diag_key(ld, BG_DIAG_ERROR, "grant.default_minutes",
			 "must not exceed grant.max_minutes (%ld)", c->grant.max_minutes);
	if (c->auth.approval.required && c->auth.approval.approvers.n == 0)
		diag_key(ld, BG_DIAG_ERROR, "auth.approval.approvers",
			 "must name at least one approver when auth.approval.required is true");
	if (c->auth.ticket_check.url[0] && !strstr(c->auth.ticket_check.url, "{ticket}"))
		diag_key(ld, BG_DIAG_ERROR, "auth.ticket_check.url",
			 "must contain {ticket}, where the ticket id goes");
	for (i = 0; c->storage.type == BG_STORAGE_S3 && i < 4; i++)
		if (s3_needs[i][1][0] == '\0')
			diag_key(ld, BG_DIAG_ERROR, s3_needs[i][0],
				 "is required when storage.type is \"s3\"");
	if (c->storage.type == BG_STORAGE_HTTP && !c->storage.endpoint[0])
		diag_key(ld, BG_DIAG_ERROR, "storage.endpoint",
			 "is required when storage.type is \"http\"");
}

int bg_config_check_file(const char *path, uid_t trusted, bool service_file,
			 struct bg_safefile_why *why)
{
	struct bg_safefile_why why2;
	struct passwd *pw;
	int r = bg_safefile_check(path, trusted, why);

	if (r != BG_EUNSAFE || !service_file || (pw = getpwnam(BG_ACCOUNT)) == NULL ||
	    pw->pw_uid == trusted)
		return r;
	return bg_safefile_check(path, pw->pw_uid, &why2) == BG_OK ? BG_OK : r;
}

/* Key and secret files must be as trustworthy as the config itself;
 * one that does not exist yet is only a warning (keygen makes it). */
static void check_file(struct load *ld, uid_t trusted, const char *key,
		       size_t index, const char *path)
{
	struct bg_jsonpos_step steps[3] = { { "paths", 0 }, { key, 0 }, { NULL, index } };
	struct bg_safefile_why why;
	char msg[1024], q[200];
	bool list;
	int r;

	if (path[0] == '\0')
		return;
	list = strcmp(key, "auditor_keys") == 0 || strcmp(key, "escrow_keys") == 0;
	r = bg_config_check_file(path, trusted, !list, &why);
	if (r == BG_OK)
		return;
	bg_text_quote(path, 200, q, sizeof(q));
	/* A cut message is still worth showing. */
	(void)snprintf(msg, sizeof(msg), "%s %s: %s", q,
			  r == BG_ENOENT ? "does not exist yet" : "is refused",
			  why.text);
	if (strcmp(key, "credentials_file") == 0)
		steps[0].key = "storage";
	diag_add(ld, r == BG_ENOENT ? BG_DIAG_WARNING : BG_DIAG_ERROR, steps,
		 list ? 3 : 2, msg);
}

static int load_defaults(struct bg_config *cfg)
{
	size_t i;
	int r;

	for (i = 0; i < bg_confschema_len; i++)
		if ((r = bg_confschema_set_default(&bg_confschema[i], cfg)) != BG_OK)
			return r;
	return BG_OK;
}

static void parse_text(struct load *ld, const char *text, size_t len)
{
	json_error_t jerr;
	json_t *root;
	char q[400];

	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		bg_text_quote(jerr.text, 160, q, sizeof(q));
		diag_push(ld, BG_DIAG_ERROR, NULL, q,
			  jerr.line > 0 ? (unsigned)jerr.line : 1,
			  jerr.column > 0 ? (unsigned)jerr.column : 1);
		return;
	}
	ld->text = text;
	ld->len = len;
	if (!json_is_object(root))
		diag_here(ld, BG_DIAG_ERROR, "the top level must be an object (got %s)",
			  bg_confschema_type_name(root));
	else
		walk(ld, root, "");
	json_decref(root);
}

int bg_config_load(const char *path, uid_t trusted, struct bg_config **out,
		   struct bg_config_diags *diags)
{
	struct load ld = { 0 };
	struct bg_safefile_why why;
	char *text = NULL;
	size_t len = 0, i;
	int r;

	*out = NULL;
	memset(diags, 0, sizeof(*diags));
	/* The name is printed in every message: no raw control bytes. */
	if ((diags->file = malloc(4 * strlen(path) + 4)) == NULL)
		return BG_ENOMEM;
	bg_text_quote(path, strlen(path), diags->file, 4 * strlen(path) + 4);
	if ((ld.cfg = calloc(1, sizeof(*ld.cfg))) == NULL ||
	    (ld.cfg->source = strdup(path)) == NULL ||
	    load_defaults(ld.cfg) != BG_OK) {
		bg_config_free(ld.cfg);
		return BG_ENOMEM;
	}
	ld.d = diags;
	r = bg_safefile_read(path, trusted, BG_CONFIG_MAX_BYTES, &text, &len, &why);
	if (r != BG_OK) {
		char msg[400];

		(void)snprintf(msg, sizeof(msg), "cannot use this file: %s", why.text);
		diag_add(&ld, BG_DIAG_ERROR, NULL, 0, msg);
	} else {
		parse_text(&ld, text, len);
	}
	if (ld.text != NULL) {
		cross_check(&ld);
		check_file(&ld, trusted, "host_key", 0, ld.cfg->paths.host_key);
		for (i = 0; i < ld.cfg->paths.auditor_keys.n; i++)
			check_file(&ld, trusted, "auditor_keys", i,
				   ld.cfg->paths.auditor_keys.v[i]);
		for (i = 0; i < ld.cfg->paths.escrow_keys.n; i++)
			check_file(&ld, trusted, "escrow_keys", i, ld.cfg->paths.escrow_keys.v[i]);
		check_file(&ld, trusted, "credentials_file", 0,
			   ld.cfg->storage.credentials_file);
	}
	free(text);
	if (ld.oom || diags->errors > 0) {
		bg_config_free(ld.cfg);
		return ld.oom ? BG_ENOMEM : BG_ECONFIG;
	}
	*out = ld.cfg;
	return BG_OK;
}

void bg_config_free(struct bg_config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < bg_confschema_len; i++)
		bg_confschema_clear(&bg_confschema[i], cfg);
	free(cfg->source);
	free(cfg);
}

void bg_config_diags_print(const struct bg_config_diags *d, FILE *fp)
{
	const struct bg_config_diag *g;
	size_t i;

	for (i = 0; i < d->n; i++) {
		g = &d->v[i];
		fprintf(fp, "%s:", d->file);
		if (g->line > 0)
			fprintf(fp, "%u:%u:", g->line, g->col);
		fprintf(fp, " %s: ", g->severity == BG_DIAG_ERROR ? "error" : "warning");
		if (g->keypath != NULL)
			fprintf(fp, "%s: ", g->keypath);
		fprintf(fp, "%s\n", g->message);
	}
}

void bg_config_diags_free(struct bg_config_diags *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		free(d->v[i].keypath);
		free(d->v[i].message);
	}
	free(d->v);
	free(d->file);
	memset(d, 0, sizeof(*d));
}
