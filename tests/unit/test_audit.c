/* Tests for appending to the hash-chained audit log (lib/audit/audit.c):
 * the lines written, escaping, syslog and size limits; the file and
 * concurrent writers are in test_audit_file.c, verifying in
 * test_auditverify.c. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "breakglass/audit/audit.h"
#include "breakglass/audit/auditverify.h"
#include "fake_syslog.h"
#include "helpers.h"
#include "test_audit.h"

/* Line i (0-based) as a JSON object, to be released by the caller. */
static json_t *line_json(const struct text *t, size_t i)
{
	json_t *o = json_loadb(t->data + t->start[i],
			       t->start[i + 1] - t->start[i] - 1, 0, NULL);

	assert_non_null(o);
	return o;
}

struct member {
	const char *key, *value;        /* value NULL: not compared */
};

/* o holds exactly these members, in this order. */
static void check_members(json_t *o, const struct member *m, size_t n)
{
	size_t i = 0;
	void *it;

	for (it = json_object_iter(o); it != NULL; it = json_object_iter_next(o, it), i++) {
		assert_true(i < n);
		assert_string_equal(json_object_iter_key(it), m[i].key);
		if (m[i].value != NULL)
			assert_string_equal(json_string_value(json_object_iter_value(it)),
					    m[i].value);
	}
	assert_int_equal(i, n);
}

static void test_audit_twenty_events_verify(void **state)
{
	struct fixture *f = *state;

	append_n(f, 1000, 20);
	assert_int_equal(fake_calls, 20);
	expect("twenty", f->log, 0, 20, "");
}

static void test_audit_full_event_line(void **state)
{
	static const struct member members[] = {
		{ "time", NULL }, { "host", NULL }, { "event", "auth" },
		{ "result", "success" }, { "reason", "none" }, { "service", "sshd" },
		{ "user", "alice" }, { "uid", NULL }, { "actor", "carol" }, { "actor_uid", NULL },
		{ "rhost", "192.0.2.7" },
		{ "tty", "ssh" }, { "ticket", "INC-4711" },
		{ "justification", "primary database down" }, { "approver", "bob" },
		{ "mfa", "totp" }, { "session", "s-0123" },
		{ "expires", "2026-11-28T23:16:34Z" }, { "ticket_unverified", NULL },
		{ "prev", ZEROS }, { "hash", NULL },
	};
	struct tm tm = { .tm_year = 126, .tm_mon = 10, .tm_mday = 28,
			 .tm_hour = 23, .tm_min = 16, .tm_sec = 34 };
	const struct bg_actor carol = { .uid = 1002, .name = "carol", .from_login = true };
	struct bg_audit_event ev = {
		.event = "auth", .result = "success", .reason = "none",
		.req = { (char *)"sshd", (char *)"alice", 1001, (char *)"192.0.2.7",
			 (char *)"ssh", (char *)"INC-4711", (char *)"primary database down",
			 (char *)"bob", (char *)"totp", true },
		.actor = &carol, .session = "s-0123", .expires = timegm(&tm),
	};
	char host[HOST_NAME_MAX + 1] = "", hex[65];
	struct timespec before, after;
	struct fixture *f = *state;
	const char *cut, *rest;
	unsigned char h[32];
	struct bg_buf line;
	struct text t;
	json_t *o;

	/* The library's clock: time() may lag behind it. */
	bg_buf_init(&line, 1 << 20);
	assert_int_equal(clock_gettime(CLOCK_REALTIME, &before), 0);
	assert_int_equal(bg_audit_append(f->cfg, &ev, &line), BG_OK);
	assert_int_equal(clock_gettime(CLOCK_REALTIME, &after), 0);
	read_text(f->log, &t);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.len, line.len + 1);
	assert_memory_equal(t.data, line.data, line.len);
	o = line_json(&t, 0);
	check_members(o, members, N_ELEMS(members));
	assert_int_equal(json_integer_value(json_object_get(o, "uid")), 1001);
	assert_int_equal(json_integer_value(json_object_get(o, "actor_uid")), 1002);
	assert_true(json_is_true(json_object_get(o, "ticket_unverified")));
	assert_int_equal(gethostname(host, sizeof(host) - 1), 0);
	assert_string_equal(json_string_value(json_object_get(o, "host")), host);
	/* RFC 3339, UTC, milliseconds, and now. */
	memset(&tm, 0, sizeof(tm));
	rest = strptime(json_string_value(json_object_get(o, "time")),
			"%Y-%m-%dT%H:%M:%S", &tm);
	assert_non_null(rest);
	assert_true(strlen(rest) == 5 && rest[0] == '.' && rest[4] == 'Z' &&
		    strspn(rest + 1, "0123456789") == 3);
	assert_in_range(timegm(&tm), before.tv_sec, after.tv_sec);
	/* The hash, computed here from the bytes before `,"hash":"`. */
	cut = strstr(t.data, ",\"hash\":\"");
	assert_non_null(cut);
	crypto_generichash(h, sizeof(h), (const unsigned char *)t.data,
			   (size_t)(cut - t.data), NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	assert_string_equal(json_string_value(json_object_get(o, "hash")), hex);
	assert_int_equal(fake_calls, 1);
	assert_int_equal(fake_pri, LOG_AUTHPRIV | LOG_NOTICE);
	assert_memory_equal(fake_text, "breakglass: ", 12);
	assert_string_equal(fake_text + 12, line.data);
	json_decref(o);
	free(t.data);
	bg_buf_free(&line);
}

