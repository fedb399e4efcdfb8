/* The PAM-stack test harness (see pam_harness.h), the run itself: this
 * program runs again under pam_wrapper, which loads the module built here
 * from service files in a scratch directory; syslog is captured, each test
 * gets a fresh configuration, and nothing secret may be logged. */
#include "config.h"

#include <ctype.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "breakglass/audit/auditverify.h"
#include "breakglass/base/buf.h"
#include "breakglass/login/totp.h"
#include "helpers.h"
#include "pam_harness.h"

struct person ph_people[N_PEOPLE] = {
	{ .name = "alice" }, { .name = "bob" }, { .name = "carol" }, { .name = "dave" },
	{ .name = NULL },
};
const char *ph_base;
char ph_conf_dir[PATH_MAX], ph_conf_path[PATH_MAX], ph_audit_path[PATH_MAX];
struct bg_config *ph_cfg;
static char syslog_path[PATH_MAX], all_audit_path[PATH_MAX];
static int syslog_fd = -1;
static off_t syslog_at;                 /* capture size when the test began */
/* Every code and key the module saw, for the leak check at the end. */
static char secrets[1024][40];
static size_t n_secrets;

/* syslog is ours (the binary is linked -rdynamic): the module's lines,
 * libpam's and pam_wrapper's end up in a file under ph_base. */
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

void ph_keep_secret(const char *s)
{
	assert_true(n_secrets < N_ELEMS(secrets));
	assert_int_equal(bg_strlcpy(secrets[n_secrets++], s, sizeof(secrets[0])), BG_OK);
}

bool ph_logged(const char *s)
{
	char *text = th_slurp(syslog_path, NULL);
	bool found = text != NULL && strlen(text) >= (size_t)syslog_at &&
		     strstr(text + syslog_at, s) != NULL;

	free(text);
	return found;
}

void ph_reconfigure(const char *extra)
{
	/* The test's uid runs other processes (make, the shell): one login
	 * at a time is tested on its own (test_alone, test_session). */
	char *more = NULL, *path;

	if (strstr(extra, "\"grant\"") == NULL &&
	    asprintf(&more, "%s, \"grant\": {\"concurrent\": \"allow\"}", extra) < 0)
		abort();
	path = th_config(ph_conf_dir, more != NULL ? more : extra);
	free(more);

	assert_string_equal(path, ph_conf_path);
	free(path);
	bg_config_free(ph_cfg);
	ph_cfg = th_config_load(ph_conf_path);
}

/* A fresh conf_dir (config, enrollments, empty state) per test. */
int ph_setup(void **state)
{
	size_t i;

	th_rmtree(ph_conf_dir);
	assert_int_equal(mkdir(ph_conf_dir, 0700), 0);
	ph_reconfigure(*state != NULL ? *state : CONF_BASIC);
	for (i = 0; i < N_PEOPLE; i++)
		assert_int_equal(bg_userdb_save(ph_cfg, ph_people[i].u), BG_OK);
	syslog_at = lseek(syslog_fd, 0, SEEK_END);
	assert_true(syslog_at >= 0);
	return 0;
}

/* Whatever a test did, its audit chain holds; the log is kept for the
 * leak check. */
int ph_teardown(void **state)
{
	size_t len, lines, bad = 0;
	char why[256], *text = th_slurp(ph_audit_path, &len);
	bool ok = true;
	int fd;

	(void)state;
	if (text != NULL) {
		if (bg_auditverify_run(ph_audit_path, &lines, &bad, why, sizeof(why)) != BG_OK) {
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
	bg_config_free(ph_cfg);
	ph_cfg = NULL;
	th_rmtree(ph_conf_dir);
	return ok ? 0 : -1;
}

/* Enrolled once for the run (argon2 is slow), saved again by each setup. */
static int group_setup(void **state)
{
	struct passwd *pw = getpwuid(geteuid());
	struct person *p;
	struct bg_buf b32;
	size_t j;

	(void)state;
	assert_non_null(pw);
	assert_non_null(ph_people[ME].name = strdup(pw->pw_name));
	for (p = ph_people; p < ph_people + N_PEOPLE; p++) {
		assert_int_equal(bg_userdb_new(p->name, &p->u, &p->codes), BG_OK);
		bg_buf_init(&b32, sizeof(p->b32) - 1);
		assert_int_equal(bg_totp_base32(bg_secret_data(p->u->key),
						bg_secret_len(p->u->key), &b32), BG_OK);
		memcpy(p->b32, bg_buf_str(&b32), b32.len + 1);
		bg_buf_free(&b32);
		ph_keep_secret(p->b32);
		for (j = 0; j < BG_RECOVERY_CODES; j++)
			ph_keep_secret(bg_recovery_code(&p->codes, j));
	}
	return 0;
}

static int group_teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N_PEOPLE; i++) {
		bg_userdb_free(ph_people[i].u);
		bg_recovery_codes_free(&ph_people[i].codes);
	}
	free((char *)ph_people[ME].name);
	return 0;
}

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

void ph_assert_no_secret_logged(const char *module_line)
{
	char *sys = th_slurp(syslog_path, NULL), *audit = th_slurp(all_audit_path, NULL);
	size_t i;

	/* Not vacuous: audit lines and the module's own lines were seen,
	 * and codes were typed. */
	assert_non_null(sys);
	assert_non_null(audit);
	assert_non_null(strstr(sys, "breakglass: {"));
	assert_non_null(strstr(sys, module_line));
	assert_non_null(strstr(audit, "\"result\":\"success\""));
	assert_true(n_secrets > N_PEOPLE * (1 + BG_RECOVERY_CODES));
	for (i = 0; i < n_secrets; i++) {
		if (holds(sys, secrets[i]) || holds(audit, secrets[i]))
			fail_msg("secret %zu (%zu chars) was logged", i, strlen(secrets[i]));
	}
	free(sys);
	free(audit);
}

