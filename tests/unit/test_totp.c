/* Tests for TOTP codes, verification and enrollment URIs (lib/totp.c),
 * checked against RFC 6238's vectors and the real oathtool program. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <sodium.h>

#include "breakglass/login/totp.h"
#include "helpers.h"

/* RFC 6238 Appendix B: the SHA-1 seed is the ASCII text "1234567890" x2. */
static const unsigned char rfc_key[] = "12345678901234567890";
#define RFC_KEYLEN 20
#define RFC_B32 "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

/* 0 and the code in out, or 127 when oathtool is not installed.  Fixed
 * argument vector, no shell: the secret never meets a command line parser. */
static int oathtool(const char *b32, unsigned digits, unsigned period,
		    const time_t *at, char *out, size_t outlen)
{
	char d[32], s[48], n[48];
	const char *argv[12];
	int i = 0, r;

	assert_true(snprintf(d, sizeof(d), "--digits=%u", digits) < (int)sizeof(d));
	assert_true(snprintf(s, sizeof(s), "--time-step-size=%us", period) < (int)sizeof(s));
	argv[i++] = "oathtool";
	argv[i++] = "--totp";
	argv[i++] = "--base32";
	argv[i++] = d;
	argv[i++] = s;
	if (at != NULL) {
		assert_true(snprintf(n, sizeof(n), "--now=@%lld", (long long)*at) < (int)sizeof(n));
		argv[i++] = n;
	}
	argv[i++] = b32;
	argv[i] = NULL;
	r = th_run(argv, out, outlen);
	out[strcspn(out, "\n")] = '\0';
	if (r == 127)
		return 127;
	assert_int_equal(r, 0);
	assert_int_equal(strlen(out), digits);
	return 0;
}

static void oathtool_or_skip(const char *b32, unsigned digits, unsigned period,
			     const time_t *at, char *out, size_t outlen)
{
	if (oathtool(b32, digits, period, at, out, outlen) == 127) {
		print_message("oathtool is not installed\n");
		skip();
	}
}

static void test_totp_rfc6238_sha1_vectors(void **state)
{
	static const struct { time_t t; const char *code; } v[] = {
		{ 59, "94287082" },
		{ 1111111109, "07081804" },
		{ 1111111111, "14050471" },
		{ 1234567890, "89005924" },
		{ 2000000000, "69279037" },
		{ 20000000000LL, "65353130" },
	};
	char code[BG_TOTP_DIGITS_MAX + 1];
	int64_t step;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(bg_totp_code(rfc_key, RFC_KEYLEN, v[i].t / 30, 8,
					      code, sizeof(code)), BG_OK);
		assert_string_equal(code, v[i].code);
		assert_int_equal(bg_totp_verify(rfc_key, RFC_KEYLEN, v[i].code, v[i].t,
						30, 8, 0, -1, &step), BG_OK);
		assert_int_equal(step, v[i].t / 30);
	}
}

static void test_totp_code_rejects_bad_arguments(void **state)
{
	char code[BG_TOTP_DIGITS_MAX + 1];

	(void)state;
	assert_int_equal(bg_totp_code(rfc_key, RFC_KEYLEN, 1, 5, code, sizeof(code)), BG_EINVAL);
	assert_int_equal(bg_totp_code(rfc_key, RFC_KEYLEN, 1, 9, code, sizeof(code)), BG_EINVAL);
	assert_int_equal(bg_totp_code(rfc_key, 0, 1, 6, code, sizeof(code)), BG_EINVAL);
	assert_int_equal(bg_totp_code(rfc_key, RFC_KEYLEN, -1, 6, code, sizeof(code)), BG_EINVAL);
	assert_int_equal(bg_totp_code(rfc_key, RFC_KEYLEN, 1, 6, code, 6), BG_ETRUNC);
	assert_int_equal(bg_totp_code(rfc_key, RFC_KEYLEN, 1, 6, code, 7), BG_OK);
	assert_int_equal(strlen(code), 6);
}

