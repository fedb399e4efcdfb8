/* The optional incident-system check (auth.ticket_check): an HTTP GET of
 * the URL with {ticket} replaced by the URL-escaped ticket id. */
#ifndef BREAKGLASS_TICKET_H
#define BREAKGLASS_TICKET_H

#include "breakglass/config/conf.h"
#include "breakglass/base/error.h"

/* BG_OK: the ticket exists (2xx); BG_EAUTH: it does not (404, 410);
 * BG_ETIMEOUT: no answer within timeout_seconds; BG_EIO: no connection,
 * or a 5xx: the caller applies fail_policy to these two outages.
 * BG_ECONFIG: any other answer (3xx, another 4xx), or a request that
 * cannot be made here (e.g. SSLKEYLOGFILE set): refused whatever the
 * policy. */
BG_WUR int bg_ticket_check(const struct bg_config *cfg, const char *ticket);

#endif
