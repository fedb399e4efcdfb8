/* The one HTTP(S) client of the library, on libcurl. */
#include "config.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "breakglass/base/http.h"
#include "breakglass/base/text.h"

_Static_assert(BG_HTTP_ERROR_MAX >= CURL_ERROR_SIZE,
	       "resp->error is libcurl's error buffer");

/* A header line: name, ": " and value. */
#define HEADER_LINE_MAX 8192
/* Characters of a path shown in an error text. */
#define PATH_SHOWN 200

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

/* curl_global_init must run once, before any handle, and is not safe
 * to race: a PAM module may be entered from several threads.  It is
 * never undone, as the library cannot know which caller is the last. */
static void global_init(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct transfer {
	struct bg_http_response *resp;
	size_t max_body;
	int body_err;               /* why the body was refused */
	const unsigned char *send;  /* PUT: what is left to send */
	size_t send_left;
};

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct transfer *t = arg;
	size_t len = size * n;

	if (t->max_body == 0)
		return len;
	/* Returning short makes libcurl abort with CURLE_WRITE_ERROR. */
	if ((t->body_err = bg_buf_append(&t->resp->body, p, len)) != BG_OK)
		return 0;
	return len;
}

static size_t on_send(char *p, size_t size, size_t n, void *arg)
{
	struct transfer *t = arg;
	size_t len = size * n < t->send_left ? size * n : t->send_left;

	if (len > 0) {
		memcpy(p, t->send, len);
		t->send += len;
		t->send_left -= len;
	}
	return len;
}

/* Set resp->error and return r. */
static int fail(struct bg_http_response *resp, int r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct bg_http_response *resp, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(resp->error, sizeof(resp->error), fmt, ap);
	va_end(ap);
	return r;
}

static const char *url_problem(const char *url)
{
	size_t len = strnlen(url, BG_HTTP_URL_MAX + 1);
	const unsigned char *u;

	if (len == 0)
		return "the URL is empty";
	if (len > BG_HTTP_URL_MAX)
		return "the URL is too long";
	for (u = (const unsigned char *)url; *u != '\0'; u++)
		if (*u <= ' ' || *u >= 0x7f)
			return "the URL holds a space, a control character or a non-ASCII byte";
	return bg_text_url_problem(url);
}

static const char *header_problem(const struct bg_http_header *h)
{
	static const char token[] = "abcdefghijklmnopqrstuvwxyz"
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-";
	const unsigned char *v = (const unsigned char *)h->value;
	size_t i;

	if (h->name == NULL || h->name[0] == '\0' ||
	    h->name[strspn(h->name, token)] != '\0')
		return "a header name is not letters, digits and -";
	/* libcurl reads "Name:" as "remove this header", not as empty. */
	if (h->value == NULL || h->value_len == 0)
		return "a header value is empty";
	for (i = 0; i < h->value_len; i++)
		if ((v[i] < ' ' && v[i] != '\t') || v[i] == 0x7f)
			return "a header value holds a control character or NUL";
	if (strlen(h->name) + 2 + h->value_len > HEADER_LINE_MAX)
		return "a header is too long";
	return NULL;
}

static const char *request_problem(const struct bg_http_opts *o,
				   const struct bg_http_request *req)
{
	const char *why;
	size_t i;

	if (o->timeout_ms <= 0 || o->connect_timeout_ms < 0)
		return "the timeout must be positive";
	if ((o->cert_file == NULL) != (o->key_file == NULL))
		return "a client certificate needs its key, and a key its certificate";
	if (req->method == NULL || (strcmp(req->method, "GET") != 0 &&
				    strcmp(req->method, "POST") != 0 &&
				    strcmp(req->method, "PUT") != 0))
		return "the method is not GET, POST or PUT";
	if (req->body_len > 0 && (req->body == NULL || strcmp(req->method, "GET") == 0))
		return "a body needs POST or PUT, and its bytes";
	if (req->url == NULL)
		return "the URL is empty";
	if ((why = url_problem(req->url)) != NULL)
		return why;
	for (i = 0; i < req->n_headers; i++)
		if ((why = header_problem(&req->headers[i])) != NULL)
			return why;
	return NULL;
}

