/* The session child's environment: an allow-list of what sshd and the
 * user's terminal may pass, the rest fixed from the passwd entry, so that
 * nothing the caller of a setuid program sets (LD_*, BASH_ENV, a config
 * path) reaches the session. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "breakglass/base/input.h"
#include "breakglass/base/text.h"
#include "environ.h"

#define VALUE_MAX 4096
#define PATH_USER "/usr/local/bin:/usr/bin:/bin"
#define PATH_ROOT "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const char *const passed[] = {
	"TERM", "LANG", "TZ", "SSH_CLIENT", "SSH_CONNECTION",
	"SSH_ORIGINAL_COMMAND", "SSH_AUTH_SOCK",
};

static size_t name_len(const char *e)
{
	const char *eq = strchr(e, '=');

	return eq ? (size_t)(eq - e) : 0;
}

static bool name_allowed(const char *n, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(passed) / sizeof(passed[0]); i++)
		if (strlen(passed[i]) == len && memcmp(passed[i], n, len) == 0)
			return true;
	if (len <= 3 || memcmp(n, "LC_", 3) != 0)
		return false;
	for (i = 3; i < len; i++)
		if (!((n[i] >= 'A' && n[i] <= 'Z') || n[i] == '_'))
			return false;
	return true;
}

/* What a terminal would show as text: no C0/C1 controls or DEL (they
 * could drive the terminal or split a line when printed), valid UTF-8. */
static bool value_ok(const char *v)
{
	size_t len = strnlen(v, VALUE_MAX + 1);

	return len <= VALUE_MAX && !bg_text_has_control(v) && bg_input_utf8_valid(v, len);
}

static int by_name(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	size_t lx = name_len(x), ly = name_len(y);
	int r = memcmp(x, y, lx < ly ? lx : ly);

	return r != 0 ? r : (lx > ly) - (lx < ly);
}

static char *join(const char *name, const char *value)
{
	size_t n = strlen(name), v = strlen(value);
	char *s = malloc(n + v + 2);

	if (s == NULL)
		return NULL;
	memcpy(s, name, n);
	s[n] = '=';
	memcpy(s + n + 1, value, v + 1);
	return s;
}

static const char *shell_of(const struct passwd *pw)
{
	return pw->pw_shell != NULL && pw->pw_shell[0] != '\0' ? pw->pw_shell : "/bin/sh";
}

char **environ_build(char *const *env, const struct passwd *pw, const char *session)
{
	const char **cand = NULL;
	char **out = NULL;
	size_t n = 0, ncand = 0, nout = 0, i, j;

	if (pw == NULL || pw->pw_name == NULL || pw->pw_dir == NULL || session == NULL ||
	    bg_text_has_control(session)) {
		errno = EINVAL;
		return NULL;
	}
	while (env != NULL && env[n] != NULL)
		n++;
	if ((cand = calloc(n + 1, sizeof(*cand))) == NULL ||
	    (out = calloc(n + 7, sizeof(*out))) == NULL)
		goto fail;
	for (i = 0; i < n; i++)
		if (name_allowed(env[i], name_len(env[i])))
			cand[ncand++] = env[i];
	/* Sorted, a name given twice sits next to itself: which copy a
	 * program would pick is up to the program, so neither is passed. */
	qsort(cand, ncand, sizeof(*cand), by_name);
	for (i = 0; i < ncand; i = j) {
		for (j = i + 1; j < ncand && by_name(&cand[i], &cand[j]) == 0; j++)
			;
		if (j - i > 1 || !value_ok(cand[i] + name_len(cand[i]) + 1))
			continue;
		if ((out[nout++] = strdup(cand[i])) == NULL)
			goto fail;
	}
	if ((out[nout++] = join("HOME", pw->pw_dir)) == NULL ||
	    (out[nout++] = join("USER", pw->pw_name)) == NULL ||
	    (out[nout++] = join("LOGNAME", pw->pw_name)) == NULL ||
	    (out[nout++] = join("SHELL", shell_of(pw))) == NULL ||
	    (out[nout++] = join("PATH", pw->pw_uid == 0 ? PATH_ROOT : PATH_USER)) == NULL ||
	    (out[nout++] = join("BREAKGLASS_SESSION", session)) == NULL)
		goto fail;
	free(cand);
	return out;
fail:
	free(cand);
	environ_free(out);
	errno = ENOMEM;
	return NULL;
}

void environ_free(char **env)
{
	size_t i;

	for (i = 0; env != NULL && env[i] != NULL; i++)
		free(env[i]);
	free(env);
}
