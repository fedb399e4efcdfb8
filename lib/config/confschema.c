/* The configuration key table and the per-kind value checks. */
#include "config.h"

#include <limits.h>
#include <regex.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "breakglass/base/buf.h"
#include "breakglass/config/confschema.h"
#include "breakglass/base/text.h"

#define SYSCONF BG_SYSCONFDIR "/breakglass"
#define OFF(m) offsetof(struct bg_config, m)
#define OBJ(p) { p, BG_CK_OBJECT, 0, 0, 0, 0, 0, NULL, NULL, 0 }
#define INT(p, m, lo, hi, d) { p, BG_CK_INT, OFF(m), 0, lo, hi, d, NULL, NULL, 0 }
#define STR(p, k, m, lo, hi, d, fl) { p, k, OFF(m), 0, lo, hi, 0, d, NULL, fl }
#define ENUM(p, m, w) { p, BG_CK_ENUM, OFF(m), 0, 0, 0, 0, NULL, w, 0 }

#define URL_MAX 2048
#define NAME_MAX_LEN 32
#define QUOTE_MAX 40
#define PATTERN_MAX 256         /* characters of one recorder.password_prompts */

static const char *const fail_words[] = { "closed", "open", NULL };
static const char *const input_words[] = {
	"redact-when-no-echo", "record", "redact", NULL };
static const char *const disk_words[] = {
	"terminate", "continue-unrecorded", NULL };
static const char *const containment_words[] = { "required", "best-effort", NULL };
static const char *const concurrent_words[] = { "refuse", "allow", NULL };
static const char *const storage_words[] = { "file", "s3", "http", NULL };
/* At the end of the output line a program waits on: sudo, su, ssh,
 * passwd, gpg, openssl ("pass phrase"), PINs of tokens. */
static const char *const prompt_words[] = {
	"[Pp]ass ?(word|phrase).*: *$", "(^|[^[:alpha:]])PIN.*: *$", NULL };

