/* Tests for the HTTP client (lib/base/http.c) against the loopback
 * server: what is sent, what each answer means, caps and timeouts. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "helpers.h"
#include "test_http.h"

int http_get(struct th_httpd_fixture *f, const struct bg_http_opts *opts, const char *path,
	     struct bg_http_response *resp)
{
	char url[512];
	const struct bg_http_request req = { .method = "GET", .url = url };

	assert_true(snprintf(url, sizeof(url), "%s%s", th_httpd_url(f->httpd), path)
		    < (int)sizeof(url));
	return bg_http_request(opts, &req, resp);
}

/* 'a' to 'z' over and over, as the server sends "len-N" bodies. */
static void assert_pattern(const struct bg_buf *b, size_t len)
{
	size_t i;

	assert_int_equal(b->len, len);
	for (i = 0; i < len; i++)
		assert_int_equal(b->data[i], 'a' + (int)(i % 26));
}

static void test_http_get_sends_headers_and_keeps_the_body(void **state)
{
	static const struct bg_http_header hdr[] = {
		{ "X-One", "a", 1 },
		{ "X-Amz-Date", "20261207T235959Z\tx", 18 },
	};
	const struct bg_http_opts opts = { .timeout_ms = 5000, .max_body = 64 };
	struct th_httpd_fixture *f = *state;
	struct bg_http_request req = { .method = "GET", .headers = hdr, .n_headers = 2 };
	struct bg_http_response resp;
	char url[512], got[8192];

	assert_true(snprintf(url, sizeof(url), "%s/p/q/200?a=1", th_httpd_url(f->httpd))
		    < (int)sizeof(url));
	req.url = url;
	assert_int_equal(bg_http_request(&opts, &req, &resp), BG_OK);
	assert_int_equal(resp.status, 200);
	assert_string_equal(bg_buf_str(&resp.body), "ok");
	assert_string_equal(resp.error, "");
	bg_http_response_free(&resp);
	th_httpd_last_request(f->httpd, got, sizeof(got));
	assert_true(strncmp(got, "GET /p/q/200?a=1 HTTP/1.1\r\n", 27) == 0);
	assert_non_null(strstr(got, "\r\nX-One: a\r\n"));
	assert_non_null(strstr(got, "\r\nX-Amz-Date: 20261207T235959Z\tx\r\n"));
	assert_non_null(strstr(got, "\r\nUser-Agent: breakglass/" PACKAGE_VERSION "\r\n"));
	assert_true(strlen(got) >= 4 && strcmp(got + strlen(got) - 4, "\r\n\r\n") == 0);
}

/* POST and PUT carry their body byte for byte, with its length, and
 * without waiting for a 100-continue the server never sends. */
static void test_http_post_and_put_send_the_body(void **state)
{
	static const char *const methods[] = { "POST", "PUT" };
	static const struct bg_http_header ct = { "Content-Type", "text/plain", 10 };
	const struct bg_http_opts opts = { .timeout_ms = 5000 };
	struct th_httpd_fixture *f = *state;
	char url[512], got[8192], want[64], body[3000];
	struct bg_http_response resp;
	size_t i, len;

	for (i = 0; i < sizeof(body); i++)
		body[i] = (char)('A' + i % 23);
	assert_true(snprintf(url, sizeof(url), "%s/up/201", th_httpd_url(f->httpd))
		    < (int)sizeof(url));
	for (i = 0; i < 2; i++) {
		const struct bg_http_request req = {
			.method = methods[i], .url = url, .headers = &ct, .n_headers = 1,
			.body = body, .body_len = sizeof(body),
		};

		print_message("%s\n", methods[i]);
		assert_int_equal(bg_http_request(&opts, &req, &resp), BG_OK);
		assert_int_equal(resp.status, 201);
		assert_int_equal(resp.body.len, 0);
		bg_http_response_free(&resp);
		th_httpd_last_request(f->httpd, got, sizeof(got));
		assert_true(snprintf(want, sizeof(want), "%s /up/201 HTTP/1.1\r\n", methods[i])
			    < (int)sizeof(want));
		assert_true(strncmp(got, want, strlen(want)) == 0);
		assert_non_null(strstr(got, "\r\nContent-Length: 3000\r\n"));
		assert_non_null(strstr(got, "\r\nContent-Type: text/plain\r\n"));
		assert_null(strcasestr(got, "\r\nExpect:"));
		len = strlen(got);
		assert_true(len > sizeof(body));
		assert_memory_equal(got + len - sizeof(body), body, sizeof(body));
		assert_memory_equal(got + len - sizeof(body) - 4, "\r\n\r\n", 4);
	}
	assert_int_equal(th_httpd_count(f->httpd), 2);
}

