/* breakglass-rec: the session recorder (see breakglass-rec(8)).  Started
 * by sshd as ForceCommand or as the login shell, setuid and setgid to the
 * breakglass account; no option or environment variable changes what or
 * where it records.  Anything that keeps it from recording ends the
 * login before a shell starts. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

#include "breakglass/config/conf.h"
#include "breakglass/evidence/command.h"
#include "breakglass/evidence/grant.h"
#include "breakglass/evidence/keyfile.h"
#include "breakglass/evidence/keys.h"
#include "breakglass/base/log.h"
#include "breakglass/base/proc.h"
#include "breakglass/login/contain.h"
#include "breakglass/base/text.h"
#include "environ.h"
#include "guard.h"
#include "confine.h"
#include "priv.h"
#include "record.h"
#include "relay.h"
#include "report.h"
#include "revoked.h"
#include "spawn.h"

extern char **environ;

#ifdef __SANITIZE_ADDRESS__
/* Test builds only (--enable-sanitizers): LeakSanitizer must ptrace the
 * process, which a non-dumpable setuid process forbids, and the process
 * cannot read its own environment to be told ASAN_OPTIONS. */
const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
	return "detect_leaks=0";
}
#endif

struct rec {
	struct priv priv;
	struct passwd pw;
	char *pw_buf;
	const char *session;
	struct bg_config *cfg;
	struct bg_grant *grant;
	struct bg_keypair *host;
	struct bg_pubkey *auditors, *escrow;
	size_t n_auditors, n_escrow;
	struct bg_command *cmds;        /* what the session was asked to run */
	size_t n_cmds;
	char host_name[256];
	struct confine cg;              /* the session's cgroup */
	struct report rep;              /* where refusals and the start go */
};

/* Refuse the login: a line for the user, the log and the audit log. */
static void refuse(const struct rec *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
static void refuse(const struct rec *r, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	(void)!vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report_refuse(r != NULL ? &r->rep : NULL, msg);
}

/* fds 0-2 open (on /dev/null if they were not), every other one closed:
 * nothing the caller left open reaches the session. */
static void sanitise_fds(void)
{
	int fd;

	for (fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) != -1)
			continue;
		if (open("/dev/null", O_RDWR) != fd)
			abort();
	}
	if (close_range(3, ~0U, 0) != 0)
		for (fd = 3; fd < 1024; fd++)
			(void)close(fd);
}

/* record.c's way to the table, for its spool requests. */
static int priv_cb(void *pctx, struct priv_req *req)
{
	return priv_request(pctx, req);
}

static int drop_cb(void *ctx)
{
	return priv_drop_for_good(ctx);
}

/* The grant is this login's alone: only a recorder below the process
 * that opened the session (sshd's) may claim it, and only once.  From
 * then on its refusals are the session's, for its audit trail: anyone
 * else's (another user's, naming a session id seen in /sys/fs/cgroup)
 * go to syslog only, so that no one can write into another's trail or
 * fill the spool. */
static void claim(struct rec *r)
{
	struct priv_req req = { .op = PRIV_CLAIM_SESSION };
	char why[REVOKED_TEXT_MAX], *meta;
	bool below = false;
	int rc;

	if (r->grant->login_pid <= 0)
		refuse(r, "the grant does not name the login that opened it");
	if ((rc = bg_proc_has_ancestor(getpid(), (pid_t)r->grant->login_pid,
				       r->grant->login_start, &below)) != BG_OK || !below)
		refuse(r, "this recorder was not started by the login that opened the session");
	r->rep.session = r->session;
	/* With the user's ids: the fds of the user's processes are readable.
	 * Exclusive since the first act, the terminal gained no holder since. */
	if (guard_terminal_alone(STDIN_FILENO, why, sizeof(why)) != 0)
		refuse(r, "%s", why);
	if (r->grant->expires <= time(NULL))
		refuse(r, "the grant has expired");
	if (revoked_read(priv_cb, &r->priv, r->cfg, r->session, &meta, why, sizeof(why)) !=
	    BG_ENOENT) {
		free(meta);
		refuse(r, "%s", why);
	}
	req.u.claim_session = (struct priv_claim_session){ .cfg = r->cfg, .session = r->session };
	rc = priv_request(&r->priv, &req);
	if (rc == BG_EREPLAY)
		refuse(r, "the grant of this session was already claimed by another recorder");
	if (rc != BG_OK)
		refuse(r, "cannot claim the grant in %s: %s", r->cfg->paths.spool_dir,
		       bg_strerror(rc));
}

