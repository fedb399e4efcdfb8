/* The PAM-stack test harness (see pam_harness.h), what tests use: codes
 * from oathtool, a scripted conversation through libpamtest, and readers
 * of the audit log, lockout state, run_dir and grants. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "breakglass/audit/auditverify.h"
#include "breakglass/base/buf.h"
#include "breakglass/evidence/grant.h"
#include "breakglass/login/state.h"
#include "helpers.h"
#include "pam_harness.h"

#define GUARD_SECONDS 3         /* time a test may take inside one TOTP step */

void ph_code_at(const struct person *p, time_t t, char code[16])
{
	char when[32], digits[8], period[16];
	const char *argv[] = { "oathtool", "--totp", "-b", "-d", digits, "-s", period,
			       "-N", when, p->b32, NULL };

	assert_int_equal(bg_snprintf(when, sizeof(when), "@%lld", (long long)t), BG_OK);
	assert_int_equal(bg_snprintf(digits, sizeof(digits), "%ld",
				     ph_cfg->auth.totp.digits), BG_OK);
	assert_int_equal(bg_snprintf(period, sizeof(period), "%lds",
				     ph_cfg->auth.totp.period_seconds), BG_OK);
	assert_int_equal(th_run(argv, code, 16), 0);
	code[strcspn(code, "\n")] = '\0';
	assert_int_equal(strlen(code), (size_t)ph_cfg->auth.totp.digits);
	ph_keep_secret(code);
}

void ph_wrong_code(const struct person *p, time_t now, char code[16])
{
	char near[5][16];
	long period = ph_cfg->auth.totp.period_seconds;
	unsigned v;
	int i;

	for (i = 0; i < 5; i++)
		ph_code_at(p, now + (i - 2) * period, near[i]);
	for (v = 0;; v++) {
		assert_int_equal(bg_snprintf(code, 16, "%0*u", (int)ph_cfg->auth.totp.digits,
					     v), BG_OK);
		for (i = 0; i < 5 && strcmp(code, near[i]) != 0; i++)
			;
		if (i == 5)
			return;
	}
}

/* If fewer than GUARD_SECONDS remain in this step, wait for the next. */
time_t ph_fresh_now(void)
{
	long period = ph_cfg->auth.totp.period_seconds, left;
	struct timespec ts, pause;

	assert_int_equal(clock_gettime(CLOCK_REALTIME, &ts), 0);
	left = period - ts.tv_sec % period;
	if (left < GUARD_SECONDS) {
		pause.tv_sec = left - 1;
		pause.tv_nsec = 1000000000L - ts.tv_nsec + 50000000L;
		if (pause.tv_nsec >= 1000000000L) {
			pause.tv_sec++;
			pause.tv_nsec -= 1000000000L;
		}
		while (nanosleep(&pause, &pause) != 0)
			assert_int_equal(errno, EINTR);
	}
	return time(NULL);
}

void ph_talk_init(struct talk *t, const char *ticket, const char *why,
		  const char *code, const char *approver, const char *acode)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	t->on[0] = ticket;
	t->on[1] = ticket != NULL ? why : NULL;
	t->on[2] = why != NULL ? approver : NULL;
	t->off[0] = code;
	t->off[1] = code != NULL ? acode : NULL;
	for (i = 0; i < MSGS; i++) {
		t->errp[i] = t->err[i];
		t->infop[i] = t->info[i];
	}
	t->data.in_echo_on = t->on;
	t->data.in_echo_off = t->off;
	t->data.out_err = t->errp;
	t->data.out_info = t->infop;
}

int ph_auth_via(const char *service, const char *user, struct talk *t)
{
	struct pam_testcase tc[] = { pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS) };
	enum pamtest_err e = run_pamtest(service, user, &t->data, tc, NULL);

	assert_true(e == PAMTEST_ERR_OK || e == PAMTEST_ERR_CASE);
	return tc[0].op_rv;
}

int ph_auth(const char *user, struct talk *t)
{
	return ph_auth_via(SERVICE, user, t);
}

int ph_login(const char *user, const char *code, const char *approver,
	     const char *acode, struct talk *t)
{
	ph_talk_init(t, TICKET, WHY, code, approver, acode);
	return ph_auth(user, t);
}

json_t *ph_events(void)
{
	json_t *a = json_array(), *o;
	char *text = th_slurp(ph_audit_path, NULL), *p, *nl;

	assert_non_null(a);
	for (p = text; p != NULL && *p != '\0'; p = nl + 1) {
		assert_non_null(nl = strchr(p, '\n'));
		*nl = '\0';
		assert_non_null(o = json_loads(p, 0, NULL));
		assert_int_equal(json_array_append_new(a, o), 0);
	}
	free(text);
	return a;
}