const struct bg_conffield bg_confschema[] = {
	OBJ("paths"),
	STR("paths.users_dir", BG_CK_PATH, paths.users_dir, 1, PATH_MAX - 1, SYSCONF "/users", 0),
	STR("paths.state_dir", BG_CK_PATH, paths.state_dir, 1, PATH_MAX - 1, BG_LOCALSTATEDIR "/lib/breakglass", 0),
	STR("paths.run_dir", BG_CK_PATH, paths.run_dir, 1, PATH_MAX - 1, BG_RUNSTATEDIR "/breakglass", 0),
	STR("paths.spool_dir", BG_CK_PATH, paths.spool_dir, 1, PATH_MAX - 1, BG_LOCALSTATEDIR "/spool/breakglass", 0),
	STR("paths.audit_log", BG_CK_PATH, paths.audit_log, 1, PATH_MAX - 1, BG_LOCALSTATEDIR "/log/breakglass/audit.jsonl", 0),
	STR("paths.host_key", BG_CK_PATH, paths.host_key, 1, PATH_MAX - 1, SYSCONF "/host.key", 0),
	STR("paths.auditor_keys", BG_CK_PATHLIST, paths.auditor_keys, 1, 16, SYSCONF "/auditors/security.pub", 0),
	STR("paths.escrow_keys", BG_CK_PATHLIST, paths.escrow_keys, 0, 16, NULL, 0),
	OBJ("auth"),
	{ "auth.ticket_pattern", BG_CK_REGEX, OFF(auth.ticket_pattern), OFF(auth.ticket_re),
	  1, 512, 0, "^(INC|CHG)-[0-9]{1,10}$", NULL, 0 },
	INT("auth.justification_min", auth.justification_min, 1, 4000, 20),
	INT("auth.justification_max", auth.justification_max, 1, 4000, 1000),
	OBJ("auth.totp"),
	INT("auth.totp.digits", auth.totp.digits, 6, 8, 6),
	INT("auth.totp.period_seconds", auth.totp.period_seconds, 15, 300, 30),
	INT("auth.totp.window", auth.totp.window, 0, 10, 1),
	OBJ("auth.lockout"),
	INT("auth.lockout.max_failures", auth.lockout.max_failures, 1, 1000, 5),
	INT("auth.lockout.window_seconds", auth.lockout.window_seconds, 1, 604800, 900),
	INT("auth.lockout.lock_seconds", auth.lockout.lock_seconds, 1, 604800, 900),
	OBJ("auth.approval"),
	{ "auth.approval.required", BG_CK_BOOL, OFF(auth.approval.required), 0,
	  0, 1, 0, NULL, NULL, 0 },
	STR("auth.approval.approvers", BG_CK_NAMELIST, auth.approval.approvers, 0, 256, NULL, 0),
	OBJ("auth.ticket_check"),
	STR("auth.ticket_check.url", BG_CK_URL, auth.ticket_check.url, 0, URL_MAX, "", BG_CF_OPTIONAL),
	INT("auth.ticket_check.timeout_seconds", auth.ticket_check.timeout_seconds, 1, 60, 3),
	ENUM("auth.ticket_check.fail_policy", auth.ticket_check.fail_policy, fail_words),
	OBJ("auth.prompts"),
	STR("auth.prompts.ticket", BG_CK_TEXT, auth.prompts.ticket, 1, 128, "Incident ticket: ", 0),
	STR("auth.prompts.justification", BG_CK_TEXT, auth.prompts.justification, 1, 128, "Justification: ", 0),
	STR("auth.prompts.code", BG_CK_TEXT, auth.prompts.code, 1, 128, "Verification code: ", 0),
	STR("auth.prompts.approver", BG_CK_TEXT, auth.prompts.approver, 1, 128, "Approver: ", 0),
	STR("auth.prompts.approver_code", BG_CK_TEXT, auth.prompts.approver_code, 1, 128, "Approver verification code: ", 0),
	OBJ("grant"),
	INT("grant.default_minutes", grant.default_minutes, 1, 1440, 60),
	INT("grant.max_minutes", grant.max_minutes, 1, 1440, 240),
	ENUM("grant.concurrent", grant.concurrent, concurrent_words),
	OBJ("recorder"),
	ENUM("recorder.input", recorder.input, input_words),
	{ "recorder.password_prompts", BG_CK_REGEXLIST, OFF(recorder.password_prompts),
	  OFF(recorder.prompt_re), 0, 32, 2, NULL, prompt_words, 0 },
	INT("recorder.flush_ms", recorder.flush_ms, 10, 1000, 1000),
	INT("recorder.segment_seconds", recorder.segment_seconds, 1, 3600, 60),
	INT("recorder.segment_bytes", recorder.segment_bytes, 65536, 1073741824, 8388608),
	ENUM("recorder.on_disk_full", recorder.on_disk_full, disk_words),
	ENUM("recorder.containment", recorder.containment, containment_words),
	OBJ("storage"),
	ENUM("storage.type", storage.type, storage_words),
	STR("storage.endpoint", BG_CK_URL, storage.endpoint, 0, URL_MAX, "", BG_CF_OPTIONAL),
	STR("storage.bucket", BG_CK_TEXT, storage.bucket, 0, 63, "", BG_CF_OPTIONAL),
	STR("storage.region", BG_CK_TEXT, storage.region, 0, 64, "", BG_CF_OPTIONAL),
	STR("storage.prefix", BG_CK_TEXT, storage.prefix, 0, 256, "transcripts", BG_CF_OPTIONAL),
	STR("storage.credentials_file", BG_CK_PATH, storage.credentials_file, 0, PATH_MAX - 1, "", BG_CF_OPTIONAL),
	STR("storage.directory", BG_CK_PATH, storage.directory, 1, PATH_MAX - 1, BG_LOCALSTATEDIR "/lib/breakglass/archive", 0),
	OBJ("notify"),
	STR("notify.webhook_url", BG_CK_URL, notify.webhook_url, 0, URL_MAX, "", BG_CF_OPTIONAL | BG_CF_REDACT_PATH),
	INT("notify.timeout_seconds", notify.timeout_seconds, 1, 30, 2),
};
const size_t bg_confschema_len = sizeof(bg_confschema) / sizeof(bg_confschema[0]);