static void test_audit_null_fields_left_out(void **state)
{
	static const struct member members[] = {
		{ "time", NULL }, { "host", NULL }, { "event", "auth" },
		{ "result", "failure" }, { "reason", "bad_code" }, { "prev", ZEROS },
		{ "hash", NULL },
	};
	struct bg_audit_event ev = { .event = "auth", .result = "failure",
				     .reason = "bad_code", .uid = -1 };
	struct fixture *f = *state;
	struct text t;
	json_t *o;

	static const struct member nameless[] = {
		{ "time", NULL }, { "host", NULL }, { "event", "unlock" },
		{ "result", "success" }, { "actor_uid", NULL }, { "prev", NULL },
		{ "hash", NULL },
	};
	const struct bg_actor anon = { .uid = 3999999 };
	struct bg_audit_event ev2 = { .event = "unlock", .result = "success", .uid = -1,
				      .actor = &anon };

	assert_int_equal(bg_audit_append(f->cfg, &ev, NULL), BG_OK);
	read_text(f->log, &t);
	o = line_json(&t, 0);
	check_members(o, members, N_ELEMS(members));
	json_decref(o);
	free(t.data);
	/* an actor whose uid has no name: the number alone */
	assert_int_equal(bg_audit_append(f->cfg, &ev2, NULL), BG_OK);
	read_text(f->log, &t);
	o = line_json(&t, 1);
	check_members(o, nameless, N_ELEMS(nameless));
	assert_int_equal(json_integer_value(json_object_get(o, "actor_uid")), 3999999);
	json_decref(o);
	free(t.data);
}

static void test_audit_syslog_priority_follows_result(void **state)
{
	static const struct { const char *result; int pri; } cases[] = {
		{ "success", LOG_NOTICE }, { "failure", LOG_WARNING },
		{ NULL, LOG_WARNING }, { "Success", LOG_WARNING },
	};
	struct fixture *f = *state;
	struct bg_audit_event ev = event_for(7);
	struct bg_buf line;
	size_t i;

	bg_buf_init(&line, 1 << 20);
	for (i = 0; i < N_ELEMS(cases); i++) {
		ev.result = cases[i].result;
		bg_buf_reset(&line);
		assert_int_equal(bg_audit_append(f->cfg, &ev, &line), BG_OK);
		assert_int_equal(fake_calls, (int)i + 1);
		assert_int_equal(fake_pri, LOG_AUTHPRIV | cases[i].pri);
		assert_string_equal(fake_text + strlen("breakglass: "), line.data);
	}
	bg_buf_free(&line);
}

