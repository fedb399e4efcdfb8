/* Tests for pam_breakglass.so as sshd uses it: keyboard-interactive
 * authentication in a forked child, then the account check and session in
 * the parent with a new PAM handle that gets only the child's PAM
 * environment; and the keys a session needs, checked before any login.
 * Tokens that must open nothing are tested in test_pam_sshd_tokens.c. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "breakglass/base/buf.h"
#include "breakglass/evidence/grant.h"
#include "helpers.h"
#include "pam_harness.h"
#include "test_pam_sshd.h"

#define ENV_AUTH "BREAKGLASS_AUTH"
#define ENV_SESSION "BREAKGLASS_SESSION"

static int conv(int n, const struct pam_message **msg, struct pam_response **resp,
		void *ctx)
{
	struct answers *a = ctx;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));
	size_t used;
	int i;

	if (n <= 0 || r == NULL) {
		free(r);
		return PAM_CONV_ERR;
	}
	for (i = 0; i < n; i++) {
		used = strlen(a->shown);
		if (msg[i]->msg_style != PAM_PROMPT_ECHO_ON &&
		    msg[i]->msg_style != PAM_PROMPT_ECHO_OFF) {
			if (bg_snprintf(a->shown + used, sizeof(a->shown) - used, "%s\n",
					msg[i]->msg) != BG_OK)
				continue;       /* kept cut: enough to look for words */
		} else if (a->next >= N_ELEMS(a->v) || a->v[a->next] == NULL ||
			   (r[i].resp = strdup(a->v[a->next++])) == NULL) {
			while (i-- > 0)
				free(r[i].resp);
			free(r);
			return PAM_CONV_ERR;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

/* sshd's authenticating child: the dialogue, then the token from the PAM
 * environment to out; its exit status is PAM's answer. */
static void child_auth(int out, const char *user, const char *code)
	__attribute__((noreturn));
static void child_auth(int out, const char *user, const char *code)
{
	struct answers a = { .v = { TICKET, WHY, code } };
	struct pam_conv c = { conv, &a };
	pam_handle_t *ph = NULL;
	const char *token;
	int r;

	/* As for test_pam's concurrent logins: keep the parent's pam_wrapper
	 * set-up, and _exit so that its destructor does not remove it. */
	unsetenv("PAM_WRAPPER");
	if ((r = pam_start(SERVICE, user, &c, &ph)) == PAM_SUCCESS &&
	    (r = pam_authenticate(ph, 0)) == PAM_SUCCESS &&
	    (token = pam_getenv(ph, ENV_AUTH)) != NULL &&
	    write(out, token, strlen(token)) != (ssize_t)strlen(token))
		r = PAM_SYSTEM_ERR;
	if (ph != NULL)
		(void)pam_end(ph, r);
	_exit(r);
}

/* user logs in with code in a child; the token it passed in token[64]. */
static int login_in_child(const char *user, const char *code, char token[64])
{
	size_t got = 0;
	int fds[2], status;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	assert_true((pid = fork()) >= 0);
	if (pid == 0) {
		close(fds[0]);
		child_auth(fds[1], user, code);
	}
	close(fds[1]);
	while (got < 63 && (n = read(fds[0], token + got, 63 - got)) != 0) {
		assert_true(n > 0 || errno == EINTR);
		got += n > 0 ? (size_t)n : 0;
	}
	token[got] = '\0';
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0)
		assert_int_equal(errno, EINTR);
	assert_true(WIFEXITED(status));
	if (got > 0)
		ph_keep_secret(token);
	return WEXITSTATUS(status);
}

/* me's token from a fresh login in a child. */
void child_token(char token[64])
{
	char code[16];

	ph_code_at(&ph_people[ME], ph_fresh_now(), code);
	assert_int_equal(login_in_child(ph_people[ME].name, code, token), PAM_SUCCESS);
	assert_true(bg_grant_id_valid(token));
}

/* sshd's session process: a new handle for user, the token imported. */
static pam_handle_t *handle_with(const char *user, const char *token, struct answers *a)
{
	struct pam_conv c = { conv, a };
	pam_handle_t *ph = NULL;
	char env[128];

	memset(a, 0, sizeof(*a));
	assert_int_equal(pam_start(SERVICE, user, &c, &ph), PAM_SUCCESS);
	assert_int_equal(bg_snprintf(env, sizeof(env), ENV_AUTH "=%s", token), BG_OK);
	assert_int_equal(pam_putenv(ph, env), PAM_SUCCESS);
	return ph;
}

/* Account and session for user with token: both refused. */
void assert_token_refused(const char *user, const char *token)
{
	struct answers a;
	pam_handle_t *ph = handle_with(user, token, &a);

	assert_int_equal(pam_acct_mgmt(ph, 0), PAM_PERM_DENIED);
	assert_int_equal(pam_open_session(ph, 0), PAM_SESSION_ERR);
	assert_null(pam_getenv(ph, ENV_SESSION));
	assert_int_equal(pam_end(ph, PAM_SUCCESS), PAM_SUCCESS);
}

/* Account and session for me with token: both pass, the session id is
 * in id, and the token no longer in the PAM environment. */
