/* Tests for the incident-system ticket check (lib/ticket.c) against a
 * loopback HTTP server. */
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

#include "breakglass/config/conf.h"
#include "breakglass/login/ticket.h"
#include "helpers.h"
#include "httpd.h"

/* bg_ticket_check of ticket with ticket_check.url set to url (closed
 * policy, 1 s timeout), through a freshly loaded configuration. */
static int check_url(struct th_httpd_fixture *f, const char *url, const char *ticket)
{
	char extra[1024], *path;
	struct bg_config *cfg;
	int r;

	assert_true(snprintf(extra, sizeof(extra),
			     "\"auth\": {\"ticket_check\": {\"url\": \"%s\", "
			     "\"timeout_seconds\": 1, \"fail_policy\": \"closed\"}}",
			     url) < (int)sizeof(extra));
	path = th_config(f->dir, extra);
	cfg = th_config_load(path);
	r = bg_ticket_check(cfg, ticket);
	bg_config_free(cfg);
	free(path);
	return r;
}

/* The same with the URL on the loopback server: base + path. */
static int check(struct th_httpd_fixture *f, const char *path, const char *ticket)
{
	char url[512];

	assert_true(snprintf(url, sizeof(url), "%s%s", th_httpd_url(f->httpd),
			     path) < (int)sizeof(url));
	return check_url(f, url, ticket);
}

/* The request line ("GET /... HTTP/1.x") of the last request, in buf. */
static const char *request_line(struct th_httpd_fixture *f, char *buf, size_t len)
{
	char *eol;

	th_httpd_last_request(f->httpd, buf, len);
	if ((eol = strstr(buf, "\r\n")) != NULL)
		*eol = '\0';
	return buf;
}

static void test_ticket_status_decides_the_result(void **state)
{
	static const struct {
		const char *path;
		int want;
	} cases[] = {
		{ "/api/{ticket}/200", BG_OK },
		{ "/api/{ticket}/204", BG_OK },
		{ "/api/{ticket}/404", BG_EAUTH },
		{ "/api/{ticket}/410", BG_EAUTH },
		/* An outage: the fail policy decides. */
		{ "/api/{ticket}/500", BG_EIO },
		{ "/api/{ticket}/503", BG_EIO },
		/* 3xx is not "exists": a redirect could lead anywhere; a 4xx is
		 * a definite answer, not an outage. */
		{ "/api/{ticket}/302", BG_ECONFIG },
		{ "/api/{ticket}/400", BG_ECONFIG },
		{ "/api/{ticket}/403", BG_ECONFIG },
		{ "/api/{ticket}/401", BG_ECONFIG },
	};
	struct th_httpd_fixture *f = *state;
	size_t i, before;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		before = th_httpd_count(f->httpd);
		print_message("%s\n", cases[i].path);
		assert_int_equal(check(f, cases[i].path, "INC-1"), cases[i].want);
		/* Exactly one request: no retry, no redirect followed. */
		assert_int_equal(th_httpd_count(f->httpd), before + 1);
	}
}

/* A request that cannot be made here is no outage either: refused,
 * nothing sent. */
static void test_ticket_sslkeylogfile_refused(void **state)
{
	struct th_httpd_fixture *f = *state;
	size_t before = th_httpd_count(f->httpd);

	assert_int_equal(setenv("SSLKEYLOGFILE", "/tmp/keys", 1), 0);
	assert_int_equal(check(f, "/api/{ticket}/200", "INC-1"), BG_ECONFIG);
	assert_int_equal(unsetenv("SSLKEYLOGFILE"), 0);
	assert_int_equal(th_httpd_count(f->httpd), before);
}

static void test_ticket_no_answer_times_out(void **state)
{
	struct th_httpd_fixture *f = *state;
	time_t start = time(NULL);
	int r = check(f, "/api/{ticket}/hang", "INC-1");

	assert_int_equal(r, BG_ETIMEOUT);
	/* The server would hang 30 s: returning well before shows the
	 * 1 s timeout applied (loose bound, the machine may be slow). */
	assert_true(time(NULL) - start < 15);
	assert_int_equal(th_httpd_count(f->httpd), 1);
}

