/* Tests for the recording sink (recorder/record.c) on injected clocks:
 * the grant first and on disk, flush and segment timing, input redaction,
 * expiry warnings and end, the disk-full policies and refusals to start. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <sodium.h>

#include "breakglass/evidence/manifestread.h"
#include "breakglass/evidence/transcript.h"
#include "helpers.h"
#include "record.h"

#define US 1000000ULL
#define MS 1000ULL
#define T0 (5000 * US)          /* the monotonic clock at record_open */
#define WALL0 1700000000        /* the wall clock then */
#define WARN5 (T0 + 3300 * US)  /* the 5-minute warning of a one-hour grant */
#define NEV 64

/* One test's state; file-level since the clocks and relay_notice need it. */
static struct fx {
	char *tmp, spool[PATH_MAX], dir[PATH_MAX];
	struct bg_config *cfg;
	struct bg_keypair *host, *aud, *esc;
	const struct bg_keypair *open_with;     /* verify's escrow key, or NULL */
	struct bg_grant g;
	struct record_opts o;
	struct record *r;
	uint64_t mono;
	int priv_calls, n_notices;
	char notices[8][128];
	struct ev { int type; uint64_t t; size_t len; unsigned char *data; } ev[NEV];
	size_t nev;
} *f;

static char user[] = "alice", ticket[] = "INC-4711", just[] = "db1 is down, restoring";

/* The relay's clock, which the recording's deadlines are on. */
uint64_t relay_now_us(void)
{
	return f->mono;
}

static time_t test_wall(void)
{
	return WALL0 + (time_t)((f->mono - T0) / US);
}

/* The relay's notice, captured instead of written to a terminal. */
int relay_notice(struct relay *r, const char *text, size_t len)
{
	assert_true(r == (struct relay *)f && f->n_notices < 8);
	(void)!snprintf(f->notices[f->n_notices], sizeof(f->notices[0]), "%.*s", (int)len, text);
	f->n_notices++;
	return 0;
}

/* The recorder's own table, with this process's ids as the account's:
 * the spool requests run as they do setuid. */
static int test_priv(void *pctx, struct priv_req *req)
{
	struct priv own = { getuid(), getgid(), getuid(), getgid(), false };
	int rc;

	assert_ptr_equal(pctx, f);
	assert_true(req->op == PRIV_SEGMENT_OPEN || req->op == PRIV_SEGMENT_NEXT ||
		    req->op == PRIV_MANIFEST_WRITE);
	f->priv_calls++;
	rc = priv_request(&own, req);
	/* priv.c leaves the process undumpable; LeakSanitizer needs it back. */
	assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
	assert_int_equal(prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), 0);
	return rc;
}

static int setup(void **state)
{
	assert_non_null(f = calloc(1, sizeof(*f)));
	f->tmp = th_mkdtemp();
	assert_int_equal(bg_keys_generate(BG_KEY_HOST, &f->host), BG_OK);
	assert_int_equal(bg_keys_generate(BG_KEY_AUDITOR, &f->aud), BG_OK);
	assert_int_equal(bg_keys_generate(BG_KEY_AUDITOR, &f->esc), BG_OK);
	assert_true(snprintf(f->spool, sizeof(f->spool), "%s/spool", f->tmp) < PATH_MAX);
	assert_int_equal(mkdir(f->spool, 0700), 0);
	*state = f;
	return 0;
}

static int teardown(void **state __attribute__((unused)))
{
	while (f->nev > 0)
		free(f->ev[--f->nev].data);
	record_free(f->r);
	bg_config_free(f->cfg);
	bg_keys_free(f->host);
	bg_keys_free(f->aud);
	bg_keys_free(f->esc);
	th_rmtree(f->tmp);
	free(f->tmp);
	free(f);
	return 0;
}

/* A configuration with recorder set to members (JSON), the clocks at
 * T0 and WALL0, a fresh grant running from then for secs seconds, and
 * unless just_prepare the recording opened. */
