/* Tests for lib/actor.c: the login uid file read strictly, the real uid
 * when it says nothing usable, and the name from passwd. */
#include "config.h"

#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "breakglass/audit/actor.h"
#include "helpers.h"

/* A login uid file's bytes, and the uid it must give (-1: the real uid). */
static const struct {
	const char *name;
	const char *text;
	size_t len;
	long want;
} files[] = {
#define F(name, lit, want) { name, lit, sizeof(lit) - 1, want }
	F("root", "0", 0),
	F("root with newline", "0\n", 0),
	F("a user", "1000\n", 1000),
	F("largest set value", "4294967294", 4294967294L),
	F("unset", "4294967295", -1),
	F("unset with newline", "4294967295\n", -1),
	F("past 32 bits", "4294967296", -1),
	F("far past", "99999999999999999999", -1),
	F("empty", "", -1),
	F("only a newline", "\n", -1),
	F("two newlines", "1000\n\n", -1),
	F("negative", "-1", -1),
	F("plus sign", "+1000", -1),
	F("leading zero", "01000", -1),
	F("hex", "0x3e8", -1),
	F("space before", " 1000", -1),
	F("space after", "1000 ", -1),
	F("CRLF", "1000\r\n", -1),
	F("NUL inside", "10\0000", -1),
	F("NUL after", "1000\0", -1),
	F("control character", "10\x01" "00", -1),
	F("letters", "alice", -1),
	F("invalid UTF-8", "\xff\xfe", -1),
	F("overlong", "100000000000000000000000000000000000000000000", -1),
#undef F
};

static void test_actor_login_uid_files(void **state)
{
	char *dir = th_mkdtemp(), *path;
	struct bg_actor a;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(*files); i++) {
		path = th_write(dir, "loginuid", files[i].text, files[i].len, 0644);
		bg_actor_get(path, &a);
		if (files[i].want < 0) {
			if (a.from_login || a.uid != (long)getuid())
				fail_msg("%s: uid %ld, not the real uid", files[i].name, a.uid);
		} else if (!a.from_login || a.uid != files[i].want) {
			fail_msg("%s: uid %ld, not %ld", files[i].name, a.uid, files[i].want);
		}
		assert_int_equal(unlink(path), 0);
		free(path);
	}
	th_rmtree(dir);
	free(dir);
}

static void test_actor_missing_file_or_a_directory_is_the_real_uid(void **state)
{
	char *dir = th_mkdtemp(), missing[4096];
	struct bg_actor a;

	(void)state;
	assert_true(snprintf(missing, sizeof(missing), "%s/none", dir) < (int)sizeof(missing));
	bg_actor_get(missing, &a);
	assert_false(a.from_login);
	assert_int_equal(a.uid, (long)getuid());
	bg_actor_get(dir, &a);
	assert_false(a.from_login);
	assert_int_equal(a.uid, (long)getuid());
	th_rmtree(dir);
	free(dir);
}

/* The name is passwd's for that uid, or empty for a uid nobody has. */
static void test_actor_name_from_passwd(void **state)
{
	char *dir = th_mkdtemp(), *path, text[32];
	struct passwd *pw = getpwuid(getuid());
	struct bg_actor a;
	long unused = 3999999999L;

	(void)state;
	assert_non_null(pw);
	bg_actor_get("/nonexistent/loginuid", &a);
	assert_string_equal(a.name, pw->pw_name);
	assert_true(getpwuid(0) != NULL);
	path = th_write_str(dir, "loginuid", "0");
	bg_actor_get(path, &a);
	assert_string_equal(a.name, getpwuid(0)->pw_name);
	free(path);
	while (getpwuid((uid_t)unused) != NULL)
		unused--;
	snprintf(text, sizeof(text), "%ld\n", unused);
	path = th_write_str(dir, "loginuid", text);
	bg_actor_get(path, &a);
	assert_true(a.from_login);
	assert_int_equal(a.uid, unused);
	assert_string_equal(a.name, "");
	free(path);
	th_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_actor_login_uid_files),
		cmocka_unit_test(test_actor_missing_file_or_a_directory_is_the_real_uid),
		cmocka_unit_test(test_actor_name_from_passwd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
