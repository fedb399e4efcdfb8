/* The optional incident-system check (auth.ticket_check): an HTTP GET of
 * the URL with {ticket} replaced by the URL-escaped ticket id. */
#ifndef BREAKGLASS_TICKET_H
#define BREAKGLASS_TICKET_H

#include "breakglass/config/conf.h"
#include "breakglass/base/error.h"

/* BG_OK: the ticket exists (2xx); BG_EAUTH: it does not (404);
 * BG_ETIMEOUT: no answer within timeout_seconds; BG_EIO: any other answer
 * or failure.  The caller applies fail_policy to the last two. */
BG_WUR int bg_ticket_check(const struct bg_config *cfg, const char *ticket);

#endif