/* One service file: the module for auth, account and session. */
static int write_service(const char *dir, const char *name, const char *module,
			 const char *config, const char *more)
{
	char text[4 * PATH_MAX], *path;

	if (bg_snprintf(text, sizeof(text), "auth required %s config=%s%s\n"
			"account required %s config=%s%s\nsession required %s config=%s%s\n",
			module, config, more, module, config, more,
			module, config, more) != BG_OK)
		return -1;
	path = th_write_str(dir, name, text);
	free(path);
	return 0;
}

/* name=old:add, or name=add without old. */
static int env_append(const char *name, const char *add)
{
	const char *old = getenv(name);
	char value[4096];

	if (bg_snprintf(value, sizeof(value), "%s%s%s", old != NULL ? old : "",
			old != NULL && *old != '\0' ? ":" : "", add) != BG_OK)
		return -1;
	return setenv(name, value, 1);
}

/* pam_wrapper works only when preloaded at process start: write the
 * service files, then run this program again under it. */
static int reexec(char **argv, const char *module)
{
	char dir[PATH_MAX], conf[PATH_MAX], bad_dir[PATH_MAX], bad[PATH_MAX];
	char *scratch = th_mkdtemp(), *path;

	if (bg_snprintf(dir, sizeof(dir), "%s/pam.d", scratch) != BG_OK ||
	    bg_snprintf(conf, sizeof(conf), "%s/conf/breakglass.json", scratch) != BG_OK ||
	    bg_snprintf(bad_dir, sizeof(bad_dir), "%s/badconf", scratch) != BG_OK ||
	    bg_snprintf(bad, sizeof(bad), "%s/breakglass.json", bad_dir) != BG_OK ||
	    mkdir(dir, 0700) != 0 || mkdir(bad_dir, 0700) != 0 ||
	    write_service(dir, SERVICE, module, conf, "") != 0 ||
	    write_service(dir, SERVICE_BADARG, module, conf, " bogus=1") != 0 ||
	    write_service(dir, SERVICE_BADCONF, module, bad, "") != 0)
		goto fail;
	path = th_write_str(dir, "other", "auth required pam_deny.so\n"
			    "account required pam_deny.so\npassword required pam_deny.so\n"
			    "session required pam_deny.so\n");
	free(path);
	/* DEEPBIND off: ASan refuses it, and libpam must find our syslog.
	 * (pam_wrapper 1.1.4 reads the variable under uid_wrapper's name.) */
	if (env_append("LD_PRELOAD", "libpam_wrapper.so") != 0 ||
	    env_append("ASAN_OPTIONS", "verify_asan_link_order=0") != 0 ||
	    env_append("LSAN_OPTIONS", "print_suppressions=0") != 0 ||
	    setenv("PAM_WRAPPER", "1", 1) != 0 ||
	    setenv("PAM_WRAPPER_SERVICE_DIR", dir, 1) != 0 ||
	    setenv("PAM_WRAPPER_USE_SYSLOG", "1", 1) != 0 ||
	    setenv("PAM_WRAPPER_DISABLE_DEEPBIND", "1", 1) != 0 ||
	    setenv("UID_WRAPPER_DISABLE_DEEPBIND", "1", 1) != 0 ||
	    setenv("BG_PAM_TEST_DIR", scratch, 1) != 0)
		goto fail;
	execv("/proc/self/exe", argv);
	perror("/proc/self/exe");
fail:
	fprintf(stderr, "%s: cannot set up pam_wrapper in %s\n", argv[0], scratch);
	th_rmtree(scratch);
	free(scratch);
	return 1;
}

int ph_main(char **argv, const char *group, const struct CMUnitTest *tests, size_t n)
{
	const char *module = getenv("BREAKGLASS_PAM_MODULE");
	int r;

	if (module == NULL || getenv("BREAKGLASSCTL") == NULL) {
		fprintf(stderr, "%s: BREAKGLASS_PAM_MODULE and BREAKGLASSCTL "
			"are set by make check: skipped\n", argv[0]);
		return 77;
	}
	if (getenv("PAM_WRAPPER") == NULL)
		return reexec(argv, module);
	if ((ph_base = getenv("BG_PAM_TEST_DIR")) == NULL ||
	    bg_snprintf(ph_conf_dir, sizeof(ph_conf_dir), "%s/conf", ph_base) != BG_OK ||
	    bg_snprintf(ph_conf_path, sizeof(ph_conf_path), "%s/breakglass.json",
			ph_conf_dir) != BG_OK ||
	    bg_snprintf(ph_audit_path, sizeof(ph_audit_path), "%s/audit.jsonl",
			ph_conf_dir) != BG_OK ||
	    bg_snprintf(syslog_path, sizeof(syslog_path), "%s/syslog.txt", ph_base) != BG_OK ||
	    bg_snprintf(all_audit_path, sizeof(all_audit_path), "%s/audit-all.jsonl",
			ph_base) != BG_OK ||
	    (syslog_fd = open(syslog_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
			      0600)) < 0) {
		perror("scratch directory");
		return 1;
	}
	r = _cmocka_run_group_tests(group, tests, n, group_setup, group_teardown);
	close(syslog_fd);
	th_rmtree(ph_base);
	return r;
}