static void test_http_status_decides_the_result(void **state)
{
	static const struct {
		const char *path;
		long status;
		int want;
	} cases[] = {
		{ "/s/200", 200, BG_OK },
		{ "/s/204", 204, BG_OK },
		{ "/s/404", 404, BG_EIO },
		{ "/s/500", 500, BG_EIO },
		{ "/s/401", 401, BG_EIO },
		{ "/s/101", 101, BG_EIO },
	};
	const struct bg_http_opts opts = { .timeout_ms = 5000, .max_body = 16 };
	struct th_httpd_fixture *f = *state;
	struct bg_http_response resp;
	char want[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("%s\n", cases[i].path);
		assert_int_equal(http_get(f, &opts, cases[i].path, &resp), cases[i].want);
		assert_int_equal(resp.status, cases[i].status);
		assert_true(snprintf(want, sizeof(want), "HTTP status %ld", cases[i].status)
			    < (int)sizeof(want));
		if (cases[i].want == BG_OK)
			assert_string_equal(resp.error, "");
		else
			assert_non_null(strstr(resp.error, want));
		bg_http_response_free(&resp);
	}
	assert_int_equal(th_httpd_count(f->httpd), i);
}

static void test_http_redirect_is_not_followed(void **state)
{
	static const char *const paths[] = { "/r/301", "/r/302", "/r/307", "/r/308" };
	const struct bg_http_opts opts = { .timeout_ms = 5000, .max_body = 16 };
	struct th_httpd_fixture *f = *state;
	struct bg_http_response resp;
	size_t i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		assert_int_equal(http_get(f, &opts, paths[i], &resp), BG_EIO);
		assert_int_equal(resp.status, atol(paths[i] + 3));
		bg_http_response_free(&resp);
		/* The Location (/200) was not asked for. */
		assert_int_equal(th_httpd_count(f->httpd), i + 1);
	}
}

/* A body of exactly the cap is kept, one byte more is an error, with
 * or without Content-Length announcing it. */
static void test_http_body_over_the_cap_is_an_error(void **state)
{
	static const struct {
		const char *path;
		int want;
	} cases[] = {
		{ "/b/len-1000", BG_OK }, { "/b/len-1001", BG_ETOOBIG },
		{ "/b/eof-1000", BG_OK }, { "/b/eof-1001", BG_ETOOBIG },
		{ "/b/eof-100000", BG_ETOOBIG },
	};
	const struct bg_http_opts opts = { .timeout_ms = 5000, .max_body = 1000 };
	struct th_httpd_fixture *f = *state;
	struct bg_http_response resp;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("%s\n", cases[i].path);
		assert_int_equal(http_get(f, &opts, cases[i].path, &resp), cases[i].want);
		if (cases[i].want == BG_OK) {
			assert_pattern(&resp.body, 1000);
		} else {
			assert_true(resp.body.len <= 1000);
			assert_non_null(strstr(resp.error, "over 1000 bytes"));
		}
		bg_http_response_free(&resp);
	}
}

/* max_body 0: only the status is wanted, a body of any size is dropped. */
static void test_http_unwanted_body_is_dropped(void **state)
{
	const struct bg_http_opts opts = { .timeout_ms = 5000 };
	struct th_httpd_fixture *f = *state;
	struct bg_http_response resp;

	assert_int_equal(http_get(f, &opts, "/b/eof-300000", &resp), BG_OK);
	assert_int_equal(resp.status, 200);
	assert_int_equal(resp.body.len, 0);
	bg_http_response_free(&resp);
}

