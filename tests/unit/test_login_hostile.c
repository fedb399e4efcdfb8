/* Tests for lib/login.c with hostile answers to the ticket and
 * justification prompts: each refused, with a clean message that does not
 * echo it, and audited. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "breakglass/audit/auditverify.h"
#include "breakglass/login/login.h"
#include "test_login.h"

/* A hostile answer to the ticket ('T') or justification ('J') prompt;
 * bytes NULL: BIG bytes of 'A'.  why: a word of the expected message. */
struct hostile {
	char field;
	const char *bytes;
	size_t len;
	const char *why;
};
#define H(field, s, why) { field, s, sizeof(s) - 1, why }

static const struct hostile hostile[] = {
	H('T', "", "empty"), H('T', " ", "empty"), H('T', "   ", "empty"),
	H('T', " INC-1", "spaces"), H('T', "INC-1 ", "spaces"), H('T', "INC-1\xc2\xa0", "spaces"),
	H('T', "INC-1\t", "control"), H('T', "\tINC-1", "control"), H('T', "INC-\x01", "control"),
	H('T', "INC-1\x1b[2J", "control"), H('T', "\x1b]0;pwned\x07INC-1", "control"),
	H('T', "INC-1\x1b]2;title\x1b\\", "control"), H('T', "INC-1\x7f", "control"),
	H('T', "INC-1\b\b\b\b\b", "control"), H('T', "INC-1\xc2\x9b" "2J", "control"),
	H('T', "INC-1\r\nDec  1 00:00:00 bastion sshd[1]: Accepted", "line break"),
	H('T', "INC-1\nx", "line break"), H('T', "INC-1\rx", "line break"),
	H('T', "INC-1\xc2\x85", "line break"), H('T', "INC-1\xe2\x80\xa8", "line break"),
	H('T', "INC\0-1", "NUL"), H('T', "INC-1\0", "NUL"), H('T', "\0", "NUL"),
	H('T', "INC-1\x9b" "2J", "UTF-8"), H('T', "INC-\xc0\xb1", "UTF-8"),
	H('T', "INC-\xe0\x80\xb1", "UTF-8"), H('T', "INC-1\x80", "UTF-8"),
	H('T', "INC-1\xe2\x80", "UTF-8"), H('T', "INC-1\xed\xa0\x80", "UTF-8"),
	H('T', "INC-1\xf4\x90\x80\x80", "UTF-8"), H('T', "INC-1\xff", "UTF-8"),
	H('T', "INC-1\xe2\x80\xae", "invisible"), H('T', "\xe2\x81\xa6INC-1", "invisible"),
	H('T', "INC-\xe2\x80\x8b" "1", "invisible"), H('T', "\xef\xbb\xbfINC-1", "invisible"),
	H('T', "INC-1\xf3\xa0\x80\x81", "invisible"), { 'T', NULL, BIG, "too long" },
	H('T', "inc-1", "the form"), H('T', "INC-", "the form"), H('T', "INC-12345678901", "the form"),
	H('T', "INC-1; rm -rf /", "the form"), H('T', "\xef\xbc\xa9NC-1", "the form"),
	H('J', "", "empty"), H('J', "                         ", "empty"), H('J', "fix db", "too short"),
	H('J', WHY "\x1b[2J", "control"), H('J', WHY "\x1b]0;root@prod\x07", "control"),
	H('J', WHY "\t!", "control"), H('J', WHY "\x7f", "control"), H('J', WHY "\xc2\x9b" "31m", "control"),
	H('J', WHY "\r\nDec  1 bastion sshd[1]: Accepted publickey for root", "line break"),
	H('J', WHY "\0 hidden", "NUL"), H('J', WHY "\xc0\xaf", "UTF-8"), H('J', WHY "\x80", "UTF-8"),
	H('J', WHY "\xf0\x9f\x98", "UTF-8"), H('J', WHY "\xe2\x80\xae" "gnp.exe", "invisible"),
	H('J', WHY "\xe2\x81\xa6", "invisible"), H('J', WHY "\xe2\x80\x8b", "invisible"),
	H('J', "\xef\xbb\xbf" WHY, "invisible"), H('J', " " WHY, "spaces"), H('J', WHY " ", "spaces"),
	{ 'J', NULL, BIG, "too long" },
};

/* Printable ASCII, saying why, without the input in it. */
static void assert_clean(const char *msg, const struct answer *in, const char *why)
{
	const char *p;
	size_t i;

	for (p = msg; *p != '\0'; p++)
		assert_true(*p >= 0x20 && *p < 0x7f);
	assert_non_null(strstr(msg, why));
	/* Blank input is in every sentence with a space in it. */
	for (i = 0; i < in->len && in->bytes[i] == ' '; i++)
		;
	if (i < in->len)
		assert_null(memmem(msg, strlen(msg), in->bytes, in->len));
}

void test_login_hostile_answers_are_refused_unechoed(void **state)
{
	const size_t n = sizeof(hostile) / sizeof(hostile[0]);
	struct fixture *f = *state;
	char c[16], why[256], *big = malloc(BIG);
	struct answer a[3];
	struct bg_login lg;
	struct script s;
	size_t i, k, lines, bad = 0;

	assert_true(n >= 35);
	assert_non_null(big);
	memset(big, 'A', BIG);
	for (i = 0; i < n; i++) {
		const struct hostile *h = &hostile[i];

		print_message("case %zu\n", i);
		k = 0;
		if (h->field == 'J')
			a[k++] = (struct answer){ "INC-1", 5 };
		a[k++] = (struct answer){ h->bytes != NULL ? h->bytes : big, h->len };
		a[k++] = code_now(f, c, sizeof(c));
		assert_int_equal(run(f, "alice", a, k, &s, &lg), BG_EAUTH);
		/* Refused at the bad answer: the code is never asked for. */
		assert_int_equal(s.asked, k - 1);
		assert_int_equal(s.ntold, 1);
		assert_true(s.error[0]);
		assert_clean(s.told[0], &a[k - 2], h->why);
		expect_event(f, i + 1, "failure", h->field == 'T' ?
			     "bad_ticket" : "bad_justification");
		assert_null(json_object_get(f->ev, "justification"));
		bg_login_clear(&lg);
	}
	free(big);
	assert_int_equal(bg_auditverify_run(f->cfg->paths.audit_log, &lines, &bad, why,
					 sizeof(why)), BG_OK);
	assert_int_equal(lines, n);
}
