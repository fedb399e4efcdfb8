/* Tests for the session child's environment (recorder/environ.c): the
 * allow-list against a table of hostile entries, value limits,
 * duplicates, and the variables that are always set from passwd. */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "breakglass/base/text.h"
#include "environ.h"

#define SESSION "0123456789abcdef0123456789abcdef"

static size_t count(char *const *env)
{
	size_t n = 0;

	while (env[n] != NULL)
		n++;
	return n;
}

static bool has(char *const *env, const char *entry)
{
	size_t i;

	for (i = 0; env[i] != NULL; i++)
		if (strcmp(env[i], entry) == 0)
			return true;
	return false;
}

static struct passwd alice(uid_t uid, const char *shell)
{
	struct passwd pw = { .pw_name = (char *)"alice", .pw_dir = (char *)"/home/alice",
			     .pw_shell = (char *)shell, .pw_uid = uid, .pw_gid = uid };

	return pw;
}

/* environ_build of one entry: the six fixed variables, and the entry if kept. */
static void assert_env_one(const char *entry, bool kept)
{
	static const char *const fixed[] = {
		"HOME=/home/alice", "USER=alice", "LOGNAME=alice", "SHELL=/bin/zsh",
		"PATH=/usr/local/bin:/usr/bin:/bin", "BREAKGLASS_SESSION=" SESSION,
	};
	char *in[] = { (char *)entry, NULL }, quoted[128];
	struct passwd pw = alice(1000, "/bin/zsh");
	char **out = environ_build(in, &pw, SESSION);
	size_t i;

	assert_non_null(out);
	if (count(out) != 6 + (size_t)kept) {
		bg_text_quote(entry, 80, quoted, sizeof(quoted));
		print_error("for \"%s\"\n", quoted);
	}
	assert_int_equal(count(out), 6 + kept);
	for (i = 0; i < 6; i++)
		assert_true(has(out, fixed[i]));
	assert_true(!kept || has(out, entry));
	environ_free(out);
}

static void test_env_hostile_table(void **state)
{
	static const char *const dropped[] = {
		"LD_PRELOAD=/tmp/evil.so", "LD_LIBRARY_PATH=/tmp", "BASH_ENV=/tmp/rc",
		"BREAKGLASS_CONFIG=/tmp/c.json", "ENV=/tmp/rc", "PATH=/tmp/evil:/usr/bin",
		"HOME=/tmp/evil", "USER=root", "SHELL=/tmp/sh", "SSH_ASKPASS=/tmp/x",
		"BREAKGLASS_SESSION=ffffffffffffffffffffffffffffffff", "IFS=/",
		"PS4=$(id)", "SHELLOPTS=xtrace", "TERM=xterm\x1b]0;owned\x07",
		"TERM=xterm\nLD_PRELOAD=/tmp/evil.so", "TERM=xterm\t", "TERM=xterm\x7f",
		"TERM=xterm\xc2\x9b" "2J" /* C1 CSI */, "TERM=xterm\xff", "TERM=\xc3\x28",
		"TERM=\xed\xa0\x80" /* a surrogate */, "LC_all=C", "LC_=C", "LC_ALL1=C",
		"XLC_ALL=C", "=value", "TERM", "", "SSH_TTY=/dev/pts/3",
	};
	static const char *const kept[] = {
		"TERM=xterm-256color", "TERM=", "LANG=C.UTF-8", "TZ=Europe/Berlin",
		"LC_ALL=en_US.UTF-8", "LC_MEASUREMENT=C", "SSH_CLIENT=192.0.2.1 50000 22",
		"SSH_CONNECTION=192.0.2.1 50000 192.0.2.2 22",
		"SSH_AUTH_SOCK=/tmp/ssh-x/agent.1",
		"SSH_ORIGINAL_COMMAND=echo h\xc3\xa9llo \xe2\x9c\x93",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(dropped) / sizeof(dropped[0]); i++)
		assert_env_one(dropped[i], false);
	for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		assert_env_one(kept[i], true);
}

static void test_env_value_length_limit(void **state)
{
	static char e[5 + 5000 + 1] = "TERM=";

	(void)state;
	memset(e + 5, 'x', 5000);
	assert_env_one(e, false);
	e[5 + 4097] = '\0';
	assert_env_one(e, false);
	e[5 + 4096] = '\0';
	assert_env_one(e, true);
}

static void test_env_duplicates_dropped(void **state)
{
	const char *in[] = { "TERM=xterm", "LANG=C.UTF-8", "TERM=vt100", "TZ=UTC", "LC_ALL=C",
			     "TZ=\x1b[2J", "LC_ALL=C", "HOME=/a", "HOME=/b", NULL };
	struct passwd pw = alice(1000, "/bin/zsh");
	char **out = environ_build((char *const *)in, &pw, SESSION);

	(void)state;
	assert_non_null(out);
	assert_int_equal(count(out), 7);
	assert_true(has(out, "LANG=C.UTF-8") && has(out, "HOME=/home/alice"));
	environ_free(out);
}

static void test_env_fixed_variables(void **state)
{
	struct passwd root = alice(0, "");
	char **out = environ_build(NULL, &root, SESSION);

	(void)state;
	assert_non_null(out);
	assert_int_equal(count(out), 6);
	assert_true(has(out, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
	assert_true(has(out, "SHELL=/bin/sh"));
	environ_free(out);
	errno = 0;
	assert_null(environ_build(NULL, &root, "abc\n"));
	assert_int_equal(errno, EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_env_hostile_table),
		cmocka_unit_test(test_env_value_length_limit),
		cmocka_unit_test(test_env_duplicates_dropped),
		cmocka_unit_test(test_env_fixed_variables),
	};

	return cmocka_run_group_tests_name("environ", tests, NULL, NULL);
}
