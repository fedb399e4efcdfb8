/* Shared by the tests of the HTTP client (lib/base/http.c). */
#ifndef BREAKGLASS_TEST_HTTP_H
#define BREAKGLASS_TEST_HTTP_H

#include <stddef.h>

#include "breakglass/base/http.h"
#include "httpd.h"

/* A GET of the loopback server's URL + path, with opts. */
int http_get(struct th_httpd_fixture *f, const struct bg_http_opts *opts, const char *path,
	     struct bg_http_response *resp);

void test_http_ssl_key_log_file_is_refused(void **state);
void test_http_silent_resolver_bounded_by_timeout(void **state);
void test_http_schemes_other_than_http_are_refused(void **state);
void test_http_hostile_requests_are_refused(void **state);
void test_http_unreadable_tls_files_are_refused(void **state);
void test_http_proxy_from_environment_is_ignored(void **state);
void test_http_untrusted_server_refused_until_its_ca_is_given(void **state);

#endif