static void open_rec(const char *members, long secs, bool just_prepare)
{
	char extra[256], why[256] = "", *conf;

	record_free(f->r);
	f->r = NULL;
	bg_config_free(f->cfg);
	f->mono = T0;
	f->n_notices = f->priv_calls = 0;
	assert_true(snprintf(extra, sizeof(extra), "\"recorder\": {%s}", members) <
		    (int)sizeof(extra));
	conf = th_config(f->tmp, extra);
	f->cfg = th_config_load(conf);
	free(conf);
	f->g = (struct bg_grant){ .user = user, .uid = (long)getuid(), .ticket = ticket,
				  .justification = just, .start = test_wall(),
				  .expires = test_wall() + secs };
	assert_int_equal(bg_grant_new_id(f->g.session), BG_OK);
	assert_true(snprintf(f->dir, sizeof(f->dir), "%s/%s", f->spool, f->g.session) < PATH_MAX);
	f->o = (struct record_opts){
		.cfg = f->cfg, .grant = &f->g, .host_name = "bastion1", .host = f->host,
		.auditors = &f->aud->pub, .n_auditors = 1, .priv = test_priv, .priv_ctx = f,
		.wall = test_wall,
	};
	if (!just_prepare && record_open(&f->o, &f->r, why, sizeof(why)) != BG_OK)
		fail_msg("record_open: %s", why);
}

static int collect(void *ctx, const struct bg_event *e)
{
	struct ev *v = &f->ev[f->nev++];

	assert_true(ctx == f && f->nev <= NEV);
	*v = (struct ev){ .type = e->type, .t = e->t_us, .len = e->len };
	/* NUL-terminated, so that text compares as a string. */
	assert_non_null(v->data = calloc(1, e->len + 1));
	if (e->len > 0)
		memcpy(v->data, e->data, e->len);
	return 0;
}

/* The transcript as an auditor reads it, with the host key pinned. */
static void verify(enum bg_verdict want)
{
	struct bg_transcript_opts o = { .dir = f->dir, .host = &f->host->pub, .auditor = f->aud,
					.escrow = f->open_with };
	enum bg_verdict v;
	char why[256] = "";

	while (f->nev > 0)
		free(f->ev[--f->nev].data);
	assert_int_equal(bg_transcript_verify(&o, collect, f, &v, why, sizeof(why)), BG_OK);
	if (v != want)
		fail_msg("verdict %d, want %d: %s", v, want, why);
	assert_true(f->nev >= 1 && f->ev[0].type == BG_EV_META && f->ev[0].t == 0);
}

static struct bg_manifest *manifest(void)
{
	struct bg_manifest *m = NULL;
	char why[256] = "";

	if (bg_manifestread_load(f->dir, &f->host->pub, &m, why, sizeof(why)) != BG_OK)
		fail_msg("manifest: %s", why);
	return m;
}

/* The size of segment n's file, -1 if there is none. */
static long long seg_size(unsigned n)
{
	char p[PATH_MAX + 16];
	struct stat st;

	assert_true(snprintf(p, sizeof(p), "%s/%06u.bgr", f->dir, n) < (int)sizeof(p));
	return stat(p, &st) == 0 ? (long long)st.st_size : -1;
}

static int tick_at(uint64_t t)
{
	f->mono = t;
	return record_sink.tick(f->r, (struct relay *)f, t);
}

static int out(const char *s)
{
	return record_sink.output(f->r, (const unsigned char *)s, strlen(s));
}

static uint64_t deadline(void)
{
	return record_sink.deadline(f->r);
}

/* The tests; each starts from setup's fresh fixture. */
#define CASE(name) static void name(void **state __attribute__((unused)))

