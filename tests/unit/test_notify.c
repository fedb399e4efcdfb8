/* Tests for webhook delivery and the notification queue (lib/notify.c). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <dirent.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>

#include "breakglass/audit/notify.h"
#include "helpers.h"
#include "httpd.h"

static const char event[] =
	"{\"time\":\"2026-11-28T23:16:34.123Z\",\"event\":\"auth\",\"result\":\"success\","
	"\"user\":\"alice\",\"prev\":\"00\",\"hash\":\"ab\"}";

struct fixture {
	char *dir;
	struct th_httpd *srv;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char spool[4096];

	assert_non_null(f);
	f->dir = th_mkdtemp();
	assert_true(snprintf(spool, sizeof(spool), "%s/spool", f->dir) < (int)sizeof(spool));
	assert_int_equal(mkdir(spool, 0700), 0);
	f->srv = th_httpd_start();
	assert_non_null(f->srv);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	th_httpd_stop(f->srv);
	th_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* A config whose webhook answers with `status` ("" for no webhook). */
static struct bg_config *config(struct fixture *f, const char *status)
{
	char extra[512], *path;
	struct bg_config *cfg;

	assert_true(snprintf(extra, sizeof(extra),
			     "\"notify\": {\"webhook_url\": \"%s%s%s\", \"timeout_seconds\": 1}",
			     *status ? th_httpd_url(f->srv) : "", *status ? "/hook/" : "",
			     status) < (int)sizeof(extra));
	path = th_config(f->dir, extra);
	cfg = th_config_load(path);
	free(path);
	return cfg;
}

/* The queue files (names checked against the documented pattern). */
static size_t queued(struct fixture *f, char *last, size_t lastlen)
{
	char dir[4096];
	struct dirent *e;
	regex_t re;
	size_t n = 0;
	DIR *d;

	assert_true(snprintf(dir, sizeof(dir), "%s/spool/queue", f->dir) < (int)sizeof(dir));
	if ((d = opendir(dir)) == NULL)
		return 0;
	assert_int_equal(regcomp(&re, "^[0-9]{13,}-[0-9a-f]{16}\\.json$",
				 REG_EXTENDED | REG_NOSUB), 0);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		assert_int_equal(regexec(&re, e->d_name, 0, NULL, 0), 0);
		assert_true(snprintf(last, lastlen, "%s/%s", dir, e->d_name) < (int)lastlen);
		n++;
	}
	closedir(d);
	regfree(&re);
	return n;
}

static void test_notify_off_does_nothing(void **state)
{
	struct fixture *f = *state;
	struct bg_config *cfg = config(f, "");
	char last[4096];

	assert_int_equal(bg_notify_event(cfg, event, strlen(event)), BG_OK);
	assert_int_equal(th_httpd_count(f->srv), 0);
	assert_int_equal(queued(f, last, sizeof(last)), 0);
	bg_config_free(cfg);
}

static void test_notify_delivered_posts_the_event(void **state)
{
	struct fixture *f = *state;
	struct bg_config *cfg = config(f, "200");
	char req[8192], last[4096];

	assert_int_equal(bg_notify_event(cfg, event, strlen(event)), BG_OK);
	assert_int_equal(th_httpd_count(f->srv), 1);
	th_httpd_last_request(f->srv, req, sizeof(req));
	assert_true(strncmp(req, "POST /hook/200 ", 15) == 0);
	assert_non_null(strcasestr(req, "\r\nContent-Type: application/json\r\n"));
	assert_non_null(strstr(req, event));
	assert_int_equal(queued(f, last, sizeof(last)), 0);
	bg_config_free(cfg);
}

/* Each way the webhook can fail leaves exactly one well-formed item. */
static void test_notify_failures_are_queued(void **state)
{
	static const char *const answers[] = { "500", "404", "302", "hang" };
	struct fixture *f = *state;
	char last[4096];
	size_t i;

	for (i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		struct bg_config *cfg = config(f, answers[i]);
		json_t *item, *ev, *want;
		struct stat st;

		print_message("webhook answers %s\n", answers[i]);
		assert_int_equal(bg_notify_event(cfg, event, strlen(event)), BG_OK);
		assert_int_equal(queued(f, last, sizeof(last)), i + 1);
		item = json_load_file(last, JSON_REJECT_DUPLICATES, NULL);
		assert_non_null(item);
		assert_int_equal(json_integer_value(json_object_get(item, "version")), 1);
		assert_string_equal(json_string_value(json_object_get(item, "kind")), "notify");
		assert_int_equal(strlen(json_string_value(json_object_get(item, "created"))), 20);
		ev = json_object_get(item, "event");
		want = json_loads(event, 0, NULL);
		assert_true(json_equal(ev, want));
		assert_int_equal(json_object_size(item), 4);
		assert_int_equal(stat(last, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0600);
		json_decref(want);
		json_decref(item);
		bg_config_free(cfg);
		/* Names are time ordered to the millisecond: keep them distinct. */
		usleep(2000);
	}
	assert_true(snprintf(last, sizeof(last), "%s/spool/queue", f->dir) < (int)sizeof(last));
	{
		struct stat st;

		assert_int_equal(stat(last, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0700);
	}
}

static void test_notify_unreachable_is_queued(void **state)
{
	struct fixture *f = *state;
	char extra[256], *path, last[4096];
	struct bg_config *cfg;

	/* Port 1 on loopback: nothing listens, the connection is refused. */
	assert_true(snprintf(extra, sizeof(extra),
			     "\"notify\": {\"webhook_url\": \"http://127.0.0.1:1/hook\"}")
		    < (int)sizeof(extra));
	path = th_config(f->dir, extra);
	cfg = th_config_load(path);
	assert_int_equal(bg_notify_event(cfg, event, strlen(event)), BG_OK);
	assert_int_equal(queued(f, last, sizeof(last)), 1);
	bg_config_free(cfg);
	free(path);
}

static void test_notify_cannot_queue_is_an_error(void **state)
{
	struct fixture *f = *state;
	struct bg_config *cfg = config(f, "500");
	char spool[4096];

	assert_true(snprintf(spool, sizeof(spool), "%s/spool", f->dir) < (int)sizeof(spool));
	assert_int_equal(rmdir(spool), 0);
	assert_int_not_equal(bg_notify_event(cfg, event, strlen(event)), BG_OK);
	bg_config_free(cfg);
}

static void test_notify_queue_refuses_non_objects(void **state)
{
	static const char *const bad[] = { "", "[]", "\"x\"", "{", "{\"a\":1}{" };
	struct fixture *f = *state;
	struct bg_config *cfg = config(f, "500");
	char last[4096];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(bg_notify_queue(cfg, bad[i], strlen(bad[i])), BG_EINVAL);
	assert_int_equal(queued(f, last, sizeof(last)), 0);
	bg_config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_notify_off_does_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notify_delivered_posts_the_event, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notify_failures_are_queued, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notify_unreachable_is_queued, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notify_cannot_queue_is_an_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notify_queue_refuses_non_objects, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
