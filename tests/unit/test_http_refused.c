/* Tests of what the HTTP client (lib/base/http.c) refuses: other
 * schemes, hostile requests, proxies from the environment, and TLS
 * servers it cannot verify. */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "helpers.h"
#include "test_http.h"

static void assert_printable(const char *s)
{
	assert_true(s[0] != '\0');
	for (; *s != '\0'; s++)
		assert_true(*s >= ' ' && *s < 0x7f);
}

void test_http_schemes_other_than_http_are_refused(void **state)
{
	static const char *const urls[] = {
		"file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1/x",
		"dict://127.0.0.1/x", "ldap://127.0.0.1/x", "scp://127.0.0.1/x",
		"HTTP://127.0.0.1/x", "//127.0.0.1/x", "127.0.0.1/x", "http:/x",
	};
	const struct bg_http_opts opts = { .timeout_ms = 2000 };
	struct th_httpd_fixture *f = *state;
	struct bg_http_response resp;
	size_t i;

	for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		const struct bg_http_request req = { .method = "GET", .url = urls[i] };

		print_message("%s\n", urls[i]);
		assert_int_equal(bg_http_request(&opts, &req, &resp), BG_EINVAL);
		assert_printable(resp.error);
		bg_http_response_free(&resp);
	}
	assert_int_equal(th_httpd_count(f->httpd), 0);
}

void test_http_hostile_requests_are_refused(void **state)
{
	static const struct bg_http_header nul = { "X-A", "a\0b", 3 };
	static const struct bg_http_header crlf = { "X-A", "a\r\nX-Evil: 1", 12 };
	static const struct bg_http_header lf = { "X-A", "a\nb", 3 };
	static const struct bg_http_header colon = { "X-A: b", "c", 1 };
	static const struct bg_http_header space = { "X A", "c", 1 };
	static const struct bg_http_header noname = { "", "c", 1 };
	static const struct bg_http_header empty = { "X-A", "", 0 };
	static const struct bg_http_header esc = { "X-A", "\x1b[2J", 4 };
	static const struct {
		const char *name, *url, *method;  /* a url "/..." is on the server */
		const struct bg_http_header *hdr;
		size_t body_len;
		long timeout_ms;
		const char *key_file;
	} cases[] = {
		{ "newline in URL", "/x\r\nX-Evil: 1", "GET", NULL, 0, 2000, NULL },
		{ "control in URL", "/x\x01y", "GET", NULL, 0, 2000, NULL },
		{ "escape in URL", "/x\x1b[2J", "GET", NULL, 0, 2000, NULL },
		{ "DEL in URL", "/x\x7f", "GET", NULL, 0, 2000, NULL },
		{ "space in URL", "/x y", "GET", NULL, 0, 2000, NULL },
		{ "non-ASCII URL", "/\xc3\xa9", "GET", NULL, 0, 2000, NULL },
		{ "empty URL", "", "GET", NULL, 0, 2000, NULL },
		{ "no URL", NULL, "GET", NULL, 0, 2000, NULL },
		{ "overlong URL", "long", "GET", NULL, 0, 2000, NULL },
		{ "NUL in header", "/200", "GET", &nul, 0, 2000, NULL },
		{ "CRLF in header", "/200", "GET", &crlf, 0, 2000, NULL },
		{ "LF in header", "/200", "GET", &lf, 0, 2000, NULL },
		{ "escape in header", "/200", "GET", &esc, 0, 2000, NULL },
		{ "colon in name", "/200", "GET", &colon, 0, 2000, NULL },
		{ "space in name", "/200", "GET", &space, 0, 2000, NULL },
		{ "empty name", "/200", "GET", &noname, 0, 2000, NULL },
		{ "empty value", "/200", "GET", &empty, 0, 2000, NULL },
		{ "other method", "/200", "DELETE", NULL, 0, 2000, NULL },
		{ "lower-case method", "/200", "get", NULL, 0, 2000, NULL },
		{ "no method", "/200", NULL, NULL, 0, 2000, NULL },
		{ "GET with a body", "/200", "GET", NULL, 4, 2000, NULL },
		{ "no timeout", "/200", "GET", NULL, 0, 0, NULL },
		{ "negative timeout", "/200", "GET", NULL, 0, -1, NULL },
		{ "key without certificate", "/200", "GET", NULL, 0, 2000, "/dev/null" },
	};
	struct th_httpd_fixture *f = *state;
	static char url[BG_HTTP_URL_MAX + 64];
	struct bg_http_response resp;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bg_http_opts opts = {
			.timeout_ms = cases[i].timeout_ms, .key_file = cases[i].key_file,
		};
		struct bg_http_request req = {
			.method = cases[i].method, .url = cases[i].url,
			.headers = cases[i].hdr, .n_headers = cases[i].hdr != NULL,
			.body = "body", .body_len = cases[i].body_len,
		};

		print_message("%s\n", cases[i].name);
		if (req.url != NULL && req.url[0] == '/') {
			assert_true(snprintf(url, sizeof(url), "%s%s", th_httpd_url(f->httpd),
					     req.url) < (int)sizeof(url));
			req.url = url;
		} else if (req.url != NULL && strcmp(req.url, "long") == 0) {
			/* One byte over the limit, otherwise a fine URL. */
			size_t n = (size_t)snprintf(url, sizeof(url), "%s/", th_httpd_url(f->httpd));

			memset(url + n, 'a', BG_HTTP_URL_MAX + 1 - n);
			url[BG_HTTP_URL_MAX + 1] = '\0';
			req.url = url;
		}
		assert_int_equal(bg_http_request(&opts, &req, &resp), BG_EINVAL);
		assert_printable(resp.error);
		assert_int_equal(resp.status, 0);
		bg_http_response_free(&resp);
	}
	assert_int_equal(th_httpd_count(f->httpd), 0);
}

