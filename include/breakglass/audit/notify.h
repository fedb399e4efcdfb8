/* The optional notification webhook (notify.webhook_url): each audit
 * event is POSTed with a short timeout; one that cannot be delivered is
 * queued in paths.spool_dir/queue for the shipper (docs/FORMAT.md). */
#ifndef BREAKGLASS_NOTIFY_H
#define BREAKGLASS_NOTIFY_H

#include <stddef.h>

#include "breakglass/audit/audit.h"
#include "breakglass/config/conf.h"
#include "breakglass/base/error.h"

/* The account that delivers the queue later; queue files are handed to it. */
#define BG_SHIPPER_USER BG_ACCOUNT

/* POST event (one JSON object, len bytes) to the webhook, if one is
 * configured; on any failure queue it.  BG_OK when delivered, queued or
 * not configured; an error only when it could be neither sent nor queued. */
BG_WUR int bg_notify_event(const struct bg_config *cfg, const char *event,
			   size_t len);

/* Append ev to the audit log, then send its line to the webhook.  BG_OK
 * when the audit line was written: notification never refuses a login. */
BG_WUR int bg_notify_audit(const struct bg_config *cfg,
			   const struct bg_audit_event *ev);

/* Queue event for later delivery, as one file in spool_dir/queue. */
BG_WUR int bg_notify_queue(const struct bg_config *cfg, const char *event,
			   size_t len);

#endif
