/* Tests for the recorder's id changes and its table of privileged
 * operations (recorder/priv.c), run without privileges: the test defines
 * setresuid, setresgid, getresuid, getresgid and prctl itself, a small
 * model of the kernel that can refuse a change and logs every one. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "helpers.h"
#include "priv.h"

#define USER 1000
#define REC 990                 /* the breakglass account, uid and gid */

/* The process's ids as a setuid and setgid recorder has them once
 * priv_init is done; refuse_uid/refuse_gid: the effective id whose
 * taking fails with EPERM (-1: none). */
static struct kernel {
	uid_t r, e, s;
	gid_t rg, eg, sg;
	unsigned long dumpable;
	long refuse_uid, refuse_gid;
	int exposed;            /* changes made while SIGQUIT could come */
	char log[256];
} k;

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	size_t n = strlen(k.log);
	va_list ap;

	va_start(ap, fmt);
	(void)!vsnprintf(k.log + n, sizeof(k.log) - n, fmt, ap);
	va_end(ap);
}

/* An unprivileged process may take any of its real, effective or saved
 * ids; a change of effective id makes it dumpable as fs.suid_dumpable
 * may (1 here, the worst case). */
static int change(unsigned *cur, const unsigned *nxt, long refuse, char what)
{
	int i, j;

	if (nxt[1] != (unsigned)-1 && (long)nxt[1] == refuse) {
		note("%c%u! ", what, nxt[1]);
		errno = EPERM;
		return -1;
	}
	for (i = 0; i < 3; i++) {
		if (nxt[i] == (unsigned)-1)
			continue;
		for (j = 0; j < 3 && cur[j] != nxt[i]; j++)
			;
		if (j == 3) {
			errno = EPERM;
			return -1;
		}
	}
	for (i = 0; i < 3; i++)
		if (nxt[i] != (unsigned)-1)
			cur[i] = nxt[i];
	if (nxt[1] != (unsigned)-1) {
		sigset_t now;

		note("%c%u ", what, nxt[1]);
		k.dumpable = 1;
		if (sigprocmask(SIG_BLOCK, NULL, &now) != 0 || !sigismember(&now, SIGQUIT))
			k.exposed++;
	}
	return 0;
}

int setresuid(uid_t r, uid_t e, uid_t s)
{
	unsigned cur[3] = { k.r, k.e, k.s }, nxt[3] = { r, e, s };
	int rc = change(cur, nxt, k.refuse_uid, 'u');

	k.r = cur[0], k.e = cur[1], k.s = cur[2];
	return rc;
}

int setresgid(gid_t r, gid_t e, gid_t s)
{
	unsigned cur[3] = { k.rg, k.eg, k.sg }, nxt[3] = { r, e, s };
	int rc = change(cur, nxt, k.refuse_gid, 'g');

	k.rg = cur[0], k.eg = cur[1], k.sg = cur[2];
	return rc;
}

int getresuid(uid_t *r, uid_t *e, uid_t *s)
{
	*r = k.r, *e = k.e, *s = k.s;
	return 0;
}

int getresgid(gid_t *r, gid_t *e, gid_t *s)
{
	*r = k.rg, *e = k.eg, *s = k.sg;
	return 0;
}

int prctl(int option, ...)
{
	va_list ap;
	unsigned long v;

	va_start(ap, option);
	v = va_arg(ap, unsigned long);
	va_end(ap);
	if (option == PR_GET_DUMPABLE)
		return (int)k.dumpable;
	if (option != PR_SET_DUMPABLE) {
		errno = EINVAL;
		return -1;
	}
	k.dumpable = v;
	note("d%lu ", v);
	return 0;
}

static const struct priv p = { USER, USER, REC, REC, false };

/* One test's files: a scratch session directory and a host key. */
static struct fx {
	char *dir;
	struct bg_keypair *host;
	struct bg_recwriter_opts wo;
	struct bg_manifest m;
} *f;