static void test_http_refused_connection_is_an_io_error(void **state)
{
	const struct bg_http_opts opts = { .timeout_ms = 10000, .connect_timeout_ms = 5000 };
	char url[128];
	const struct bg_http_request req = { .method = "GET", .url = url };
	struct bg_http_response resp;
	time_t start = time(NULL);

	(void)state;
	th_httpd_closed_url(url, sizeof(url));
	assert_int_equal(bg_http_request(&opts, &req, &resp), BG_EIO);
	assert_int_equal(resp.status, 0);
	assert_true(resp.error[0] != '\0');
	assert_true(time(NULL) - start < 5);
	bg_http_response_free(&resp);
}

static void test_http_no_answer_times_out(void **state)
{
	const struct bg_http_opts opts = { .timeout_ms = 700 };
	struct th_httpd_fixture *f = *state;
	struct bg_http_response resp;
	time_t start = time(NULL);

	assert_int_equal(http_get(f, &opts, "/t/hang", &resp), BG_ETIMEOUT);
	/* The server would hang 30 s (loose bound: the machine may be slow). */
	assert_true(time(NULL) - start < 10);
	assert_int_equal(resp.status, 0);
	assert_non_null(strcasestr(resp.error, "timed out"));
	bg_http_response_free(&resp);
	assert_int_equal(th_httpd_count(f->httpd), 1);
}

static void test_http_escaped_text_is_one_segment(void **state)
{
	struct bg_buf b;

	(void)state;
	bg_buf_init(&b, 64);
	assert_int_equal(bg_http_append_escaped(&b, "a b/c?d#e&f=.~_-Z9%"), BG_OK);
	assert_string_equal(bg_buf_str(&b), "a%20b%2Fc%3Fd%23e%26f%3D.~_-Z9%25");
	bg_buf_reset(&b);
	assert_int_equal(bg_http_append_escaped(&b, "\xc3\xa9\n"), BG_OK);
	assert_string_equal(bg_buf_str(&b), "%C3%A9%0A");
	/* The buffer's cap still holds. */
	bg_buf_reset(&b);
	assert_int_equal(bg_http_append_escaped(&b, "////////////////////////"), BG_ETOOBIG);
	bg_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_http_ssl_key_log_file_is_refused, th_httpd_setup, th_httpd_teardown),
		cmocka_unit_test_setup_teardown(test_http_get_sends_headers_and_keeps_the_body, th_httpd_setup, th_httpd_teardown),
		cmocka_unit_test_setup_teardown(test_http_post_and_put_send_the_body, th_httpd_setup, th_httpd_teardown),
		cmocka_unit_test_setup_teardown(test_http_status_decides_the_result, th_httpd_setup, th_httpd_teardown),
		cmocka_unit_test_setup_teardown(test_http_redirect_is_not_followed, th_httpd_setup, th_httpd_teardown),
		cmocka_unit_test_setup_teardown(test_http_body_over_the_cap_is_an_error, th_httpd_setup, th_httpd_teardown),
		cmocka_unit_test_setup_teardown(test_http_unwanted_body_is_dropped, th_httpd_setup, th_httpd_teardown),
		cmocka_unit_test_setup_teardown(test_http_refused_connection_is_an_io_error, th_httpd_setup, th_httpd_teardown),
		cmocka_unit_test_setup_teardown(test_http_no_answer_times_out, th_httpd_setup, th_httpd_teardown),
		cmocka_unit_test(test_http_silent_resolver_bounded_by_timeout),
		cmocka_unit_test(test_http_escaped_text_is_one_segment),
		cmocka_unit_test_setup_teardown(test_http_schemes_other_than_http_are_refused, th_httpd_setup, th_httpd_teardown),
		cmocka_unit_test_setup_teardown(test_http_hostile_requests_are_refused, th_httpd_setup, th_httpd_teardown),
		cmocka_unit_test_setup_teardown(test_http_unreadable_tls_files_are_refused, th_httpd_setup, th_httpd_teardown),
		cmocka_unit_test_setup_teardown(test_http_proxy_from_environment_is_ignored, th_httpd_setup, th_httpd_teardown),
		cmocka_unit_test_setup_teardown(test_http_untrusted_server_refused_until_its_ca_is_given, th_httpd_setup, th_httpd_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