static void test_totp_base32_is_unpadded_rfc4648(void **state)
{
	struct bg_buf b;

	(void)state;
	bg_buf_init(&b, 256);
	assert_int_equal(bg_totp_base32(rfc_key, RFC_KEYLEN, &b), BG_OK);
	assert_string_equal(bg_buf_str(&b), RFC_B32);
	bg_buf_reset(&b);
	/* 5 bytes would need no padding; 1 byte needs six '=' in RFC 4648. */
	assert_int_equal(bg_totp_base32((const unsigned char *)"f", 1, &b), BG_OK);
	assert_string_equal(bg_buf_str(&b), "MY");
	bg_buf_free(&b);
}

/* A random key written by us is read the same way by oathtool. */
static void test_totp_base32_round_trip_through_oathtool(void **state)
{
	unsigned char key[BG_TOTP_SECRET_BYTES];
	char ours[16], theirs[16];
	time_t at = 1700000000;
	struct bg_buf b;
	int round;

	(void)state;
	for (round = 0; round < 5; round++) {
		randombytes_buf(key, sizeof(key));
		bg_buf_init(&b, 256);
		assert_int_equal(bg_totp_base32(key, sizeof(key), &b), BG_OK);
		assert_int_equal(b.len, 32);
		oathtool_or_skip(bg_buf_str(&b), 6, 30, &at, theirs, sizeof(theirs));
		assert_int_equal(bg_totp_code(key, sizeof(key), at / 30, 6, ours,
					      sizeof(ours)), BG_OK);
		assert_string_equal(ours, theirs);
		bg_buf_free(&b);
	}
}

static void test_totp_oathtool_code_now_is_accepted(void **state)
{
	char code[16];
	int64_t step;

	(void)state;
	oathtool_or_skip(RFC_B32, 6, 30, NULL, code, sizeof(code));
	/* Window 1 covers a step boundary between oathtool's clock and ours. */
	assert_int_equal(bg_totp_verify(rfc_key, RFC_KEYLEN, code, time(NULL), 30,
					 6, 1, -1, &step), BG_OK);
	assert_true(step >= time(NULL) / 30 - 1 && step <= time(NULL) / 30);
}

/* For every window, period and length: the codes of steps at +-window are
 * accepted, those at +-(window+1) are not. */
static void test_totp_window_edges_match_oathtool(void **state)
{
	static const unsigned periods[] = { 30, 60 }, digits[] = { 6, 8 };
	static const time_t bases[] = { 1111111109, 2000000000 };
	unsigned w, p, d, b;
	char code[16];
	int64_t step, k;
	time_t at;
	int r;

	(void)state;
	for (b = 0; b < 2; b++)
	for (p = 0; p < 2; p++)
	for (d = 0; d < 2; d++)
	for (w = 0; w <= 2; w++) {
		for (k = -(int64_t)w - 1; k <= (int64_t)w + 1; k++) {
			at = bases[b] + k * (time_t)periods[p];
			oathtool_or_skip(RFC_B32, digits[d], periods[p], &at, code,
					 sizeof(code));
			r = bg_totp_verify(rfc_key, RFC_KEYLEN, code, bases[b],
					   periods[p], digits[d], w, -1, &step);
			if (k < -(int64_t)w || k > (int64_t)w) {
				assert_int_equal(r, BG_EAUTH);
				assert_int_equal(step, -1);
			} else {
				assert_int_equal(r, BG_OK);
				assert_int_equal(step, bases[b] / periods[p] + k);
			}
		}
	}
}

static void test_totp_used_step_is_a_replay(void **state)
{
	const time_t now = 1234567890;
	const int64_t cur = now / 30;
	char code[16];
	int64_t step;

	(void)state;
	assert_int_equal(bg_totp_code(rfc_key, RFC_KEYLEN, cur, 6, code, sizeof(code)), BG_OK);
	assert_int_equal(bg_totp_verify(rfc_key, RFC_KEYLEN, code, now, 30, 6, 1,
					 cur - 1, &step), BG_OK);
	assert_int_equal(step, cur);
	/* The same code again, now that its step is recorded as used. */
	assert_int_equal(bg_totp_verify(rfc_key, RFC_KEYLEN, code, now, 30, 6, 1,
					 step, &step), BG_EREPLAY);
	assert_int_equal(step, -1);
}

