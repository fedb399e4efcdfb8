/* Unit tests for lib/log.c's syslog sink: priorities, levels and text,
 * as the fake syslog of fake_syslog.c receives them. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <syslog.h>

#include "breakglass/base/log.h"
#include "fake_syslog.h"
#include "test_log.h"

void test_log_syslog_priority_and_text(void **state)
{
	struct capture c;
	char *out;

	(void)state;
	log_reset();
	bg_log_open("bgtest", BG_LOG_SYSLOG, LOG_AUTHPRIV);
	capture_start(&c);
	bg_error("denied %s", "us\x1b[2Jer\n");
	out = capture_end(&c);
	assert_int_equal(fake_calls, 1);
	assert_int_equal(fake_pri, LOG_AUTHPRIV | LOG_ERR);
	assert_string_equal(fake_text,
		"test_log_syslog_priority_and_text: denied us\\x1b[2Jer\\x0a");
	/* Nothing goes to stderr with the syslog sink. */
	assert_string_equal(out, "");
	free(out);
}

void test_log_syslog_level_to_priority(void **state)
{
	static const struct {
		enum bg_log_level level;
		int pri;
	} cases[] = {
		{ BG_LOG_ERR, LOG_ERR },
		{ BG_LOG_WARN, LOG_WARNING },
		{ BG_LOG_INFO, LOG_INFO },
		{ BG_LOG_DEBUG, LOG_DEBUG },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N_ELEMS(cases); i++) {
		log_reset();
		bg_log_open("bgtest", BG_LOG_SYSLOG, LOG_DAEMON);
		bg_log_set_level(BG_LOG_DEBUG);
		bg_log_msg(cases[i].level, __func__, "level %d", (int)cases[i].level);
		assert_int_equal(fake_calls, 1);
		assert_int_equal(fake_pri, LOG_DAEMON | cases[i].pri);
		assert_int_equal(LOG_PRI(fake_pri), cases[i].pri);
		assert_int_equal(LOG_FAC(fake_pri) << 3, LOG_DAEMON);
	}
	assert_string_equal(fake_text, "test_log_syslog_level_to_priority: level 3");
}

void test_log_syslog_percent_is_not_a_format(void **state)
{
	(void)state;
	log_reset();
	bg_log_open("bgtest", BG_LOG_SYSLOG, LOG_AUTH);
	bg_warn("%s", "100%s %n %x");
	assert_int_equal(fake_calls, 1);
	assert_int_equal(fake_pri, LOG_AUTH | LOG_WARNING);
	assert_string_equal(fake_text,
		"test_log_syslog_percent_is_not_a_format: 100%s %n %x");
}

void test_log_syslog_level_filter(void **state)
{
	(void)state;
	log_reset();
	bg_log_open("bgtest", BG_LOG_SYSLOG, LOG_AUTHPRIV);
	bg_debug("dropped");
	assert_int_equal(fake_calls, 0);
	bg_info("kept");
	assert_int_equal(fake_calls, 1);
	assert_int_equal(fake_pri, LOG_AUTHPRIV | LOG_INFO);
	assert_string_equal(fake_text, "test_log_syslog_level_filter: kept");
}
