/* Tests for recorder/access.c: the grant's expiry on the monotonic clock,
 * its two warnings, and the banner. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "breakglass/base/error.h"
#include "access.h"

#define US 1000000ULL
#define T0 (1000 * US)          /* an arbitrary monotonic start */
#define WALL 1765152000         /* 2025-12-08T00:00:00Z */

/* A one-hour grant: five-minute warning, one-minute warning, the end,
 * each once, at its time. */
static void test_access_warns_twice_then_ends(void **state)
{
	struct access a;
	const char *t;
	bool over;

	(void)state;
	access_init(&a, T0, WALL, WALL + 3600);
	assert_int_equal(access_deadline(&a), T0 + 3300 * US);
	assert_null(access_due(&a, T0 + 3299 * US, &over));
	assert_false(over);
	t = access_due(&a, T0 + 3300 * US, &over);
	assert_non_null(strstr(t, "ends in 5 minutes"));
	assert_false(over);
	assert_null(access_due(&a, T0 + 3301 * US, &over));
	assert_int_equal(access_deadline(&a), T0 + 3540 * US);
	t = access_due(&a, T0 + 3540 * US, &over);
	assert_non_null(strstr(t, "ends in 1 minute"));
	assert_int_equal(access_deadline(&a), T0 + 3600 * US);
	assert_null(access_due(&a, T0 + 3599 * US, &over));
	t = access_due(&a, T0 + 3600 * US, &over);
	assert_true(over);
	assert_non_null(strstr(t, "has expired"));
}

/* Short grants skip the warnings already past; an expired one is over at
 * once; a wall clock set back later changes nothing (monotonic). */
static void test_access_short_and_expired_grants(void **state)
{
	struct access a;
	bool over;

	(void)state;
	access_init(&a, T0, WALL, WALL + 120);
	assert_int_equal(access_deadline(&a), T0 + 60 * US);
	assert_non_null(strstr(access_due(&a, T0 + 60 * US, &over), "1 minute"));
	access_init(&a, T0, WALL, WALL + 30);
	assert_int_equal(access_deadline(&a), T0 + 30 * US);
	assert_null(access_due(&a, T0 + 29 * US, &over));
	assert_false(over);
	access_init(&a, T0, WALL, WALL - 5);
	assert_int_equal(access_deadline(&a), T0);
	assert_non_null(access_due(&a, T0, &over));
	assert_true(over);
}

static void test_access_banner(void **state)
{
	char text[160], tiny[20];

	(void)state;
	assert_int_equal(access_banner("INC-1", WALL + 3600, text, sizeof(text)), BG_OK);
	assert_string_equal(text, "breakglass: this session is recorded for ticket INC-1. "
			    "Access ends at 2025-12-08 01:00:00 UTC.\r\n");
	assert_int_equal(access_banner("INC-1", WALL, tiny, sizeof(tiny)), BG_ETRUNC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_access_warns_twice_then_ends),
		cmocka_unit_test(test_access_short_and_expired_grants),
		cmocka_unit_test(test_access_banner),
	};

	return cmocka_run_group_tests_name("access", tests, NULL, NULL);
}