CASE(test_open_private_dir_manifest_grant_first_then_banner)
{
	struct bg_manifest *m;
	struct stat st;
	char want[512], text[256], tiny[16];

	open_rec("", 3600, false);
	assert_int_equal(stat(f->dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0700);
	assert_int_equal(f->priv_calls, 1);
	m = manifest();
	assert_true(m->n_segments == 0 && !m->complete && m->end == NULL);
	assert_string_equal(m->ticket, ticket);
	bg_manifest_free(m);
	/* Still open: what verify sees was flushed by record_open itself. */
	verify(BG_VERDICT_TRUNCATED);
	assert_int_equal(f->nev, 1);
	assert_true(snprintf(want, sizeof(want), "{\"grant\":{\"version\":1,\"session\":\"%s\","
			     "\"user\":\"%s\",\"uid\":%ld,\"ticket\":\"%s\",\"justification\":"
			     "\"%s\",\"start\":%d,\"expires\":%d}}", f->g.session, user, f->g.uid,
			     ticket, just, WALL0, WALL0 + 3600) < (int)sizeof(want));
	assert_string_equal((char *)f->ev[0].data, want);
	assert_int_equal(record_banner(f->r, tiny, sizeof(tiny)), BG_ETRUNC);
	assert_int_equal(record_banner(f->r, text, sizeof(text)), BG_OK);
	assert_non_null(strstr(text, ticket));
	assert_non_null(strstr(text, "2023-11-14 23:13:20 UTC"));
	assert_int_equal(record_close(f->r, 0), BG_OK);
	verify(BG_VERDICT_COMPLETE);
	assert_int_equal(f->nev, 3);
	assert_int_equal(f->ev[1].type, BG_EV_OUT);
	assert_string_equal((char *)f->ev[1].data, text);
}

/* The relay sleeps until deadline(): it must come flush_ms after data,
 * segment_seconds after a segment got its first data, else not before
 * the first expiry warning. */
CASE(test_flush_and_time_rotation_deadlines_idle_has_no_wakeup)
{
	struct bg_manifest *m;
	uint64_t t = T0 + 40 * US;
	long long before;

	open_rec("\"flush_ms\": 250, \"segment_seconds\": 10", 3600, false);
	assert_int_equal(deadline(), WARN5);
	/* Idle for long: nothing to cut. */
	assert_int_equal(tick_at(t), 0);
	assert_int_equal(deadline(), WARN5);
	before = seg_size(0);
	assert_int_equal(out("one"), 0);
	assert_int_equal(deadline(), t + 250 * MS);
	assert_int_equal(tick_at(t + 250 * MS - 1), 0);
	assert_int_equal(seg_size(0), before);
	assert_int_equal(tick_at(t + 250 * MS), 0);
	assert_true(seg_size(0) > before);
	assert_int_equal(deadline(), t + 10 * US);
	assert_int_equal(tick_at(t + 10 * US - 1), 0);
	assert_true(seg_size(1) == -1 && f->priv_calls == 1);
	assert_int_equal(tick_at(t + 10 * US), 0);
	assert_true(seg_size(1) > 0 && f->priv_calls == 2);
	m = manifest();
	assert_true(m->n_segments == 1 && m->segments[0].n == 0 && !m->complete);
	assert_int_equal(m->segments[0].bytes, seg_size(0));
	bg_manifest_free(m);
	assert_int_equal(deadline(), WARN5);
	/* The warning comes first when it is due before the flush. */
	f->mono = WARN5 - 100 * MS;
	assert_int_equal(out("two"), 0);
	assert_int_equal(deadline(), WARN5);
	assert_int_equal(record_close(f->r, 0), BG_OK);
	verify(BG_VERDICT_COMPLETE);
	assert_int_equal(f->nev, 4);
	assert_string_equal((char *)f->ev[1].data, "one");
	assert_int_equal(f->ev[1].t, t - T0);
	assert_string_equal((char *)f->ev[2].data, "two");
}

CASE(test_size_rotation_at_segment_bytes)
{
	enum { PIECE = 8192, PIECES = 12 };
	unsigned char *data = malloc(PIECE * PIECES);
	struct bg_manifest *m;
	size_t i, got = 0;

	assert_non_null(data);
	randombytes_buf(data, PIECE * PIECES);
	open_rec("\"flush_ms\": 100, \"segment_seconds\": 3600, \"segment_bytes\": 65536",
		 3600, false);
	for (i = 0; i < PIECES; i++) {
		f->mono += US;
		assert_int_equal(record_sink.output(f->r, data + i * PIECE, PIECE), 0);
		assert_int_equal(tick_at(f->mono + 100 * MS), 0);
	}
	assert_true(seg_size(1) > 0 && seg_size(2) == -1 && f->priv_calls == 2);
	m = manifest();
	assert_true(m->n_segments == 1 && m->segments[0].bytes >= 65536);
	assert_int_equal(m->segments[0].bytes, seg_size(0));
	bg_manifest_free(m);
	assert_int_equal(record_close(f->r, 0), BG_OK);
	verify(BG_VERDICT_COMPLETE);
	for (i = 1; i + 1 < f->nev; i++) {
		assert_int_equal(f->ev[i].type, BG_EV_OUT);
		assert_memory_equal(f->ev[i].data, data + got, f->ev[i].len);
		got += f->ev[i].len;
	}
	assert_int_equal(got, PIECE * PIECES);
	free(data);
}

CASE(test_input_policy_table_and_resize)
{
	static const struct {
		const char *policy;
		int type[2];            /* of "ls -l\r" typed with echo, of "pw" without */
		const char *data[2];    /* redacted: the length, u32 LE */
		size_t len[2];
		bool span;              /* the echo-off span marked at the end */
	} t[] = {
		{ "redact-when-no-echo", { BG_EV_IN, BG_EV_IN_REDACTED }, { "ls -l\r", "\2\0\0\0" },
		  { 6, 4 }, true },
		{ "record", { BG_EV_IN, BG_EV_IN }, { "ls -l\r", "pw" }, { 6, 2 }, false },
		{ "redact", { BG_EV_IN_REDACTED, BG_EV_IN_REDACTED }, { "\6\0\0\0", "\2\0\0\0" },
		  { 4, 4 }, false },
	};
	char members[64];
	size_t i, k;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_true(snprintf(members, sizeof(members), "\"input\": \"%s\"", t[i].policy) <
			    (int)sizeof(members));
		open_rec(members, 3600, false);
		assert_int_equal(record_sink.input(f->r, (const unsigned char *)"ls -l\r", 6,
						   false), 0);
		assert_int_equal(record_sink.input(f->r, (const unsigned char *)"pw", 2, true), 0);
		assert_int_equal(record_sink.resize(f->r, 80, 24), 0);
		assert_int_equal(record_sink.resize(f->r, 300, 70000), 0);
		assert_int_equal(record_close(f->r, 0), BG_OK);
		verify(BG_VERDICT_COMPLETE);
		assert_int_equal(f->nev, 6 + t[i].span);
		if (t[i].span)
			assert_string_equal(f->ev[5].data, "{\"redaction\":{\"bytes\":2,\"lines\":1}}");
		for (k = 0; k < 2; k++) {
			assert_int_equal(f->ev[1 + k].type, t[i].type[k]);
			assert_int_equal(f->ev[1 + k].len, t[i].len[k]);
			assert_memory_equal(f->ev[1 + k].data, t[i].data[k], t[i].len[k]);
		}
		/* Columns then rows, u16 LE; what does not fit is clamped. */
		assert_true(f->ev[3].type == BG_EV_RESIZE && f->ev[4].type == BG_EV_RESIZE);
		assert_memory_equal(f->ev[3].data, "\x50\0\x18\0", 4);
		assert_memory_equal(f->ev[4].data, "\x2c\x01\xff\xff", 4);
	}
}

