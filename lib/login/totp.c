/* TOTP codes and their verification (RFC 6238 on liboath's HOTP), and the
 * otpauth:// URI an authenticator app enrolls from. */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <liboath/oath.h>
#include <sodium.h>

#include "breakglass/login/totp.h"

/* Far beyond any sane clock skew; keeps step arithmetic from overflowing. */
#define TOTP_WINDOW_MAX 100

static pthread_once_t oath_once = PTHREAD_ONCE_INIT;
static int oath_status = OATH_CRYPTO_ERROR;

static void oath_start(void)
{
	oath_status = oath_init();
}

/* liboath wants oath_init() before use; once per process is enough. */
static int totp_init(void)
{
	if (pthread_once(&oath_once, oath_start) != 0)
		return BG_ECRYPTO;
	return oath_status == OATH_OK ? BG_OK : BG_ECRYPTO;
}

static bool digits_ok(unsigned digits)
{
	/* What liboath can produce, and what fits BG_TOTP_DIGITS_MAX. */
	return digits >= 6 && digits <= BG_TOTP_DIGITS_MAX;
}

int bg_totp_code(const unsigned char *key, size_t keylen, int64_t step,
		 unsigned digits, char *out, size_t outlen)
{
	int r;

	if (key == NULL || keylen == 0 || step < 0 || !digits_ok(digits) ||
	    out == NULL)
		return BG_EINVAL;
	if (outlen <= digits)
		return BG_ETRUNC;
	if ((r = totp_init()) != BG_OK)
		return r;
	/* TOTP is HOTP with the time step as the moving factor (RFC 6238 4.2). */
	if (oath_hotp_generate((const char *)key, keylen, (uint64_t)step, digits,
			       false, OATH_HOTP_DYNAMIC_TRUNCATION, out) != OATH_OK) {
		sodium_memzero(out, outlen);
		return BG_ECRYPTO;
	}
	return BG_OK;
}

/* Exactly digits ASCII digits: no signs, spaces or other scripts' digits. */
static bool code_well_formed(const char *code, unsigned digits)
{
	size_t i;

	if (code == NULL || strnlen(code, digits + 1) != digits)
		return false;
	for (i = 0; i < digits; i++)
		if (code[i] < '0' || code[i] > '9')
			return false;
	return true;
}

int bg_totp_verify(const unsigned char *key, size_t keylen, const char *code,
		   time_t now, unsigned period, unsigned digits, unsigned window,
		   int64_t last_step, int64_t *step)
{
	char cand[BG_TOTP_DIGITS_MAX + 1];
	int64_t cur, s, fresh = -1;
	bool used = false, match;
	int r = BG_OK;

	*step = -1;
	if (key == NULL || keylen == 0 || period == 0 || !digits_ok(digits) ||
	    window > TOTP_WINDOW_MAX || now < 0)
		return BG_EINVAL;
	if (!code_well_formed(code, digits))
		return BG_EINVAL;
	cur = (int64_t)now / period;
	if (cur > INT64_MAX - TOTP_WINDOW_MAX)
		return BG_EINVAL;
	/* Every step is computed and compared, match or not, so the time taken
	 * says nothing about which step (if any) matched. */
	for (s = cur - (int64_t)window; s <= cur + (int64_t)window; s++) {
		if (s < 0)      /* before 1970: depends on the clock, not the code */
			continue;
		if ((r = bg_totp_code(key, keylen, s, digits, cand, sizeof(cand))) != BG_OK)
			break;
		match = sodium_memcmp(cand, code, digits) == 0;
		/* The latest fresh match wins: accepting an earlier one would
		 * leave the same code valid for the later step (a replay). */
		if (match && s > last_step)
			fresh = s;
		else if (match)
			used = true;
	}
	sodium_memzero(cand, sizeof(cand));
	if (r != BG_OK)
		return r;
	if (fresh >= 0) {
		*step = fresh;
		return BG_OK;
	}
	return used ? BG_EREPLAY : BG_EAUTH;
}

int bg_totp_base32(const unsigned char *key, size_t keylen, struct bg_buf *out)
{
	char *b32 = NULL;
	size_t len = 0;
	int r;

	if (key == NULL || keylen == 0)
		return BG_EINVAL;
	if ((r = totp_init()) != BG_OK)
		return r;
	if (oath_base32_encode((const char *)key, keylen, &b32, &len) != OATH_OK)
		return BG_ENOMEM;
	/* Authenticator apps and oathtool take the secret without padding. */
	r = bg_buf_append(out, b32, strcspn(b32, "="));
	sodium_memzero(b32, len);
	free(b32);
	return r;
}

/* s with every byte outside RFC 3986's unreserved set as %XX. */
static int append_pct(struct bg_buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;
	char enc[3] = { '%', 0, 0 };
	int r = BG_OK;

	for (; *p != '\0' && r == BG_OK; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p) != NULL) {
			r = bg_buf_append(out, p, 1);
		} else {
			enc[1] = hex[*p >> 4];
			enc[2] = hex[*p & 0xf];
			r = bg_buf_append(out, enc, 3);
		}
	}
	return r;
}

int bg_totp_uri(const char *issuer, const char *account,
		const unsigned char *key, size_t keylen, unsigned digits,
		unsigned period, struct bg_buf *out)
{
	int r;

	if (issuer == NULL || *issuer == '\0' || account == NULL ||
	    *account == '\0' || !digits_ok(digits) || period == 0)
		return BG_EINVAL;
	/* Key URI format: the issuer is both the label prefix and a parameter,
	 * so apps that read either show the same name. */
	if ((r = bg_buf_append(out, "otpauth://totp/", 15)) != BG_OK ||
	    (r = append_pct(out, issuer)) != BG_OK ||
	    (r = bg_buf_append(out, ":", 1)) != BG_OK ||
	    (r = append_pct(out, account)) != BG_OK ||
	    (r = bg_buf_append(out, "?secret=", 8)) != BG_OK ||
	    (r = bg_totp_base32(key, keylen, out)) != BG_OK ||
	    (r = bg_buf_append(out, "&issuer=", 8)) != BG_OK ||
	    (r = append_pct(out, issuer)) != BG_OK)
		return r;
	return bg_buf_appendf(out, "&algorithm=SHA1&digits=%u&period=%u",
			      digits, period);
}