static void test_audit_escapes_untrusted_text(void **state)
{
	static const struct { const char *in, *raw, *value; } cases[] = {
		{ "caf\xc3\xa9", "caf\\u00E9", "caf\xc3\xa9" },
		{ "\x1b[2J", "\\u001B[2J", "\x1b[2J" },
		{ "a\r\nb", "a\\r\\nb", "a\r\nb" },
		{ "tab\there", "tab\\there", "tab\there" },
		{ "del\x7f", "del\\u007f", "del\x7f" },
		{ "nel\xc2\x85", "nel\\u0085", "nel\xc2\x85" },
		{ "quote\" back\\", "quote\\\" back\\\\", "quote\" back\\" },
		/* Not UTF-8: kept, as \xNN text, rather than losing the event. */
		{ "bad\xff\xfe", "bad\\\\xff\\\\xfe", "bad\\xff\\xfe" },
	};
	struct fixture *f = *state;
	struct bg_audit_event ev = event_for(1);
	struct text t;
	size_t i;

	for (i = 0; i < N_ELEMS(cases); i++) {
		ev.justification = (char *)cases[i].in;
		assert_int_equal(bg_audit_append(f->cfg, &ev, NULL), BG_OK);
	}
	read_text(f->log, &t);
	assert_int_equal(t.n, N_ELEMS(cases));
	for (i = 0; i < t.len; i++)
		if (((unsigned char)t.data[i] < 0x20 && t.data[i] != '\n') ||
		    (unsigned char)t.data[i] >= 0x7f)
			fail_msg("raw byte 0x%02x at %zu", (unsigned char)t.data[i], i);
	for (i = 0; i < N_ELEMS(cases); i++) {
		json_t *o = line_json(&t, i);

		assert_non_null(memmem(t.data + t.start[i], t.start[i + 1] - t.start[i],
				       cases[i].raw, strlen(cases[i].raw)));
		assert_string_equal(json_string_value(json_object_get(o, "justification")),
				    cases[i].value);
		json_decref(o);
	}
	expect("escaped", f->log, 0, N_ELEMS(cases), "");
	free(t.data);
}

/* A line that append could not find again as the last one (64 KiB with
 * its newline) is refused; the longest allowed is found again. */
static void test_audit_line_size_limit(void **state)
{
	struct fixture *f = *state;
	struct bg_audit_event ev = event_for(1);
	char *big = calloc(70001, 1);
	struct bg_buf line;
	size_t most;

	assert_non_null(big);
	bg_buf_init(&line, 1 << 20);
	ev.justification = big;
	assert_int_equal(bg_audit_append(f->cfg, &ev, &line), BG_OK);
	/* Every line of this event is as long as this one plus the text. */
	most = 64 * 1024 - 2 - line.len;
	memset(big, 'j', most + 1);
	assert_int_equal(bg_audit_append(f->cfg, &ev, NULL), BG_ETOOBIG);
	big[most] = '\0';
	assert_int_equal(bg_audit_append(f->cfg, &ev, NULL), BG_OK);
	assert_int_equal(bg_audit_append(f->cfg, &ev, NULL), BG_OK);
	/* Six times as long once escaped. */
	memset(big, '\x1b', most / 5);
	assert_int_equal(bg_audit_append(f->cfg, &ev, NULL), BG_ETOOBIG);
	memset(big, 'j', 70000);
	assert_int_equal(bg_audit_append(f->cfg, &ev, NULL), BG_ETOOBIG);
	append_n(f, 1000, 1);
	expect("after refusals", f->log, 0, 4, "");
	assert_int_equal(fake_calls, 4);
	bg_buf_free(&line);
	free(big);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, audit_setup, audit_teardown)
	const struct CMUnitTest tests[] = {
		T(test_audit_twenty_events_verify),
		T(test_audit_full_event_line),
		T(test_audit_null_fields_left_out),
		T(test_audit_syslog_priority_follows_result),
		T(test_audit_escapes_untrusted_text),
		T(test_audit_append_refuses_corrupt_tail),
		T(test_audit_fifty_processes_append_at_once),
		T(test_audit_creates_private_dir_and_file),
		T(test_audit_refuses_bad_places),
		T(test_audit_line_size_limit),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
