/* Printing the effective configuration back as JSON, with what may be
 * secret in URLs redacted. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "breakglass/base/buf.h"
#include "breakglass/base/text.h"
#include "breakglass/config/confprint.h"
#include "breakglass/config/confschema.h"

/* A URL as JSON, without what may be secret in it. */
static json_t *url_json(const char *url, bool drop_path)
{
	struct bg_buf b;
	json_t *j = NULL;

	bg_buf_init(&b, strlen(url) + 32);
	if (bg_text_redact_url(url, drop_path, &b) == BG_OK)
		j = json_string(bg_buf_str(&b));
	bg_buf_free(&b);
	return j;
}

json_t *bg_confprint_value(const struct bg_conffield *f, const struct bg_config *cfg)
{
	const struct bg_strlist *l;
	json_t *a;
	size_t i;

	switch (f->kind) {
	case BG_CK_OBJECT: return json_object();
	case BG_CK_INT: return json_integer(*BG_CONFFIELD_AT_C(cfg, f, long));
	case BG_CK_BOOL: return json_boolean(*BG_CONFFIELD_AT_C(cfg, f, bool));
	case BG_CK_ENUM: return json_string(f->words[*BG_CONFFIELD_AT_C(cfg, f, int)]);
	case BG_CK_URL:
		return url_json(*BG_CONFFIELD_AT_C(cfg, f, char *), f->flags & BG_CF_REDACT_PATH);
	case BG_CK_PATHLIST: case BG_CK_NAMELIST: case BG_CK_REGEXLIST:
		l = BG_CONFFIELD_AT_C(cfg, f, struct bg_strlist);
		if ((a = json_array()) == NULL)
			return NULL;
		for (i = 0; i < l->n; i++) {
			if (json_array_append_new(a, json_string(l->v[i])) != 0) {
				json_decref(a);
				return NULL;
			}
		}
		return a;
	default: return json_string(*BG_CONFFIELD_AT_C(cfg, f, char *));
	}
}

/* The object that holds the dotted key path's last part. */
static json_t *parent_of(json_t *root, const char *path)
{
	char copy[BG_CONF_KEYPATH_MAX], *tok, *save = NULL, *last;
	json_t *o = root;

	if (bg_strlcpy(copy, path, sizeof(copy)) != BG_OK)
		return NULL;
	if ((last = strrchr(copy, '.')) == NULL)
		return root;
	*last = '\0';
	for (tok = strtok_r(copy, ".", &save); tok != NULL && o != NULL;
	     tok = strtok_r(NULL, ".", &save))
		o = json_object_get(o, tok);
	return o;
}

int bg_confprint_config(const struct bg_config *cfg, FILE *fp)
{
	json_t *root = json_object(), *parent, *v;
	const char *leaf;
	size_t i;
	int r = BG_OK;

	for (i = 0; i < bg_confschema_len && root != NULL && r == BG_OK; i++) {
		leaf = strrchr(bg_confschema[i].path, '.');
		leaf = leaf != NULL ? leaf + 1 : bg_confschema[i].path;
		parent = parent_of(root, bg_confschema[i].path);
		v = bg_confprint_value(&bg_confschema[i], cfg);
		if (parent == NULL || v == NULL) {
			json_decref(v);
			r = BG_ENOMEM;
		} else if (json_object_set_new(parent, leaf, v) != 0) {
			r = BG_ENOMEM;
		}
	}
	if (root == NULL)
		return BG_ENOMEM;
	if (r == BG_OK && (json_dumpf(root, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 ||
			   fputc('\n', fp) == EOF))
		r = BG_EIO;
	json_decref(root);
	return r;
}