/* BG_OK if path is NULL or a regular file this process can read: a
 * wrong path must not pass unnoticed while plain http never opens it.
 * O_NONBLOCK: a FIFO must not hang the caller. */
static int check_file(struct bg_http_response *resp, const char *what,
		      const char *path)
{
	char shown[PATH_SHOWN + 8];
	struct stat st;
	int fd, r = BG_EINVAL;

	if (path == NULL)
		return BG_OK;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) >= 0) {
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
			r = BG_OK;
		close(fd);
	}
	if (r == BG_OK)
		return BG_OK;
	bg_text_quote(path, PATH_SHOWN, shown, sizeof(shown));
	return fail(resp, r, "cannot read the %s %s as a regular file", what, shown);
}

/* "Expect:" first: libcurl's 100-continue would stall a large POST or
 * PUT for a second on servers that never answer it. */
static int header_list(const struct bg_http_request *req, struct curl_slist **out)
{
	struct curl_slist *list = curl_slist_append(NULL, "Expect:"), *l;
	struct bg_buf line;
	int r = list != NULL ? BG_OK : BG_ENOMEM;
	size_t i;

	for (i = 0; r == BG_OK && i < req->n_headers; i++) {
		const struct bg_http_header *h = &req->headers[i];

		bg_buf_init(&line, HEADER_LINE_MAX);
		if ((r = bg_buf_appendf(&line, "%s: ", h->name)) == BG_OK &&
		    (r = bg_buf_append(&line, h->value, h->value_len)) == BG_OK) {
			if ((l = curl_slist_append(list, bg_buf_str(&line))) == NULL)
				r = BG_ENOMEM;
			else
				list = l;
		}
		bg_buf_free(&line);
	}
	*out = list;
	return r;
}

/* The transport policy, the same for every request. */
static CURLcode set_policy(CURL *c, const struct bg_http_opts *o, char *errbuf)
{
	long connect_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : o->timeout_ms;
	CURLcode e;

	if ((e = curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf)) != CURLE_OK ||
	    (e = curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https")) != CURLE_OK ||
	    (e = curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https")) != CURLE_OK ||
	    (e = curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L)) != CURLE_OK ||
	    (e = curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L)) != CURLE_OK ||
	    /* A lookup the resolver never answers must not hold the login
	     * past the timeout: its thread is left behind, not waited for. */
	    (e = curl_easy_setopt(c, CURLOPT_QUICK_EXIT, 1L)) != CURLE_OK ||
	    /* http_proxy in a setuid caller's environment is the user's. */
	    (e = curl_easy_setopt(c, CURLOPT_PROXY, "")) != CURLE_OK ||
	    (e = curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L)) != CURLE_OK ||
	    (e = curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L)) != CURLE_OK ||
	    (e = curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2)) != CURLE_OK ||
	    (e = curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o->timeout_ms)) != CURLE_OK ||
	    (e = curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, connect_ms)) != CURLE_OK ||
	    (e = curl_easy_setopt(c, CURLOPT_USERAGENT, "breakglass/" PACKAGE_VERSION)) != CURLE_OK)
		return e;
	if (o->ca_file != NULL &&
	    (e = curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file)) != CURLE_OK)
		return e;
	if (o->cert_file != NULL &&
	    ((e = curl_easy_setopt(c, CURLOPT_SSLCERT, o->cert_file)) != CURLE_OK ||
	     (e = curl_easy_setopt(c, CURLOPT_SSLKEY, o->key_file)) != CURLE_OK))
		return e;
	return CURLE_OK;
}

static CURLcode set_request(CURL *c, const struct bg_http_request *req,
			    struct curl_slist *hdr, struct transfer *t)
{
	CURLcode e;

	if ((e = curl_easy_setopt(c, CURLOPT_URL, req->url)) != CURLE_OK ||
	    (e = curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr)) != CURLE_OK ||
	    (e = curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body)) != CURLE_OK ||
	    (e = curl_easy_setopt(c, CURLOPT_WRITEDATA, t)) != CURLE_OK)
		return e;
	if (strcmp(req->method, "GET") == 0)
		return curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	if (strcmp(req->method, "POST") == 0) {
		if ((e = curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
					  (curl_off_t)req->body_len)) != CURLE_OK)
			return e;
		return curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body_len > 0 ? req->body : "");
	}
	if ((e = curl_easy_setopt(c, CURLOPT_UPLOAD, 1L)) != CURLE_OK ||
	    (e = curl_easy_setopt(c, CURLOPT_READFUNCTION, on_send)) != CURLE_OK ||
	    (e = curl_easy_setopt(c, CURLOPT_READDATA, t)) != CURLE_OK)
		return e;
	return curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)req->body_len);
}

