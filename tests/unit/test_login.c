/* Tests for the emergency login dialogue (lib/login/login.c): prompts, the
 * ticket check's fail policies, failed conversations, the audit trail and
 * logins made for PAM; hostile answers are in test_login_hostile.c. */
#include "config.h"

#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>

#include "breakglass/audit/audit.h"
#include "breakglass/config/conf.h"
#include "breakglass/login/login.h"
#include "breakglass/login/totp.h"
#include "breakglass/login/userdb.h"
#include "helpers.h"
#include "httpd.h"
#include "test_login.h"

#define PATTERN "\"ticket_pattern\": \"^(INC|CHG)-[0-9]{1,10}$\""
#define APPROVAL "\"approval\": {\"required\": true, \"approvers\": [\"bob\"]}"

static int ask(void *ctx, const char *prompt, bool echo, char **answer, size_t *len)
{
	struct script *s = ctx;
	const struct answer *a;

	assert_true(s->asked < STEPS);
	assert_true(snprintf(s->prompt[s->asked], sizeof(s->prompt[0]), "%s",
			     prompt) < (int)sizeof(s->prompt[0]));
	s->echo[s->asked++] = echo;
	if (s->next >= s->n || (a = &s->answers[s->next++])->bytes == NULL)
		return BG_EIO;
	/* As a PAM conversation gives it: NUL-ended, len the true length. */
	*answer = malloc(a->len + 1);
	assert_non_null(*answer);
	memcpy(*answer, a->bytes, a->len);
	(*answer)[a->len] = '\0';
	*len = a->len;
	return BG_OK;
}

static void tell(void *ctx, const char *msg, bool error)
{
	struct script *s = ctx;

	assert_true(s->ntold < STEPS);
	assert_true(snprintf(s->told[s->ntold], sizeof(s->told[0]), "%s", msg) <
		    (int)sizeof(s->told[0]));
	s->error[s->ntold++] = error;
}

/* Replace the configuration with one made of extra (JSON members). */
static void load(struct fixture *f, const char *extra)
{
	char *path = th_config(f->dir, extra);

	bg_config_free(f->cfg);
	f->cfg = th_config_load(path);
	free(path);
}

static void enroll(struct fixture *f, const char *user)
{
	assert_true(snprintf(f->key->name, sizeof(f->key->name), "%s", user) <
		    (int)sizeof(f->key->name));
	assert_int_equal(bg_userdb_save(f->cfg, f->key), BG_OK);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct bg_recovery_codes codes;

	assert_non_null(f);
	f->dir = th_mkdtemp();
	load(f, "\"auth\": {" PATTERN "}");
	assert_int_equal(bg_userdb_new("alice", &f->key, &codes), BG_OK);
	bg_recovery_codes_free(&codes);
	enroll(f, "alice");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->httpd != NULL)
		th_httpd_stop(f->httpd);
	json_decref(f->ev);
	free(f->line);
	bg_userdb_free(f->key);
	bg_config_free(f->cfg);
	th_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* The code an authenticator app shows now (every user has the same key). */
struct answer code_now(struct fixture *f, char *buf, size_t len)
{
	int64_t step = (int64_t)time(NULL) / f->cfg->auth.totp.period_seconds;

	assert_int_equal(bg_totp_code(bg_secret_data(f->key->key),
				      bg_secret_len(f->key->key), step,
				      (unsigned)f->cfg->auth.totp.digits, buf, len), BG_OK);
	return (struct answer){ buf, strlen(buf) };
}

/* Right answers: ticket, a justification, the code, "bob" and his code. */
static void right_answers(struct fixture *f, const char *ticket,
			  struct answer a[5], char code[16])
{
	a[0] = (struct answer){ ticket, strlen(ticket) };
	a[1] = (struct answer){ WHY, strlen(WHY) };
	a[2] = code_now(f, code, 16);
	a[3] = (struct answer){ "bob", 3 };
	a[4] = a[2];
}

/* Log user in with answers[n]; s and lg tell what happened. */
int run(struct fixture *f, const char *user, const struct answer *answers,
	size_t n, struct script *s, struct bg_login *lg)
{
	struct bg_login_io io = { ask, tell, s };

	memset(s, 0, sizeof(*s));
	s->answers = answers;
	s->n = n;
	/* Borrowed: the login frees only what the dialogue sets. */
	*lg = (struct bg_login){ .service = (char *)"sshd", .user = (char *)user,
				 .uid = (long)geteuid(), .rhost = (char *)"192.0.2.7",
				 .tty = (char *)"pts/3" };
	return bg_login_authenticate(f->cfg, &io, lg);
}

/* Check the audit log is `lines` lines of printable ASCII, the last one
 * with result and reason (NULL: none); keep it in f->ev and f->line. */
