/* Webhook delivery of audit events, with a durable queue for failures. */
#include "config.h"

#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "breakglass/base/buf.h"
#include "breakglass/base/http.h"
#include "breakglass/base/log.h"
#include "breakglass/audit/notify.h"
#include "breakglass/base/safefile.h"
#include "breakglass/base/text.h"

#define QUEUE_VERSION 1

/* BG_OK only for a 2xx answer within the timeout; the body is dropped. */
static int post(const struct bg_config *cfg, const char *event, size_t len)
{
	static const struct bg_http_header json = {
		"Content-Type", "application/json", sizeof("application/json") - 1,
	};
	const struct bg_http_opts opts = {
		.timeout_ms = cfg->notify.timeout_seconds * 1000L,
	};
	const struct bg_http_request req = {
		.method = "POST", .url = cfg->notify.webhook_url,
		.headers = &json, .n_headers = 1, .body = event, .body_len = len,
	};
	struct bg_http_response resp;
	int r = bg_http_request(&opts, &req, &resp);

	bg_http_response_free(&resp);
	return r;
}

int bg_notify_queue(const struct bg_config *cfg, const char *event, size_t len)
{
	char dir[PATH_MAX], path[PATH_MAX + 64], created[BG_TEXT_UTC_LEN], rnd[17], *text;
	uid_t uid = (uid_t)-1;         /* -1: as made, the caller's */
	gid_t gid = (gid_t)-1;
	unsigned char raw[8];
	struct passwd *pw = getpwnam(BG_SHIPPER_USER);
	struct timeval tv;
	json_error_t e;
	json_t *ev, *item;
	int r;

	if ((ev = json_loadb(event, len, JSON_REJECT_DUPLICATES, &e)) == NULL ||
	    !json_is_object(ev)) {
		json_decref(ev);
		return BG_EINVAL;
	}
	gettimeofday(&tv, NULL);
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(rnd, sizeof(rnd), raw, sizeof(raw));
	if (bg_text_utc(tv.tv_sec, created) != BG_OK ||
	    bg_snprintf(dir, sizeof(dir), "%s/queue", cfg->paths.spool_dir) != BG_OK ||
	    bg_snprintf(path, sizeof(path), "%s/%013lld-%s.json", dir,
			(long long)tv.tv_sec * 1000 + tv.tv_usec / 1000, rnd) != BG_OK) {
		json_decref(ev);
		return BG_EINVAL;
	}
	item = json_pack("{s:i, s:s, s:s, s:o}", "version", QUEUE_VERSION,
			 "kind", "notify", "created", created, "event", ev);
	text = item != NULL ? json_dumps(item, JSON_COMPACT | JSON_PRESERVE_ORDER |
					 JSON_ENSURE_ASCII) : NULL;
	json_decref(item);
	if (text == NULL)
		return BG_ENOMEM;
	/* The shipper runs as its own account and must be able to delete
	 * it; that account controls spool_dir, so root sets the owner on the
	 * descriptors it made, never through a name. */
	if (pw != NULL && geteuid() == 0) {
		uid = pw->pw_uid;
		gid = pw->pw_gid;
	}
	r = bg_safefile_mkdir_owned(dir, 0700, uid, gid);
	if (r == BG_OK)
		r = bg_safefile_write_owned(path, text, strlen(text), 0600, uid, gid);
	free(text);
	return r;
}

int bg_notify_event(const struct bg_config *cfg, const char *event, size_t len)
{
	int r;

	if (cfg->notify.webhook_url[0] == '\0')
		return BG_OK;
	if (post(cfg, event, len) == BG_OK)
		return BG_OK;
	if ((r = bg_notify_queue(cfg, event, len)) != BG_OK)
		bg_error("webhook failed and the event could not be queued in %s: %s",
			 cfg->paths.spool_dir, bg_strerror(r));
	else
		bg_info("webhook failed: event queued in %s/queue", cfg->paths.spool_dir);
	return r;
}

int bg_notify_audit(const struct bg_config *cfg, const struct bg_audit_event *ev)
{
	struct bg_buf line;
	int r;

	bg_buf_init(&line, 1024 * 1024);
	/* A failed notification is logged and queued inside, never fatal. */
	if ((r = bg_audit_append(cfg, ev, &line)) == BG_OK &&
	    bg_notify_event(cfg, bg_buf_str(&line), line.len) != BG_OK)
		bg_debug("notification of this event lost");
	bg_buf_free(&line);
	return r;
}