static int setup(void **state)
{
	k = (struct kernel){ .r = USER, .e = USER, .s = REC, .rg = USER, .eg = USER, .sg = REC,
			     .refuse_uid = -1, .refuse_gid = -1 };
	assert_non_null(f = calloc(1, sizeof(*f)));
	f->dir = th_mkdtemp();
	assert_int_equal(bg_keys_generate(BG_KEY_HOST, &f->host), BG_OK);
	f->wo = (struct bg_recwriter_opts){ .dir = f->dir, .host = f->host };
	f->m = (struct bg_manifest){ .host = (char *)"bastion1", .user = (char *)"alice",
				     .ticket = (char *)"INC-4711",
				     .start = (char *)"2026-12-07T00:00:00Z" };
	memcpy(f->m.host_key_id, f->host->pub.id, BG_KEY_ID_LEN);
	memcpy(f->m.host_public, f->host->pub.pk, BG_KEY_PUBLIC_LEN);
	*state = f;
	return 0;
}

static int teardown(void **state __attribute__((unused)))
{
	bg_keys_free(f->host);
	th_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static struct priv_req manifest_req(void)
{
	return (struct priv_req){ .op = PRIV_MANIFEST_WRITE,
				  .u.manifest_write = { .wo = &f->wo, .m = &f->m } };
}

static bool manifest_written(void)
{
	char path[512];
	struct stat st;

	assert_true(snprintf(path, sizeof(path), "%s/manifest.json", f->dir) <
		    (int)sizeof(path));
	return stat(path, &st) == 0;
}

/* Back to the user's effective ids, the account's kept as saved ids,
 * and never dumpable. */
static void assert_user_again(void)
{
	assert_true(k.r == USER && k.e == USER && k.s == REC);
	assert_true(k.rg == USER && k.eg == USER && k.sg == REC);
	assert_int_equal(k.dumpable, 0);
}

#define CASE(name) static void name(void **state __attribute__((unused)))

/* The body runs between the raise and the return to the user's ids,
 * the process made undumpable after each change. */
CASE(test_request_runs_with_account_ids_then_user_ids)
{
	struct priv_req q = manifest_req();

	assert_int_equal(priv_request(&p, &q), BG_OK);
	assert_true(manifest_written());
	assert_string_equal(k.log, "u990 g990 d0 g1000 u1000 d0 ");
	assert_user_again();
}

/* The bug this catches: a refused switch came back as -1, BG_ENOMEM,
 * and the recorder said "out of memory". */
CASE(test_refused_switch_is_epriv_not_enomem)
{
	static const struct {
		long refuse_uid, refuse_gid;
		const char *log;
	} cases[] = {
		{ REC, -1, "u990! g1000 u1000 d0 " },
		{ -1, REC, "u990 g990! g1000 u1000 d0 " },
	};
	struct priv_req q;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		k.log[0] = '\0';
		k.refuse_uid = cases[i].refuse_uid;
		k.refuse_gid = cases[i].refuse_gid;
		q = manifest_req();
		errno = 0;
		rc = priv_request(&p, &q);
		assert_int_equal(rc, BG_EPRIV);
		assert_int_not_equal(rc, BG_ENOMEM);
		assert_int_equal(errno, EPERM);
		assert_string_equal(bg_strerror(rc),
				    "cannot switch to the breakglass account's ids");
		assert_false(manifest_written());
		assert_string_equal(k.log, cases[i].log);
		assert_user_again();
	}
}

/* The user's ids cannot be taken back: the process must not go on with
 * the account's rights. */
CASE(test_unrestorable_user_ids_abort)
{
	struct priv_req q = manifest_req();
	pid_t pid;
	int st;

	assert_true((pid = fork()) >= 0);
	if (pid == 0) {
		/* abort's own signal, not one a test framework may catch */
		signal(SIGABRT, SIG_DFL);
		k.refuse_uid = USER;
		(void)!priv_request(&p, &q);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
}

/* Only the table's operations run: nothing else raises the ids. */
CASE(test_op_outside_table_is_einval_and_changes_nothing)
{
	static const int ops[] = { PRIV_N_OPS, PRIV_N_OPS + 1, -1 };
	struct priv_req q = manifest_req();
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		q.op = (enum priv_op)ops[i];
		assert_int_equal(priv_request(&p, &q), BG_EINVAL);
	}
	assert_string_equal(k.log, "");
	assert_false(manifest_written());
}

