/* The byte layout, hashes and signatures of segment files that the
 * writer and the reader must agree on (docs/FORMAT.md section 7). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "breakglass/base/buf.h"
#include "breakglass/base/text.h"
#include "breakglass/evidence/recformat.h"

_Static_assert(BG_SEG_RECIPIENT_LEN == 96, "recipient entry size");
_Static_assert(BG_SEG_SS_HDR == 24 && BG_SEG_ABYTES == 17, "secretstream sizes");
_Static_assert(crypto_secretstream_xchacha20poly1305_KEYBYTES == 32, "key size");
_Static_assert(BG_SEG_AD_LEN == 16 + 4 + 4 + 1 + BG_HASH_LEN, "additional data size");

#define MSG_LEN (sizeof(BG_SEG_REC_CTX) - 1 + BG_HASH_LEN)

void bg_recformat_put_le(unsigned char *p, uint64_t v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

uint64_t bg_recformat_get_le(const unsigned char *p, size_t n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = v << 8 | p[n];
	return v;
}

int bg_recformat_segment_name(char *name, size_t cap, uint32_t seg)
{
	return bg_snprintf(name, cap, "%06" PRIu32 ".bgr", seg);
}

/* A segment name: the number as printed with %06u, then ".bgr". */
bool bg_recformat_segment_number(const char *s, size_t len, uint32_t *n)
{
	size_t i, digits = len - 4;
	uint64_t v = 0;

	if (len < 10 || digits > 10 || (digits > 6 && s[0] == '0'))
		return false;
	for (i = 0; i < digits; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*n = (uint32_t)v;
	return v <= UINT32_MAX;
}

int bg_recformat_session_dir(const char *dir, unsigned char session[16], char **real)
{
	const char *base;

	if ((*real = realpath(dir, NULL)) == NULL)
		return errno == ENOENT || errno == ENOTDIR ? BG_ENOENT : BG_EIO;
	base = strrchr(*real, '/');
	base = base != NULL ? base + 1 : *real;
	if (strlen(base) != 32 || strspn(base, "0123456789abcdef") != 32 ||
	    sodium_hex2bin(session, 16, base, 32, NULL, NULL, NULL) != 0)
		return BG_EINTEGRITY;
	return BG_OK;
}

/* Names are canonical, so *count distinct numbers are 0 to *count - 1
 * exactly when the largest is *count - 1. */
int bg_recformat_segment_count(DIR *dir, uint32_t *count, char *why, size_t whylen)
{
	char q[80], name[BG_SEG_NAME_MAX];
	uint64_t n = 0, top = 0;
	struct dirent *de;
	struct stat st;
	uint32_t num, seg;
	size_t len;

	while ((errno = 0, de = readdir(dir)) != NULL) {
		len = strlen(de->d_name);
		if (len < 4 || memcmp(de->d_name + len - 4, ".bgr", 4) != 0)
			continue;
		if (!bg_recformat_segment_number(de->d_name, len, &num)) {
			bg_text_quote(de->d_name, 40, q, sizeof(q));
			(void)!snprintf(why, whylen, "%s is not a segment file name", q);
			return BG_EINTEGRITY;
		}
		n++;
		top = (uint64_t)num + 1 > top ? (uint64_t)num + 1 : top;
	}
	if (errno != 0)
		return BG_EIO;
	if (n == top && n > 0) {
		*count = (uint32_t)n;
		return BG_OK;
	}
	for (seg = 0; seg < top; seg++)
		if (bg_recformat_segment_name(name, sizeof(name), seg) != BG_OK ||
		    fstatat(dirfd(dir), name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			break;
	(void)!snprintf(why, whylen, "segment %06" PRIu32 " is missing", seg);
	return BG_EINTEGRITY;
}

size_t bg_recformat_header_len(size_t n_recipients)
{
	return BG_SEG_HDR_FIXED + BG_SEG_RECIPIENT_LEN * n_recipients + BG_SEG_SS_HDR;
}

void bg_recformat_header_put(unsigned char *hdr, const struct bg_seg_header *h)
{
	memcpy(hdr, BG_SEG_MAGIC, 8);
	bg_recformat_put_le(hdr + 8, 1, 2);
	bg_recformat_put_le(hdr + 10, 0, 2);
	memcpy(hdr + 12, h->session, 16);
	bg_recformat_put_le(hdr + 28, h->seg, 4);
	bg_recformat_put_le(hdr + 32, h->created_us, 8);
	memcpy(hdr + 40, h->host_id, BG_KEY_ID_LEN);
	memcpy(hdr + 56, h->prev, BG_HASH_LEN);
	bg_recformat_put_le(hdr + 88, h->n_recipients, 2);
}

void bg_recformat_header_get(const unsigned char *hdr, struct bg_seg_header *h)
{
	h->magic_ok = memcmp(hdr, BG_SEG_MAGIC, 8) == 0;
	h->version = (uint16_t)bg_recformat_get_le(hdr + 8, 2);
	h->flags = (uint16_t)bg_recformat_get_le(hdr + 10, 2);
	memcpy(h->session, hdr + 12, 16);
	h->seg = (uint32_t)bg_recformat_get_le(hdr + 28, 4);
	h->created_us = bg_recformat_get_le(hdr + 32, 8);
	memcpy(h->host_id, hdr + 40, BG_KEY_ID_LEN);
	memcpy(h->prev, hdr + 56, BG_HASH_LEN);
	h->n_recipients = (uint16_t)bg_recformat_get_le(hdr + 88, 2);
}

void bg_recformat_h0(const unsigned char *hdr, size_t len, unsigned char out[BG_HASH_LEN])
{
	crypto_generichash_state hs;

	crypto_generichash_init(&hs, NULL, 0, BG_HASH_LEN);
	crypto_generichash_update(&hs, (const unsigned char *)BG_SEG_HDR_CTX,
				  sizeof(BG_SEG_HDR_CTX) - 1);
	crypto_generichash_update(&hs, hdr, len);
	crypto_generichash_final(&hs, out, BG_HASH_LEN);
}

void bg_recformat_chain(const unsigned char hprev[BG_HASH_LEN],
			const unsigned char rh[BG_SEG_REC_HDR], const unsigned char *ct,
			size_t clen, unsigned char out[BG_HASH_LEN])
{
	crypto_generichash_state hs;

	/* hprev is absorbed before out is written, so they may be one. */
	crypto_generichash_init(&hs, NULL, 0, BG_HASH_LEN);
	crypto_generichash_update(&hs, hprev, BG_HASH_LEN);
	crypto_generichash_update(&hs, rh, BG_SEG_REC_HDR);
	crypto_generichash_update(&hs, ct, clen);
	crypto_generichash_final(&hs, out, BG_HASH_LEN);
}

void bg_recformat_ad(unsigned char ad[BG_SEG_AD_LEN], const unsigned char session[16],
		     uint32_t seg, uint32_t rec, unsigned kind,
		     const unsigned char hprev[BG_HASH_LEN])
{
	memcpy(ad, session, 16);
	bg_recformat_put_le(ad + 16, seg, 4);
	bg_recformat_put_le(ad + 20, rec, 4);
	ad[24] = (unsigned char)kind;
	memcpy(ad + 25, hprev, BG_HASH_LEN);
}

unsigned char bg_recformat_tag(unsigned kind)
{
	static const unsigned char tags[4] = {
		0, crypto_secretstream_xchacha20poly1305_TAG_MESSAGE,
		crypto_secretstream_xchacha20poly1305_TAG_PUSH,
		crypto_secretstream_xchacha20poly1305_TAG_FINAL,
	};

	return kind < 4 ? tags[kind] : 0;
}

void bg_recformat_event_put(unsigned char *p, unsigned type, uint64_t t_us, size_t len)
{
	p[0] = (unsigned char)type;
	bg_recformat_put_le(p + 1, t_us, 8);
	bg_recformat_put_le(p + 9, len, 4);
}

void bg_recformat_event_get(const unsigned char *p, unsigned *type, uint64_t *t_us,
			    size_t *len)
{
	*type = p[0];
	*t_us = bg_recformat_get_le(p + 1, 8);
	*len = (size_t)bg_recformat_get_le(p + 9, 4);
}

static void sig_msg(unsigned char msg[MSG_LEN], const unsigned char h[BG_HASH_LEN])
{
	memcpy(msg, BG_SEG_REC_CTX, sizeof(BG_SEG_REC_CTX) - 1);
	memcpy(msg + sizeof(BG_SEG_REC_CTX) - 1, h, BG_HASH_LEN);
}

int bg_recformat_sign(const unsigned char h[BG_HASH_LEN], const unsigned char *sk,
		      unsigned char sig[BG_SEG_SIG_LEN])
{
	unsigned char msg[MSG_LEN];

	sig_msg(msg, h);
	if (crypto_sign_detached(sig, NULL, msg, sizeof(msg), sk) != 0)
		return BG_ECRYPTO;
	return BG_OK;
}

bool bg_recformat_verify(const unsigned char h[BG_HASH_LEN], const unsigned char *pk,
			 const unsigned char sig[BG_SEG_SIG_LEN])
{
	unsigned char msg[MSG_LEN];

	sig_msg(msg, h);
	return crypto_sign_verify_detached(sig, msg, sizeof(msg), pk) == 0;
}

/* One JSON object with the limits of docs/FORMAT.md 7.4 (numbers within
 * a double, no lone surrogate, \u0000 allowed, no duplicate names). */
bool bg_recformat_meta_ok(const void *data, size_t len)
{
	json_t *j = json_loadb(data, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL |
				JSON_DECODE_INT_AS_REAL, NULL);
	bool ok = json_is_object(j);

	json_decref(j);
	return ok;
}

int bg_recformat_read_file(const char *path, size_t max, char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC), rc = BG_OK;
	struct stat st;
	ssize_t got;

	*out = NULL;
	*len = 0;
	if (fd < 0)
		return errno == ENOENT ? BG_ENOENT : errno == ELOOP ? BG_EUNSAFE : BG_EIO;
	if (fstat(fd, &st) != 0)
		rc = BG_EIO;
	else if (!S_ISREG(st.st_mode))
		rc = BG_EUNSAFE;
	else if ((uint64_t)st.st_size > max)
		rc = BG_ETOOBIG;
	else if ((*out = malloc((size_t)st.st_size + 1)) == NULL)
		rc = BG_ENOMEM;
	else if ((got = bg_recformat_read_full(fd, (unsigned char *)*out, (size_t)st.st_size)) < 0 ||
		 (size_t)got != (size_t)st.st_size)
		rc = BG_EIO;
	close(fd);
	if (rc != BG_OK) {
		free(*out);
		*out = NULL;
		return rc;
	}
	(*out)[st.st_size] = '\0';
	*len = (size_t)st.st_size;
	return BG_OK;
}

void bg_recformat_wipe_free(unsigned char *p, size_t used)
{
	if (p != NULL)
		sodium_memzero(p, used);
	free(p);
}

/* Bytes read, short only at the end of the file; -1 on an error. */
ssize_t bg_recformat_read_full(int fd, unsigned char *p, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = read(fd, p + got, n - got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		if (k == 0)
			break;
		got += (size_t)k;
	}
	return (ssize_t)got;
}

/* All n bytes, or BG_EIO. */
int bg_recformat_write_full(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return BG_EIO;
		p += k;
		n -= (size_t)k;
	}
	return BG_OK;
}
