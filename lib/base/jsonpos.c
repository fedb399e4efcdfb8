/* A minimal JSON scanner that follows one path and reports its position. */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "breakglass/base/buf.h"
#include "breakglass/base/jsonpos.h"

#define KEY_MAX (1024 * 1024)

struct scan {
	const unsigned char *s;
	size_t len, pos;
	unsigned line, col;
};

static int peek(const struct scan *c)
{
	return c->pos < c->len ? c->s[c->pos] : -1;
}

static void advance(struct scan *c)
{
	unsigned char ch = c->s[c->pos++];

	if (ch == '\n') {
		c->line++;
		c->col = 1;
	} else if ((ch & 0xc0) != 0x80) {
		c->col++;
	}
}

static void skip_ws(struct scan *c)
{
	int ch;

	while ((ch = peek(c)) == ' ' || ch == '\t' || ch == '\n' || ch == '\r')
		advance(c);
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static int read_hex4(struct scan *c, uint32_t *out)
{
	int i, h;

	*out = 0;
	for (i = 0; i < 4; i++) {
		if ((h = hexval(peek(c))) < 0)
			return BG_EINVAL;
		*out = *out << 4 | (uint32_t)h;
		advance(c);
	}
	return BG_OK;
}

static int put_utf8(struct bg_buf *b, uint32_t cp)
{
	unsigned char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (unsigned char)(0xc0 | cp >> 6);
		u[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (unsigned char)(0xe0 | cp >> 12);
		u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xf0 | cp >> 18);
		u[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		u[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return bg_buf_append(b, u, n);
}

/* A string at the cursor, decoded into out when out is not NULL. */
static int read_string(struct scan *c, struct bg_buf *out)
{
	static const char esc_from[] = "\"\\/bfnrt", esc_to[] = "\"\\/\b\f\n\r\t";
	uint32_t cp, lo;
	const char *e;
	int ch, r = BG_OK;

	if (peek(c) != '"')
		return BG_EINVAL;
	advance(c);
	while (r == BG_OK && (ch = peek(c)) != '"') {
		if (ch < 0)
			return BG_EINVAL;
		advance(c);
		if (ch != '\\') {
			unsigned char byte = (unsigned char)ch;

			r = out ? bg_buf_append(out, &byte, 1) : BG_OK;
			continue;
		}
		ch = peek(c);
		if (ch == 'u') {
			advance(c);
			if (read_hex4(c, &cp) != BG_OK)
				return BG_EINVAL;
			if (cp >= 0xd800 && cp < 0xdc00 && peek(c) == '\\') {
				advance(c);
				advance(c);
				if (read_hex4(c, &lo) != BG_OK)
					return BG_EINVAL;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			r = out ? put_utf8(out, cp) : BG_OK;
		} else if (ch > 0 && (e = strchr(esc_from, ch)) != NULL) {
			advance(c);
			r = out ? bg_buf_append(out, &esc_to[e - esc_from], 1) : BG_OK;
		} else {
			return BG_EINVAL;
		}
	}
	if (r == BG_OK)
		advance(c);
	return r;
}

/* Skip one value of any kind without recursion. */
static int skip_value(struct scan *c)
{
	size_t depth = 0;
	int ch;

	do {
		skip_ws(c);
		ch = peek(c);
		if (ch < 0)
			return BG_EINVAL;
		if (ch == '"') {
			if (read_string(c, NULL) != BG_OK)
				return BG_EINVAL;
			continue;
		}
		if (ch == '{' || ch == '[')
			depth++;
		else if (ch == '}' || ch == ']')
			depth--;
		else if (depth == 0) {
			/* A scalar at the top: up to the next delimiter. */
			while ((ch = peek(c)) >= 0 && !strchr(",]} \t\r\n", ch))
				advance(c);
			return BG_OK;
		}
		advance(c);
	} while (depth > 0);
	return BG_OK;
}

static int find_in(struct scan *c, const struct bg_jsonpos_step *path,
		   size_t depth, unsigned *line, unsigned *col)
{
	const struct bg_jsonpos_step *want = &path[0];
	bool is_obj;
	size_t index = 0;
	int ch, r;

	skip_ws(c);
	ch = peek(c);
	is_obj = ch == '{';
	if ((is_obj && want->key == NULL) || (!is_obj && (ch != '[' || want->key != NULL)))
		return BG_ENOENT;
	advance(c);
	for (;; index++) {
		unsigned at_line, at_col;
		bool hit;

		skip_ws(c);
		if (peek(c) == (is_obj ? '}' : ']'))
			return BG_ENOENT;
		at_line = c->line;
		at_col = c->col;
		if (is_obj) {
			struct bg_buf key;

			bg_buf_init(&key, KEY_MAX);
			r = read_string(c, &key);
			hit = r == BG_OK && key.len == strlen(want->key) &&
			      memcmp(bg_buf_str(&key), want->key, key.len) == 0;
			bg_buf_free(&key);
			if (r != BG_OK)
				return BG_EINVAL;
			skip_ws(c);
			if (peek(c) != ':')
				return BG_EINVAL;
			advance(c);
		} else {
			hit = index == want->index;
		}
		if (hit && depth == 1) {
			*line = at_line;
			*col = at_col;
			return BG_OK;
		}
		if (hit)
			return find_in(c, path + 1, depth - 1, line, col);
		if (skip_value(c) != BG_OK)
			return BG_EINVAL;
		skip_ws(c);
		if (peek(c) != ',')
			return BG_ENOENT;
		advance(c);
	}
}

int bg_jsonpos_find(const char *text, size_t len,
		    const struct bg_jsonpos_step *path, size_t depth,
		    unsigned *line, unsigned *col)
{
	struct scan c = { (const unsigned char *)text, len, 0, 1, 1 };

	*line = 0;
	*col = 0;
	if (depth == 0)
		return BG_EINVAL;
	return find_in(&c, path, depth, line, col);
}