/* The session's cgroup, made by the PAM module with this recorder in its
 * "rec" child; none: refused unless recorder.containment is best-effort. */
static void contained(struct rec *r)
{
	r->cg.priv = &r->priv;
	if (confine_find(&r->cg, r->session) == BG_OK)
		return;
	if (r->cfg->recorder.containment != BG_CONTAIN_BEST_EFFORT)
		refuse(r, "this session is not contained in its cgroup (recorder.containment "
		       "required, see pam_breakglass(8))");
	bg_log_msg(BG_LOG_WARN, "breakglass-rec", "uid %ld session %s: uncontained "
		   "(recorder.containment best-effort)", (long)r->priv.user_uid, r->session);
}

/* The configuration, read with the account's ids; from then on
 * refusals reach the audit log too. */
static void load_config(struct rec *r)
{
	struct priv_req req = { .op = PRIV_READ_CONFIG };
	int rc;

	rc = priv_request(&r->priv, &req);
	bg_config_diags_free(&req.u.read_config.diags);
	if (rc == BG_EPRIV)
		refuse(r, "%s", bg_strerror(rc));
	if (rc != BG_OK)
		refuse(r, "the configuration %s is not usable (breakglassctl check-config)",
		       bg_config_default_path());
	r->rep.cfg = r->cfg = req.u.read_config.cfg;
}

/* The account's files: the grant and the keys it names. */
static void load(struct rec *r)
{
	struct priv_req req = { .op = PRIV_READ_GRANT_KEYS };
	struct priv_read_grant_keys *g = &req.u.read_grant_keys;
	char q[160];
	int rc;

	*g = (struct priv_read_grant_keys){ .cfg = r->cfg, .session = r->session };
	rc = priv_request(&r->priv, &req);
	r->grant = g->grant;
	r->host = g->host;
	r->auditors = g->auditors;
	r->n_auditors = g->n_auditors;
	r->escrow = g->escrow;
	r->n_escrow = g->n_escrow;
	if (rc != BG_OK)
		refuse(r, "%s", g->why[0] != '\0' ? g->why : bg_strerror(rc));
	if (r->grant->uid != (long)r->priv.user_uid) {
		bg_text_quote(r->grant->user, 64, q, sizeof(q));
		refuse(r, "the grant is for %s, not for this user", q);
	}
	claim(r);
	contained(r);
	if (gethostname(r->host_name, sizeof(r->host_name) - 1) != 0 || r->host_name[0] == '\0')
		memcpy(r->host_name, "localhost", 10);
}

/* As the login shell the recorder is pw_shell itself: the session then
 * gets bash, or sh where there is no bash. */
static void shell_of(struct rec *r)
{
	char *self = realpath("/proc/self/exe", NULL);
	char *sh = r->pw.pw_shell[0] != '\0' ? realpath(r->pw.pw_shell, NULL) : NULL;

	if (sh == NULL || (self != NULL && strcmp(self, sh) == 0))
		r->pw.pw_shell = (char *)(access("/bin/bash", X_OK) == 0 ? "/bin/bash" : "/bin/sh");
	free(self);
	free(sh);
}

static void who(struct rec *r)
{
	struct passwd *res = NULL;
	long n = sysconf(_SC_GETPW_R_SIZE_MAX);
	size_t cap = n > 0 ? (size_t)n : 16384;

	if ((r->pw_buf = malloc(cap)) == NULL ||
	    getpwuid_r(r->priv.user_uid, &r->pw, r->pw_buf, cap, &res) != 0 || res == NULL)
		refuse(r, "the user has no passwd entry");
	shell_of(r);
}

