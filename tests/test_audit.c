/* Tests for the hash-chained audit log (lib/audit.c): lines, escaping,
 * tampering of every kind, corrupt tails, concurrent writers, syslog. */
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "breakglass/audit.h"
#include "helpers.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define ZEROS63 "000000000000000000000000000000000000000000000000000000000000000"
#define ZEROS "0" ZEROS63

/* A fake syslog (the fortified build calls __syslog_chk): calls are counted
 * and the last one kept, nothing reaches the real log. */
static int fake_calls, fake_pri;
static char fake_text[70000];

void __syslog_chk(int pri, int flag, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fake_record(int pri, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void fake_record(int pri, const char *fmt, va_list ap)
{
	fake_calls++;
	fake_pri = pri;
	vsnprintf(fake_text, sizeof(fake_text), fmt, ap);
}

void syslog(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fake_record(pri, fmt, ap);
	va_end(ap);
}

void __syslog_chk(int pri, int flag, const char *fmt, ...)
{
	va_list ap;

	(void)flag;
	va_start(ap, fmt);
	fake_record(pri, fmt, ap);
	va_end(ap);
}

struct fixture {
	char *dir;
	char logdir[PATH_MAX], log[PATH_MAX], tmp[PATH_MAX];
	struct bg_config *cfg;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct bg_config_diags d;
	char text[3 * PATH_MAX + 128], *key, *conf;

	assert_non_null(f);
	f->dir = th_mkdtemp();
	key = th_write_str(f->dir, "k", "key");
	assert_true(strlen(f->dir) < PATH_MAX - 32);
	snprintf(f->logdir, sizeof(f->logdir), "%.*s/log", PATH_MAX - 32, f->dir);
	snprintf(f->log, sizeof(f->log), "%.*s/log/audit.jsonl", PATH_MAX - 32, f->dir);
	snprintf(f->tmp, sizeof(f->tmp), "%.*s/t.jsonl", PATH_MAX - 32, f->dir);
	assert_true(snprintf(text, sizeof(text), "{\"paths\": {\"host_key\": \"%s\", "
			     "\"auditor_keys\": [\"%s\"], \"audit_log\": \"%s\"}}",
			     key, key, f->log) < (int)sizeof(text));
	conf = th_write_str(f->dir, "bg.json", text);
	assert_int_equal(bg_config_load(conf, geteuid(), &f->cfg, &d), BG_OK);
	bg_config_diags_free(&d);
	free(key);
	free(conf);
	fake_calls = 0;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	bg_config_free(f->cfg);
	th_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static struct bg_audit_event event_for(long uid)
{
	struct bg_audit_event ev = {
		.event = "auth", .result = "success", .service = "sshd",
		.user = "alice", .uid = uid, .rhost = "192.0.2.7",
		.ticket = "INC-4711", .justification = "primary database down",
		.mfa = "totp",
	};

	return ev;
}

static void append_n(struct fixture *f, long first_uid, int n)
{
	struct bg_audit_event ev;
	int i;

	for (i = 0; i < n; i++) {
		ev = event_for(first_uid + i);
		assert_int_equal(bg_audit_append(f->cfg, &ev, NULL), BG_OK);
	}
}

/* A whole file, NUL-terminated, and where each of its lines starts. */
struct text {
	char *data;
	size_t len, n, start[64];       /* start[n] == len */
};

static void read_text(const char *path, struct text *t)
{
	FILE *fp = fopen(path, "rb");
	size_t i;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	t->len = (size_t)ftell(fp);
	rewind(fp);
	t->data = malloc(t->len + 1);
	assert_non_null(t->data);
	assert_int_equal(fread(t->data, 1, t->len, fp), t->len);
	t->data[t->len] = '\0';
	fclose(fp);
	t->n = 0;
	t->start[0] = 0;
	for (i = 0; i < t->len; i++)
		if (t->data[i] == '\n' && t->n + 1 < N_ELEMS(t->start))
			t->start[++t->n] = i + 1;
}

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

/* verify on path gives bad line want, or, with want 0, want_lines intact. */
static void expect(const char *label, const char *path, size_t want,
		   size_t want_lines, const char *why_want)
{
	size_t lines = 99, bad = 99;
	char why[128];
	int r = bg_audit_verify(path, &lines, &bad, why, sizeof(why));

	if (r != (want ? BG_EINTEGRITY : BG_OK) || bad != want ||
	    lines != (want ? want - 1 : want_lines) ||
	    (why_want != NULL && strcmp(why, why_want) != 0))
		fail_msg("%s: got %d, bad line %zu, %zu lines, \"%s\"; want bad "
			 "line %zu, \"%s\"", label, r, bad, lines, why, want,
			 why_want ? why_want : "");
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
		{ "user", "alice" }, { "uid", NULL }, { "rhost", "192.0.2.7" },
		{ "tty", "ssh" }, { "ticket", "INC-4711" },
		{ "justification", "primary database down" }, { "approver", "bob" },
		{ "mfa", "totp" }, { "session", "s-0123" },
		{ "expires", "2026-11-28T23:16:34Z" }, { "ticket_unverified", NULL },
		{ "prev", ZEROS }, { "hash", NULL },
	};
	struct tm tm = { .tm_year = 126, .tm_mon = 10, .tm_mday = 28,
			 .tm_hour = 23, .tm_min = 16, .tm_sec = 34 };
	struct bg_audit_event ev = {
		"auth", "success", "none", "sshd", "alice", 1001, "192.0.2.7",
		"ssh", "INC-4711", "primary database down", "bob", "totp",
		"s-0123", timegm(&tm), true,
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

	assert_int_equal(bg_audit_append(f->cfg, &ev, NULL), BG_OK);
	read_text(f->log, &t);
	o = line_json(&t, 0);
	check_members(o, members, N_ELEMS(members));
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
		ev.justification = cases[i].in;
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

/* The next character of the same kind (digit, hex letter, letter). */
static char bump(char c)
{
	if (c >= '0' && c <= '9')
		return c == '9' ? '0' : c + 1;
	if (c >= 'a' && c <= 'f')
		return c == 'f' ? 'a' : c + 1;
	return c == 'Z' ? 'A' : c + 1;
}

static void test_audit_tamper_edit_each_line(void **state)
{
	static const struct { const char *anchor; char to; const char *why; } edits[] = {
		{ "\"uid\":", 0, "hash mismatch" },
		{ "\"ticket\":\"", 0, "hash mismatch" },
		{ "\"time\":\"", 0, "hash mismatch" },
		{ "\"user\":\"", 'A', "hash mismatch" },
		{ "\"prev\":\"", 0, "hash mismatch" },
		{ "\"hash\":\"", 0, "hash mismatch" },
		{ "\"hash\":\"", 'G', "no hash" },
		{ "\"uid\":", 'x', "not JSON" },
	};
	struct fixture *f = *state;
	char label[64], *at, saved;
	struct text t;
	size_t i, e;

	append_n(f, 1000, 10);
	read_text(f->log, &t);
	for (e = 0; e < N_ELEMS(edits); e++) {
		for (i = 0; i < t.n; i++) {
			at = strstr(t.data + t.start[i], edits[e].anchor);
			assert_non_null(at);
			at += strlen(edits[e].anchor);
			saved = *at;
			*at = edits[e].to ? edits[e].to : bump(saved);
			free(th_write(f->dir, "t.jsonl", t.data, t.len, 0600));
			*at = saved;
			snprintf(label, sizeof(label), "edit after %s in line %zu",
				 edits[e].anchor, i + 1);
			expect(label, f->tmp, i + 1, 0, edits[e].why);
		}
	}
	expect("untouched", f->log, 0, 10, "");
	free(t.data);
}

/* Write the lines of t in the order idx[0..k) to f->tmp and verify. */
static void expect_order(struct fixture *f, const struct text *t, const size_t *idx,
			 size_t k, const char *label, size_t bad, const char *why)
{
	char *buf = malloc(t->len * 2 + 1);
	size_t i, n, len = 0;

	assert_non_null(buf);
	for (i = 0; i < k; i++, len += n) {
		n = t->start[idx[i] + 1] - t->start[idx[i]];
		memcpy(buf + len, t->data + t->start[idx[i]], n);
	}
	free(th_write(f->dir, "t.jsonl", buf, len, 0600));
	free(buf);
	expect(label, f->tmp, bad, k, why);
}

static void test_audit_tamper_delete_swap_duplicate(void **state)
{
	struct fixture *f = *state;
	char label[64], why[64];
	size_t idx[16], i, j, k;
	struct text t;

	append_n(f, 1000, 10);
	read_text(f->log, &t);
	for (i = 0; i < 10; i++) {
		for (j = k = 0; j < 10; j++)
			if (j != i)
				idx[k++] = j;
		snprintf(label, sizeof(label), "delete line %zu", i + 1);
		snprintf(why, sizeof(why), "prev does not match line %zu", i);
		/* Deleting the last line leaves an intact, shorter chain: only
		 * the copy in syslog or central storage can show it is gone. */
		expect_order(f, &t, idx, k, label, i == 9 ? 0 : i + 1, i == 9 ? "" :
			     i == 0 ? "prev of the first line is not zeros" : why);
	}
	for (i = 0; i + 1 < 10; i++) {
		for (j = 0; j < 10; j++)
			idx[j] = j == i ? i + 1 : j == i + 1 ? i : j;
		snprintf(label, sizeof(label), "swap lines %zu and %zu", i + 1, i + 2);
		expect_order(f, &t, idx, 10, label, i + 1, NULL);
	}
	for (i = 0; i < 10; i++) {
		for (j = k = 0; j < 10; j++) {
			idx[k++] = j;
			if (j == i)
				idx[k++] = j;
		}
		snprintf(label, sizeof(label), "duplicate line %zu", i + 1);
		snprintf(why, sizeof(why), "prev does not match line %zu", i + 1);
		expect_order(f, &t, idx, k, label, i + 2, why);
	}
	free(t.data);
}

/* The end of a 10-line log cut by `cut` bytes, then `tail` added. */
static void test_audit_tamper_tail(void **state)
{
	static const struct { const char *tail; size_t cut, bad; const char *why; } cases[] = {
		{ "", 1, 10, "missing final newline" },
		{ "", 100, 10, "missing final newline" },
		{ "garbage\n", 0, 11, "not JSON" },
		{ "\n", 0, 11, "not JSON" },
		{ "{}\n", 0, 11, "no hash" },
		{ "[1]", 0, 11, "missing final newline" },
	};
	struct fixture *f = *state;
	struct text t;
	size_t i, len;
	char *buf;

	append_n(f, 1000, 10);
	read_text(f->log, &t);
	assert_non_null(buf = malloc(t.len + 16));
	for (i = 0; i < N_ELEMS(cases); i++) {
		len = t.len - cases[i].cut;
		memcpy(buf, t.data, len);
		memcpy(buf + len, cases[i].tail, strlen(cases[i].tail));
		free(th_write(f->dir, "t.jsonl", buf, len + strlen(cases[i].tail), 0600));
		expect(cases[i].why, f->tmp, cases[i].bad, 0, cases[i].why);
	}
	free(buf);
	free(t.data);
}

/* Lines with a correct hash but other faults, each alone in a file. */
static void test_audit_verify_crafted_lines(void **state)
{
	static const struct { const char *head; size_t bad; const char *why; } cases[] = {
		{ "{\"prev\":\"" ZEROS "\"", 0, "" },
		{ "{\"e\":\"a\",\"e\":\"b\",\"prev\":\"" ZEROS "\"", 1, "not JSON" },
		{ "{\"prev\":\"" ZEROS "\",\"hash\":\"" ZEROS "\"", 1, "not JSON" },
		{ "{\"event\":\"auth\"", 1, "no prev" },
		{ "{\"prev\":\"" ZEROS "0\"", 1, "no prev" },
		{ "{\"prev\":\"A" ZEROS63 "\"", 1, "no prev" },
		{ "{\"prev\":1", 1, "no prev" },
		{ "{\"prev\":\"1" ZEROS63 "\"", 1, "prev of the first line is not zeros" },
	};
	struct fixture *f = *state;
	char line[512], hex[65];
	unsigned char h[32];
	size_t i;

	for (i = 0; i < N_ELEMS(cases); i++) {
		crypto_generichash(h, sizeof(h), (const unsigned char *)cases[i].head,
				   strlen(cases[i].head), NULL, 0);
		sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
		snprintf(line, sizeof(line), "%s,\"hash\":\"%s\"}\n", cases[i].head, hex);
		free(th_write_str(f->dir, "t.jsonl", line));
		expect(cases[i].head, f->tmp, cases[i].bad, 1, cases[i].why);
	}
}

static void test_audit_verify_empty_missing_and_long(void **state)
{
	struct fixture *f = *state;
	size_t lines = 9, bad = 9, n = 1024 * 1024 + 1;
	char why[64], *big = malloc(n + 1);

	free(th_write_str(f->dir, "t.jsonl", ""));
	expect("empty", f->tmp, 0, 0, "");
	assert_int_equal(bg_audit_verify(f->log, &lines, &bad, why, sizeof(why)), BG_ENOENT);
	assert_int_equal(lines + bad, 0);
	assert_non_null(big);
	memset(big, 'x', n);
	big[n] = '\n';
	free(th_write(f->dir, "t.jsonl", big, n + 1, 0600));
	expect("long", f->tmp, 1, 0, "line too long");
	free(big);
}

/* A tail that is not an event line stops appends: noticed, not papered over. */
static void test_audit_append_refuses_corrupt_tail(void **state)
{
	static const struct { const char *what; size_t cut, xs; const char *tail; } cases[] = {
		{ "cut last line", 30, 0, "" },
		{ "newline removed", 1, 0, "" },
		{ "byte after last line", 1, 0, "X" },
		{ "garbage line", 0, 0, "garbage\n" },
		{ "empty line", 0, 0, "\n" },
		{ "edited last line", 0, 0, NULL },
		{ "line over 64 KiB", 0, 70000, "\n" },
		{ "long unended line", 0, 70000, "" },
	};
	struct fixture *f = *state;
	struct bg_audit_event ev = event_for(5);
	struct text t, after;
	size_t i, len;
	char *buf;

	append_n(f, 1000, 3);
	read_text(f->log, &t);
	assert_non_null(buf = malloc(t.len + 70016));
	for (i = 0; i < N_ELEMS(cases); i++) {
		len = t.len - cases[i].cut;
		memcpy(buf, t.data, len);
		if (cases[i].tail == NULL)
			buf[t.start[2] + 10] = bump(buf[t.start[2] + 10]);
		memset(buf + len, 'x', cases[i].xs);
		len += cases[i].xs;
		if (cases[i].tail != NULL) {
			memcpy(buf + len, cases[i].tail, strlen(cases[i].tail));
			len += strlen(cases[i].tail);
		}
		free(th_write(f->logdir, "audit.jsonl", buf, len, 0600));
		fake_calls = 0;
		if (bg_audit_append(f->cfg, &ev, NULL) != BG_EINTEGRITY)
			fail_msg("%s: append was not refused", cases[i].what);
		read_text(f->log, &after);
		assert_int_equal(after.len, len);
		assert_memory_equal(after.data, buf, len);
		assert_int_equal(fake_calls, 0);
		free(after.data);
	}
	free(buf);
	free(t.data);
}

static void test_audit_fifty_processes_append_at_once(void **state)
{
	struct fixture *f = *state;
	int go[2], status, i;
	pid_t pids[50];
	char c;

	append_n(f, 1000, 5);
	assert_int_equal(pipe(go), 0);
	for (i = 0; i < 50; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			struct bg_audit_event ev = event_for(2000 + i);

			close(go[1]);
			/* All start together: EOF once the parent closes its end. */
			if (read(go[0], &c, 1) != 0)
				_exit(2);
			_exit(bg_audit_append(f->cfg, &ev, NULL) == BG_OK ? 0 : 1);
		}
	}
	close(go[0]);
	close(go[1]);
	for (i = 0; i < 50; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	expect("concurrent", f->log, 0, 55, "");
}

static void test_audit_creates_private_dir_and_file(void **state)
{
	struct fixture *f = *state;
	mode_t old = umask(022);
	struct stat st;

	append_n(f, 1000, 1);
	umask(old);
	assert_int_equal(lstat(f->logdir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(lstat(f->log, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_uid, geteuid());
}

static void set_log(struct fixture *f, const char *path)
{
	free(f->cfg->paths.audit_log);
	assert_non_null(f->cfg->paths.audit_log = strdup(path));
}

static void test_audit_refuses_bad_places(void **state)
{
	struct fixture *f = *state;
	struct bg_audit_event ev = event_for(1);
	struct stat st;

	/* No parent for the log's directory: not made. */
	snprintf(f->tmp, sizeof(f->tmp), "%.*s/no/such/audit.jsonl", PATH_MAX - 32, f->dir);
	set_log(f, f->tmp);
	assert_int_equal(bg_audit_append(f->cfg, &ev, NULL), BG_ENOENT);
	/* A symbolic link in place of the log is not followed. */
	set_log(f, f->log);
	assert_int_equal(mkdir(f->logdir, 0700), 0);
	assert_int_equal(symlink("../target", f->log), 0);
	assert_int_equal(bg_audit_append(f->cfg, &ev, NULL), BG_EUNSAFE);
	snprintf(f->tmp, sizeof(f->tmp), "%.*s/target", PATH_MAX - 32, f->dir);
	assert_int_equal(lstat(f->tmp, &st), -1);
	/* Nor is a directory a log. */
	set_log(f, f->logdir);
	assert_int_not_equal(bg_audit_append(f->cfg, &ev, NULL), BG_OK);
	assert_int_equal(fake_calls, 0);
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
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_audit_twenty_events_verify),
		T(test_audit_full_event_line),
		T(test_audit_null_fields_left_out),
		T(test_audit_syslog_priority_follows_result),
		T(test_audit_escapes_untrusted_text),
		T(test_audit_tamper_edit_each_line),
		T(test_audit_tamper_delete_swap_duplicate),
		T(test_audit_tamper_tail),
		T(test_audit_verify_crafted_lines),
		T(test_audit_verify_empty_missing_and_long),
		T(test_audit_append_refuses_corrupt_tail),
		T(test_audit_fifty_processes_append_at_once),
		T(test_audit_creates_private_dir_and_file),
		T(test_audit_refuses_bad_places),
		T(test_audit_line_size_limit),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
