/* The environment of the session's child, from an allow-list. */
#ifndef BREAKGLASS_RECORDER_ENVIRON_H
#define BREAKGLASS_RECORDER_ENVIRON_H

#include <pwd.h>

/* The child's environment from env (the recorder's, untrusted): TERM,
 * LANG, LC_* ("LC_" and then [A-Z_]+), TZ and the SSH_* variables sshd
 * sets (SSH_CLIENT, SSH_CONNECTION, SSH_ORIGINAL_COMMAND, SSH_AUTH_SOCK;
 * not SSH_TTY: the session's terminal is the recorder's pty, and the
 * outer one must not be written to around the recording) when their
 * values are printable (no C0 or C1 control or DEL, valid UTF-8) and at
 * most 4096 bytes, and their name occurs
 * only once in env (twice: neither is passed); HOME, USER, LOGNAME,
 * SHELL (pw_shell, or /bin/sh when empty) from pw; a fixed PATH (with
 * the sbin directories for uid 0); BREAKGLASS_SESSION=session.
 * Everything else is dropped (LD_*, BREAKGLASS_CONFIG, ...).  env may be
 * NULL.  A NULL terminated malloc'ed array of malloc'ed strings, or NULL
 * with errno: ENOMEM, or EINVAL (pw without name or home, a session with
 * a control character). */
char **environ_build(char *const *env, const struct passwd *pw, const char *session);
void environ_free(char **env);

#endif
