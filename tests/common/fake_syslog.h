/* A fake syslog for tests of code that logs: calls are counted and the
 * last one kept, nothing reaches the real log (linked into test_audit and
 * test_log only, as it replaces the C library's syslog). */
#ifndef BREAKGLASS_TESTS_FAKE_SYSLOG_H
#define BREAKGLASS_TESTS_FAKE_SYSLOG_H

extern int fake_calls;          /* calls since the last reset */
extern int fake_pri;            /* the last call's priority */
extern char fake_text[70000];   /* the last call's message, formatted */

/* No call seen: fake_calls 0, fake_pri -1, fake_text empty. */
void fake_reset(void);

#endif