/* libcurl's text may quote what a server sent. */
static void printable(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < ' ' || (unsigned char)*s >= 0x7f)
			*s = '?';
}

/* What the finished transfer means, with resp->error saying why. */
static int outcome(CURL *c, CURLcode cr, struct transfer *t)
{
	struct bg_http_response *resp = t->resp;

	if (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status) != CURLE_OK)
		resp->status = 0;
	if (cr == CURLE_WRITE_ERROR && t->body_err == BG_ETOOBIG)
		return fail(resp, BG_ETOOBIG, "the response body is over %zu bytes",
			    t->max_body);
	if (cr == CURLE_WRITE_ERROR && t->body_err != BG_OK)
		return fail(resp, t->body_err, "the response body: %s",
			    bg_strerror(t->body_err));
	if (cr != CURLE_OK) {
		if (resp->error[0] == '\0')
			(void)fail(resp, BG_EIO, "%s", curl_easy_strerror(cr));
		printable(resp->error);
		return cr == CURLE_OPERATION_TIMEDOUT ? BG_ETIMEOUT : BG_EIO;
	}
	if (resp->status < 200 || resp->status >= 300)
		return fail(resp, BG_EIO, "the server answered HTTP status %ld", resp->status);
	return BG_OK;
}

int bg_http_request(const struct bg_http_opts *opts, const struct bg_http_request *req,
		    struct bg_http_response *resp)
{
	struct transfer t = {
		.resp = resp, .max_body = opts->max_body,
		.send = req->body, .send_left = req->body_len,
	};
	struct curl_slist *hdr = NULL;
	const char *why;
	CURL *c = NULL;
	int r;

	resp->status = 0;
	resp->error[0] = '\0';
	bg_buf_init(&resp->body, opts->max_body);
	if ((why = request_problem(opts, req)) != NULL) {
		r = fail(resp, BG_EINVAL, "%s", why);
		goto out;
	}
	if ((r = check_file(resp, "CA file", opts->ca_file)) != BG_OK ||
	    (r = check_file(resp, "client certificate", opts->cert_file)) != BG_OK ||
	    (r = check_file(resp, "client key", opts->key_file)) != BG_OK)
		goto out;
	/* libcurl's init opens this file for appending, as whoever runs it:
	 * in a setuid caller (su, sudo) the user would name a file for root. */
	if (getenv("SSLKEYLOGFILE") != NULL) {
		r = fail(resp, BG_EUNSAFE, "SSLKEYLOGFILE is set: TLS secrets would be written there");
		goto out;
	}
	(void)pthread_once(&global_once, global_init);
	if (global_rc != CURLE_OK) {
		r = fail(resp, BG_EIO, "libcurl: %s", curl_easy_strerror(global_rc));
		goto out;
	}
	if ((c = curl_easy_init()) == NULL || header_list(req, &hdr) != BG_OK) {
		r = fail(resp, BG_ENOMEM, "out of memory");
		goto out;
	}
	if (set_policy(c, opts, resp->error) != CURLE_OK ||
	    set_request(c, req, hdr, &t) != CURLE_OK) {
		r = fail(resp, BG_EINVAL, "libcurl refused an option");
		goto out;
	}
	r = outcome(c, curl_easy_perform(c), &t);
out:
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	return r;
}

void bg_http_response_free(struct bg_http_response *resp)
{
	bg_buf_free(&resp->body);
}

int bg_http_append_escaped(struct bg_buf *b, const char *s)
{
	char *esc = curl_easy_escape(NULL, s, 0);
	int r;

	if (esc == NULL)
		return BG_ENOMEM;
	r = bg_buf_append(b, esc, strlen(esc));
	curl_free(esc);
	return r;
}