static void test_totp_older_step_after_newer_is_a_replay(void **state)
{
	const time_t now = 1234567890;
	const int64_t cur = now / 30;
	char older[16];
	int64_t step;

	(void)state;
	/* Valid in the window, but a later step was already accepted. */
	assert_int_equal(bg_totp_code(rfc_key, RFC_KEYLEN, cur - 1, 6, older,
				      sizeof(older)), BG_OK);
	assert_int_equal(bg_totp_verify(rfc_key, RFC_KEYLEN, older, now, 30, 6, 1,
					 cur + 1, &step), BG_EREPLAY);
	assert_int_equal(bg_totp_verify(rfc_key, RFC_KEYLEN, older, now, 30, 6, 1,
					 cur - 2, &step), BG_OK);
	assert_int_equal(step, cur - 1);
}

/* Steps 57766335 and 57766336 of the RFC key share the 6-digit code 251166
 * (found by search, confirmed with oathtool).  Accepting the earlier step
 * would leave the code valid once more for the later one. */
static void test_totp_code_of_two_steps_burns_the_later(void **state)
{
	const int64_t s1 = 57766335;
	char code[16];
	int64_t step;

	(void)state;
	assert_int_equal(bg_totp_code(rfc_key, RFC_KEYLEN, s1, 6, code, sizeof(code)), BG_OK);
	assert_string_equal(code, "251166");
	assert_int_equal(bg_totp_code(rfc_key, RFC_KEYLEN, s1 + 1, 6, code, sizeof(code)), BG_OK);
	assert_string_equal(code, "251166");
	assert_int_equal(bg_totp_verify(rfc_key, RFC_KEYLEN, "251166",
					 (time_t)(s1 + 1) * 30, 30, 6, 1, -1, &step), BG_OK);
	assert_int_equal(step, s1 + 1);
	assert_int_equal(bg_totp_verify(rfc_key, RFC_KEYLEN, "251166",
					 (time_t)(s1 + 1) * 30, 30, 6, 1, step, &step),
			 BG_EREPLAY);
}

static void test_totp_wrong_code_is_refused(void **state)
{
	const time_t now = 1234567890;
	char code[16];
	int64_t step;

	(void)state;
	assert_int_equal(bg_totp_code(rfc_key, RFC_KEYLEN, now / 30, 6, code,
				      sizeof(code)), BG_OK);
	code[5] = code[5] == '9' ? '0' : (char)(code[5] + 1);
	assert_int_equal(bg_totp_verify(rfc_key, RFC_KEYLEN, code, now, 30, 6, 1,
					 -1, &step), BG_EAUTH);
	/* A replayed step elsewhere does not turn a wrong code into a replay. */
	assert_int_equal(bg_totp_verify(rfc_key, RFC_KEYLEN, code, now, 30, 6, 1,
					 now / 30, &step), BG_EAUTH);
}

static void test_totp_malformed_codes_are_invalid(void **state)
{
	static const struct { const char *code; unsigned digits; } bad[] = {
		{ " 123456", 6 }, { "12345", 6 }, { "1234567", 6 },
		{ "12345a", 6 }, { "", 6 },
		{ "\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94\xef\xbc\x95\xef\xbc\x96", 6 },
		{ "123456 ", 6 }, { "12345\n", 6 }, { "+12345", 6 }, { "-12345", 6 },
		{ "123456", 8 }, { "1234567", 8 }, { "123456789", 8 },
		{ "\x80\x31\x32\x33\x34\x35", 6 },
	};
	int64_t step;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("case %zu\n", i);
		assert_int_equal(bg_totp_verify(rfc_key, RFC_KEYLEN, bad[i].code,
						1234567890, 30, bad[i].digits, 1,
						-1, &step), BG_EINVAL);
	}
	assert_int_equal(bg_totp_verify(rfc_key, RFC_KEYLEN, NULL, 1234567890, 30,
					 6, 1, -1, &step), BG_EINVAL);
}

