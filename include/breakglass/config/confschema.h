/* The table of configuration keys: kind, range, default and storage of
 * each, and the checks that turn a JSON value into a bg_config field. */
#ifndef BREAKGLASS_CONFSCHEMA_H
#define BREAKGLASS_CONFSCHEMA_H

#include <stddef.h>

#include <jansson.h>

#include "breakglass/config/conf.h"

enum bg_confkind {
	BG_CK_OBJECT,   /* a section; its members have their own entries */
	BG_CK_INT,      /* long, min..max */
	BG_CK_BOOL,
	BG_CK_ENUM,     /* one of words, stored as its index */
	BG_CK_PATH,     /* absolute, normalised path */
	BG_CK_PATHLIST, /* min..max absolute paths */
	BG_CK_URL,      /* http(s) URL, "" when off */
	BG_CK_REGEX,    /* POSIX ERE, compiled into aux_off */
	BG_CK_TEXT,     /* printable text of min..max characters */
	BG_CK_NAMELIST, /* user names or %group names */
};

/* A dotted key path, array indexes included. */
#define BG_CONF_KEYPATH_MAX 1024

#define BG_CF_OPTIONAL 1u       /* "" is allowed and means "off" */
#define BG_CF_REDACT_PATH 2u    /* printed without path or query */

struct bg_conffield {
	const char *path;
	enum bg_confkind kind;
	size_t off;
	size_t aux_off;
	long min, max;
	long defnum;
	const char *defstr;
	const char *const *words;
	unsigned flags;
};

/* Where the value of field f lives in cfg, as a type. */
#define BG_CONFFIELD_AT(cfg, f, type) ((type *)(void *)((char *)(cfg) + (f)->off))
#define BG_CONFFIELD_AT_C(cfg, f, type) \
	((const type *)(const void *)((const char *)(cfg) + (f)->off))

extern const struct bg_conffield bg_confschema[];
extern const size_t bg_confschema_len;

/* The entry for a dotted key path, or NULL for an unknown key. */
const struct bg_conffield *bg_confschema_find(const char *path);

/* Called once per problem; index is the array element, or -1. */
typedef void bg_confschema_report(void *ctx, long index, const char *msg);

/* Store the default of f into cfg. */
BG_WUR int bg_confschema_set_default(const struct bg_conffield *f,
				     struct bg_config *cfg);
/* Check v against f and store it; problems go to report and leave the
 * previous value.  BG_EINVAL if any, BG_ENOMEM. */
BG_WUR int bg_confschema_parse(const struct bg_conffield *f, json_t *v,
			       struct bg_config *cfg,
			       bg_confschema_report *report, void *ctx);
/* Free what f owns in cfg. */
void bg_confschema_clear(const struct bg_conffield *f, struct bg_config *cfg);
/* What a JSON value is, in words ("string", "integer", ...). */
const char *bg_confschema_type_name(const json_t *v);

#endif
