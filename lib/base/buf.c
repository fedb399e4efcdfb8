/* Bounded byte buffers and string helpers. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "breakglass/base/buf.h"

void bg_buf_init(struct bg_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void bg_buf_free(struct bg_buf *b)
{
	if (b->data != NULL) {
		sodium_memzero(b->data, b->cap);
		free(b->data);
	}
	bg_buf_init(b, b->max);
}

void bg_buf_reset(struct bg_buf *b)
{
	if (b->data != NULL) {
		sodium_memzero(b->data, b->cap);
		b->data[0] = '\0';
	}
	b->len = 0;
}

/* Make room for n more bytes and a terminator; wipes the old block. */
static int buf_reserve(struct bg_buf *b, size_t n)
{
	size_t need, ncap;
	char *p;

	if (n > b->max || b->len > b->max - n)
		return BG_ETOOBIG;
	need = b->len + n + 1;
	if (need <= b->cap)
		return BG_OK;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
	if ((p = malloc(ncap)) == NULL)
		return BG_ENOMEM;
	if (b->data != NULL) {
		memcpy(p, b->data, b->len + 1);
		sodium_memzero(b->data, b->cap);
		free(b->data);
	} else {
		p[0] = '\0';
	}
	b->data = p;
	b->cap = ncap;
	return BG_OK;
}

int bg_buf_append(struct bg_buf *b, const void *p, size_t n)
{
	int r;

	if ((r = buf_reserve(b, n)) != BG_OK)
		return r;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return BG_OK;
}

int bg_buf_vappendf(struct bg_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n, r;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return BG_EINVAL;
	if ((r = buf_reserve(b, (size_t)n)) != BG_OK)
		return r;
	if (vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap) != n)
		return BG_EINVAL;
	b->len += (size_t)n;
	return BG_OK;
}

int bg_buf_appendf(struct bg_buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = bg_buf_vappendf(b, fmt, ap);
	va_end(ap);
	return r;
}

int bg_buf_append_escaped(struct bg_buf *b, const void *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = p;
	size_t i;
	int r = BG_OK;

	for (i = 0; i < n && r == BG_OK; i++) {
		if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\') {
			r = bg_buf_append(b, &s[i], 1);
		} else {
			char esc[4] = { '\\', 'x', hex[s[i] >> 4], hex[s[i] & 15] };
			r = bg_buf_append(b, esc, 4);
		}
	}
	return r;
}

const char *bg_buf_str(const struct bg_buf *b)
{
	return b->data != NULL ? b->data : "";
}

int bg_strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size == 0)
		return BG_ETRUNC;
	if (n >= size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return BG_ETRUNC;
	}
	memcpy(dst, src, n + 1);
	return BG_OK;
}

int bg_snprintf(char *dst, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(dst, size, fmt, ap);
	va_end(ap);
	if (n < 0)
		return BG_EINVAL;
	return (size_t)n >= size ? BG_ETRUNC : BG_OK;
}
