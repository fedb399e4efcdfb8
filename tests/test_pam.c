/* Tests for pam_breakglass.so through the real PAM stack: libpamtest
 * drives pam_wrapper, which loads the module built here, and every code
 * typed comes from oathtool. */
#include "config.h"

#include <dirent.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <libpamtest.h>
#include <security/pam_appl.h>

#include "breakglass/audit.h"
#include "breakglass/buf.h"
#include "breakglass/config.h"
#include "breakglass/grant.h"
#include "breakglass/state.h"
#include "breakglass/totp.h"
#include "breakglass/userdb.h"
#include "helpers.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define SERVICE "breakglass_test"
#define SERVICE_BADARG "breakglass_badarg"
#define SERVICE_BADCONF "breakglass_badconf"
#define TICKET "INC-4242"
#define WHY "Primary database down, failing over to the replica"
#define MSGS 8                  /* messages kept per login */
#define GUARD_SECONDS 3         /* time a test may take inside one TOTP step */
#define NPROC 50
#define LOCKOUT(max, lock) "\"lockout\": {\"max_failures\": " #max \
	", \"lock_seconds\": " #lock "}"
#define APPROVAL(list) ", \"approval\": {\"required\": true, \"approvers\": [" list "]}"
#define CONF_BASIC "\"auth\": {" LOCKOUT(100, 900) "}, \"grant\": {\"default_minutes\": 30}"

/* The people enrolled in every test; only `me` is in /etc/passwd. */
enum { ALICE, BOB, CAROL, DAVE, ME, N_PEOPLE };
struct person {
	const char *name;
	struct bg_user *u;
	struct bg_recovery_codes codes;
	char b32[64];
};

static struct person people[N_PEOPLE] = {
	{ .name = "alice" }, { .name = "bob" }, { .name = "carol" }, { .name = "dave" },
	{ .name = NULL },
};
static const char *base;                /* scratch for the whole run */
static char conf_dir[PATH_MAX], conf_path[PATH_MAX], audit_path[PATH_MAX];
static char syslog_path[PATH_MAX], all_audit_path[PATH_MAX];
static struct bg_config *cfg;           /* the current test's */
static int syslog_fd = -1;
static off_t syslog_at;                 /* capture size when the test began */
/* Every code and key the module saw, for the leak check at the end. */
static char secrets[1024][40];
static size_t n_secrets;

/* syslog is ours (the binary is linked -rdynamic): the module's lines,
 * libpam's and pam_wrapper's end up in a file under base. */
