/* Checks on what an engineer types at the login prompts, before any of it
 * is logged, compared or shown (see include/breakglass/input.h). */
#include "config.h"

#include <stdint.h>

#include "breakglass/base/input.h"

/* Fixed sentences: never built from the input, so safe in a PAM_ERROR_MSG. */
static const char msg_empty[] = "must not be empty";
static const char msg_nul[] = "contains a NUL byte";
static const char msg_utf8[] = "is not valid UTF-8";
static const char msg_break[] = "contains a line break";
static const char msg_control[] =
	"contains a control character or escape sequence";
static const char msg_format[] =
	"contains invisible direction or format characters";
static const char msg_spaces[] = "has leading or trailing spaces";
static const char msg_short[] = "is too short";
static const char msg_long[] = "is too long";
static const char msg_digits[] = "must contain only the digits 0 to 9";

enum cp_class {
	CP_TEXT,
	CP_SPACE,	/* allowed inside, not at either end */
	CP_NUL,
	CP_BREAK,
	CP_CONTROL,
	CP_FORMAT,
};

/*
 * Decode the code point at s[*i] (*i < len) strictly as RFC 3629 section 4
 * allows, into *cp, and step *i past it.  False for a continuation byte
 * where a character should start, C0/C1 leads (always overlong), F5..FF,
 * a truncated or interrupted sequence, an overlong form, a surrogate and
 * anything above U+10FFFF: each could smuggle a byte past later checks.
 */
static bool utf8_next(const unsigned char *s, size_t len, size_t *i,
		      uint32_t *cp)
{
	unsigned char c = s[*i];
	uint32_t v, min;
	size_t n, k;

	if (c < 0x80) {
		*cp = c;
		(*i)++;
		return true;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 1;
		v = c & 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 2;
		v = c & 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 3;
		v = c & 0x07;
		min = 0x10000;
	} else {
		return false;
	}
	if (len - *i <= n)
		return false;
	for (k = 1; k <= n; k++) {
		if ((s[*i + k] & 0xc0) != 0x80)
			return false;
		v = v << 6 | (s[*i + k] & 0x3f);
	}
	if (v < min || (v >= 0xd800 && v <= 0xdfff) || v > 0x10ffff)
		return false;
	*cp = v;
	*i += n + 1;
	return true;
}

static bool is_space(uint32_t c)
{
	/* Unicode Zs: a no-break space at the end is as invisible as ' '. */
	return c == ' ' || c == 0xa0 || c == 0x1680 ||
	       (c >= 0x2000 && c <= 0x200a) || c == 0x202f || c == 0x205f ||
	       c == 0x3000;
}

/* Characters that change direction or hide text without being seen
 * (Trojan Source, "ASCII smuggling"); ZWNJ/ZWJ stay allowed because
 * Persian, Indic scripts and emoji sequences need them. */
static bool is_invisible_format(uint32_t c)
{
	return c == 0x061c || c == 0x200b || c == 0x200e || c == 0x200f ||
	       (c >= 0x202a && c <= 0x202e) || (c >= 0x2060 && c <= 0x206f) ||
	       c == 0xfeff || (c >= 0xfff9 && c <= 0xfffb) ||
	       (c >= 0xe0000 && c <= 0xe007f);
}

static enum cp_class classify(uint32_t c)
{
	if (c == 0)
		return CP_NUL;
	/* NEL (U+0085) and U+2028/9 end a line in some viewers: a forged
	 * audit line must not start after them. */
	if (c == '\r' || c == '\n' || c == 0x85 || c == 0x2028 || c == 0x2029)
		return CP_BREAK;
	if (c < 0x20 || (c >= 0x7f && c <= 0x9f))
		return CP_CONTROL;
	if (is_space(c))
		return CP_SPACE;
	if (is_invisible_format(c))
		return CP_FORMAT;
	return CP_TEXT;
}

bool bg_input_utf8_valid(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	uint32_t cp;

	if (s == NULL)
		return len == 0;
	while (i < len)
		if (!utf8_next(u, len, &i, &cp))
			return false;
	return true;
}

const char *bg_input_problem(const char *s, size_t len, size_t min_chars,
			     size_t max_chars)
{
	const unsigned char *u = (const unsigned char *)s;
	bool blank = true, lead_space = false, trail_space = false;
	size_t i = 0, chars = 0;
	uint32_t cp;

	if (s == NULL)
		return msg_empty;
	if (len == 0)
		return min_chars > 0 ? msg_empty : NULL;
	/* One pass over all of it, even past max_chars, so that a long
	 * paste with an escape in it is reported as what it is. */
	while (i < len) {
		if (!utf8_next(u, len, &i, &cp))
			return msg_utf8;
		switch (classify(cp)) {
		case CP_NUL:
			return msg_nul;
		case CP_BREAK:
			return msg_break;
		case CP_CONTROL:
			return msg_control;
		case CP_FORMAT:
			return msg_format;
		case CP_SPACE:
			if (chars == 0)
				lead_space = true;
			trail_space = true;
			break;
		case CP_TEXT:
			blank = false;
			trail_space = false;
			break;
		}
		chars++;
	}
	/* Only spaces: the engineer typed nothing, say so. */
	if (blank)
		return min_chars > 0 ? msg_empty : msg_spaces;
	if (lead_space || trail_space)
		return msg_spaces;
	if (chars < min_chars)
		return msg_short;
	if (chars > max_chars)
		return msg_long;
	return NULL;
}

const char *bg_input_code_problem(const char *s, unsigned digits)
{
	size_t n;

	if (s == NULL || s[0] == '\0')
		return msg_empty;
	/* Not isdigit(): it follows the locale; only '0'..'9' are codes. */
	for (n = 0; s[n] != '\0'; n++)
		if (s[n] < '0' || s[n] > '9')
			return msg_digits;
	if (n < digits)
		return msg_short;
	if (n > digits)
		return msg_long;
	return NULL;
}
