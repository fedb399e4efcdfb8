/* What the two files of test_log share: stderr captured into a file,
 * and the known state each test starts from. */
#ifndef BREAKGLASS_TESTS_TEST_LOG_H
#define BREAKGLASS_TESTS_TEST_LOG_H

#include <stdio.h>

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* stderr redirected into a temporary file. */
struct capture {
	FILE *tmp;
	int saved;
};

/* stderr into c's file until capture_end. */
void capture_start(struct capture *c);
/* Restore stderr and return what was written to it (to free). */
char *capture_end(struct capture *c);
/* Every test but the first starts from the same known state. */
void log_reset(void);

/* test_log_syslog.c: the syslog sink, through the fake syslog. */
void test_log_syslog_priority_and_text(void **state);
void test_log_syslog_level_to_priority(void **state);
void test_log_syslog_percent_is_not_a_format(void **state);
void test_log_syslog_level_filter(void **state);

#endif