void expect_event(struct fixture *f, size_t lines, const char *result,
		  const char *reason)
{
	size_t n, i, count = 0;
	char *text = th_slurp(f->cfg->paths.audit_log, &n), *last;
	json_error_t err;

	assert_non_null(text);
	assert_true(n > 0 && text[n - 1] == '\n');
	for (i = 0; i < n; i++) {
		/* A raw control byte or escape would forge or hide a line. */
		assert_true(text[i] == '\n' || (text[i] >= 0x20 && text[i] < 0x7f));
		count += text[i] == '\n';
	}
	assert_int_equal(count, lines);
	text[n - 1] = '\0';
	last = strrchr(text, '\n') != NULL ? strrchr(text, '\n') + 1 : text;
	json_decref(f->ev);
	free(f->line);
	assert_non_null(f->ev = json_loads(last, 0, &err));
	assert_non_null(f->line = strdup(last));
	free(text);
	assert_string_equal(json_string_value(json_object_get(f->ev, "result")), result);
	if (reason == NULL)
		assert_null(json_object_get(f->ev, "reason"));
	else
		assert_string_equal(json_string_value(json_object_get(f->ev, "reason")), reason);
}

/* A string member of the last audit event. */
static const char *member(struct fixture *f, const char *key)
{
	return json_string_value(json_object_get(f->ev, key));
}

/* A login with approval under auth extra: the five prompts are want, in
 * order, with echo off only for the codes; the approver is recorded. */
static void check_prompts(struct fixture *f, const char *extra,
			  const char *const want[5])
{
	static const bool echo[] = { true, true, false, true, false };
	struct answer a[5];
	struct bg_login lg;
	struct script s;
	char c[16];
	size_t i;

	load(f, extra);
	enroll(f, "bob");
	right_answers(f, "INC-1234", a, c);
	assert_int_equal(run(f, "alice", a, 5, &s, &lg), BG_OK);
	assert_int_equal(s.asked, 5);
	for (i = 0; i < 5; i++) {
		assert_string_equal(s.prompt[i], want[i]);
		assert_int_equal(s.echo[i], echo[i]);
	}
	assert_int_equal(s.ntold, 0);
	assert_string_equal(lg.approver, "bob");
	expect_event(f, 1, "success", NULL);
	assert_string_equal(member(f, "approver"), "bob");
	bg_login_clear(&lg);
	assert_null(lg.approver);
}

static void test_login_prompts_in_order_echo_off_for_codes(void **state)
{
	static const char *const want[] = { "Incident ticket: ", "Justification: ",
		"Verification code: ", "Approver: ", "Approver verification code: " };

	check_prompts(*state, "\"auth\": {" PATTERN ", " APPROVAL "}", want);
}

static void test_login_custom_prompts_are_used(void **state)
{
	static const char *const want[] = { "Ticket? ", "Why? ", "Code? ",
					    "Second person? ", "Their code? " };

	check_prompts(*state, "\"auth\": {" PATTERN ", " APPROVAL ", \"prompts\": {"
		      "\"ticket\": \"Ticket? \", \"justification\": \"Why? \", "
		      "\"code\": \"Code? \", \"approver\": \"Second person? \", "
		      "\"approver_code\": \"Their code? \"}}", want);
}

static void test_login_success_sets_what_was_established(void **state)
{
	struct fixture *f = *state;
	struct answer a[5];
	struct bg_login lg;
	struct script s;
	char c[16];

	right_answers(f, "INC-42", a, c);
	assert_int_equal(run(f, "alice", a, 3, &s, &lg), BG_OK);
	assert_int_equal(s.asked, 3);
	assert_string_equal(lg.ticket, "INC-42");
	assert_string_equal(lg.justification, WHY);
	assert_string_equal(lg.mfa, "totp");
	assert_null(lg.approver);
	assert_false(lg.ticket_unverified);
	expect_event(f, 1, "success", NULL);
	assert_string_equal(member(f, "user"), "alice");
	assert_string_equal(member(f, "ticket"), "INC-42");
	assert_string_equal(member(f, "justification"), WHY);
	assert_string_equal(member(f, "mfa"), "totp");
	assert_null(json_object_get(f->ev, "ticket_unverified"));
	bg_login_clear(&lg);
	assert_null(lg.ticket);
	assert_null(lg.justification);
	assert_null(lg.mfa);
}

