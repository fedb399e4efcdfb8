/* A tiny HTTP/1.0 server on 127.0.0.1 in a thread, for client tests. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "helpers.h"
#include "httpd.h"

struct th_httpd {
	int fd;
	int stop[2];
	pthread_t thread;
	pthread_mutex_t mu;
	char url[64];
	char last[8192];
	size_t count;
};

/* Read until the end of the headers and, with Content-Length, the body. */
static size_t read_request(int c, char *buf, size_t len)
{
	size_t n = 0, need = 0;
	char *end, *cl;
	ssize_t got;

	while (n + 1 < len) {
		struct pollfd p = { c, POLLIN, 0 };

		if (poll(&p, 1, 5000) <= 0 || (got = read(c, buf + n, len - 1 - n)) <= 0)
			break;
		n += (size_t)got;
		buf[n] = '\0';
		if ((end = strstr(buf, "\r\n\r\n")) == NULL)
			continue;
		cl = strcasestr(buf, "\r\nContent-Length:");
		need = (size_t)(end + 4 - buf) + (cl != NULL ? strtoul(cl + 17, NULL, 10) : 0);
		if (n >= need)
			break;
	}
	buf[n] = '\0';
	return n;
}

/* A 200 with a body of len bytes, 'a' to 'z' over and over; without
 * sized, no Content-Length: the body ends when the connection does. */
static void send_body(int c, size_t len, bool sized)
{
	char buf[4096];
	size_t i, n, sent = 0;
	ssize_t w;

	if (sized)
		n = (size_t)snprintf(buf, sizeof(buf), "HTTP/1.0 200 X\r\nContent-Length: %zu\r\n"
				     "Connection: close\r\n\r\n", len);
	else
		n = (size_t)snprintf(buf, sizeof(buf), "HTTP/1.0 200 X\r\nConnection: close\r\n\r\n");
	if (write(c, buf, n) < 0)
		return;
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (char)('a' + i % 26);
	/* The client may hang up early (a capped body): no SIGPIPE then. */
	while (sent < len) {
		n = len - sent < sizeof(buf) - 26 ? len - sent : sizeof(buf) - 26;
		if ((w = send(c, buf + sent % 26, n, MSG_NOSIGNAL)) <= 0)
			return;
		sent += (size_t)w;
	}
}

static void answer(struct th_httpd *h, int c)
{
	char req[8192], resp[256], *sp, *q;
	const char *seg;
	int status = 200;
	size_t n = read_request(c, req, sizeof(req));

	pthread_mutex_lock(&h->mu);
	memcpy(h->last, req, n + 1);
	h->count++;
	pthread_mutex_unlock(&h->mu);
	/* "GET /a/b/404?x HTTP/1.1": the last path segment decides. */
	if ((sp = strchr(req, ' ')) == NULL)
		return;
	seg = sp + 1;
	if ((sp = strchr(seg, ' ')) != NULL)
		*sp = '\0';
	if ((q = strchr(seg, '?')) != NULL)
		*q = '\0';
	if (strrchr(seg, '/') != NULL)
		seg = strrchr(seg, '/') + 1;
	if (strcmp(seg, "hang") == 0) {
		/* Until the client gives up (EOF) or the server stops. */
		struct pollfd p[2] = { { h->stop[0], POLLIN, 0 }, { c, POLLIN, 0 } };

		(void)poll(p, 2, 30000);
		return;
	}
	if (strncmp(seg, "len-", 4) == 0 || strncmp(seg, "eof-", 4) == 0) {
		send_body(c, strtoul(seg + 4, NULL, 10), seg[0] == 'l');
		return;
	}
	if (seg[0] >= '1' && seg[0] <= '5' && strlen(seg) == 3)
		status = atoi(seg);
	/* A redirect to a 200: a client that followed it would count twice. */
	n = (size_t)snprintf(resp, sizeof(resp),
			     "HTTP/1.0 %d X\r\nContent-Length: 2\r\n%sConnection: close\r\n\r\nok",
			     status, status / 100 == 3 ? "Location: /200\r\n" : "");
	if (write(c, resp, n) < 0)
		return;
}

static void *serve(void *arg)
{
	struct th_httpd *h = arg;

	for (;;) {
		struct pollfd p[2] = { { h->fd, POLLIN, 0 }, { h->stop[0], POLLIN, 0 } };
		int c;

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		if (!(p[0].revents & POLLIN) || (c = accept(h->fd, NULL, NULL)) < 0)
			continue;
		answer(h, c);
		close(c);
	}
	return NULL;
}

struct th_httpd *th_httpd_start(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	struct th_httpd *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return NULL;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	h->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (h->fd < 0 || bind(h->fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(h->fd, 64) != 0 || getsockname(h->fd, (struct sockaddr *)&a, &alen) != 0 ||
	    pipe(h->stop) != 0) {
		free(h);
		return NULL;
	}
	(void)snprintf(h->url, sizeof(h->url), "http://127.0.0.1:%u", ntohs(a.sin_port));
	pthread_mutex_init(&h->mu, NULL);
	if (pthread_create(&h->thread, NULL, serve, h) != 0) {
		free(h);
		return NULL;
	}
	return h;
}

const char *th_httpd_url(const struct th_httpd *h)
{
	return h->url;
}

const char *th_httpd_last_request(struct th_httpd *h, char *buf, size_t len)
{
	pthread_mutex_lock(&h->mu);
	(void)snprintf(buf, len, "%s", h->last);
	pthread_mutex_unlock(&h->mu);
	return buf;
}

size_t th_httpd_count(struct th_httpd *h)
{
	size_t n;

	pthread_mutex_lock(&h->mu);
	n = h->count;
	pthread_mutex_unlock(&h->mu);
	return n;
}

void th_httpd_stop(struct th_httpd *h)
{
	if (write(h->stop[1], "x", 1) < 0)
		return;
	pthread_join(h->thread, NULL);
	close(h->fd);
	close(h->stop[0]);
	close(h->stop[1]);
	pthread_mutex_destroy(&h->mu);
	free(h);
}

void th_httpd_closed_url(char *buf, size_t len)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &alen) != 0)
		abort();
	close(fd);
	if (snprintf(buf, len, "http://127.0.0.1:%u", ntohs(a.sin_port)) >= (int)len)
		abort();
}

int th_httpd_setup(void **state)
{
	struct th_httpd_fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->dir = th_mkdtemp();
	if ((f->httpd = th_httpd_start()) == NULL) {
		th_rmtree(f->dir);
		free(f->dir);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

int th_httpd_teardown(void **state)
{
	struct th_httpd_fixture *f = *state;

	th_httpd_stop(f->httpd);
	th_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}