const char *ph_jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

/* The entries of dir (none if it is missing), or only its grant files. */
static size_t entries(const char *dir, bool grants)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		n += grants ? strlen(e->d_name) == 37 && strcmp(e->d_name + 32, ".json") == 0 :
		     strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

size_t ph_count_grants(void)
{
	return entries(ph_cfg->paths.run_dir, true);
}

size_t ph_auth_entries(void)
{
	char dir[PATH_MAX];

	assert_int_equal(bg_snprintf(dir, sizeof(dir), "%s/auth", ph_cfg->paths.run_dir), BG_OK);
	return entries(dir, false);
}

size_t ph_count_events(const char *event, const char *result, const char *reason)
{
	json_t *a = ph_events(), *o;
	size_t i, n = 0;

	json_array_foreach(a, i, o) {
		if ((event == NULL || strcmp(ph_jstr(o, "event"), event) == 0) &&
		    (result == NULL || strcmp(ph_jstr(o, "result"), result) == 0) &&
		    (reason == NULL || strcmp(ph_jstr(o, "reason"), reason) == 0))
			n++;
	}
	json_decref(a);
	return n;
}

void ph_assert_last_auth(const char *user, const char *result, const char *reason)
{
	json_t *a = ph_events(), *o;

	assert_true(json_array_size(a) > 0);
	o = json_array_get(a, json_array_size(a) - 1);
	assert_string_equal(ph_jstr(o, "event"), "auth");
	assert_string_equal(ph_jstr(o, "user"), user);
	assert_string_equal(ph_jstr(o, "result"), result);
	assert_string_equal(ph_jstr(o, "reason"), reason);
	assert_string_equal(ph_jstr(o, "service"), SERVICE);
	json_decref(a);
}

void ph_assert_refused(const char *user, const char *reason, int rv,
		       const struct talk *t, const char *message)
{
	assert_int_equal(rv, PAM_AUTH_ERR);
	assert_non_null(strstr(t->err[0], message));
	ph_assert_last_auth(user, "failure", reason);
}

void ph_assert_last_member(const char *key, const char *value)
{
	json_t *a = ph_events();

	assert_true(json_array_size(a) > 0);
	assert_string_equal(ph_jstr(json_array_get(a, json_array_size(a) - 1), key), value);
	json_decref(a);
}

void ph_state_of(const char *user, time_t *locked_until, size_t *failures)
{
	struct bg_state *st = NULL;

	assert_int_equal(bg_state_open(ph_cfg, user, &st), BG_OK);
	*locked_until = st->locked_until;
	*failures = st->n_failures;
	bg_state_close(st);
}

void ph_assert_grant(const char *id, time_t t0)
{
	struct bg_grant *g;

	assert_int_equal(bg_grant_read(ph_cfg->paths.run_dir, id, geteuid(), &g), BG_OK);
	assert_string_equal(g->user, ph_people[ME].name);
	assert_int_equal(g->uid, (long)geteuid());
	assert_string_equal(g->ticket, TICKET);
	assert_string_equal(g->justification, WHY);
	assert_string_equal(g->mfa, "totp");
	assert_null(g->approver);
	assert_true(g->start >= t0 && g->start <= time(NULL));
	assert_int_equal(g->expires, g->start + 30 * 60);
	bg_grant_free(g);
}

void ph_assert_session_logged(const char *id)
{
	static const char *const what[] = { "auth", "session_open", "session_close" };
	char why[128];
	size_t i, lines, bad;
	json_t *a = ph_events(), *o;

	assert_int_equal(json_array_size(a), N_ELEMS(what));
	json_array_foreach(a, i, o) {
		assert_string_equal(ph_jstr(o, "event"), what[i]);
		assert_string_equal(ph_jstr(o, "result"), "success");
		assert_string_equal(ph_jstr(o, "user"), ph_people[ME].name);
		assert_string_equal(ph_jstr(o, "ticket"), TICKET);
		assert_string_equal(ph_jstr(o, "mfa"), "totp");
		assert_string_equal(ph_jstr(o, "session"), i == 0 ? "" : id);
	}
	assert_string_equal(ph_jstr(json_array_get(a, 0), "justification"), WHY);
	assert_string_not_equal(ph_jstr(json_array_get(a, 1), "expires"), "");
	json_decref(a);
	assert_int_equal(bg_auditverify_run(ph_audit_path, &lines, &bad, why, sizeof(why)), BG_OK);
	assert_int_equal(lines, N_ELEMS(what));
}