/* The table's "ok.pem" and "fifo" are files made in the test's dir. */
static const char *in_dir(const char *name, const char *ok, const char *fifo)
{
	if (name != NULL && strcmp(name, "ok.pem") == 0)
		return ok;
	if (name != NULL && strcmp(name, "fifo") == 0)
		return fifo;
	return name;
}

void test_http_unreadable_tls_files_are_refused(void **state)
{
	static const struct {
		const char *ca, *cert, *key, *what, *shown;
	} cases[] = {
		{ "/nonexistent/ca.pem", NULL, NULL, "CA file", "/nonexistent/" },
		{ NULL, "/nonexistent/c.pem", "ok.pem", "client certificate", "/nonexistent/" },
		{ NULL, "ok.pem", "/nonexistent/k.pem", "client key", "/nonexistent/" },
		{ "fifo", NULL, NULL, "CA file", "/fifo" },
		{ "/dev/null", NULL, NULL, "CA file", "/dev/null" },
		{ "/", NULL, NULL, "CA file", "/" },
	};
	struct th_httpd_fixture *f = *state;
	struct bg_http_response resp;
	char fifo[4096], *ok = th_write_str(f->dir, "ok.pem", "x");
	size_t i;

	assert_true(snprintf(fifo, sizeof(fifo), "%s/fifo", f->dir) < (int)sizeof(fifo));
	assert_int_equal(mkfifo(fifo, 0600), 0);
	/* Even for http://, where TLS files are never opened: the mistake
	 * shows before the first https URL. */
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bg_http_opts opts = {
			.timeout_ms = 2000, .ca_file = in_dir(cases[i].ca, ok, fifo),
			.cert_file = in_dir(cases[i].cert, ok, fifo),
			.key_file = in_dir(cases[i].key, ok, fifo),
		};

		print_message("%s\n", cases[i].ca != NULL ? cases[i].ca : cases[i].what);
		assert_int_equal(http_get(f, &opts, "/200", &resp), BG_EINVAL);
		assert_non_null(strstr(resp.error, cases[i].what));
		assert_non_null(strstr(resp.error, cases[i].shown));
		bg_http_response_free(&resp);
	}
	assert_int_equal(th_httpd_count(f->httpd), 0);
	free(ok);
}

/* A setuid caller's environment belongs to the user: a proxy named
 * there must not see, or answer, the request. */