const struct bg_conffield *bg_confschema_find(const char *path)
{
	size_t i;

	for (i = 0; i < bg_confschema_len; i++)
		if (strcmp(bg_confschema[i].path, path) == 0)
			return &bg_confschema[i];
	return NULL;
}

const char *bg_confschema_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "object";
	case JSON_ARRAY: return "array";
	case JSON_STRING: return "string";
	case JSON_INTEGER: return "integer";
	case JSON_REAL: return "number with a fraction";
	case JSON_TRUE: case JSON_FALSE: return "boolean";
	case JSON_NULL: return "null";
	}
	return "unknown";
}

/* Report a message that may quote untrusted text. */
static int complain(bg_confschema_report *report, void *ctx, long index,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int complain(bg_confschema_report *report, void *ctx, long index,
		    const char *fmt, ...)
{
	struct bg_buf b;
	va_list ap;
	int r;

	bg_buf_init(&b, 4096);
	va_start(ap, fmt);
	r = bg_buf_vappendf(&b, fmt, ap);
	va_end(ap);
	report(ctx, index, r == BG_OK ? bg_buf_str(&b) : "invalid value");
	bg_buf_free(&b);
	return BG_EINVAL;
}

/* Check one string value of kind k, length lo..hi characters. */
static int check_string(enum bg_confkind k, unsigned flags, long lo, long hi,
			json_t *v, long index, bg_confschema_report *report,
			void *ctx)
{
	const char *s, *why = NULL;
	char q[200], got[220];
	size_t n;
	regex_t re;
	int rc;

	if (!json_is_string(v))
		return complain(report, ctx, index, "must be a string (got %s)",
				bg_confschema_type_name(v));
	s = json_string_value(v);
	n = bg_text_utf8_chars(s);
	/* A URL may carry credentials: it is never quoted back. */
	got[0] = '\0';
	bg_text_quote(s, QUOTE_MAX, q, sizeof(q));
	if (k != BG_CK_URL)
		(void)snprintf(got, sizeof(got), " (got \"%s\")", q);
	if (bg_text_has_control(s))
		return complain(report, ctx, index,
				"must not contain control characters%s", got);
	if (n == 0 && (flags & BG_CF_OPTIONAL))
		return BG_OK;
	if (n < (size_t)lo || n > (size_t)hi)
		return complain(report, ctx, index,
				"must be %ld to %ld characters long (got %zu)", lo, hi, n);
	switch (k) {
	case BG_CK_PATH: why = bg_text_path_problem(s); break;
	case BG_CK_URL: why = bg_text_url_problem(s); break;
	case BG_CK_NAMELIST: why = bg_text_name_problem(s); break;
	case BG_CK_REGEX:
		if ((rc = regcomp(&re, s, REG_EXTENDED | REG_NOSUB)) != 0) {
			char msg[160];

			regerror(rc, &re, msg, sizeof(msg));
			return complain(report, ctx, index,
					"invalid regular expression \"%s\": %s", q, msg);
		}
		regfree(&re);
		break;
	default: break;
	}
	if (why != NULL)
		return complain(report, ctx, index, "%s%s", why, got);
	return BG_OK;
}

/* "must be one of a, b, c (got ...)" for an enum key. */
static int complain_enum(const struct bg_conffield *f, json_t *v,
			 bg_confschema_report *report, void *ctx)
{
	struct bg_buf b;
	char q[200];
	size_t i;
	int r = BG_OK;

	bg_buf_init(&b, 1024);
	for (i = 0; f->words[i] != NULL && r == BG_OK; i++)
		r = bg_buf_appendf(&b, "%s%s", i ? ", " : "", f->words[i]);
	if (!json_is_string(v)) {
		r = complain(report, ctx, -1, "must be one of %s (got %s)",
			     bg_buf_str(&b), bg_confschema_type_name(v));
	} else {
		bg_text_quote(json_string_value(v), QUOTE_MAX, q, sizeof(q));
		r = complain(report, ctx, -1, "must be one of %s (got \"%s\")",
			     bg_buf_str(&b), q);
	}
	bg_buf_free(&b);
	return r;
}

/* Frees l and re, its compiled form if any (a REGEXLIST's). */
static void list_free(struct bg_strlist *l, regex_t *re)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (re != NULL)
			regfree(&re[i]);
		free(l->v[i]);
	}
	free(re);
	free(l->v);
	*l = (struct bg_strlist){ NULL, 0 };
}

