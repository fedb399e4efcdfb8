/* Tests for recorder/confine.c without a cgroup: every step a no-op that
 * touches neither the ids nor the privileged table (its priv is NULL, so
 * a call through it would crash).  The contained path runs as root in
 * tests/root (rec_root.sh's contained cases, contain_root.sh). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "breakglass/login/contain.h"
#include "confine.h"

static void test_confine_uncontained_steps_do_nothing(void **state)
{
	struct confine c;

	(void)state;
	memset(&c, 0, sizeof(c));
	memset(c.dir, 'x', sizeof(c.dir) - 1);
	/* Not in a session cgroup of this id: none, and said so. */
	assert_int_equal(confine_find(&c, "0123456789abcdef0123456789abcdef"), BG_ENOENT);
	assert_string_equal(c.dir, "");
	assert_int_equal(confine_op(&c, PRIV_CGROUP_ENTER, BG_CONTAIN_USER), BG_OK);
	assert_int_equal(confine_op(&c, PRIV_CGROUP_KILL, BG_CONTAIN_USER), BG_OK);
	assert_int_equal(confine_kill(&c), 0);
	assert_false(c.in_rec);
	assert_int_equal(confine_settle(&c), 0);
	assert_true(c.in_rec);
	/* The ids are left as they were. */
	assert_int_equal(getuid(), geteuid());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_confine_uncontained_steps_do_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