void test_http_proxy_from_environment_is_ignored(void **state)
{
	static const char *const vars[] = { "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy" };
	const struct bg_http_opts opts = { .timeout_ms = 5000 };
	struct th_httpd_fixture *f = *state;
	struct th_httpd *proxy = th_httpd_start();
	struct bg_http_response resp;
	size_t i;

	assert_non_null(proxy);
	assert_int_equal(unsetenv("no_proxy"), 0);
	assert_int_equal(unsetenv("NO_PROXY"), 0);
	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		assert_int_equal(setenv(vars[i], th_httpd_url(proxy), 1), 0);
	assert_int_equal(http_get(f, &opts, "/404", &resp), BG_EIO);
	assert_int_equal(resp.status, 404);
	bg_http_response_free(&resp);
	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		assert_int_equal(unsetenv(vars[i]), 0);
	assert_int_equal(th_httpd_count(f->httpd), 1);
	assert_int_equal(th_httpd_count(proxy), 0);
	th_httpd_stop(proxy);
}

/* Run first in the process, before anything starts libcurl: its init
 * would create the file. */
void test_http_ssl_key_log_file_is_refused(void **state)
{
	const struct bg_http_opts opts = { .timeout_ms = 2000 };
	struct th_httpd_fixture *f = *state;
	struct bg_http_response resp;
	char path[4096];

	assert_true(snprintf(path, sizeof(path), "%s/keys", f->dir) < (int)sizeof(path));
	assert_int_equal(setenv("SSLKEYLOGFILE", path, 1), 0);
	assert_int_equal(http_get(f, &opts, "/200", &resp), BG_EUNSAFE);
	assert_non_null(strstr(resp.error, "SSLKEYLOGFILE"));
	bg_http_response_free(&resp);
	assert_int_equal(unsetenv("SSLKEYLOGFILE"), 0);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(th_httpd_count(f->httpd), 0);
	/* Without it, requests go out again. */
	assert_int_equal(http_get(f, &opts, "/200", &resp), BG_OK);
	bg_http_response_free(&resp);
	assert_int_equal(access(path, F_OK), -1);
}

/* openssl s_server on a free loopback port, answering GET with a 200;
 * with ca, it asks for a client certificate issued by ca. */
static pid_t tls_server(const char *cert, const char *key, const char *ca,
			unsigned *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	char url[128], accept[64];
	int i, fd, up = -1;
	pid_t pid;

	th_httpd_closed_url(url, sizeof(url));
	*port = (unsigned)atoi(strrchr(url, ':') + 1);
	assert_true(snprintf(accept, sizeof(accept), "127.0.0.1:%u", *port) < (int)sizeof(accept));
	assert_true((pid = fork()) >= 0);
	if (pid == 0) {
		fd = open("/dev/null", O_RDWR);
		if (fd < 0 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(127);
		if (ca != NULL)
			execlp("openssl", "openssl", "s_server", "-accept", accept, "-cert", cert,
			       "-key", key, "-www", "-Verify", "1", "-CAfile", ca, (char *)NULL);
		else
			execlp("openssl", "openssl", "s_server", "-accept", accept, "-cert", cert,
			       "-key", key, "-www", (char *)NULL);
		_exit(127);
	}
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)*port);
	for (i = 0; i < 200 && up != 0; i++) {
		usleep(50000);
		assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
		up = connect(fd, (struct sockaddr *)&a, sizeof(a));
		close(fd);
	}
	assert_int_equal(up, 0);
	return pid;
}

static void tls_server_stop(pid_t pid)
{
	int st;

	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
}

/* A self-signed certificate for 127.0.0.1 in dir; false without openssl. */
static bool tls_cert(const char *dir, char *cert, char *key, size_t len)
{
	char out[256];
	int st;

	assert_true(snprintf(cert, len, "%s/cert.pem", dir) < (int)len);
	assert_true(snprintf(key, len, "%s/key.pem", dir) < (int)len);
	{
		const char *const argv[] = {
			"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
			"ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
			"-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
			"-days", "2", NULL,
		};

		st = th_run(argv, out, sizeof(out));
	}
	if (st == 127)
		return false;
	assert_int_equal(st, 0);
	return true;
}