void __syslog_chk(int pri, int flag, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void __vsyslog_chk(int pri, int flag, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
static void capture(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

static void capture(const char *fmt, va_list ap)
{
	char line[16384];
	ssize_t w;
	int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);

	if (n < 0 || syslog_fd < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	/* O_APPEND: lines of forked children do not overwrite each other. */
	w = write(syslog_fd, line, (size_t)n);
	(void)w;
}

void vsyslog(int pri, const char *fmt, va_list ap)
{
	(void)pri;
	capture(fmt, ap);
}

void __vsyslog_chk(int pri, int flag, const char *fmt, va_list ap)
{
	(void)pri;
	(void)flag;
	capture(fmt, ap);
}

void syslog(int pri, const char *fmt, ...)
{
	va_list ap;

	(void)pri;
	va_start(ap, fmt);
	capture(fmt, ap);
	va_end(ap);
}

void __syslog_chk(int pri, int flag, const char *fmt, ...)
{
	va_list ap;

	(void)pri;
	(void)flag;
	va_start(ap, fmt);
	capture(fmt, ap);
	va_end(ap);
}

/* LeakSanitizer's hook (the sanitizer build): pam_wrapper's set-up and
 * libpamtest's conversation leak by design; the module must not. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libpam_wrapper.so\nleak:libpamtest.so\n";
}

static void keep_secret(const char *s)
{
	assert_true(n_secrets < N_ELEMS(secrets));
	assert_int_equal(bg_strlcpy(secrets[n_secrets++], s, sizeof(secrets[0])), BG_OK);
}

/* The whole file (NUL-terminated), or NULL if there is none. */
static char *slurp(const char *path, size_t *len)
{
	char *text = NULL;
	size_t n = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	do {
		text = realloc(text, n + 65536 + 1);
		assert_non_null(text);
		r = read(fd, text + n, 65536);
		assert_true(r >= 0);
		n += (size_t)r;
	} while (r > 0);
	close(fd);
	text[n] = '\0';
	if (len != NULL)
		*len = n;
	return text;
}

/* Run argv (a fixed program: no shell) without the PAM wrapper in its
 * environment; the start of its stdout in out[outlen]; its exit status. */
static int run(const char *const argv[], char *out, size_t outlen)
{
	char chunk[512];
	size_t got = 0, keep;
	int fds[2], status;
	ssize_t n;
	pid_t pid;

	assert_true(outlen > 0);
	assert_int_equal(pipe(fds), 0);
	assert_true((pid = fork()) >= 0);
	if (pid == 0) {
		close(fds[0]);
		if (dup2(fds[1], STDOUT_FILENO) < 0)
			_exit(127);
		unsetenv("LD_PRELOAD");
		unsetenv("PAM_WRAPPER");
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	while ((n = read(fds[0], chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			assert_int_equal(errno, EINTR);
			continue;
		}
		keep = (size_t)n < outlen - 1 - got ? (size_t)n : outlen - 1 - got;
		memcpy(out + got, chunk, keep);
		got += keep;
	}
	out[got] = '\0';
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0)
		assert_int_equal(errno, EINTR);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* oathtool's code for p at unix time t, with the configured digits and
 * period, into code[16]. */
static void code_at(const struct person *p, time_t t, char code[16])
{
	char when[32], digits[8], period[16];
	const char *argv[] = { "oathtool", "--totp", "-b", "-d", digits, "-s", period,
			       "-N", when, p->b32, NULL };

	assert_int_equal(bg_snprintf(when, sizeof(when), "@%lld", (long long)t), BG_OK);
	assert_int_equal(bg_snprintf(digits, sizeof(digits), "%ld", cfg->auth.totp.digits), BG_OK);
	assert_int_equal(bg_snprintf(period, sizeof(period), "%lds",
				     cfg->auth.totp.period_seconds), BG_OK);
	assert_int_equal(run(argv, code, 16), 0);
	code[strcspn(code, "\n")] = '\0';
	assert_int_equal(strlen(code), (size_t)cfg->auth.totp.digits);
	keep_secret(code);
}

/* A well-formed code that is none of p's codes two steps around now. */
static void wrong_code(const struct person *p, time_t now, char code[16])
{
	char near[5][16];
	long period = cfg->auth.totp.period_seconds;
	unsigned v;
	int i;

	for (i = 0; i < 5; i++)
		code_at(p, now + (i - 2) * period, near[i]);
	for (v = 0;; v++) {
		assert_int_equal(bg_snprintf(code, 16, "%0*u", (int)cfg->auth.totp.digits, v), BG_OK);
		for (i = 0; i < 5 && strcmp(code, near[i]) != 0; i++)
			;
		if (i == 5)
			return;
	}
}

/* The time now, after waiting for the next TOTP step if fewer than
 * GUARD_SECONDS remain in this one: a test's codes stay current. */
static time_t fresh_now(void)
{
	long period = cfg->auth.totp.period_seconds, left;
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

/* A scripted conversation: the echo-on answers (ticket, justification,
 * approver) and echo-off ones (codes) in order; NULL ends each list. */
struct talk {
	const char *on[4], *off[4];
	char err[MSGS][PAM_MAX_MSG_SIZE + 1], info[MSGS][PAM_MAX_MSG_SIZE + 1];
	char *errp[MSGS], *infop[MSGS];
	struct pamtest_conv_data data;
};

static void talk_init(struct talk *t, const char *ticket, const char *why,
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

/* pam_authenticate of user through service; the module's answer. */
static int auth_via(const char *service, const char *user, struct talk *t)
{
	struct pam_testcase tc[] = { pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS) };
	enum pamtest_err e = run_pamtest(service, user, &t->data, tc, NULL);

	assert_true(e == PAMTEST_ERR_OK || e == PAMTEST_ERR_CASE);
	return tc[0].op_rv;
}

static int auth(const char *user, struct talk *t)
{
	return auth_via(SERVICE, user, t);
}

/* A login with the usual ticket and justification. */
static int login(const char *user, const char *code, const char *approver,
		 const char *acode, struct talk *t)
{
	talk_init(t, TICKET, WHY, code, approver, acode);
	return auth(user, t);
}

/* The audit log's events, oldest first (none if there is no log). */
static json_t *events(void)
{
	json_t *a = json_array(), *o;
	char *text = slurp(audit_path, NULL), *p, *nl;

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

/* A string member, "" when absent. */
static const char *jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

/* Events with these event, result and reason ("": absent, NULL: any). */
/* Grant files (<32 hex>.json) in run_dir; remembered logins live apart. */
static size_t count_grants(void)
{
	DIR *d = opendir(cfg->paths.run_dir);
	struct dirent *e;
	size_t n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		n += strlen(e->d_name) == 37 && strcmp(e->d_name + 32, ".json") == 0;
	closedir(d);
	return n;
}

static size_t count_events(const char *event, const char *result, const char *reason)
{
	json_t *a = events(), *o;
	size_t i, n = 0;

	json_array_foreach(a, i, o) {
		if ((event == NULL || strcmp(jstr(o, "event"), event) == 0) &&
		    (result == NULL || strcmp(jstr(o, "result"), result) == 0) &&
		    (reason == NULL || strcmp(jstr(o, "reason"), reason) == 0))
			n++;
	}
	json_decref(a);
	return n;
}

/* The last audit event is user's login with this result and reason. */
static void assert_last_auth(const char *user, const char *result, const char *reason)
{
	json_t *a = events(), *o;

	assert_true(json_array_size(a) > 0);
	o = json_array_get(a, json_array_size(a) - 1);
	assert_string_equal(jstr(o, "event"), "auth");
	assert_string_equal(jstr(o, "user"), user);
	assert_string_equal(jstr(o, "result"), result);
	assert_string_equal(jstr(o, "reason"), reason);
	assert_string_equal(jstr(o, "service"), SERVICE);
	json_decref(a);
}

/* A refused login: PAM_AUTH_ERR, message shown, reason audited. */
static void assert_refused(const char *user, const char *reason, int rv,
			   const struct talk *t, const char *message)
{
	assert_int_equal(rv, PAM_AUTH_ERR);
	assert_non_null(strstr(t->err[0], message));
	assert_last_auth(user, "failure", reason);
}

/* The last event's member key. */
static void assert_last_member(const char *key, const char *value)
{
	json_t *a = events();

	assert_true(json_array_size(a) > 0);
	assert_string_equal(jstr(json_array_get(a, json_array_size(a) - 1), key), value);
	json_decref(a);
}

/* True if what was logged to syslog since the test began holds s. */
static bool logged(const char *s)
{
	char *text = slurp(syslog_path, NULL);
	bool found = text != NULL && strlen(text) >= (size_t)syslog_at &&
		     strstr(text + syslog_at, s) != NULL;

	free(text);
	return found;
}

/* Write the configuration with extra and load it into cfg. */
static void reconfigure(const char *extra)
{
	char *path = th_config(conf_dir, extra);

	assert_string_equal(path, conf_path);
	free(path);
	bg_config_free(cfg);
	cfg = th_config_load(conf_path);
}

/* A fresh conf_dir (config, enrollments, empty state) per test; the
 * prestate, if any, is the configuration's extra members. */
static int setup(void **state)
{
	size_t i;

	th_rmtree(conf_dir);
	assert_int_equal(mkdir(conf_dir, 0700), 0);
	reconfigure(*state != NULL ? *state : CONF_BASIC);
	for (i = 0; i < N_PEOPLE; i++)
		assert_int_equal(bg_userdb_save(cfg, people[i].u), BG_OK);
	syslog_at = lseek(syslog_fd, 0, SEEK_END);
	assert_true(syslog_at >= 0);
	return 0;
}

/* Whatever a test did, its audit chain holds; the log is kept for the
 * leak check. */
static int teardown(void **state)
{
	size_t len, lines, bad = 0;
	char why[256], *text = slurp(audit_path, &len);
	bool ok = true;
	int fd;

	(void)state;
	if (text != NULL) {
		if (bg_audit_verify(audit_path, &lines, &bad, why, sizeof(why)) != BG_OK) {
			fprintf(stderr, "audit chain broken at line %zu: %s\n", bad, why);
			ok = false;
		}
		fd = open(all_audit_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, text, len) != (ssize_t)len)
			ok = false;
		if (fd >= 0)
			close(fd);
	}
	free(text);
	bg_config_free(cfg);
	cfg = NULL;
	th_rmtree(conf_dir);
	return ok ? 0 : -1;
}

/* Enrolled once for the run (argon2 is slow), saved again by each setup. */
static int group_setup(void **state)
{
	struct passwd *pw = getpwuid(geteuid());
	struct bg_buf b32;
	size_t i, j;

	(void)state;
	assert_non_null(pw);
	assert_non_null(people[ME].name = strdup(pw->pw_name));
	for (i = 0; i < N_PEOPLE; i++) {
		assert_int_equal(bg_userdb_new(people[i].name, &people[i].u,
					       &people[i].codes), BG_OK);
		bg_buf_init(&b32, sizeof(people[i].b32) - 1);
		assert_int_equal(bg_totp_base32(bg_secret_data(people[i].u->key),
						bg_secret_len(people[i].u->key), &b32), BG_OK);
		memcpy(people[i].b32, bg_buf_str(&b32), b32.len + 1);
		bg_buf_free(&b32);
		keep_secret(people[i].b32);
		for (j = 0; j < BG_RECOVERY_CODES; j++)
			keep_secret(bg_recovery_code(&people[i].codes, j));
	}
	return 0;
}

static int group_teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N_PEOPLE; i++) {
		bg_userdb_free(people[i].u);
		bg_recovery_codes_free(&people[i].codes);
	}
	free((char *)people[ME].name);
	return 0;
}

/* ---- the success path ---- */

static void test_success_writes_grant_and_close_removes_it(void **state)
{
	const char *me = people[ME].name, *id = NULL;
	struct pam_testcase steps[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
		pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS),
		pam_test(PAMTEST_GETENVLIST, 0),
		pam_test(PAMTEST_KEEPHANDLE, 0),
	};
	struct pam_testcase ending[] = { pam_test(PAMTEST_CLOSE_SESSION, PAM_SUCCESS) };
	char code[16], why[128], **env;
	size_t i, lines, bad;
	struct bg_grant *g;
	struct talk t;
	json_t *a;
	time_t t0;

	(void)state;
	t0 = fresh_now();
	code_at(&people[ME], t0, code);
	talk_init(&t, TICKET, WHY, code, NULL, NULL);
	assert_int_equal(run_pamtest(SERVICE, me, &t.data, steps, NULL), PAMTEST_ERR_OK);
	assert_non_null(strstr(t.info[0], "recorded"));
	assert_string_equal(t.err[0], "");
	env = steps[3].case_out.envlist;
	for (i = 0; env != NULL && env[i] != NULL; i++)
		if (strncmp(env[i], "BREAKGLASS_SESSION=", 19) == 0)
			id = env[i] + 19;
	assert_non_null(id);
	assert_true(bg_grant_id_valid(id));

	assert_int_equal(bg_grant_read(cfg->paths.run_dir, id, geteuid(), &g), BG_OK);
	assert_string_equal(g->user, me);
	assert_int_equal(g->uid, (long)geteuid());
	assert_string_equal(g->ticket, TICKET);
	assert_string_equal(g->justification, WHY);
	assert_null(g->approver);
	assert_true(g->start >= t0 && g->start <= time(NULL));
	assert_int_equal(g->expires, g->start + 30 * 60);
	bg_grant_free(g);

	/* The same handle: the session data of the open is needed. */
	assert_int_equal(run_pamtest(SERVICE, me, &t.data, ending, steps[4].case_out.ph),
			 PAMTEST_ERR_OK);
	assert_int_equal(bg_grant_read(cfg->paths.run_dir, id, geteuid(), &g), BG_ENOENT);

	a = events();
	assert_int_equal(json_array_size(a), 3);
	assert_string_equal(jstr(json_array_get(a, 0), "event"), "auth");
	assert_string_equal(jstr(json_array_get(a, 0), "result"), "success");
	assert_string_equal(jstr(json_array_get(a, 0), "mfa"), "totp");
	assert_string_equal(jstr(json_array_get(a, 0), "ticket"), TICKET);
	assert_string_equal(jstr(json_array_get(a, 0), "justification"), WHY);
	assert_string_equal(jstr(json_array_get(a, 1), "event"), "session_open");
	assert_string_equal(jstr(json_array_get(a, 1), "session"), id);
	assert_string_not_equal(jstr(json_array_get(a, 1), "expires"), "");
	assert_string_equal(jstr(json_array_get(a, 2), "event"), "session_close");
	assert_string_equal(jstr(json_array_get(a, 2), "result"), "success");
	assert_string_equal(jstr(json_array_get(a, 2), "session"), id);
	json_decref(a);
	pamtest_free_env(env);
	assert_int_equal(bg_audit_verify(audit_path, &lines, &bad, why, sizeof(why)), BG_OK);
	assert_int_equal(lines, 3);
}

/* The recorder runs the shell with the grant's uid: an account the system
 * does not know may authenticate, but gets no grant. */
static void test_session_needs_system_account(void **state)
{
	struct pam_testcase tc[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_OPEN_SESSION, PAM_SESSION_ERR),
	};
	char code[16];
	struct talk t;

	(void)state;
	assert_null(getpwnam("alice"));
	code_at(&people[ALICE], fresh_now(), code);
	talk_init(&t, TICKET, WHY, code, NULL, NULL);
	assert_int_equal(run_pamtest(SERVICE, "alice", &t.data, tc, NULL), PAMTEST_ERR_OK);
	assert_int_equal(count_grants(), 0);
	assert_int_equal(count_events("session_open", NULL, NULL), 0);
	assert_true(logged("no session"));
}

/* ---- wrong answers ---- */

#define WRONG "(a wrong code)"
#define RIGHT NULL

static void test_wrong_answers_refused_with_reason(void **state)
{
	static const struct {
		const char *user, *ticket, *why, *code, *message, *reason;
	} rows[] = {
		{ "alice", "TICKET-1", WHY, RIGHT, "does not have the form", "bad_ticket" },
		{ "alice", "INC-", WHY, RIGHT, "does not have the form", "bad_ticket" },
		{ "alice", TICKET, "disk full", RIGHT, "is too short", "bad_justification" },
		{ "alice", TICKET, WHY, WRONG, "Verification failed", "bad_code" },
		{ "alice", TICKET, WHY, "12ab56", "Verification failed", "bad_code" },
		{ "alice", TICKET, WHY, "1234567", "Verification failed", "bad_code" },
		{ "zoe", TICKET, WHY, RIGHT, "Verification failed", "not_enrolled" },
	};
	char right[16], wrong[16];
	const char *code;
	struct talk t;
	time_t now;
	size_t i;

	(void)state;
	now = fresh_now();
	code_at(&people[ALICE], now, right);
	wrong_code(&people[ALICE], now, wrong);
	for (i = 0; i < N_ELEMS(rows); i++) {
		code = rows[i].code == RIGHT ? right :
		       strcmp(rows[i].code, WRONG) == 0 ? wrong : rows[i].code;
		talk_init(&t, rows[i].ticket, rows[i].why, code, NULL, NULL);
		print_message("row %zu: %s\n", i, rows[i].reason);
		assert_refused(rows[i].user, rows[i].reason, auth(rows[i].user, &t), &t,
			       rows[i].message);
	}
	assert_int_equal(count_events("auth", "failure", NULL), N_ELEMS(rows));
	/* The refusals were about the answers: the right code still works. */
	assert_int_equal(login("alice", right, NULL, NULL, &t), PAM_SUCCESS);
	assert_last_auth("alice", "success", "");
}

/* ---- TOTP window, replay, configured digits and period ---- */

struct edge {
	int steps;              /* code of now + steps periods */
	int rv;
	const char *reason;
};

/* Each row in order, all inside one time step. */
static void check_edges(const struct edge *rows, size_t n)
{
	long period = cfg->auth.totp.period_seconds;
	char code[16];
	struct talk t;
	time_t now = fresh_now();
	size_t i;

	for (i = 0; i < n; i++) {
		code_at(&people[ALICE], now + rows[i].steps * period, code);
		print_message("step %+d\n", rows[i].steps);
		assert_int_equal(login("alice", code, NULL, NULL, &t), rows[i].rv);
		assert_last_auth("alice", rows[i].rv == PAM_SUCCESS ? "success" : "failure",
				 rows[i].reason);
	}
}

static void test_window_one_edges(void **state)
{
	/* Refusals first: an accepted later step would make them replays. */
	static const struct edge rows[] = {
		{ -2, PAM_AUTH_ERR, "bad_code" }, { 2, PAM_AUTH_ERR, "bad_code" },
		{ -1, PAM_SUCCESS, "" }, { 1, PAM_SUCCESS, "" },
	};

	(void)state;
	check_edges(rows, N_ELEMS(rows));
}

static void test_window_zero_edges(void **state)
{
	static const struct edge rows[] = {
		{ -1, PAM_AUTH_ERR, "bad_code" }, { 1, PAM_AUTH_ERR, "bad_code" },
		{ 0, PAM_SUCCESS, "" },
	};

	(void)state;
	check_edges(rows, N_ELEMS(rows));
}

static void test_same_code_twice_refused(void **state)
{
	char code[16];
	struct talk t;

	(void)state;
	code_at(&people[ALICE], fresh_now(), code);
	assert_int_equal(login("alice", code, NULL, NULL, &t), PAM_SUCCESS);
	assert_refused("alice", "code_reused", login("alice", code, NULL, NULL, &t), &t,
		       "Verification failed");
}

static void test_digits_and_period_from_config(void **state)
{
	char code[16];
	struct talk t;

	(void)state;
	assert_int_equal(cfg->auth.totp.digits, 8);
	code_at(&people[ALICE], fresh_now(), code);
	/* Its last six digits are the six-digit code of the same step. */
	assert_refused("alice", "bad_code", login("alice", code + 2, NULL, NULL, &t), &t,
		       "Verification failed");
	assert_int_equal(login("alice", code, NULL, NULL, &t), PAM_SUCCESS);
}

/* ---- lockout ---- */

static void state_of(const char *user, time_t *locked_until, size_t *failures)
{
	struct bg_state *st = NULL;

	assert_int_equal(bg_state_open(cfg, user, &st), BG_OK);
	*locked_until = st->locked_until;
	*failures = st->n_failures;
	bg_state_close(st);
}

/* max_failures (3) wrong codes for alice; the right code of now in good. */
static void fail_three_times(char good[16])
{
	char bad[16];
	struct talk t;
	time_t now = fresh_now();
	int i;

	code_at(&people[ALICE], now, good);
	wrong_code(&people[ALICE], now, bad);
	for (i = 0; i < 3; i++)
		assert_refused("alice", "bad_code", login("alice", bad, NULL, NULL, &t), &t,
			       "Verification failed");
}

static void test_lockout_then_unlock(void **state)
{
	const char *argv[] = { getenv("BREAKGLASSCTL"), "-c", conf_path, "unlock", "alice", NULL };
	char good[16], out[256];
	time_t until;
	size_t failures;
	struct talk t;

	(void)state;
	fail_three_times(good);
	assert_refused("alice", "locked", login("alice", good, NULL, NULL, &t), &t, "locked");
	state_of("alice", &until, &failures);
	assert_true(until > time(NULL) + 800);

	assert_int_equal(run(argv, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "Unlocked alice"));
	state_of("alice", &until, &failures);
	assert_int_equal(until, 0);
	code_at(&people[ALICE], fresh_now(), good);
	assert_int_equal(login("alice", good, NULL, NULL, &t), PAM_SUCCESS);
	assert_last_auth("alice", "success", "");
}

static void test_lockout_expires(void **state)
{
	char good[16];
	time_t until;
	size_t failures;
	struct talk t;

	(void)state;
	fail_three_times(good);
	state_of("alice", &until, &failures);
	assert_true(until > 0);
	sleep(2);
	code_at(&people[ALICE], fresh_now(), good);
	assert_int_equal(login("alice", good, NULL, NULL, &t), PAM_SUCCESS);
	assert_last_auth("alice", "success", "");
}

/* ---- recovery codes ---- */

static void test_recovery_code_works_once(void **state)
{
	const char *code = bg_recovery_code(&people[ALICE].codes, 3);
	struct talk t;

	(void)state;
	assert_int_equal(login("alice", code, NULL, NULL, &t), PAM_SUCCESS);
	assert_last_auth("alice", "success", "");
	assert_last_member("mfa", "recovery_code");
	assert_refused("alice", "bad_code", login("alice", code, NULL, NULL, &t), &t,
		       "Verification failed");
}

/* ---- two-person approval ---- */

#define CONF_APPROVAL(list) "\"auth\": {" LOCKOUT(100, 900) APPROVAL(list) "}"

/* alice's code and a code of approver p, both of now. */
static void codes_of(const struct person *p, char mine[16], char theirs[16])
{
	time_t now = fresh_now();

	code_at(&people[ALICE], now, mine);
	code_at(p, now, theirs);
}

static void test_approval_by_bob(void **state)
{
	char mine[16], theirs[16];
	struct talk t;

	(void)state;
	codes_of(&people[BOB], mine, theirs);
	assert_int_equal(login("alice", mine, "bob", theirs, &t), PAM_SUCCESS);
	assert_last_auth("alice", "success", "");
	assert_last_member("approver", "bob");
}

/* alice asks and name answers as approver with p's code of now (or a
 * wrong one): refused for reason, with message. */
static void approval_refused(const char *name, const struct person *p, bool wrong,
			     const char *reason, const char *message)
{
	char mine[16], theirs[16];
	struct talk t;

	codes_of(p, mine, theirs);
	if (wrong)
		wrong_code(p, time(NULL), theirs);
	assert_refused("alice", reason, login("alice", mine, name, theirs, &t), &t, message);
}

static void test_approval_empty_answer(void **state)
{
	(void)state;
	approval_refused("", &people[BOB], false, "bad_approver_input",
			 "approver's name must not be empty");
}

static void test_approval_self(void **state)
{
	(void)state;
	approval_refused("alice", &people[ALICE], false, "self_approval",
			 "cannot approve your own");
}

static void test_approval_not_an_approver(void **state)
{
	(void)state;
	approval_refused("dave", &people[DAVE], false, "not_an_approver", "not an approver");
}

static void test_approval_wrong_code(void **state)
{
	(void)state;
	approval_refused("bob", &people[BOB], true, "bad_approver_code", "Approval failed");
}

static void test_approval_code_replayed(void **state)
{
	char mine[16], theirs[16], daves[16];
	struct talk t;

	(void)state;
	codes_of(&people[BOB], mine, theirs);
	code_at(&people[DAVE], time(NULL), daves);
	assert_int_equal(login("alice", mine, "bob", theirs, &t), PAM_SUCCESS);
	assert_refused("dave", "approver_code_reused", login("dave", daves, "bob", theirs, &t),
		       &t, "Approval failed");
}

/* %group: the running user approves through their primary group. */
static void test_approval_through_group(void **state)
{
	const char *me = people[ME].name;
	struct group *gr = getgrgid(getegid());
	char extra[512], mine[16], theirs[16];
	struct talk t;

	(void)state;
	assert_non_null(gr);
	assert_int_equal(bg_snprintf(extra, sizeof(extra),
				     "\"auth\": {" LOCKOUT(100, 900) APPROVAL("\"%%%s\"") "}",
				     gr->gr_name), BG_OK);
	reconfigure(extra);
	codes_of(&people[ME], mine, theirs);
	assert_int_equal(login("alice", mine, me, theirs, &t), PAM_SUCCESS);
	assert_last_member("approver", me);
	/* bob is not in that group (nor in /etc/passwd); dave asks, as
	 * alice's code of this step is spent. */
	code_at(&people[DAVE], time(NULL), mine);
	code_at(&people[BOB], time(NULL), theirs);
	assert_refused("dave", "not_an_approver", login("dave", mine, "bob", theirs, &t),
		       &t, "not an approver");
}

/* ---- refusals at the PAM edge ---- */

/* A conversation that answers nothing (libpamtest needs the empty lists). */
static void test_no_answers_refused(void **state)
{
	struct talk t;

	(void)state;
	talk_init(&t, NULL, NULL, NULL, NULL, NULL);
	assert_int_equal(auth("alice", &t), PAM_AUTH_ERR);
	assert_last_auth("alice", "failure", "no_conversation");
}

static void test_account_and_session_need_auth(void **state)
{
	struct pam_testcase tc[] = {
		pam_test(PAMTEST_ACCOUNT, PAM_PERM_DENIED),
		pam_test(PAMTEST_OPEN_SESSION, PAM_SESSION_ERR),
	};
	struct talk t;

	(void)state;
	talk_init(&t, NULL, NULL, NULL, NULL, NULL);
	assert_int_equal(run_pamtest(SERVICE, people[ME].name, &t.data, tc, NULL),
			 PAMTEST_ERR_OK);
	assert_true(logged("no break-glass authentication"));
	assert_int_equal(count_events(NULL, NULL, NULL), 0);
	assert_int_equal(access(cfg->paths.run_dir, F_OK), -1);
}

static void test_bad_module_argument_fails_closed(void **state)
{
	char code[16];
	struct talk t;

	(void)state;
	code_at(&people[ALICE], fresh_now(), code);
	talk_init(&t, TICKET, WHY, code, NULL, NULL);
	assert_int_equal(auth_via(SERVICE_BADARG, "alice", &t), PAM_AUTH_ERR);
	assert_true(logged("unknown or invalid argument: bogus=1"));
	assert_int_equal(count_events(NULL, NULL, NULL), 0);
}

static void test_bad_config_fails_closed(void **state)
{
	char dir[PATH_MAX], code[16], *path;
	struct talk t;

	(void)state;
	assert_int_equal(bg_snprintf(dir, sizeof(dir), "%s/badconf", base), BG_OK);
	code_at(&people[ALICE], fresh_now(), code);
	/* Missing, then present but out of range. */
	talk_init(&t, TICKET, WHY, code, NULL, NULL);
	assert_int_equal(auth_via(SERVICE_BADCONF, "alice", &t), PAM_AUTH_ERR);
	path = th_write_str(dir, "breakglass.json", "{\"auth\": {\"totp\": {\"digits\": 99}}}\n");
	talk_init(&t, TICKET, WHY, code, NULL, NULL);
	assert_int_equal(auth_via(SERVICE_BADCONF, "alice", &t), PAM_AUTH_ERR);
	assert_true(logged("auth.totp.digits"));
	assert_true(logged("unusable: refusing"));
	(void)unlink(path);
	free(path);
}

/* ---- concurrency ---- */

/* One of the concurrent logins: its exit status says how it went. */
static void child_login(int ready, int gate, const char *code)
{
	struct pam_testcase warm[] = { pam_test(PAMTEST_GETENVLIST, 0) };
	struct pam_testcase tc[] = { pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS) };
	struct talk t;
	char c = 'r';

	/* Without PAM_WRAPPER pam_wrapper does not set itself up again in
	 * this process (a new /tmp/pam.X each, of which there are only 62)
	 * but keeps the parent's service files.  The warm-up loads the
	 * module before the gate, so that only the logins run at once. */
	unsetenv("PAM_WRAPPER");
	talk_init(&t, TICKET, WHY, code, NULL, NULL);
	(void)run_pamtest(SERVICE, "alice", &t.data, warm, NULL);
	pamtest_free_env(warm[0].case_out.envlist);
	if (write(ready, &c, 1) != 1)
		_exit(3);
	close(ready);
	/* Everyone starts when the parent closes the other end. */
	while (read(gate, &c, 1) < 0 && errno == EINTR)
		;
	(void)run_pamtest(SERVICE, "alice", &t.data, tc, NULL);
	/* _exit: pam_wrapper's destructor would remove the parent's
	 * directory, and cmocka must not go on in a child. */
	_exit(tc[0].op_rv == PAM_SUCCESS ? 0 : tc[0].op_rv == PAM_AUTH_ERR ? 1 : 2);
}

/* NPROC children log in with one code at the same moment; their exit
 * statuses counted into n[0..3]. */
static void concurrent_logins(const char *code, int n[4])
{
	int gate[2], ready[2], status, forked;
	pid_t pids[NPROC];
	ssize_t got = 1;
	char c;

	assert_int_equal(pipe(gate), 0);
	fflush(NULL);
	for (forked = 0; forked < NPROC && got == 1; forked++) {
		assert_int_equal(pipe(ready), 0);
		assert_true((pids[forked] = fork()) >= 0);
		if (pids[forked] == 0) {
			close(gate[1]);
			close(ready[0]);
			child_login(ready[1], gate[0], code);
		}
		close(ready[1]);
		/* End of file instead of a byte: that child died setting up,
		 * counted below; the others are let go, not left hanging. */
		while ((got = read(ready[0], &c, 1)) < 0 && errno == EINTR)
			;
		close(ready[0]);
	}
	close(gate[0]);
	close(gate[1]);
	memset(n, 0, 4 * sizeof(n[0]));
	while (forked-- > 0) {
		while (waitpid(pids[forked], &status, 0) < 0)
			assert_int_equal(errno, EINTR);
		n[WIFEXITED(status) && WEXITSTATUS(status) < 3 ? WEXITSTATUS(status) : 3]++;
	}
}

static void test_concurrent_logins_one_code(void **state)
{
	size_t lines, bad, failures;
	char code[16], why[128];
	time_t now, until;
	int n[4];

	(void)state;
	now = fresh_now();
	code_at(&people[ALICE], now, code);
	concurrent_logins(code, n);
	assert_int_equal(n[0], 1);              /* PAM_SUCCESS */
	assert_int_equal(n[1], NPROC - 1);      /* PAM_AUTH_ERR */
	assert_int_equal(n[2] + n[3], 0);
	state_of("alice", &until, &failures);
	assert_int_equal(failures, NPROC - 1);
	assert_int_equal(until, 0);
	assert_int_equal(count_events("auth", NULL, NULL), NPROC);
	assert_int_equal(count_events("auth", "success", ""), 1);
	assert_int_equal(count_events("auth", "failure", "code_reused"), NPROC - 1);
	assert_int_equal(bg_audit_verify(audit_path, &lines, &bad, why, sizeof(why)), BG_OK);
	assert_int_equal(lines, NPROC);
}

/* ---- nothing secret is ever logged (runs last) ---- */

/* Is s in text?  Digits count only as a whole token: a hash or a time
 * may hold any short run of digits. */
static bool holds(const char *text, const char *s)
{
	size_t n = strlen(s);
	const char *p;

	if (strspn(s, "0123456789") != n)
		return strcasestr(text, s) != NULL;
	for (p = strstr(text, s); p != NULL; p = strstr(p + 1, s)) {
		if ((p == text || !isalnum((unsigned char)p[-1])) &&
		    !isalnum((unsigned char)p[n]))
			return true;
	}
	return false;
}

static void test_no_secret_in_logs(void **state)
{
	char *sys = slurp(syslog_path, NULL), *audit = slurp(all_audit_path, NULL);
	size_t i;

	(void)state;
	assert_non_null(sys);
	assert_non_null(audit);
	/* Not vacuous: audit lines and the module's own lines were seen. */
	assert_non_null(strstr(sys, "breakglass: {"));
	assert_non_null(strstr(sys, "refused alice"));
	assert_non_null(strstr(audit, "\"result\":\"success\""));
	assert_true(n_secrets > 100);
	for (i = 0; i < n_secrets; i++) {
		if (holds(sys, secrets[i]) || holds(audit, secrets[i]))
			fail_msg("secret %zu (%zu chars) was logged", i, strlen(secrets[i]));
	}
	free(sys);
	free(audit);
}

/* ---- set-up of the run ---- */

/* One service file: the module for auth, account and session. */
static int write_service(const char *dir, const char *name, const char *module,
			 const char *config, const char *more)
{
	char text[4 * PATH_MAX], *path;

	if (bg_snprintf(text, sizeof(text),
			"auth required %s config=%s%s\n"
			"account required %s config=%s%s\n"
			"session required %s config=%s%s\n",
			module, config, more, module, config, more,
			module, config, more) != BG_OK)
		return -1;
	path = th_write_str(dir, name, text);
	free(path);
	return 0;
}

/* pam_wrapper works only when preloaded at process start: write the
 * service files, then run this program again under it. */
static int reexec(char **argv, const char *module)
{
	const char *pre = getenv("LD_PRELOAD"), *asan = getenv("ASAN_OPTIONS"),
		   *lsan = getenv("LSAN_OPTIONS");
	char dir[PATH_MAX], conf[PATH_MAX], bad_dir[PATH_MAX], bad[PATH_MAX];
	char preload[4096], asan_opts[4096], lsan_opts[4096];
	char *scratch = th_mkdtemp(), *path;

	if (bg_snprintf(dir, sizeof(dir), "%s/pam.d", scratch) != BG_OK ||
	    bg_snprintf(conf, sizeof(conf), "%s/conf/breakglass.json", scratch) != BG_OK ||
	    bg_snprintf(bad_dir, sizeof(bad_dir), "%s/badconf", scratch) != BG_OK ||
	    bg_snprintf(bad, sizeof(bad), "%s/breakglass.json", bad_dir) != BG_OK ||
	    bg_snprintf(preload, sizeof(preload), "%s%slibpam_wrapper.so",
			pre != NULL ? pre : "", pre != NULL && *pre != '\0' ? ":" : "") != BG_OK ||
	    bg_snprintf(asan_opts, sizeof(asan_opts), "%s%sverify_asan_link_order=0",
			asan != NULL ? asan : "",
			asan != NULL && *asan != '\0' ? ":" : "") != BG_OK ||
	    bg_snprintf(lsan_opts, sizeof(lsan_opts), "%s%sprint_suppressions=0",
			lsan != NULL ? lsan : "",
			lsan != NULL && *lsan != '\0' ? ":" : "") != BG_OK ||
	    mkdir(dir, 0700) != 0 || mkdir(bad_dir, 0700) != 0 ||
	    write_service(dir, SERVICE, module, conf, "") != 0 ||
	    write_service(dir, SERVICE_BADARG, module, conf, " bogus=1") != 0 ||
	    write_service(dir, SERVICE_BADCONF, module, bad, "") != 0)
		goto fail;
	path = th_write_str(dir, "other", "auth required pam_deny.so\n"
			    "account required pam_deny.so\n"
			    "password required pam_deny.so\n"
			    "session required pam_deny.so\n");
	free(path);
	/* DEEPBIND off: ASan refuses it, and libpam must find our syslog.
	 * (pam_wrapper 1.1.4 reads the variable under uid_wrapper's name.) */
	if (setenv("LD_PRELOAD", preload, 1) != 0 || setenv("PAM_WRAPPER", "1", 1) != 0 ||
	    setenv("PAM_WRAPPER_SERVICE_DIR", dir, 1) != 0 ||
	    setenv("PAM_WRAPPER_USE_SYSLOG", "1", 1) != 0 ||
	    setenv("PAM_WRAPPER_DISABLE_DEEPBIND", "1", 1) != 0 ||
	    setenv("UID_WRAPPER_DISABLE_DEEPBIND", "1", 1) != 0 ||
	    setenv("ASAN_OPTIONS", asan_opts, 1) != 0 ||
	    setenv("LSAN_OPTIONS", lsan_opts, 1) != 0 ||
	    setenv("BG_PAM_TEST_DIR", scratch, 1) != 0)
		goto fail;
	execv("/proc/self/exe", argv);
	perror("test_pam: /proc/self/exe");
fail:
	fprintf(stderr, "test_pam: cannot set up pam_wrapper in %s\n", scratch);
	th_rmtree(scratch);
	free(scratch);
	return 1;
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
#define TC(name, conf) cmocka_unit_test_prestate_setup_teardown(name, setup, teardown, \
								   (void *)(conf))

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		T(test_success_writes_grant_and_close_removes_it),
		T(test_session_needs_system_account),
		T(test_wrong_answers_refused_with_reason),
		TC(test_window_one_edges, "\"auth\": {\"totp\": {\"window\": 1}, "
		   LOCKOUT(100, 900) "}"),
		TC(test_window_zero_edges, "\"auth\": {\"totp\": {\"window\": 0}, "
		   LOCKOUT(100, 900) "}"),
		T(test_same_code_twice_refused),
		TC(test_digits_and_period_from_config,
		   "\"auth\": {\"totp\": {\"digits\": 8, \"period_seconds\": 60}}"),
		TC(test_lockout_then_unlock, "\"auth\": {" LOCKOUT(3, 900) "}"),
		TC(test_lockout_expires, "\"auth\": {" LOCKOUT(3, 1) "}"),
		T(test_recovery_code_works_once),
		TC(test_approval_by_bob, CONF_APPROVAL("\"bob\", \"carol\"")),
		TC(test_approval_empty_answer, CONF_APPROVAL("\"bob\", \"carol\"")),
		TC(test_approval_self, CONF_APPROVAL("\"alice\", \"bob\", \"carol\"")),
		TC(test_approval_not_an_approver, CONF_APPROVAL("\"bob\", \"carol\"")),
		TC(test_approval_wrong_code, CONF_APPROVAL("\"bob\", \"carol\"")),
		TC(test_approval_code_replayed, CONF_APPROVAL("\"bob\", \"carol\"")),
		T(test_approval_through_group),
		T(test_no_answers_refused),
		T(test_account_and_session_need_auth),
		T(test_bad_module_argument_fails_closed),
		T(test_bad_config_fails_closed),
		TC(test_concurrent_logins_one_code, "\"auth\": {" LOCKOUT(1000, 900) "}"),
		T(test_no_secret_in_logs),
	};
	const char *module = getenv("BREAKGLASS_PAM_MODULE");
	int r;

	(void)argc;
	if (module == NULL || getenv("BREAKGLASSCTL") == NULL) {
		fprintf(stderr, "test_pam: BREAKGLASS_PAM_MODULE and BREAKGLASSCTL "
			"are set by make check: skipped\n");
		return 77;
	}
	if (getenv("PAM_WRAPPER") == NULL)
		return reexec(argv, module);
	if ((base = getenv("BG_PAM_TEST_DIR")) == NULL ||
	    bg_snprintf(conf_dir, sizeof(conf_dir), "%s/conf", base) != BG_OK ||
	    bg_snprintf(conf_path, sizeof(conf_path), "%s/breakglass.json", conf_dir) != BG_OK ||
	    bg_snprintf(audit_path, sizeof(audit_path), "%s/audit.jsonl", conf_dir) != BG_OK ||
	    bg_snprintf(syslog_path, sizeof(syslog_path), "%s/syslog.txt", base) != BG_OK ||
	    bg_snprintf(all_audit_path, sizeof(all_audit_path), "%s/audit-all.jsonl",
			base) != BG_OK ||
	    (syslog_fd = open(syslog_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
			      0600)) < 0) {
		perror("test_pam: scratch directory");
		return 1;
	}
	r = cmocka_run_group_tests(tests, group_setup, group_teardown);
	close(syslog_fd);
	th_rmtree(base);
	return r;
}
