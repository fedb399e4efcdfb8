/* Bounded byte buffers and string helpers: every size is checked, every
 * buffer is NUL-terminated and wiped when freed. */
#ifndef BREAKGLASS_BUF_H
#define BREAKGLASS_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "breakglass/base/error.h"

struct bg_buf {
	char *data;     /* always NUL-terminated once something was added */
	size_t len;
	size_t cap;     /* allocated bytes, the terminator included */
	size_t max;     /* hard limit on len */
};

/* An empty buffer that will refuse to grow past max bytes. */
void bg_buf_init(struct bg_buf *b, size_t max);
/* Wipe and release; the buffer may be used again after bg_buf_init. */
void bg_buf_free(struct bg_buf *b);
/* Forget the contents (wiped) but keep the allocation. */
void bg_buf_reset(struct bg_buf *b);

BG_WUR int bg_buf_append(struct bg_buf *b, const void *p, size_t n);
BG_WUR int bg_buf_appendf(struct bg_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
BG_WUR int bg_buf_vappendf(struct bg_buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Append p with every byte that is not printable ASCII written as \xNN,
 * so that untrusted text cannot forge log lines or drive a terminal. */
BG_WUR int bg_buf_append_escaped(struct bg_buf *b, const void *p, size_t n);
/* The contents as a C string ("" when empty); never NULL. */
const char *bg_buf_str(const struct bg_buf *b);

/* Copy src into dst[size]; BG_ETRUNC (dst still terminated) if it does
 * not fit. */
BG_WUR int bg_strlcpy(char *dst, const char *src, size_t size);
/* snprintf that reports truncation as BG_ETRUNC instead of hiding it. */
BG_WUR int bg_snprintf(char *dst, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