/* Replace a string field (and a regex's compiled form) with s. */
static int store_string(const struct bg_conffield *f, struct bg_config *cfg,
			const char *s)
{
	char *copy = strdup(s), **slot = BG_CONFFIELD_AT(cfg, f, char *);
	regex_t *re = (regex_t *)(void *)((char *)cfg + f->aux_off);

	if (copy == NULL)
		return BG_ENOMEM;
	if (f->kind == BG_CK_REGEX) {
		if (*slot != NULL)
			regfree(re);
		if (regcomp(re, copy, REG_EXTENDED | REG_NOSUB) != 0) {
			free(copy);
			free(*slot);
			*slot = NULL;
			return BG_EINVAL;
		}
	}
	free(*slot);
	*slot = copy;
	return BG_OK;
}

/* Replace the list of f with items[n], a REGEXLIST's compiled too. */
static int store_list(const struct bg_conffield *f, struct bg_config *cfg,
		      const char *const *items, size_t n)
{
	struct bg_strlist *l = BG_CONFFIELD_AT(cfg, f, struct bg_strlist), nl = { NULL, 0 };
	regex_t **re = (regex_t **)(void *)((char *)cfg + f->aux_off), *nre = NULL;
	bool rx = f->kind == BG_CK_REGEXLIST;

	if (n > 0 && ((nl.v = calloc(n, sizeof(*nl.v))) == NULL ||
		      (rx && (nre = calloc(n, sizeof(*nre))) == NULL))) {
		free(nl.v);
		return BG_ENOMEM;
	}
	for (; nl.n < n; nl.n++) {
		if ((nl.v[nl.n] = strdup(items[nl.n])) == NULL ||
		    (rx && regcomp(&nre[nl.n], items[nl.n], REG_EXTENDED | REG_NOSUB) != 0)) {
			/* checked before: regcomp can fail for want of memory only */
			free(nl.v[nl.n]);
			list_free(&nl, nre);
			return BG_ENOMEM;
		}
	}
	list_free(l, rx ? *re : NULL);
	*l = nl;
	if (rx)
		*re = nre;
	return BG_OK;
}

int bg_confschema_set_default(const struct bg_conffield *f, struct bg_config *cfg)
{
	switch (f->kind) {
	case BG_CK_OBJECT: return BG_OK;
	case BG_CK_INT: *BG_CONFFIELD_AT(cfg, f, long) = f->defnum; return BG_OK;
	case BG_CK_BOOL: *BG_CONFFIELD_AT(cfg, f, bool) = f->defnum != 0; return BG_OK;
	case BG_CK_ENUM: *BG_CONFFIELD_AT(cfg, f, int) = (int)f->defnum; return BG_OK;
	case BG_CK_PATHLIST: case BG_CK_NAMELIST:
		return store_list(f, cfg, &f->defstr, f->defstr != NULL);
	case BG_CK_REGEXLIST:
		return store_list(f, cfg, f->words, (size_t)f->defnum);
	default: return store_string(f, cfg, f->defstr);
	}
}

