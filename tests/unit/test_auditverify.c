/* Tests of audit-verify's matrix (lib/audit/auditverify.c): every line
 * edited, deleted, swapped or duplicated, cut or extended tails, crafted
 * lines. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "breakglass/audit/audit.h"
#include "breakglass/audit/auditverify.h"
#include "fake_syslog.h"
#include "helpers.h"
#include "test_audit.h"

static void test_auditverify_edit_each_line(void **state)
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

static void test_auditverify_delete_swap_duplicate(void **state)
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
static void test_auditverify_tail(void **state)
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
static void test_auditverify_crafted_lines(void **state)
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

static void test_auditverify_empty_missing_and_long(void **state)
{
	struct fixture *f = *state;
	size_t lines = 9, bad = 9, n = 1024 * 1024 + 1;
	char why[64], *big = malloc(n + 1);

	free(th_write_str(f->dir, "t.jsonl", ""));
	expect("empty", f->tmp, 0, 0, "");
	assert_int_equal(bg_auditverify_run(f->log, &lines, &bad, why, sizeof(why)), BG_ENOENT);
	assert_int_equal(lines + bad, 0);
	assert_non_null(big);
	memset(big, 'x', n);
	big[n] = '\n';
	free(th_write(f->dir, "t.jsonl", big, n + 1, 0600));
	expect("long", f->tmp, 1, 0, "line too long");
	free(big);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, audit_setup, audit_teardown)
	const struct CMUnitTest tests[] = {
		T(test_auditverify_edit_each_line),
		T(test_auditverify_delete_swap_duplicate),
		T(test_auditverify_tail),
		T(test_auditverify_crafted_lines),
		T(test_auditverify_empty_missing_and_long),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