/* Each case runs from deadline to deadline, as the relay would, until the
 * sink ends the session; the warnings come when due, and only those. */
/* Input as the relay hands it over (echo_off) after output: the events
 * written, in, in_redacted (the length) and redaction meta as text. */
static void input(const char *s, bool echo_off)
{
	assert_int_equal(record_sink.input(f->r, (const unsigned char *)s, strlen(s), echo_off), 0);
}

static void expect_events(const char *const *want, size_t n)
{
	char got[128];
	size_t i, k = 0;

	assert_int_equal(record_close(f->r, 0), BG_OK);
	verify(BG_VERDICT_COMPLETE);
	for (i = 1; i + 1 < f->nev; i++) {
		if (f->ev[i].type == BG_EV_OUT)
			continue;
		if (f->ev[i].type == BG_EV_IN_REDACTED)
			(void)snprintf(got, sizeof(got), "[%u]", (unsigned)f->ev[i].data[0]);
		else
			(void)snprintf(got, sizeof(got), "%s", (const char *)f->ev[i].data);
		assert_true(k < n);
		assert_string_equal(got, want[k++]);
	}
	assert_int_equal(k, n);
}

CASE(test_prompt_answer_redacted_in_raw_mode)
{
	static const char *const want[] = {
		"sudo -k id\r", "[7]", "{\"redaction\":{\"bytes\":7,\"lines\":1}}", "id\r",
		"[2]", "[3]", "{\"redaction\":{\"bytes\":5,\"lines\":1}}",
	};

	/* the outer pty raw (echo_off false), the prompt from a nested one */
	open_rec("\"input\": \"redact-when-no-echo\"", 3600, false);
	assert_int_equal(out("$ "), 0);
	input("sudo -k id\r", false);
	assert_int_equal(out("sudo -k id\r\n\x1b[?25l[sudo] password for x: \x1b[?25h"), 0);
	input("secret\rid\r", false);
	assert_int_equal(out("\r\nuid=0(root)\r\n$ ssh db1\r\nx@db1's password: "), 0);
	input("pw", false);
	input("pw\r", false);
	expect_events(want, sizeof(want) / sizeof(want[0]));
}

