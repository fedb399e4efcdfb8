/* A tiny HTTP/1.0 server on 127.0.0.1 for tests of the HTTP clients
 * (ticket check, notification): real sockets, canned answers. */
#ifndef BREAKGLASS_TESTS_HTTPD_H
#define BREAKGLASS_TESTS_HTTPD_H

#include <stddef.h>

struct th_httpd;

/* Answer each request by the last path segment: a number like 200, 404
 * or 500 gives that status; "hang" never answers (the client must time
 * out).  Anything else gives 200.  Returns NULL on failure. */
struct th_httpd *th_httpd_start(void);
/* "http://127.0.0.1:PORT" */
const char *th_httpd_url(const struct th_httpd *h);
/* The request line and body of the most recent request (empty before any). */
const char *th_httpd_last_request(struct th_httpd *h, char *buf, size_t len);
/* Requests answered or hung so far. */
size_t th_httpd_count(struct th_httpd *h);
void th_httpd_stop(struct th_httpd *h);

#endif
