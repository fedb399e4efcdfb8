/* The incident-system check over HTTP(S) with libcurl. */
#include "config.h"

#include <string.h>

#include <curl/curl.h>

#include "breakglass/base/buf.h"
#include "breakglass/login/ticket.h"

#define URL_MAX 4096

/* The body is not needed: only the status says whether the ticket exists. */
static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
	(void)p;
	(void)ctx;
	return size * n;
}

/* The template with every {ticket} replaced by the escaped id. */
static int build_url(CURL *c, const char *tmpl, const char *ticket,
		     struct bg_buf *url)
{
	char *esc = curl_easy_escape(c, ticket, 0);
	const char *p = tmpl, *hit;
	int r = BG_OK;

	if (esc == NULL)
		return BG_ENOMEM;
	while (r == BG_OK && (hit = strstr(p, "{ticket}")) != NULL) {
		r = bg_buf_append(url, p, (size_t)(hit - p));
		if (r == BG_OK)
			r = bg_buf_append(url, esc, strlen(esc));
		p = hit + strlen("{ticket}");
	}
	if (r == BG_OK)
		r = bg_buf_append(url, p, strlen(p));
	curl_free(esc);
	return r;
}

int bg_ticket_check(const struct bg_config *cfg, const char *ticket)
{
	long status = 0;
	struct bg_buf url;
	CURLcode cr;
	CURL *c;
	int r;

	/* curl_easy_escape leaves dots alone, and curl (RFC 3986 5.2.4) and
	 * servers drop "." and ".." segments: such an id would look up the
	 * ticket collection or its parent, which answers 2xx.  No incident
	 * system has a ticket by these names, so they do not exist. */
	if (ticket[0] == '\0' || strcmp(ticket, ".") == 0 || strcmp(ticket, "..") == 0)
		return BG_EAUTH;
	if ((c = curl_easy_init()) == NULL)
		return BG_ENOMEM;
	bg_buf_init(&url, URL_MAX);
	r = build_url(c, cfg->auth.ticket_check.url, ticket, &url);
	if (r == BG_OK &&
	    (curl_easy_setopt(c, CURLOPT_URL, bg_buf_str(&url)) != CURLE_OK ||
	     curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
	     curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	     curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	     curl_easy_setopt(c, CURLOPT_TIMEOUT, cfg->auth.ticket_check.timeout_seconds) != CURLE_OK ||
	     curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard) != CURLE_OK ||
	     curl_easy_setopt(c, CURLOPT_USERAGENT, "breakglass/" PACKAGE_VERSION) != CURLE_OK))
		r = BG_EINVAL;
	if (r == BG_OK) {
		cr = curl_easy_perform(c);
		if (cr == CURLE_OPERATION_TIMEDOUT)
			r = BG_ETIMEOUT;
		else if (cr != CURLE_OK ||
			 curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK)
			r = BG_EIO;
		else if (status >= 200 && status < 300)
			r = BG_OK;
		else
			r = status == 404 ? BG_EAUTH : BG_EIO;
	}
	bg_buf_free(&url);
	curl_easy_cleanup(c);
	return r;
}