CASE(test_echo_off_span_over_three_lines)
{
	static const char *const want[] = {
		"stty -echo\r", "[3]", "[4]", "[10]",
		"{\"redaction\":{\"bytes\":17,\"lines\":3}}", "ls\r",
	};

	open_rec("\"input\": \"redact-when-no-echo\"", 3600, false);
	input("stty -echo\r", false);
	input("id\r", true);
	assert_int_equal(out("uid=1000\r\n$ "), 0);
	input("pwd\r", true);
	input("stty echo\r", true);
	input("ls\r", false);
	expect_events(want, sizeof(want) / sizeof(want[0]));
}

CASE(test_record_policy_keeps_prompt_answers)
{
	static const char *const want[] = { "secret\r" };

	open_rec("\"input\": \"record\"", 3600, false);
	assert_int_equal(out("[sudo] password for x: "), 0);
	input("secret\r", false);
	expect_events(want, 1);
}

CASE(test_no_prompts_configured_keeps_raw_answers)
{
	static const char *const want[] = { "secret\r" };

	open_rec("\"input\": \"redact-when-no-echo\", \"password_prompts\": []", 3600, false);
	assert_int_equal(out("Password: "), 0);
	input("secret\r", false);
	expect_events(want, 1);
}

CASE(test_expiry_warnings_then_end_per_grant_length)
{
	static const struct {
		long secs;
		int n;
		const char *say[3];
		long before[3];         /* seconds before the expiry */
	} t[] = {
		{ 600, 3, { "5 minutes", "1 minute", "expired" }, { 300, 60, 0 } },
		{ 200, 2, { "1 minute", "expired" }, { 60, 0 } },
		{ 3, 1, { "expired" }, { 0 } },
	};
	uint64_t exp, d;
	size_t i;
	int k, rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		open_rec("\"flush_ms\": 200, \"segment_seconds\": 3600", t[i].secs, false);
		exp = T0 + (uint64_t)t[i].secs * US;
		assert_int_equal(deadline(), exp - (uint64_t)t[i].before[0] * US);
		do {
			k = f->n_notices;
			assert_true((d = deadline()) > f->mono);
			assert_null(record_stop_reason(f->r));
			rc = tick_at(d);
			assert_int_equal(rc != 0, d >= exp);
			if (f->n_notices > k)
				assert_int_equal(d, exp - (uint64_t)t[i].before[k] * US);
		} while (rc == 0);
		assert_int_equal(f->n_notices, t[i].n);
		for (k = 0; k < t[i].n; k++)
			assert_non_null(strstr(f->notices[k], t[i].say[k]));
		assert_non_null(record_stop_reason(f->r));
		assert_int_equal(record_close(f->r, SIGHUP), BG_OK);
		verify(BG_VERDICT_COMPLETE);
		assert_int_equal(f->nev, 2 + (size_t)t[i].n);
		assert_string_equal((char *)f->ev[f->nev - 2].data, f->notices[t[i].n - 1]);
		assert_string_equal((char *)f->ev[f->nev - 1].data,
				    "{\"end\":{\"signal\":1,\"ended_by_recorder\":true}}");
	}
}

CASE(test_close_records_exit_status_or_signal)
{
	static const struct { int status; const char *meta; } t[] = {
		{ 3 << 8, "{\"end\":{\"exit_status\":3}}" },
		{ SIGKILL, "{\"end\":{\"signal\":9}}" },
	};
	struct bg_manifest *m;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		open_rec("", 3600, false);
		f->mono = T0 + 42 * US;
		assert_int_equal(record_close(f->r, t[i].status), BG_OK);
		verify(BG_VERDICT_COMPLETE);
		assert_int_equal(f->nev, 2);
		assert_string_equal((char *)f->ev[1].data, t[i].meta);
		assert_int_equal(f->ev[1].t, 42 * US);
		m = manifest();
		assert_true(m->complete && m->n_segments == 1 && m->end != NULL);
		assert_string_equal(m->end, "2023-11-14T22:14:02Z");
		bg_manifest_free(m);
	}
}

