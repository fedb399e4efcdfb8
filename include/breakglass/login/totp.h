/* TOTP (RFC 6238, HMAC-SHA1) through liboath: codes, verification with
 * a window and replay protection, and the otpauth:// enrollment URI. */
#ifndef BREAKGLASS_TOTP_H
#define BREAKGLASS_TOTP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "breakglass/base/buf.h"
#include "breakglass/base/error.h"

#define BG_TOTP_SECRET_BYTES 20         /* 160-bit key, as RFC 4226 advises */
#define BG_TOTP_DIGITS_MAX 8

/* The code of time step `step` (unix time / period), digits long, into
 * out[outlen] (outlen > digits). */
BG_WUR int bg_totp_code(const unsigned char *key, size_t keylen,
			int64_t step, unsigned digits, char *out, size_t outlen);

/* Compare code with the codes of steps now/period - window ..
 * now/period + window, each in constant time.  A step <= last_step (the
 * last one accepted for this account; -1 for none) is never accepted.
 * BG_OK with *step set; BG_EREPLAY if the code is that of a used step;
 * BG_EAUTH if it matches nothing; BG_EINVAL for a malformed code. */
BG_WUR int bg_totp_verify(const unsigned char *key, size_t keylen,
			  const char *code, time_t now, unsigned period,
			  unsigned digits, unsigned window, int64_t last_step,
			  int64_t *step);

/* key in RFC 4648 base32 without padding, appended to out. */
BG_WUR int bg_totp_base32(const unsigned char *key, size_t keylen,
			  struct bg_buf *out);

/* otpauth://totp/ISSUER:ACCOUNT?secret=B32&issuer=ISSUER&algorithm=SHA1
 * &digits=D&period=P appended to out, label and issuer percent-encoded. */
BG_WUR int bg_totp_uri(const char *issuer, const char *account,
		       const unsigned char *key, size_t keylen,
		       unsigned digits, unsigned period, struct bg_buf *out);

#endif