static void test_login_ticket_check_follows_fail_policy(void **state)
{
	static const struct {
		const char *policy, *status, *reason;   /* reason NULL: admitted */
		bool unverified;
	} cases[] = {
		{ "closed", "200", NULL, false },
		{ "closed", "404", "ticket_unknown", false },
		{ "closed", "500", "ticket_check_failed", false },
		{ "closed", "hang", "ticket_check_timeout", false },
		{ "open", "200", NULL, false },
		{ "open", "404", "ticket_unknown", false },
		{ "open", "500", NULL, true },
		{ "open", "hang", NULL, true },
		/* A definite answer is no outage: refused whatever the policy. */
		{ "open", "403", "ticket_check_failed", false },
		{ "open", "302", "ticket_check_failed", false },
	};
	struct fixture *f = *state;
	char extra[1024], user[16], c[16], req[8192];
	struct answer a[5];
	struct bg_login lg;
	struct script s;
	size_t i;
	int r;

	assert_non_null(f->httpd = th_httpd_start());
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("%s %s\n", cases[i].policy, cases[i].status);
		/* The server answers by the last path segment, not the query. */
		assert_true(snprintf(extra, sizeof(extra), "\"auth\": {" PATTERN ", "
				     "\"ticket_check\": {\"url\": \"%s/api/%s?id={ticket}\", "
				     "\"timeout_seconds\": 1, \"fail_policy\": \"%s\"}}",
				     th_httpd_url(f->httpd), cases[i].status,
				     cases[i].policy) < (int)sizeof(extra));
		load(f, extra);
		/* A user per case: a code is accepted once per user. */
		assert_true(snprintf(user, sizeof(user), "tc%zu", i) < (int)sizeof(user));
		enroll(f, user);
		right_answers(f, "INC-77", a, c);
		r = run(f, user, a, 3, &s, &lg);
		assert_int_equal(th_httpd_count(f->httpd), i + 1);
		assert_non_null(strstr(th_httpd_last_request(f->httpd, req, sizeof(req)),
				       "?id=INC-77 HTTP/"));
		expect_event(f, i + 1, cases[i].reason != NULL ? "failure" : "success",
			     cases[i].reason);
		if (cases[i].reason != NULL) {
			assert_int_not_equal(r, BG_OK);
			assert_int_equal(s.asked, 2);
			assert_int_equal(s.ntold, 1);
			assert_non_null(strstr(s.told[0], "incident system"));
		} else {
			assert_int_equal(r, BG_OK);
			assert_int_equal(s.asked, 3);
			assert_int_equal(lg.ticket_unverified, cases[i].unverified);
			assert_int_equal(strstr(f->line, "\"ticket_unverified\":true") != NULL,
					 cases[i].unverified);
		}
		bg_login_clear(&lg);
	}
}

static void test_login_failed_ask_at_each_step_is_refused(void **state)
{
	struct fixture *f = *state;
	char user[16], c[16];
	struct answer a[5];
	struct bg_login lg;
	struct script s;
	size_t step;

	load(f, "\"auth\": {" PATTERN ", " APPROVAL "}");
	enroll(f, "bob");
	for (step = 0; step < 5; step++) {
		print_message("step %zu\n", step);
		assert_true(snprintf(user, sizeof(user), "nc%zu", step) < (int)sizeof(user));
		enroll(f, user);
		right_answers(f, "INC-5", a, c);
		a[step] = (struct answer){ NULL, 0 };
		assert_int_not_equal(run(f, user, a, 5, &s, &lg), BG_OK);
		/* Nothing is asked after the conversation failed. */
		assert_int_equal(s.asked, step + 1);
		assert_int_equal(s.ntold, 1);
		assert_true(s.error[0]);
		expect_event(f, step + 1, "failure", "no_conversation");
		bg_login_clear(&lg);
	}
}

/* A login for the PAM module: its strings copied, its uid looked up (-1
 * for no such account), no user refused; freed whole with what the
 * dialogue set. */
static void test_login_new_copies_and_looks_up_uid(void **state)
{
	struct passwd *pw = getpwuid(geteuid());
	char rhost[] = "192.0.2.7";
	struct bg_login *lg;

	(void)state;
	assert_non_null(pw);
	assert_int_equal(bg_login_new("sshd", pw->pw_name, rhost, "pts/3", &lg), BG_OK);
	memset(rhost, 'x', sizeof(rhost) - 1);
	assert_string_equal(lg->service, "sshd");
	assert_string_equal(lg->user, pw->pw_name);
	assert_int_equal(lg->uid, (long)geteuid());
	assert_string_equal(lg->rhost, "192.0.2.7");
	assert_string_equal(lg->tty, "pts/3");
	assert_null(lg->ticket);
	assert_null(lg->mfa);
	assert_non_null(lg->ticket = strdup("INC-4711"));
	assert_non_null(lg->justification = strdup(WHY));
	lg->mfa = (char *)"totp";
	bg_login_free(lg);

	assert_int_equal(bg_login_new(NULL, "no-such-user-breakglass", NULL, NULL, &lg), BG_OK);
	assert_int_equal(lg->uid, -1);
	assert_null(lg->service);
	assert_null(lg->rhost);
	assert_null(lg->tty);
	bg_login_free(lg);

	lg = (struct bg_login *)1;
	assert_int_equal(bg_login_new("sshd", NULL, NULL, NULL, &lg), BG_EINVAL);
	assert_null(lg);
	bg_login_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_login_prompts_in_order_echo_off_for_codes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_login_custom_prompts_are_used, setup, teardown),
		cmocka_unit_test_setup_teardown(test_login_success_sets_what_was_established, setup, teardown),
		cmocka_unit_test_setup_teardown(test_login_hostile_answers_are_refused_unechoed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_login_ticket_check_follows_fail_policy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_login_failed_ask_at_each_step_is_refused, setup, teardown),
		cmocka_unit_test(test_login_new_copies_and_looks_up_uid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