/* Writes fail once the segment file may not grow (RLIMIT_FSIZE). */
CASE(test_disk_full_terminate_or_continue_unrecorded)
{
	static const char *const policy[] = { "terminate", "continue-unrecorded" };
	struct rlimit saved, lim;
	char members[64];
	size_t i;

	for (i = 0; i < 2; i++) {
		assert_true(snprintf(members, sizeof(members), "\"flush_ms\": 100, "
				     "\"on_disk_full\": \"%s\"", policy[i]) < (int)sizeof(members));
		open_rec(members, 3600, false);
		assert_int_equal(out("lost"), 0);
		assert_true(getrlimit(RLIMIT_FSIZE, &saved) == 0 &&
			    signal(SIGXFSZ, SIG_IGN) != SIG_ERR);
		lim = (struct rlimit){ .rlim_cur = (rlim_t)seg_size(0), .rlim_max = saved.rlim_max };
		assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
		if (i == 0) {
			assert_int_not_equal(tick_at(T0 + 100 * MS), 0);
			assert_non_null(record_stop_reason(f->r));
			assert_int_not_equal(out("more"), 0);
		} else {
			assert_int_equal(tick_at(T0 + 100 * MS), 0);
			assert_null(record_stop_reason(f->r));
			assert_int_equal(deadline(), 0);
			assert_int_equal(tick_at(T0 + 200 * MS), 0);
			assert_int_equal(f->n_notices, 1);
			assert_non_null(strstr(f->notices[0], "continues unrecorded"));
			/* Nothing stale stays due, or the relay would spin. */
			assert_int_equal(deadline(), WARN5);
			assert_int_equal(out("dropped"), 0);
			assert_int_equal(deadline(), WARN5);
			assert_int_equal(tick_at(T0 + 3 * US), 0);
			assert_int_equal(f->n_notices, 1);
		}
		assert_true(setrlimit(RLIMIT_FSIZE, &saved) == 0 &&
			    signal(SIGXFSZ, SIG_DFL) != SIG_ERR);
		assert_int_not_equal(record_close(f->r, 0), BG_OK);
		verify(BG_VERDICT_TRUNCATED);
		assert_int_equal(f->nev, 1);
	}
}

CASE(test_open_refuses_without_auditor_or_writable_spool)
{
	enum { NO_AUDITOR, RO_DIR, UNDER_FILE };
	char why[256];
	int c;

	for (c = NO_AUDITOR; c <= UNDER_FILE; c++) {
		if (c == RO_DIR && geteuid() == 0)
			continue;       /* root writes anyway */
		open_rec("", 3600, true);
		f->o.n_auditors = c != NO_AUDITOR;
		if (c == RO_DIR)
			assert_int_equal(chmod(f->spool, 0500), 0);
		if (c == UNDER_FILE) {
			assert_int_equal(rmdir(f->spool), 0);
			free(th_write(f->tmp, "spool", "", 0, 0600));
		}
		why[0] = '\0';
		assert_int_not_equal(record_open(&f->o, &f->r, why, sizeof(why)), BG_OK);
		assert_null(f->r);
		assert_non_null(strstr(why, c == NO_AUDITOR ? "auditor" : f->dir));
		assert_int_equal(access(f->dir, F_OK), -1);
	}
}

/* A non-interactive session: its command is the second event, at time 0,
 * and in every manifest from the first; an interactive one has neither
 * (test_open_private_dir_manifest_grant_first_then_banner). */
