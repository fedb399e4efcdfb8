/* The tests of test_pam_approval.c and test_pam_concurrent.c, run by
 * test_pam.c's main, and the configuration approval tests use. */
#ifndef BREAKGLASS_TESTS_TEST_PAM_H
#define BREAKGLASS_TESTS_TEST_PAM_H

#include "pam_harness.h"

/* Approval required, by the approvers in list (JSON strings). */
#define CONF_APPROVAL(list) "\"auth\": {" LOCKOUT(100, 900) APPROVAL(list) "}"

/* test_pam_approval.c: the two-person rule. */
void test_approval_by_bob(void **state);
void test_approval_empty_answer(void **state);
void test_approval_self(void **state);
void test_approval_not_an_approver(void **state);
void test_approval_wrong_code(void **state);
void test_approval_code_replayed(void **state);
void test_approval_through_group(void **state);
/* test_pam_concurrent.c: one code, many logins at once. */
void test_concurrent_logins_one_code(void **state);

#endif