static void test_ticket_refused_connection_is_an_io_error(void **state)
{
	struct th_httpd_fixture *f = *state;
	char base[64], url[128];

	th_httpd_closed_url(base, sizeof(base));
	assert_true(snprintf(url, sizeof(url), "%s/t/{ticket}", base) < (int)sizeof(url));
	assert_int_equal(check_url(f, url, "INC-1"), BG_EIO);
	assert_int_equal(th_httpd_count(f->httpd), 0);
}

static void test_ticket_id_is_one_escaped_path_segment(void **state)
{
	struct th_httpd_fixture *f = *state;
	char buf[8192];

	/* Unescaped, '/' would add a segment, '?' start a query, '#' end
	 * the URL and ' ' break the request line. */
	assert_int_equal(check(f, "/t/{ticket}", "INC-1 a/b?c#d&e"), BG_OK);
	assert_string_equal(request_line(f, buf, sizeof(buf)),
			    "GET /t/INC-1%20a%2Fb%3Fc%23d%26e HTTP/1.1");
	/* An id that would climb out of the API path stays one segment. */
	assert_int_equal(check(f, "/t/{ticket}", "../../404"), BG_OK);
	assert_string_equal(request_line(f, buf, sizeof(buf)),
			    "GET /t/..%2F..%2F404 HTTP/1.1");
}

static void test_ticket_dot_segments_do_not_exist(void **state)
{
	static const char *const ids[] = { "", ".", ".." };
	struct th_httpd_fixture *f = *state;
	size_t i;

	/* Sent, "/api/tickets/.." would become "/api/", whose 200 would
	 * vouch for the ticket. */
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		assert_int_equal(check(f, "/api/tickets/{ticket}", ids[i]), BG_EAUTH);
	assert_int_equal(th_httpd_count(f->httpd), 0);
	/* Dots inside an id are plain characters. */
	assert_int_equal(check(f, "/api/tickets/{ticket}", "..."), BG_OK);
	assert_int_equal(th_httpd_count(f->httpd), 1);
}

static void test_ticket_every_placeholder_is_replaced(void **state)
{
	struct th_httpd_fixture *f = *state;
	char buf[8192];

	assert_int_equal(check(f, "/a/{ticket}/b/{ticket}/200?id={ticket}&x={ticket}",
			       "CHG-42"), BG_OK);
	assert_string_equal(request_line(f, buf, sizeof(buf)),
			    "GET /a/CHG-42/b/CHG-42/200?id=CHG-42&x=CHG-42 HTTP/1.1");
	assert_null(strstr(buf, "{ticket}"));
}

static void test_ticket_id_as_last_segment_gets_its_status(void **state)
{
	static const struct {
		const char *ticket;
		int want;
	} cases[] = {
		{ "404", BG_EAUTH }, { "500", BG_EIO }, { "204", BG_OK },
		{ "200", BG_OK }, { "hang", BG_ETIMEOUT },
	};
	struct th_httpd_fixture *f = *state;
	char buf[8192], want[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("%s\n", cases[i].ticket);
		assert_int_equal(check(f, "/t/{ticket}", cases[i].ticket), cases[i].want);
		assert_true(snprintf(want, sizeof(want), "GET /t/%s HTTP/1.1",
				     cases[i].ticket) < (int)sizeof(want));
		assert_string_equal(request_line(f, buf, sizeof(buf)), want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ticket_status_decides_the_result, th_httpd_setup, th_httpd_teardown),
		cmocka_unit_test_setup_teardown(test_ticket_no_answer_times_out, th_httpd_setup, th_httpd_teardown),
		cmocka_unit_test_setup_teardown(test_ticket_sslkeylogfile_refused, th_httpd_setup, th_httpd_teardown),
		cmocka_unit_test_setup_teardown(test_ticket_refused_connection_is_an_io_error, th_httpd_setup, th_httpd_teardown),
		cmocka_unit_test_setup_teardown(test_ticket_id_is_one_escaped_path_segment, th_httpd_setup, th_httpd_teardown),
		cmocka_unit_test_setup_teardown(test_ticket_dot_segments_do_not_exist, th_httpd_setup, th_httpd_teardown),
		cmocka_unit_test_setup_teardown(test_ticket_every_placeholder_is_replaced, th_httpd_setup, th_httpd_teardown),
		cmocka_unit_test_setup_teardown(test_ticket_id_as_last_segment_gets_its_status, th_httpd_setup, th_httpd_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
