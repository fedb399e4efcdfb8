/* The one HTTP(S) client of the library: every request goes through
 * bg_http_request, which sets the transport policy in one place. */
#ifndef BREAKGLASS_HTTP_H
#define BREAKGLASS_HTTP_H

#include <stddef.h>

#include "breakglass/base/buf.h"
#include "breakglass/base/error.h"

/* Longest URL accepted, in bytes. */
#define BG_HTTP_URL_MAX 8192
/* Room for the error text (libcurl's CURL_ERROR_SIZE). */
#define BG_HTTP_ERROR_MAX 256

/* How to talk to a server.  Always: http and https only, no redirects
 * followed, no proxy (not even from the environment), TLS 1.2 or later
 * with peer and host name verified. */
struct bg_http_opts {
	long timeout_ms;          /* whole transfer; must be > 0 */
	long connect_timeout_ms;  /* 0: timeout_ms alone bounds the connect */
	const char *ca_file;      /* NULL: the system's trusted CAs */
	const char *cert_file;    /* client certificate (PEM), with key_file */
	const char *key_file;     /* its private key (PEM), with cert_file */
	/* The most response body bytes kept; a longer body aborts the
	 * transfer with BG_ETOOBIG.  0: the body is not wanted and dropped
	 * as it arrives (timeout_ms still bounds it). */
	size_t max_body;
};

/* One request header, "name: value"; value holds value_len bytes. */
struct bg_http_header {
	const char *name;
	const char *value;
	size_t value_len;
};

struct bg_http_request {
	const char *method;       /* "GET", "POST" or "PUT" */
	const char *url;          /* http:// or https://, printable ASCII */
	const struct bg_http_header *headers;
	size_t n_headers;
	const void *body;         /* POST and PUT; body_len bytes */
	size_t body_len;
};

struct bg_http_response {
	long status;              /* 0 when no answer was read */
	struct bg_buf body;       /* at most opts->max_body bytes */
	char error[BG_HTTP_ERROR_MAX]; /* what went wrong, printable */
};

/* Send req and read the answer into resp (always initialised; free it
 * with bg_http_response_free).  BG_OK: a 2xx answer.  BG_EIO: another
 * status (resp->status says which) or a transport failure (status 0).
 * BG_ETIMEOUT: no complete answer in time.  BG_ETOOBIG: body over
 * max_body.  BG_EINVAL: a request or option refused before sending.
 * BG_EUNSAFE: SSLKEYLOGFILE is set (libcurl would write TLS secrets to
 * it, as root in a setuid caller). */
BG_WUR int bg_http_request(const struct bg_http_opts *opts,
			   const struct bg_http_request *req,
			   struct bg_http_response *resp);
/* Wipe and release the body. */
void bg_http_response_free(struct bg_http_response *resp);

/* Append s percent-encoded (all but A-Z a-z 0-9 - . _ ~) to b, so that
 * it stays one path segment or query value. */
BG_WUR int bg_http_append_escaped(struct bg_buf *b, const char *s);

#endif