CASE(test_command_is_recorded_after_the_grant_and_in_the_manifest)
{
	struct bg_command c[2];
	struct bg_manifest *m;
	char why[256] = "";

	assert_int_equal(bg_command_set(&c[0], BG_COMMAND_ARG, "echo hi; id"), BG_OK);
	assert_int_equal(bg_command_set(&c[1], BG_COMMAND_SSH, "rm -rf /\x1b[2J\xff"), BG_OK);
	open_rec("", 3600, true);
	f->o.command = c;
	f->o.n_commands = 2;
	if (record_open(&f->o, &f->r, why, sizeof(why)) != BG_OK)
		fail_msg("record_open: %s", why);
	m = manifest();
	assert_int_equal(m->n_commands, 2);
	assert_string_equal(m->command[0].bytes, "echo hi; id");
	assert_string_equal(m->command[1].bytes, "rm -rf /\x1b[2J\xff");
	bg_manifest_free(m);
	verify(BG_VERDICT_TRUNCATED);
	assert_int_equal(f->nev, 2);
	assert_true(f->ev[1].type == BG_EV_META && f->ev[1].t == 0);
	assert_string_equal((char *)f->ev[1].data, "{\"command\":[{\"source\":\"-c\",\"text\":"
			    "\"echo hi; id\",\"length\":11,\"truncated\":false},{\"source\":"
			    "\"SSH_ORIGINAL_COMMAND\",\"hex\":\"726d202d7266202f1b5b324aff\","
			    "\"length\":13,\"truncated\":false}]}");
	assert_int_equal(record_close(f->r, 0), BG_OK);
	m = manifest();
	assert_true(m->complete && m->n_commands == 2 && m->command[0].source == BG_COMMAND_ARG);
	bg_manifest_free(m);
	free(c[0].bytes);
	free(c[1].bytes);
}

/* Input typed blind, escrowed: the escrow key gets it back exactly, the
 * auditor sees only that it is there; an auditor key as escrow key is
 * refused before anything is made. */
CASE(test_redacted_input_is_escrowed)
{
	static const int types[] = { BG_EV_META, BG_EV_ESCROW_KEYS, BG_EV_IN_REDACTED,
				     BG_EV_IN_ESCROW, BG_EV_META, BG_EV_IN, BG_EV_META };
	char why[256] = "";
	size_t i;

	open_rec("", 3600, true);
	f->o.escrow = &f->aud->pub;
	f->o.n_escrow = 1;
	assert_int_not_equal(record_open(&f->o, &f->r, why, sizeof(why)), BG_OK);
	assert_non_null(strstr(why, "escrow"));
	assert_int_equal(access(f->dir, F_OK), -1);
	f->o.escrow = &f->esc->pub;
	if (record_open(&f->o, &f->r, why, sizeof(why)) != BG_OK)
		fail_msg("record_open: %s", why);
	assert_int_equal(record_sink.input(f->r, (const unsigned char *)"s3cret\r", 7, true), 0);
	assert_int_equal(record_sink.input(f->r, (const unsigned char *)"ls\r", 3, false), 0);
	assert_int_equal(record_close(f->r, 0), BG_OK);
	f->open_with = f->esc;
	verify(BG_VERDICT_COMPLETE);
	f->open_with = NULL;
	assert_int_equal(f->nev, sizeof(types) / sizeof(types[0]));
	for (i = 0; i < f->nev; i++)
		assert_int_equal(f->ev[i].type, types[i]);
	assert_memory_equal(f->ev[2].data, "\7\0\0\0", 4);
	assert_int_equal(f->ev[3].len, 7);
	assert_memory_equal(f->ev[3].data, "s3cret\r", 7);
	/* The span's mark follows its escrowed bytes. */
	assert_string_equal((char *)f->ev[4].data, "{\"redaction\":{\"bytes\":7,\"lines\":1}}");
	verify(BG_VERDICT_COMPLETE);
	assert_int_equal(f->ev[3].type, BG_EV_IN_ESCROW);
	assert_null(memmem(f->ev[3].data, f->ev[3].len, "s3cret", 6));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_open_private_dir_manifest_grant_first_then_banner),
		T(test_flush_and_time_rotation_deadlines_idle_has_no_wakeup),
		T(test_size_rotation_at_segment_bytes),
		T(test_input_policy_table_and_resize),
		T(test_prompt_answer_redacted_in_raw_mode),
		T(test_echo_off_span_over_three_lines),
		T(test_record_policy_keeps_prompt_answers),
		T(test_no_prompts_configured_keeps_raw_answers),
		T(test_expiry_warnings_then_end_per_grant_length),
		T(test_close_records_exit_status_or_signal),
		T(test_disk_full_terminate_or_continue_unrecorded),
		T(test_open_refuses_without_auditor_or_writable_spool),
		T(test_command_is_recorded_after_the_grant_and_in_the_manifest),
		T(test_redacted_input_is_escrowed),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
