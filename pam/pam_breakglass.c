/* pam_breakglass: PAM entry points and arguments; the logic lives in
 * lib/login/login.c and lib/login/session.c (see pam_breakglass(8)). */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define PAM_SM_AUTH
#define PAM_SM_ACCOUNT
#define PAM_SM_SESSION
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "breakglass/base/buf.h"
#include "breakglass/config/conf.h"
#include "breakglass/base/log.h"
#include "breakglass/login/login.h"
#include "breakglass/login/session.h"

#define DATA_LOGIN "breakglass_login"
#define DATA_SESSION "breakglass_session"
#define DATA_CONTAIN "breakglass_contain"
/* The token of a remembered login, in the PAM environment (never the shell's). */
#define ENV_AUTH "BREAKGLASS_AUTH"

struct args {
	const char *config;
	bool debug;
};

/* config=PATH and debug; anything else is a mistake in pam.d: fail closed. */
static int parse_args(pam_handle_t *pamh, int argc, const char **argv, struct args *a)
{
	int i;

	a->config = bg_config_default_path();
	a->debug = false;
	for (i = 0; i < argc; i++) {
		if (strncmp(argv[i], "config=", 7) == 0 && argv[i][7] == '/')
			a->config = argv[i] + 7;
		else if (strcmp(argv[i], "debug") == 0)
			a->debug = true;
		else {
			pam_syslog(pamh, LOG_ERR, "unknown or invalid argument: %s", argv[i]);
			return PAM_SERVICE_ERR;
		}
	}
	bg_log_open("pam_breakglass", BG_LOG_SYSLOG, LOG_AUTHPRIV);
	bg_log_set_level(a->debug ? BG_LOG_DEBUG : BG_LOG_INFO);
	return PAM_SUCCESS;
}

/* The config, or NULL after saying why in syslog. */
static struct bg_config *load_config(pam_handle_t *pamh, const struct args *a)
{
	struct bg_config_diags d;
	struct bg_config *cfg;
	size_t i;

	if (bg_config_load(a->config, geteuid(), &cfg, &d) != BG_OK) {
		for (i = 0; i < d.n; i++)
			if (d.v[i].severity == BG_DIAG_ERROR)
				pam_syslog(pamh, LOG_ERR, "%s:%u: %s: %s", d.file, d.v[i].line,
					   d.v[i].keypath ? d.v[i].keypath : "-", d.v[i].message);
		pam_syslog(pamh, LOG_ERR, "configuration %s unusable: refusing", d.file);
		cfg = NULL;
	}
	bg_config_diags_free(&d);
	return cfg;
}

static int conv_ask(void *ctx, const char *prompt, bool echo, char **answer, size_t *len)
{
	pam_handle_t *pamh = ctx;
	char *resp = NULL;

	*answer = NULL;
	*len = 0;
	if (pam_prompt(pamh, echo ? PAM_PROMPT_ECHO_ON : PAM_PROMPT_ECHO_OFF,
		       &resp, "%s", prompt) != PAM_SUCCESS || resp == NULL) {
		free(resp);
		return BG_EIO;
	}
	/* The conversation hands back a C string: a NUL inside it has
	 * already cut it short, and the input checks see the rest. */
	*answer = resp;
	*len = strlen(resp);
	return BG_OK;
}

static void conv_tell(void *ctx, const char *msg, bool error)
{
	(void)pam_prompt(ctx, error ? PAM_ERROR_MSG : PAM_TEXT_INFO, NULL, "%s", msg);
}

static void login_cleanup(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	bg_login_free(data);
}

static void free_data(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	free(data);
}

static const char *item(pam_handle_t *pamh, int type)
{
	const void *v = NULL;

	return pam_get_item(pamh, type, &v) == PAM_SUCCESS ? v : NULL;
}

/* After the dialogue: keep the login here, and remembered on disk under
 * a token in the PAM environment for sshd's session process; on failure
 * the login is freed. */
static int keep_login(pam_handle_t *pamh, const struct bg_config *cfg,
		      struct bg_login *lg)
{
	char token[BG_SESSION_ID_LEN + 1], env[64];

