/* The tests of test_buf_strings.c, run by test_buf.c's main. */
#ifndef BREAKGLASS_TESTS_TEST_BUF_H
#define BREAKGLASS_TESTS_TEST_BUF_H

void test_strlcpy_table(void **state);
void test_strlcpy_size_zero(void **state);
void test_snprintf_fits(void **state);
void test_snprintf_truncation(void **state);
void test_snprintf_size_zero(void **state);

#endif
