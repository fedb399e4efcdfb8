/* A tiny HTTP/1.0 server on 127.0.0.1 for tests of the HTTP clients
 * (ticket check, notification): real sockets, canned answers. */
#ifndef BREAKGLASS_TESTS_HTTPD_H
#define BREAKGLASS_TESTS_HTTPD_H

#include <stddef.h>

struct th_httpd;

/* Answer each request by the last path segment: a number like 200, 404
 * or 500 gives that status (3xx with "Location: /200"); "len-N" gives a
 * 200 with a body of N bytes, "abc...z" repeated, and "eof-N" the same
 * without Content-Length; "hang" never answers (the client must time
 * out).  Anything else gives 200 with the body "ok".  Returns NULL on
 * failure. */
struct th_httpd *th_httpd_start(void);
/* "http://127.0.0.1:PORT" */
const char *th_httpd_url(const struct th_httpd *h);
/* The request line, headers and body of the most recent request (empty
 * before any). */
const char *th_httpd_last_request(struct th_httpd *h, char *buf, size_t len);
/* Requests answered or hung so far. */
size_t th_httpd_count(struct th_httpd *h);
void th_httpd_stop(struct th_httpd *h);
/* The state of a cmocka test that talks to the server: a scratch
 * directory and a running server, made by th_httpd_setup and removed by
 * th_httpd_teardown. */
struct th_httpd_fixture {
	char *dir;
	struct th_httpd *httpd;
};
int th_httpd_setup(void **state);
int th_httpd_teardown(void **state);
/* "http://127.0.0.1:PORT" in buf, with a port just bound and released:
 * nothing listens there. */
void th_httpd_closed_url(char *buf, size_t len);

#endif