/* The spool operations end with the manifest: a failure of the body
 * comes back as it is, with the user's ids. */
CASE(test_body_failure_is_returned_after_restore)
{
	struct priv_req q = manifest_req();

	f->wo.dir = "/nonexistent/breakglass-test";
	assert_int_not_equal(priv_request(&p, &q), BG_OK);
	assert_string_equal(k.log, "u990 g990 d0 g1000 u1000 d0 ");
	assert_user_again();
}

/* A core-dumping signal from the user cannot land while an id change
 * has made the process dumpable (fs.suid_dumpable 1): blocked around
 * every change, the caller's mask back afterwards, refused switch too. */
CASE(test_core_signals_blocked_around_id_changes)
{
	struct priv_req q = manifest_req();
	sigset_t before, after;

	assert_int_equal(sigprocmask(SIG_BLOCK, NULL, &before), 0);
	assert_false(sigismember(&before, SIGQUIT));
	assert_int_equal(priv_request(&p, &q), BG_OK);
	k.refuse_gid = REC;
	assert_int_equal(priv_request(&p, &q), BG_EPRIV);
	assert_int_equal(k.exposed, 0);
	assert_int_equal(sigprocmask(SIG_BLOCK, NULL, &after), 0);
	assert_false(sigismember(&after, SIGQUIT));
	assert_false(sigismember(&after, SIGXFSZ));
	assert_user_again();
}

/* The claim is a directory made once: 0700 whatever the umask, and a
 * second claim of the same session is BG_EREPLAY; a bad id claims
 * nothing. */
CASE(test_claim_session_once)
{
	struct bg_config cfg;
	struct priv_req q = { .op = PRIV_CLAIM_SESSION };
	char path[512];
	struct stat st;
	mode_t old;

	memset(&cfg, 0, sizeof(cfg));
	cfg.paths.spool_dir = f->dir;
	q.u.claim_session = (struct priv_claim_session){ .cfg = &cfg,
		.session = "0123456789abcdef0123456789abcdef" };
	old = umask(0777);
	assert_int_equal(priv_request(&p, &q), BG_OK);
	umask(old);
	assert_true(snprintf(path, sizeof(path), "%s/%s", f->dir, q.u.claim_session.session) <
		    (int)sizeof(path));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(priv_request(&p, &q), BG_EREPLAY);
	q.u.claim_session.session = "../0123456789abcdef0123456789abc";
	assert_int_equal(priv_request(&p, &q), BG_EINVAL);
	assert_string_equal(k.log, "u990 g990 d0 g1000 u1000 d0 u990 g990 d0 g1000 u1000 d0 "
			    "u990 g990 d0 g1000 u1000 d0 ");
	assert_user_again();
}

/* Settled, every id is the account's, for good: the user's are not
 * taken back, and requests run with the account's ids as they are. */
CASE(test_settle_takes_every_id_for_good)
{
	struct priv q = p;
	struct priv_req r = manifest_req();

	k.dumpable = 1;
	priv_settle(&q);
	assert_true(q.settled);
	assert_true(k.r == REC && k.e == REC && k.s == REC);
	assert_true(k.rg == REC && k.eg == REC && k.sg == REC);
	assert_int_equal(k.dumpable, 0);
	k.log[0] = '\0';
	assert_int_equal(priv_request(&q, &r), BG_OK);
	assert_true(manifest_written());
	assert_string_equal(k.log, "");
	assert_true(k.r == REC && k.e == REC && k.s == REC);
}

int main(void)
{
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_request_runs_with_account_ids_then_user_ids),
		T(test_refused_switch_is_epriv_not_enomem),
		T(test_unrestorable_user_ids_abort),
		T(test_op_outside_table_is_einval_and_changes_nothing),
		T(test_body_failure_is_returned_after_restore),
		T(test_core_signals_blocked_around_id_changes),
		T(test_claim_session_once),
		T(test_settle_takes_every_id_for_good),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
