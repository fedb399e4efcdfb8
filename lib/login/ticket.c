/* The incident-system check over HTTP(S). */
#include "config.h"

#include <string.h>

#include "breakglass/base/buf.h"
#include "breakglass/base/http.h"
#include "breakglass/login/ticket.h"

#define URL_MAX 4096

/* The template with every {ticket} replaced by the escaped id. */
static int build_url(const char *tmpl, const char *ticket, struct bg_buf *url)
{
	const char *p = tmpl, *hit;
	int r = BG_OK;

	while (r == BG_OK && (hit = strstr(p, "{ticket}")) != NULL) {
		r = bg_buf_append(url, p, (size_t)(hit - p));
		if (r == BG_OK)
			r = bg_http_append_escaped(url, ticket);
		p = hit + strlen("{ticket}");
	}
	if (r == BG_OK)
		r = bg_buf_append(url, p, strlen(p));
	return r;
}

/* What the client's result says about the ticket.  Only an outage (no
 * connection, no answer in time, a 5xx) may be let through by the fail
 * policy; a definite answer that is not "exists" (a redirect, a 4xx) or
 * a request that could not be made here is no outage. */
static int verdict(int r, long status)
{
	if (r == BG_OK || r == BG_ETIMEOUT)
		return r;
	if (r == BG_EIO && (status == 404 || status == 410))
		return BG_EAUTH;
	if (r == BG_EIO && (status == 0 || (status >= 500 && status <= 599)))
		return BG_EIO;
	return BG_ECONFIG;
}

int bg_ticket_check(const struct bg_config *cfg, const char *ticket)
{
	/* max_body 0: the body is not needed, only the status says whether
	 * the ticket exists. */
	const struct bg_http_opts opts = {
		.timeout_ms = cfg->auth.ticket_check.timeout_seconds * 1000L,
	};
	struct bg_http_request req = { .method = "GET" };
	struct bg_http_response resp;
	struct bg_buf url;
	int r;

	/* bg_http_append_escaped leaves dots alone, and curl (RFC 3986 5.2.4) and
	 * servers drop "." and ".." segments: such an id would look up the
	 * ticket collection or its parent, which answers 2xx.  No incident
	 * system has a ticket by these names, so they do not exist. */
	if (ticket[0] == '\0' || strcmp(ticket, ".") == 0 || strcmp(ticket, "..") == 0)
		return BG_EAUTH;
	bg_buf_init(&url, URL_MAX);
	if ((r = build_url(cfg->auth.ticket_check.url, ticket, &url)) != BG_OK)
		goto out;
	req.url = bg_buf_str(&url);
	r = bg_http_request(&opts, &req, &resp);
	r = verdict(r, resp.status);
	bg_http_response_free(&resp);
out:
	bg_buf_free(&url);
	return r;
}