/* The command to run: -c COMMAND as a login shell, or what the client
 * asked for under ForceCommand; NULL for an interactive shell. */
static const char *command(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "-c") == 0)
		return argv[2];
	if (argc > 1)
		refuse(NULL, "usage: breakglass-rec [-c COMMAND]");
	return getenv("SSH_ORIGINAL_COMMAND");
}

/* For the transcript, the manifest and the log: -c's COMMAND (what is
 * run) first, then SSH_ORIGINAL_COMMAND, which a ForceCommand's own
 * command may act on; none for an interactive shell. */
static void commands_of(struct rec *r, int argc, char **argv)
{
	const char *ssh = getenv("SSH_ORIGINAL_COMMAND");

	if (argc != 3 && ssh == NULL)
		return;
	if ((r->cmds = calloc(BG_COMMAND_SOURCES, sizeof(*r->cmds))) == NULL)
		refuse(r, "out of memory");
	if (argc == 3 && bg_command_set(&r->cmds[r->n_cmds++], BG_COMMAND_ARG, argv[2]) != BG_OK)
		refuse(r, "out of memory");
	if (ssh != NULL && bg_command_set(&r->cmds[r->n_cmds++], BG_COMMAND_SSH, ssh) != BG_OK)
		refuse(r, "out of memory");
}

static int exit_status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 1;
}

static int session(struct rec *r, const char *cmd)
{
	struct termios saved, raw;
	struct spawn_opts so = { .pw = &r->pw, .command = cmd, .pty = isatty(STDIN_FILENO) == 1,
				 .term_fd = STDIN_FILENO, .drop = drop_cb, .drop_ctx = &r->priv };
	struct record_opts ro = { .cfg = r->cfg, .grant = r->grant, .host_name = r->host_name,
				  .host = r->host, .auditors = r->auditors,
				  .n_auditors = r->n_auditors, .escrow = r->escrow,
				  .n_escrow = r->n_escrow, .command = r->cmds,
				  .n_commands = r->n_cmds, .priv = priv_cb, .priv_ctx = &r->priv };
	struct relay_opts rl = { .user_in = STDIN_FILENO, .user_out = STDOUT_FILENO,
				 .user_err = STDERR_FILENO };
	struct spawn_child c;
	struct record *rec;
	char why[256], banner[256], what[BG_COMMAND_DESCRIBE_LEN];
	bool stopped = false, raw_set = false;
	char **env;
	int st = 0, rc, kc, saved_errno;

	if (record_open(&ro, &rec, why, sizeof(why)) != BG_OK)
		refuse(r, "%s", why);
	if (record_banner(rec, banner, sizeof(banner)) != BG_OK)
		refuse(r, "cannot record the banner");
	/* In a command's output the banner would corrupt scp or rsync data. */
	(void)!write(so.pty ? STDOUT_FILENO : STDERR_FILENO, banner, strlen(banner));
	if ((env = environ_build(environ, &r->pw, r->session)) == NULL)
		refuse(r, "out of memory");
	so.env = env;
	/* Born in the user's cgroup, the child never is in the recorder's,
	 * which the end of the session spares. */
	if ((rc = confine_op(&r->cg, PRIV_CGROUP_ENTER, BG_CONTAIN_USER)) != BG_OK) {
		(void)record_close(rec, W_EXITCODE(127, 0));
		refuse(r, "cannot enter the session's cgroup: %s", bg_strerror(rc));
	}
	/* The child's pty starts with the user's modes; only then does the
	 * user's side go raw, the line discipline being the child's.  The
	 * child waits in confine_settle's hands until the recorder is out of
	 * reach of the session's signals. */
	so.ready = confine_settle;
	so.ready_ctx = &r->cg;
	rc = spawn_start(&so, &c);
	saved_errno = errno;
	/* No child made (ready never ran), or the move failed: try again,
	 * since killing the user's cgroup must not end the recorder. */
	if (!r->cg.in_rec && confine_op(&r->cg, PRIV_CGROUP_ENTER, BG_CONTAIN_REC) != BG_OK) {
		(void)!confine_op(&r->cg, PRIV_CGROUP_KILL, BG_CONTAIN_USER);
		(void)record_close(rec, W_EXITCODE(127, 0));
		refuse(r, "cannot leave the user's cgroup");
	}
	if (rc != 0) {
		(void)!snprintf(why, sizeof(why), "cannot start the shell: %s", strerror(saved_errno));
		(void)record_close(rec, W_EXITCODE(127, 0));
		refuse(r, "%s", why);
	}
	if (r->cg.dir[0] != '\0') {
		rl.kill_all = confine_kill;
		rl.kill_ctx = &r->cg;
	}
	if (so.pty && tcgetattr(STDIN_FILENO, &saved) == 0) {
		raw = saved;
		cfmakeraw(&raw);
		raw_set = tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) == 0;
	}
	bg_command_describe(r->cmds, r->n_cmds, what, sizeof(what));
	report_started(&r->rep, so.pty, r->cg.dir[0] != '\0', r->n_cmds > 0 ? what : NULL);
	rl.pty = c.pty;
	rl.child_in = c.in;
	rl.child_out = c.out;
	rl.child_err = c.err;
	rl.child = c.pid;
	rc = relay_run(&rl, &record_sink, rec, &st, &stopped);
	/* What the shell left behind (setsid, nohup, disown) ends with it. */
	if ((kc = confine_op(&r->cg, PRIV_CGROUP_KILL, BG_CONTAIN_USER)) != BG_OK)
		bg_log_msg(BG_LOG_ERR, "breakglass-rec", "session %s: cannot kill what is left "
			   "of the session: %s", r->session, bg_strerror(kc));
	if (raw_set)
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
	if (so.pty)
		(void)ioctl(STDIN_FILENO, TIOCNXCL);
	if (rc != 0)
		bg_log_msg(BG_LOG_ERR, "breakglass-rec", "session %s: relay: %s", r->session,
			   strerror(errno));
	if (stopped && record_stop_reason(rec) != NULL)
		fprintf(stderr, "\r\nbreakglass-rec: %s.\r\n", record_stop_reason(rec));
	if ((rc = record_close(rec, st)) != BG_OK)
		bg_log_msg(BG_LOG_ERR, "breakglass-rec", "session %s: the recording is "
			   "incomplete: %s", r->session, bg_strerror(rc));
	else
		bg_log_msg(BG_LOG_INFO, "breakglass-rec", "session %s: recording complete, "
			   "exit status %d", r->session, exit_status(st));
	record_free(rec);
	environ_free(env);
	bg_command_free(r->cmds, r->n_cmds);
	return exit_status(st);
}