static void test_totp_verify_rejects_bad_parameters(void **state)
{
	int64_t step;

	(void)state;
	assert_int_equal(bg_totp_verify(rfc_key, RFC_KEYLEN, "123456", 1234567890,
					 0, 6, 1, -1, &step), BG_EINVAL);
	assert_int_equal(bg_totp_verify(rfc_key, RFC_KEYLEN, "12345", 1234567890,
					 30, 5, 1, -1, &step), BG_EINVAL);
	assert_int_equal(bg_totp_verify(rfc_key, 0, "123456", 1234567890,
					 30, 6, 1, -1, &step), BG_EINVAL);
	assert_int_equal(bg_totp_verify(rfc_key, RFC_KEYLEN, "123456", -1,
					 30, 6, 1, -1, &step), BG_EINVAL);
	assert_int_equal(bg_totp_verify(rfc_key, RFC_KEYLEN, "123456", 1234567890,
					 30, 6, 100000, -1, &step), BG_EINVAL);
}

static void test_totp_uri_has_every_field(void **state)
{
	struct bg_buf b;

	(void)state;
	bg_buf_init(&b, 1024);
	assert_int_equal(bg_totp_uri("breakglass", "alice", rfc_key, RFC_KEYLEN,
				     8, 60, &b), BG_OK);
	assert_string_equal(bg_buf_str(&b),
			    "otpauth://totp/breakglass:alice?secret=" RFC_B32
			    "&issuer=breakglass&algorithm=SHA1&digits=8&period=60");
	bg_buf_free(&b);
}

static void test_totp_uri_percent_encodes_label_and_issuer(void **state)
{
	struct bg_buf b;

	(void)state;
	bg_buf_init(&b, 1024);
	assert_int_equal(bg_totp_uri("a b:c/d?", "bob&x=~y.z", rfc_key,
				     RFC_KEYLEN, 6, 30, &b), BG_OK);
	assert_string_equal(bg_buf_str(&b),
			    "otpauth://totp/a%20b%3Ac%2Fd%3F:bob%26x%3D~y.z?secret="
			    RFC_B32 "&issuer=a%20b%3Ac%2Fd%3F&algorithm=SHA1"
			    "&digits=6&period=30");
	bg_buf_reset(&b);
	/* UTF-8 is encoded byte by byte. */
	assert_int_equal(bg_totp_uri("\xc3\xa9", "a", rfc_key, RFC_KEYLEN, 6, 30, &b), BG_OK);
	assert_non_null(strstr(bg_buf_str(&b), "totp/%C3%A9:a?"));
	bg_buf_reset(&b);
	assert_int_equal(bg_totp_uri("", "a", rfc_key, RFC_KEYLEN, 6, 30, &b), BG_EINVAL);
	assert_int_equal(bg_totp_uri("i", "a", rfc_key, RFC_KEYLEN, 6, 0, &b), BG_EINVAL);
	bg_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_totp_rfc6238_sha1_vectors),
		cmocka_unit_test(test_totp_code_rejects_bad_arguments),
		cmocka_unit_test(test_totp_base32_is_unpadded_rfc4648),
		cmocka_unit_test(test_totp_base32_round_trip_through_oathtool),
		cmocka_unit_test(test_totp_oathtool_code_now_is_accepted),
		cmocka_unit_test(test_totp_window_edges_match_oathtool),
		cmocka_unit_test(test_totp_used_step_is_a_replay),
		cmocka_unit_test(test_totp_older_step_after_newer_is_a_replay),
		cmocka_unit_test(test_totp_code_of_two_steps_burns_the_later),
		cmocka_unit_test(test_totp_wrong_code_is_refused),
		cmocka_unit_test(test_totp_malformed_codes_are_invalid),
		cmocka_unit_test(test_totp_verify_rejects_bad_parameters),
		cmocka_unit_test(test_totp_uri_has_every_field),
		cmocka_unit_test(test_totp_uri_percent_encodes_label_and_issuer),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
