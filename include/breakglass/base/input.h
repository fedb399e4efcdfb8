/* Checks on answers typed at the login prompts: what an engineer under
 * pressure may type is accepted, what could forge a log line, drive a
 * terminal or disguise text is refused, and never echoed back. */
#ifndef BREAKGLASS_INPUT_H
#define BREAKGLASS_INPUT_H

#include <stdbool.h>
#include <stddef.h>

/* True if s[len] is well-formed UTF-8: no overlong forms, no surrogates
 * (U+D800..U+DFFF), nothing above U+10FFFF, no truncated sequence. */
bool bg_input_utf8_valid(const char *s, size_t len);

/* NULL if s[len] is acceptable free text of min_chars..max_chars
 * characters; otherwise a fixed English sentence saying what is wrong,
 * which never contains any of the input.  Refused: NUL (len is the
 * true length: a NUL before it is refused), invalid UTF-8, C0 and C1
 * controls, DEL (so ESC and every ANSI sequence), CR and LF, the bidi
 * controls U+061C U+200E U+200F U+202A..U+202E U+2066..U+2069, U+2028
 * U+2029, U+FEFF, the other invisible U+200B U+2060..U+2065
 * U+206A..U+206F U+FFF9..U+FFFB and tags U+E0000..U+E007F, and leading
 * or trailing white space (ASCII or Unicode spaces).  The first bad
 * character decides; then blank, spaces at the ends, length.  The
 * sentences have no subject and no numbers ("is too long"): the caller
 * names the field and states the limits:
 *   "must not be empty", "contains a NUL byte", "is not valid UTF-8",
 *   "contains a line break" (CR LF NEL U+2028 U+2029),
 *   "contains a control character or escape sequence",
 *   "contains invisible direction or format characters",
 *   "has leading or trailing spaces", "is too short", "is too long". */
const char *bg_input_problem(const char *s, size_t len, size_t min_chars,
			     size_t max_chars);

/* NULL if s is exactly `digits` ASCII digits (never the empty string);
 * else "must not be empty", "must contain only the digits 0 to 9",
 * "is too short" or "is too long". */
const char *bg_input_code_problem(const char *s, unsigned digits);

#endif