static int parse_list(const struct bg_conffield *f, json_t *v,
		      struct bg_config *cfg, bg_confschema_report *report,
		      void *ctx)
{
	enum bg_confkind ek = f->kind == BG_CK_PATHLIST ? BG_CK_PATH :
			      f->kind == BG_CK_REGEXLIST ? BG_CK_REGEX : BG_CK_NAMELIST;
	long hi = ek == BG_CK_PATH ? PATH_MAX - 1 : ek == BG_CK_REGEX ? PATTERN_MAX :
		  NAME_MAX_LEN + 1;
	const char **items;
	size_t i, n;
	int r = BG_OK;

	if (!json_is_array(v))
		return complain(report, ctx, -1, "must be an array of strings (got %s)",
				bg_confschema_type_name(v));
	n = json_array_size(v);
	if (n < (size_t)f->min || n > (size_t)f->max)
		return complain(report, ctx, -1, "must have %ld to %ld entries (got %zu)",
				f->min, f->max, n);
	for (i = 0; i < n; i++)
		if (check_string(ek, 0, 1, hi, json_array_get(v, i), (long)i,
				 report, ctx) != BG_OK)
			r = BG_EINVAL;
	if (r != BG_OK)
		return r;
	if ((items = calloc(n + 1, sizeof(*items))) == NULL)
		return BG_ENOMEM;
	for (i = 0; i < n; i++)
		items[i] = json_string_value(json_array_get(v, i));
	r = store_list(f, cfg, items, n);
	free(items);
	return r;
}

int bg_confschema_parse(const struct bg_conffield *f, json_t *v,
			struct bg_config *cfg, bg_confschema_report *report,
			void *ctx)
{
	size_t i;
	int r;

	switch (f->kind) {
	case BG_CK_OBJECT:
		return BG_EINVAL;
	case BG_CK_INT:
		if (!json_is_integer(v))
			return complain(report, ctx, -1, "must be an integer (got %s)",
					bg_confschema_type_name(v));
		if (json_integer_value(v) < f->min || json_integer_value(v) > f->max)
			return complain(report, ctx, -1,
					"must be between %ld and %ld (got %" JSON_INTEGER_FORMAT ")",
					f->min, f->max, json_integer_value(v));
		*BG_CONFFIELD_AT(cfg, f, long) = (long)json_integer_value(v);
		return BG_OK;
	case BG_CK_BOOL:
		if (!json_is_boolean(v))
			return complain(report, ctx, -1, "must be true or false (got %s)",
					bg_confschema_type_name(v));
		*BG_CONFFIELD_AT(cfg, f, bool) = json_is_true(v);
		return BG_OK;
	case BG_CK_ENUM:
		for (i = 0; json_is_string(v) && f->words[i] != NULL; i++) {
			if (strcmp(json_string_value(v), f->words[i]) == 0) {
				*BG_CONFFIELD_AT(cfg, f, int) = (int)i;
				return BG_OK;
			}
		}
		return complain_enum(f, v, report, ctx);
	case BG_CK_PATHLIST: case BG_CK_NAMELIST: case BG_CK_REGEXLIST:
		return parse_list(f, v, cfg, report, ctx);
	default:
		if ((r = check_string(f->kind, f->flags, f->min, f->max, v, -1,
				      report, ctx)) != BG_OK)
			return r;
		return store_string(f, cfg, json_string_value(v));
	}
}

void bg_confschema_clear(const struct bg_conffield *f, struct bg_config *cfg)
{
	regex_t **re = (regex_t **)(void *)((char *)cfg + f->aux_off);
	char **slot;

	switch (f->kind) {
	case BG_CK_OBJECT: case BG_CK_INT: case BG_CK_BOOL: case BG_CK_ENUM:
		return;
	case BG_CK_PATHLIST: case BG_CK_NAMELIST: case BG_CK_REGEXLIST:
		list_free(BG_CONFFIELD_AT(cfg, f, struct bg_strlist),
			  f->kind == BG_CK_REGEXLIST ? *re : NULL);
		if (f->kind == BG_CK_REGEXLIST)
			*re = NULL;
		return;
	default:
		slot = BG_CONFFIELD_AT(cfg, f, char *);
		if (f->kind == BG_CK_REGEX && *slot != NULL)
			regfree((regex_t *)(void *)((char *)cfg + f->aux_off));
		free(*slot);
		*slot = NULL;
	}
}