	if (bg_session_remember(cfg, lg, time(NULL), token) != BG_OK ||
	    bg_snprintf(env, sizeof(env), "%s=%s", ENV_AUTH, token) != BG_OK ||
	    pam_putenv(pamh, env) != PAM_SUCCESS) {
		bg_error("cannot remember the login of %s in %s/auth", lg->user,
			 cfg->paths.run_dir);
		bg_login_free(lg);
		return PAM_AUTH_ERR;
	}
	if (pam_set_data(pamh, DATA_LOGIN, lg, login_cleanup) != PAM_SUCCESS) {
		bg_login_free(lg);
		return PAM_AUTH_ERR;
	}
	return PAM_SUCCESS;
}

PAM_EXTERN int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
				   const char **argv)
{
	const struct pam_conv *conv = NULL;
	struct bg_login_io io = { conv_ask, conv_tell, pamh };
	struct bg_config *cfg;
	struct bg_login *lg;
	const char *user = NULL;
	struct args a;
	int r;

	(void)flags;
	if ((r = parse_args(pamh, argc, argv, &a)) != PAM_SUCCESS)
		return PAM_AUTH_ERR;
	if (pam_get_user(pamh, &user, NULL) != PAM_SUCCESS || user == NULL || *user == '\0')
		return PAM_USER_UNKNOWN;
	/* No conversation means nobody to state a ticket: no bypass. */
	if (pam_get_item(pamh, PAM_CONV, (const void **)&conv) != PAM_SUCCESS ||
	    conv == NULL || conv->conv == NULL) {
		bg_error("no conversation for %s: refused", user);
		return PAM_AUTH_ERR;
	}
	if ((cfg = load_config(pamh, &a)) == NULL)
		return PAM_AUTH_ERR;
	if (bg_session_check_keys(cfg, user) != BG_OK) {
		bg_config_free(cfg);
		return PAM_AUTH_ERR;
	}
	r = bg_login_new(item(pamh, PAM_SERVICE), user, item(pamh, PAM_RHOST),
			 item(pamh, PAM_TTY), &lg);
	if (r == BG_OK)
		r = bg_login_authenticate(cfg, &io, lg);
	if (r == BG_OK)
		r = keep_login(pamh, cfg, lg) == PAM_SUCCESS ? BG_OK : BG_EIO;
	else
		bg_login_free(lg);
	bg_config_free(cfg);
	if (r != BG_OK)
		return r == BG_ENOMEM ? PAM_BUF_ERR : PAM_AUTH_ERR;
	return PAM_SUCCESS;
}

PAM_EXTERN int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc,
			      const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}

/* The login of this PAM transaction: authenticated in this process, or
 * remembered by the process that authenticated it (sshd). */
static const struct bg_login *find_login(pam_handle_t *pamh, const struct bg_config *cfg)
{
	const void *data = NULL;
	const char *token, *user = NULL;
	struct bg_login *lg;

	if (pam_get_data(pamh, DATA_LOGIN, &data) == PAM_SUCCESS && data != NULL)
		return data;
	token = pam_getenv(pamh, ENV_AUTH);
	if (token == NULL || pam_get_user(pamh, &user, NULL) != PAM_SUCCESS ||
	    user == NULL || bg_session_recall(cfg, token, user, item(pamh, PAM_SERVICE),
					      time(NULL), &lg) != BG_OK)
		return NULL;
	if (pam_set_data(pamh, DATA_LOGIN, lg, login_cleanup) != PAM_SUCCESS) {
		bg_login_free(lg);
		return NULL;
	}
	return lg;
}

PAM_EXTERN int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc,
				const char **argv)
{
	struct bg_config *cfg;
	struct args a;
	int r = PAM_SUCCESS;

	(void)flags;
	if (parse_args(pamh, argc, argv, &a) != PAM_SUCCESS ||
	    (cfg = load_config(pamh, &a)) == NULL)
		return PAM_PERM_DENIED;
	if (find_login(pamh, cfg) == NULL) {
		pam_syslog(pamh, LOG_ERR, "no break-glass authentication in this PAM session");
		r = PAM_PERM_DENIED;
	}
	bg_config_free(cfg);
	return r;
}