/* Peer verification is on, host name verification too, and ca_file and
 * the client certificate options reach the TLS layer. */
void test_http_untrusted_server_refused_until_its_ca_is_given(void **state)
{
	struct th_httpd_fixture *f = *state;
	struct bg_http_opts opts = { .timeout_ms = 5000 };
	char cert[4096], key[4096], url[128];
	const struct bg_http_request req = { .method = "GET", .url = url };
	struct bg_http_response resp;
	unsigned port;
	pid_t pid;

	if (!tls_cert(f->dir, cert, key, sizeof(cert)))
		skip();
	pid = tls_server(cert, key, NULL, &port);
	assert_true(snprintf(url, sizeof(url), "https://127.0.0.1:%u/", port) < (int)sizeof(url));
	assert_int_equal(bg_http_request(&opts, &req, &resp), BG_EIO);
	assert_non_null(strcasestr(resp.error, "certificate"));
	bg_http_response_free(&resp);
	opts.ca_file = cert;
	assert_int_equal(bg_http_request(&opts, &req, &resp), BG_OK);
	assert_int_equal(resp.status, 200);
	bg_http_response_free(&resp);
	/* Trusted, but issued for 127.0.0.1, not for this name. */
	assert_true(snprintf(url, sizeof(url), "https://localhost:%u/", port) < (int)sizeof(url));
	assert_int_equal(bg_http_request(&opts, &req, &resp), BG_EIO);
	bg_http_response_free(&resp);
	tls_server_stop(pid);

	/* A server that wants a client certificate gets one only if asked. */
	pid = tls_server(cert, key, cert, &port);
	assert_true(snprintf(url, sizeof(url), "https://127.0.0.1:%u/", port) < (int)sizeof(url));
	assert_int_equal(bg_http_request(&opts, &req, &resp), BG_EIO);
	bg_http_response_free(&resp);
	opts.cert_file = cert;
	opts.key_file = key;
	assert_int_equal(bg_http_request(&opts, &req, &resp), BG_OK);
	assert_int_equal(resp.status, 200);
	bg_http_response_free(&resp);
	tls_server_stop(pid);
}

/* A resolver that never answers holds a request no longer than its
 * timeout (libcurl would otherwise wait for its lookup thread: the
 * resolver's own timeouts, 2 x 4 s here).  Root only: a child with a
 * private mount namespace points /etc/resolv.conf at a UDP socket on
 * loopback that reads nothing. */
void test_http_silent_resolver_bounded_by_timeout(void **state)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(53) };
	const struct bg_http_opts opts = { .timeout_ms = 1000 };
	const struct bg_http_request req = { .method = "GET", .url = "http://bg-stall.test/" };
	struct bg_http_response resp;
	char conf[4096], *dir;
	struct timespec t0, t1;
	int sock, status;
	pid_t pid;

	(void)state;
	if (geteuid() != 0)
		skip();
	dir = th_mkdtemp();
	assert_true(snprintf(conf, sizeof(conf), "%s/resolv.conf", dir) < (int)sizeof(conf));
	free(th_write_str(dir, "resolv.conf",
			  "nameserver 127.0.0.53\noptions timeout:4 attempts:2\n"));
	assert_int_equal(inet_pton(AF_INET, "127.0.0.53", &a.sin_addr), 1);
	assert_true((sock = socket(AF_INET, SOCK_DGRAM, 0)) >= 0);
	if (bind(sock, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(sock);
		th_rmtree(dir);
		free(dir);
		skip();         /* a resolver already serves there */
	}
	assert_true((pid = fork()) >= 0);
	if (pid == 0) {
		if (unshare(CLONE_NEWNS) != 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
		    mount(conf, "/etc/resolv.conf", NULL, MS_BIND, NULL) != 0)
			_exit(2);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		status = bg_http_request(&opts, &req, &resp);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		bg_http_response_free(&resp);
		/* Well below the resolver's 8 s, with room for a slow machine. */
		_exit(status != BG_OK && t1.tv_sec - t0.tv_sec < 4 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	close(sock);
	th_rmtree(dir);
	free(dir);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}