int main(int argc, char **argv)
{
	struct rec r = { 0 };
	sigset_t set;
	char why[256];
	const char *cmd;

	sanitise_fds();
	bg_log_open("breakglass-rec", BG_LOG_SYSLOG, LOG_AUTHPRIV);
	r.rep.priv = &r.priv;
	/* sshd's pty belongs to the user, whose other processes could open
	 * it and type or print around the recording: from now on no one can,
	 * and no one may have before (guard_terminal_alone). */
	if (guard_terminal_exclusive(STDIN_FILENO, why, sizeof(why)) != 0)
		refuse(NULL, "%s", why);
	if (guard_limits(why, sizeof(why)) != 0)
		refuse(NULL, "%s", why);
	if (priv_init(&r.priv, why, sizeof(why)) != 0)
		refuse(NULL, "%s", why);
	/* The relay takes these through a signalfd; the child gets them back. */
	relay_signals(&set);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0 || signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		refuse(NULL, "cannot set up signals");
	cmd = command(argc, argv);
	r.session = getenv("BREAKGLASS_SESSION");
	if (r.session == NULL || !bg_grant_id_valid(r.session)) {
		r.session = NULL;
		refuse(&r, "this login has no emergency access grant (BREAKGLASS_SESSION)");
	}
	commands_of(&r, argc, argv);
	who(&r);
	load_config(&r);
	load(&r);
	return session(&r, cmd);
}