/* The session's id in the environment and the handle, and the banner. */
static int announce(pam_handle_t *pamh, const struct bg_grant *g)
{
	char env[64], banner[160], when[32], *id = strdup(g->session);
	struct tm tm;

	if (id == NULL || bg_snprintf(env, sizeof(env), "BREAKGLASS_SESSION=%s",
				      g->session) != BG_OK ||
	    pam_putenv(pamh, env) != PAM_SUCCESS) {
		free(id);
		return PAM_SESSION_ERR;
	}
	if (pam_set_data(pamh, DATA_SESSION, id, free_data) != PAM_SUCCESS) {
		free(id);
		(void)pam_putenv(pamh, "BREAKGLASS_SESSION");
		return PAM_SESSION_ERR;
	}
	gmtime_r(&g->expires, &tm);
	if (strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm) > 0 &&
	    bg_snprintf(banner, sizeof(banner),
			"Emergency access granted until %s. This session is recorded.",
			when) == BG_OK)
		(void)pam_info(pamh, "%s", banner);
	return PAM_SUCCESS;
}

PAM_EXTERN int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc,
				   const char **argv)
{
	const struct bg_login *lg;
	const void *open = NULL;
	const char *token;
	struct bg_contain *c;
	struct bg_config *cfg;
	struct bg_grant g;
	struct args a;
	int r = PAM_SESSION_ERR, so = BG_OK;

	(void)flags;
	if (parse_args(pamh, argc, argv, &a) != PAM_SUCCESS ||
	    (cfg = load_config(pamh, &a)) == NULL)
		return PAM_SESSION_ERR;
	/* Kept until close_session, which kills what is left in the cgroup. */
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    pam_set_data(pamh, DATA_CONTAIN, c, free_data) != PAM_SUCCESS) {
		free(c);
		bg_config_free(cfg);
		return PAM_BUF_ERR;
	}
	/* One grant per handle: a second one could never be closed. */
	if (pam_get_data(pamh, DATA_SESSION, &open) == PAM_SUCCESS && open != NULL)
		bg_error("a session is already open in this PAM handle: refused");
	else if ((lg = find_login(pamh, cfg)) == NULL)
		pam_syslog(pamh, LOG_ERR, "session without break-glass authentication: refused");
	else if ((so = bg_session_open(cfg, lg, time(NULL), &g, c)) == BG_OK) {
		/* The token is spent, and must not reach the user's environment. */
		if ((token = pam_getenv(pamh, ENV_AUTH)) != NULL) {
			if (bg_session_forget(cfg, token) != BG_OK)
				bg_warn("login token already gone");
			(void)pam_putenv(pamh, ENV_AUTH);
		}
		r = announce(pamh, &g);
		if (r != PAM_SUCCESS && bg_session_close(cfg, lg, g.session, c) != BG_OK)
			bg_error("cannot undo the session %s", g.session);
	} else if (so == BG_EBUSY)
		(void)pam_error(pamh, "Emergency access refused: another emergency session or "
				"process of yours is running on this host; end it first (one at a "
				"time, see pam_breakglass(8)).");
	else if (c->what != NULL && strcmp(c->what, "none") == 0)
		(void)pam_error(pamh, "Emergency access refused: this session cannot be "
				"contained (see pam_breakglass(8), CONTAINMENT).");
	bg_config_free(cfg);
	return r;
}

PAM_EXTERN int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc,
				    const char **argv)
{
	const void *lg = NULL, *session = NULL, *c = NULL;
	struct bg_contain none = { .what = "none" };
	struct bg_config *cfg;
	struct args a;
	int r;

	(void)flags;
	if (parse_args(pamh, argc, argv, &a) != PAM_SUCCESS)
		return PAM_SESSION_ERR;
	if (pam_get_data(pamh, DATA_LOGIN, &lg) != PAM_SUCCESS || lg == NULL ||
	    pam_get_data(pamh, DATA_SESSION, &session) != PAM_SUCCESS || session == NULL)
		return PAM_SESSION_ERR;
	if ((cfg = load_config(pamh, &a)) == NULL)
		return PAM_SESSION_ERR;
	if (pam_get_data(pamh, DATA_CONTAIN, &c) != PAM_SUCCESS || c == NULL)
		c = &none;
	r = bg_session_close(cfg, lg, session, (struct bg_contain *)c);
	bg_config_free(cfg);
	return r == BG_OK ? PAM_SUCCESS : PAM_SESSION_ERR;
}
