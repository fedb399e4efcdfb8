/* Unit tests for lib/error.c: messages for the shared error codes. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <string.h>

#include "breakglass/base/error.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static const int known_codes[] = {
	BG_OK, BG_ENOMEM, BG_EINVAL, BG_EIO, BG_ENOENT, BG_EUNSAFE,
	BG_ETOOBIG, BG_ETRUNC, BG_ECONFIG, BG_ECRYPTO,
	BG_EAUTH, BG_EREPLAY, BG_ELOCKED, BG_ETIMEOUT, BG_EINTEGRITY,
	BG_EPRIV, BG_EBUSY,
};

static void test_strerror_known_codes_have_messages(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N_ELEMS(known_codes); i++) {
		const char *m = bg_strerror(known_codes[i]);

		assert_non_null(m);
		if (m[0] == '\0')
			fail_msg("code %d: empty message", known_codes[i]);
		if (strcmp(m, "unknown error") == 0)
			fail_msg("code %d: \"unknown error\"", known_codes[i]);
	}
}

static void test_strerror_known_codes_are_distinct(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < N_ELEMS(known_codes); i++)
		for (j = i + 1; j < N_ELEMS(known_codes); j++)
			if (strcmp(bg_strerror(known_codes[i]),
				   bg_strerror(known_codes[j])) == 0)
				fail_msg("codes %d and %d share \"%s\"",
					 known_codes[i], known_codes[j],
					 bg_strerror(known_codes[i]));
}

static void test_strerror_unknown_codes(void **state)
{
	static const int unknown[] = {
		-999, 5, 1, -17, BG_EBUSY - 1, INT_MIN, INT_MAX,
	};
	size_t i;

	(void)state;
	for (i = 0; i < N_ELEMS(unknown); i++) {
		const char *m = bg_strerror(unknown[i]);

		assert_non_null(m);
		assert_string_equal(m, "unknown error");
	}
}

/* The recorder's failed id switch once came out as "out of memory". */
static void test_strerror_epriv_is_not_enomem(void **state)
{
	(void)state;
	assert_int_not_equal(BG_EPRIV, BG_ENOMEM);
	assert_string_equal(bg_strerror(BG_EPRIV),
			    "cannot switch to the breakglass account's ids");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strerror_known_codes_have_messages),
		cmocka_unit_test(test_strerror_known_codes_are_distinct),
		cmocka_unit_test(test_strerror_unknown_codes),
		cmocka_unit_test(test_strerror_epriv_is_not_enomem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
