/* The configuration's keys: struct bg_config that holds them, the table
 * of their kind, range, default and place in it, and the checks that
 * turn a JSON value into a bg_config field. */
#ifndef BREAKGLASS_CONFSCHEMA_H
#define BREAKGLASS_CONFSCHEMA_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "breakglass/base/error.h"

enum bg_fail_policy { BG_FAIL_CLOSED = 0, BG_FAIL_OPEN = 1 };
enum bg_rec_input {
	BG_INPUT_REDACT_NO_ECHO = 0,    /* "redact-when-no-echo" */
	BG_INPUT_RECORD = 1,            /* "record" */
	BG_INPUT_REDACT = 2,            /* "redact": lengths only */
};
enum bg_disk_full { BG_DISK_FULL_TERMINATE = 0, BG_DISK_FULL_CONTINUE = 1 };
enum bg_containment { BG_CONTAIN_REQUIRED = 0, BG_CONTAIN_BEST_EFFORT = 1 };
enum bg_concurrent { BG_CONCURRENT_REFUSE = 0, BG_CONCURRENT_ALLOW = 1 };
enum bg_storage_type { BG_STORAGE_FILE = 0, BG_STORAGE_S3 = 1, BG_STORAGE_HTTP = 2 };

struct bg_strlist {
	char **v;
	size_t n;
};

struct bg_config {
	char *source;           /* the file it was read from */
	struct {
		char *users_dir, *state_dir, *run_dir, *spool_dir;
		char *audit_log, *host_key;
		struct bg_strlist auditor_keys;
		struct bg_strlist escrow_keys;  /* none: redacted input is dropped */
	} paths;
	struct {
		char *ticket_pattern;
		regex_t ticket_re;      /* compiled ticket_pattern */
		long justification_min, justification_max;
		struct { long digits, period_seconds, window; } totp;
		struct { long max_failures, window_seconds, lock_seconds; } lockout;
		struct { bool required; struct bg_strlist approvers; } approval;
		struct { char *url; long timeout_seconds; int fail_policy; } ticket_check;
		struct {
			char *ticket, *justification, *code;
			char *approver, *approver_code;
		} prompts;
	} auth;
	struct {
		long default_minutes, max_minutes;
		int concurrent;                 /* enum bg_concurrent */
	} grant;
	struct {
		int input;
		struct bg_strlist password_prompts;
		regex_t *prompt_re;     /* compiled password_prompts, n of them */
		long flush_ms, segment_seconds, segment_bytes;
		int on_disk_full;
		int containment;
	} recorder;
	struct {
		int type;
		char *endpoint, *bucket, *region, *prefix;
		char *credentials_file, *directory;
	} storage;
	struct { char *webhook_url; long timeout_seconds; } notify;
};

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
	BG_CK_REGEXLIST,/* min..max POSIX EREs, compiled into aux_off (an array);
			   the default: defnum of words */
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
