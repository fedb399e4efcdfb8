/* Secret buffers on libsodium's guarded heap. */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "breakglass/base/secret.h"

struct bg_secret {
	size_t len;
	size_t cap;
	unsigned char *data;    /* sodium_malloc: guard pages, mlock, wipe */
};

int bg_secret_new(size_t cap, struct bg_secret **out)
{
	struct bg_secret *s;

	*out = NULL;
	if (cap == 0)
		return BG_EINVAL;
	if (sodium_init() < 0)
		return BG_ECRYPTO;
	if ((s = sodium_malloc(sizeof(*s))) == NULL)
		return BG_ENOMEM;
	if ((s->data = sodium_malloc(cap)) == NULL) {
		sodium_free(s);
		return BG_ENOMEM;
	}
	sodium_memzero(s->data, cap);
	s->len = 0;
	s->cap = cap;
	*out = s;
	return BG_OK;
}

void bg_secret_free(struct bg_secret *s)
{
	if (s == NULL)
		return;
	sodium_free(s->data);   /* zeroes before unmapping */
	sodium_free(s);
}

int bg_secret_set(struct bg_secret *s, const void *p, size_t n)
{
	bg_secret_clear(s);
	if (n > s->cap)
		return BG_ETOOBIG;
	if (n > 0)
		memcpy(s->data, p, n);
	s->len = n;
	return BG_OK;
}

void bg_secret_clear(struct bg_secret *s)
{
	sodium_memzero(s->data, s->cap);
	s->len = 0;
}

unsigned char *bg_secret_data(struct bg_secret *s)
{
	return s->data;
}

size_t bg_secret_len(const struct bg_secret *s)
{
	return s->len;
}

size_t bg_secret_cap(const struct bg_secret *s)
{
	return s->cap;
}

int bg_secret_equal(const struct bg_secret *s, const void *p, size_t n)
{
	/* The length is not secret; the contents are compared in constant time. */
	if (n != s->len)
		return 0;
	if (n == 0)
		return 1;
	return sodium_memcmp(s->data, p, n) == 0;
}
