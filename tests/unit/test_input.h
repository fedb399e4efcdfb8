/* What the two files of test_input share: the sentences of
 * bg_input_problem and an encoder of code points. */
#ifndef BREAKGLASS_TESTS_TEST_INPUT_H
#define BREAKGLASS_TESTS_TEST_INPUT_H

#include <stddef.h>
#include <stdint.h>

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
/* A literal and its true length, NULs inside included. */
#define B(lit) lit, sizeof(lit) - 1

#define EMPTY "must not be empty"
#define NUL "contains a NUL byte"
#define UTF8 "is not valid UTF-8"
#define BREAK "contains a line break"
#define CTRL "contains a control character or escape sequence"
#define FMT "contains invisible direction or format characters"
#define SPACES "has leading or trailing spaces"
#define SHORT "is too short"
#define LONG "is too long"
#define DIGITS "must contain only the digits 0 to 9"

/* c as UTF-8 into out[4]; the test's own encoder, to feed the decoder. */
size_t encode(uint32_t c, char *out);

/* test_input_utf8.c: UTF-8 validation, and random answers. */
void test_input_utf8_valid_boundaries(void **state);
void test_input_utf8_valid_agrees_with_mbrtowc(void **state);
void test_input_utf8_valid_every_code_point(void **state);
void test_input_problem_says_only_fixed_sentences(void **state);

#endif