pam_handle_t *open_with(const char *token, char id[BG_SESSION_ID_LEN + 1],
			struct answers *a)
{
	pam_handle_t *ph = handle_with(ph_people[ME].name, token, a);
	char **env;
	size_t i;

	assert_int_equal(pam_acct_mgmt(ph, 0), PAM_SUCCESS);
	assert_int_equal(pam_open_session(ph, 0), PAM_SUCCESS);
	assert_non_null(env = pam_getenvlist(ph));
	id[0] = '\0';
	for (i = 0; env[i] != NULL; i++) {
		if (strncmp(env[i], ENV_SESSION "=", sizeof(ENV_SESSION)) == 0)
			assert_int_equal(bg_strlcpy(id, env[i] + sizeof(ENV_SESSION),
						    BG_SESSION_ID_LEN + 1), BG_OK);
		assert_null(strstr(env[i], ENV_AUTH));
		free(env[i]);
	}
	free(env);
	assert_true(bg_grant_id_valid(id));
	return ph;
}

void close_and_end(pam_handle_t *ph)
{
	assert_int_equal(pam_close_session(ph, 0), PAM_SUCCESS);
	assert_int_equal(pam_end(ph, PAM_SUCCESS), PAM_SUCCESS);
}

/* run_dir/auth, as the module makes it, into dir. */
void make_auth_dir(char dir[PATH_MAX])
{
	assert_int_equal(bg_snprintf(dir, PATH_MAX, "%s/auth", ph_cfg->paths.run_dir), BG_OK);
	assert_int_equal(mkdir(ph_cfg->paths.run_dir, 0750), 0);
	assert_int_equal(mkdir(dir, 0700), 0);
}

/* ---- the session in the parent ---- */

static void test_session_opens_in_parent_from_child_login(void **state)
{
	char token[64], id[BG_SESSION_ID_LEN + 1];
	struct answers a;
	pam_handle_t *ph;
	time_t t0;

	(void)state;
	t0 = time(NULL);
	child_token(token);
	assert_int_equal(ph_auth_entries(), 1);
	ph = open_with(token, id, &a);
	assert_non_null(strstr(a.shown, "This session is recorded"));
	/* The grant holds what was typed in the other process. */
	ph_assert_grant(id, t0);
	/* The token is spent; the session is open until closed. */
	assert_int_equal(ph_auth_entries(), 0);
	assert_int_equal(ph_count_events("session_open", NULL, NULL), 1);
	assert_int_equal(ph_count_events("session_close", NULL, NULL), 0);
	close_and_end(ph);
	assert_int_equal(ph_count_grants(), 0);
	ph_assert_session_logged(id);
}

/* ---- keys ---- */

/* No key, no login: each row spoils a key, and the login is refused
 * before the dialogue (audited as keys_unusable when the config itself
 * loads) with a syslog line naming the
 * key.  Repaired, the same code works. */
static void test_unusable_keys_refuse_login(void **state)
{
	static const struct {
		bool host;
		mode_t mode;            /* 0: removed */
		const char *before, *after;     /* the key's path between */
		size_t events;          /* a missing key is audited; a config
					   refused by the loader cannot be */
	} rows[] = {
		{ false, 0, "auditor key ", " unusable", 1 },
		{ true, 0, "host key ", " unusable", 1 },
		{ true, 0620, "", " is refused", 0 },
		{ false, 0660, "", " is refused", 0 },
	};
	char code[16], says[PATH_MAX + 64];
	const char *key;
	struct talk t;
	size_t i, audited = 0;

	(void)state;
	ph_code_at(&ph_people[ME], ph_fresh_now(), code);
	for (i = 0; i < N_ELEMS(rows); i++) {
		key = rows[i].host ? ph_cfg->paths.host_key : ph_cfg->paths.auditor_keys.v[0];
		assert_int_equal(rows[i].mode == 0 ? unlink(key) : chmod(key, rows[i].mode), 0);
		assert_int_equal(ph_login(ph_people[ME].name, code, NULL, NULL, &t), PAM_AUTH_ERR);
		assert_int_equal(bg_snprintf(says, sizeof(says), "%s%s%s", rows[i].before,
					     key, rows[i].after), BG_OK);
		assert_true(ph_logged(says));
		/* The audit log is kept across rows: count what they add. */
		audited += rows[i].events;
		assert_int_equal(ph_count_events(NULL, NULL, NULL), audited);
		assert_int_equal(ph_count_events("auth", "failure", "keys_unusable"), audited);
		ph_reconfigure(CONF_BASIC);
	}
	assert_int_equal(ph_login(ph_people[ME].name, code, NULL, NULL, &t), PAM_SUCCESS);
}

/* Runs last: it reads what the whole run logged. */
static void test_no_secret_in_logs(void **state)
{
	(void)state;
	ph_assert_no_secret_logged("no break-glass authentication");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		PH_T(test_session_opens_in_parent_from_child_login),
		PH_T(test_forged_token_refused),
		PH_T(test_malformed_tokens_refused),
		PH_T(test_token_of_another_user_refused),
		PH_T(test_token_used_twice_refused),
		PH_T(test_stale_or_unsafe_remembered_login_refused),
		PH_T(test_unusable_keys_refuse_login),
		PH_T(test_no_secret_in_logs),
	};

	(void)argc;
	return PH_MAIN(argv, tests);
}
