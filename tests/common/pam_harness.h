/* The PAM-stack test harness shared by test_pam and test_pam_sshd: the run
 * under pam_wrapper, enrolled people and syslog (pam_harness.c); oathtool
 * codes, a scripted conversation, and readers of the audit log and state
 * (pam_harness_io.c).  Files and programs: th_slurp, th_run (helpers.h). */
#ifndef BREAKGLASS_TESTS_PAM_HARNESS_H
#define BREAKGLASS_TESTS_PAM_HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include <jansson.h>
#include <libpamtest.h>
#include <security/pam_appl.h>

#include "breakglass/config/conf.h"
#include "breakglass/login/recovery.h"
#include "breakglass/login/userdb.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define SERVICE "breakglass_test"
#define SERVICE_BADARG "breakglass_badarg"
#define SERVICE_BADCONF "breakglass_badconf"
#define TICKET "INC-4242"
#define WHY "Primary database down, failing over to the replica"
#define MSGS 8                  /* messages kept per login */
#define LOCKOUT(max, lock) "\"lockout\": {\"max_failures\": " #max \
	", \"lock_seconds\": " #lock "}"
#define APPROVAL(list) ", \"approval\": {\"required\": true, \"approvers\": [" list "]}"
/* Best effort: a test run as root gets a cgroup per session, one run as
 * another user none (test_contain covers "required"). */
#define CONF_BASIC "\"auth\": {" LOCKOUT(100, 900) "}, \"grant\": {\"default_minutes\": 30, \"concurrent\": \"allow\"}, " \
	"\"recorder\": {\"containment\": \"best-effort\"}"

/* A test whose configuration is CONF_BASIC, or conf (extra JSON members). */
#define PH_T(name) cmocka_unit_test_setup_teardown(name, ph_setup, ph_teardown)
#define PH_TC(name, conf) cmocka_unit_test_prestate_setup_teardown(name, ph_setup, \
	ph_teardown, (void *)(conf))

/* The people enrolled in every test; only `me` is in /etc/passwd. */
enum { ALICE, BOB, CAROL, DAVE, ME, N_PEOPLE };
struct person {
	const char *name;
	struct bg_user *u;
	struct bg_recovery_codes codes;
	char b32[64];
};
extern struct person ph_people[N_PEOPLE];

extern const char *ph_base;             /* scratch for the whole run */
extern char ph_conf_dir[PATH_MAX], ph_conf_path[PATH_MAX], ph_audit_path[PATH_MAX];
extern struct bg_config *ph_cfg;        /* the current test's */

/* main: run the tests (people enrolled once) under pam_wrapper, after
 * running this program again under it; 77 when make check did not say
 * where the module is. */
int ph_main(char **argv, const char *group, const struct CMUnitTest *tests, size_t n);
#define PH_MAIN(argv, tests) ph_main(argv, #tests, tests, N_ELEMS(tests))
/* Per test: a fresh configuration (the prestate's extra members, or
 * CONF_BASIC); after it, the audit chain must verify. */
int ph_setup(void **state);
int ph_teardown(void **state);
/* Write the configuration with extra and load it into ph_cfg. */
void ph_reconfigure(const char *extra);

/* Remember s for the check that nothing secret was ever logged. */
void ph_keep_secret(const char *s);
/* Fails if a kept secret is in what syslog or the audit log received
 * during the run, or if syslog never received module_line. */
void ph_assert_no_secret_logged(const char *module_line);
/* oathtool's code for p at unix time t, with the configured digits and
 * period; a well-formed code that is none of p's two steps around now. */
void ph_code_at(const struct person *p, time_t t, char code[16]);
void ph_wrong_code(const struct person *p, time_t now, char code[16]);
/* The time now, in a TOTP step that lasts a few seconds more. */
time_t ph_fresh_now(void);

/* A scripted conversation: the echo-on answers (ticket, justification,
 * approver) and echo-off ones (codes) in order; NULL ends each list. */
struct talk {
	const char *on[4], *off[4];
	char err[MSGS][PAM_MAX_MSG_SIZE + 1], info[MSGS][PAM_MAX_MSG_SIZE + 1];
	char *errp[MSGS], *infop[MSGS];
	struct pamtest_conv_data data;
};
void ph_talk_init(struct talk *t, const char *ticket, const char *why,
		  const char *code, const char *approver, const char *acode);
/* pam_authenticate of user through service (or SERVICE); the answer. */
int ph_auth_via(const char *service, const char *user, struct talk *t);
int ph_auth(const char *user, struct talk *t);
/* A login with TICKET and WHY. */
int ph_login(const char *user, const char *code, const char *approver,
	     const char *acode, struct talk *t);

/* The audit log's events, oldest first; a string member ("" if absent). */
json_t *ph_events(void);
const char *ph_jstr(const json_t *o, const char *key);
/* Events with these event, result and reason ("": absent, NULL: any). */
size_t ph_count_events(const char *event, const char *result, const char *reason);
/* Grant files (<32 hex>.json) in run_dir; remembered logins (anything)
 * in run_dir/auth. */
size_t ph_count_grants(void);
size_t ph_auth_entries(void);
/* The last event is user's login with this result and reason. */
void ph_assert_last_auth(const char *user, const char *result, const char *reason);
/* A refused login: PAM_AUTH_ERR, message shown, reason audited. */
void ph_assert_refused(const char *user, const char *reason, int rv,
		       const struct talk *t, const char *message);
/* The last event's member key is value. */
void ph_assert_last_member(const char *key, const char *value);
/* True if syslog received s since the test began. */
bool ph_logged(const char *s);
/* The grant of session id holds me's login with TICKET, WHY and a TOTP
 * code, no approver, started since t0, for 30 minutes. */
void ph_assert_grant(const char *id, time_t t0);
/* The audit log is that login, the open and the close of session id,
 * and verifies. */
void ph_assert_session_logged(const char *id);
/* user's lockout state. */
void ph_state_of(const char *user, time_t *locked_until, size_t *failures);

#endif
