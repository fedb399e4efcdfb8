/* An independent decoder for transcripts and key files, written from
 * docs/FORMAT.md sections 6-8 alone: it shares no code with lib/. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>
#include <zstd.h>

#include "indep_decoder.h"

#define MAX_CHUNK (4u << 20)
#define ABYTES crypto_secretstream_xchacha20poly1305_ABYTES
#define MAX_MANIFEST (1u << 20)
#define MAX_SEGMENT (256u << 20)	/* a cap of this test tool, not of the format */
#define BAD(why) do { decide(d, INDEP_TAMPERED, why); goto out; } while (0)

struct dec {
	struct indep_result *res;
	const struct indep_key *aud;
	indep_event_fn fn;
	void *arg;
	int decided, not_recip, had_recip, mcomplete;
	long seg, rec;		/* where we are, for the reason; seg -1: nowhere */
	uint8_t sid[16], host_pk[32], host_id[16], prev[32], last_kind;
	uint64_t last_time;
	unsigned long nevents;
	json_t *msegs;		/* the manifest's segment list */
	/* 7.5: an escrow_keys event seen, in_escrow events so far, and the
	 * count of the previous event when it was in_redacted (else 0) */
	int escrow_keys;
	uint64_t escrow_n;
	uint32_t last_redacted;
};

/* The first verdict wins; -1 so that callers can return it. */
static int decide(struct dec *d, enum indep_verdict v, const char *why)
{
	char *r = d->res->reason;
	size_t n = sizeof(d->res->reason);

	if (d->decided++)
		return -1;
	d->res->verdict = v;
	if (d->seg < 0)
		snprintf(r, n, "%s", why);
	else if (d->rec == 0)
		snprintf(r, n, "segment %ld: %s", d->seg, why);
	else
		snprintf(r, n, "segment %ld record %ld: %s", d->seg, d->rec, why);
	return -1;
}

static uint32_t le16(const uint8_t *p) { return p[0] | (uint32_t)p[1] << 8; }
static uint32_t le32(const uint8_t *p) { return le16(p) | le16(p + 2) << 16; }
static uint64_t le64(const uint8_t *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }

static int b2b(uint8_t out[32], const void *a, size_t alen, const void *b, size_t blen)
{
	crypto_generichash_state st;

	return crypto_generichash_init(&st, NULL, 0, 32) | crypto_generichash_update(&st, a, alen) |
	       crypto_generichash_update(&st, b, blen) | crypto_generichash_final(&st, out, 32);
}

/* Exactly 2n lowercase hex digits ("hex" is lowercase in sections 6-8). */
static int hex_exact(const char *s, uint8_t *out, size_t n)
{
	size_t i, got;

	if (s == NULL || strlen(s) != 2 * n)
		return -1;
	for (i = 0; i < 2 * n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return -1;
	return sodium_hex2bin(out, n, s, 2 * n, NULL, &got, NULL) == 0 && got == n ? 0 : -1;
}

/* -2: not a regular file or too large; -1: I/O error. */
static int read_all(const char *path, size_t max, uint8_t **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	ssize_t r = 1;

	*out = NULL;
	*len = 0;
	if (fd < 0)
		return errno == ELOOP ? -2 : -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max ||
	    (*out = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return -2;
	}
	while (*len < (size_t)st.st_size &&
	       (r = read(fd, *out + *len, (size_t)st.st_size - *len)) > 0)
		*len += (size_t)r;
	close(fd);
	if (*len == (size_t)st.st_size && r > 0)
		return 0;
	free(*out);
	*out = NULL;
	return -1;
}

void indep_key_id(int kind, const uint8_t pk[INDEP_PK_LEN], uint8_t id[INDEP_ID_LEN])
{
	uint8_t pre[21], h[32];

	memcpy(pre, "breakglass-key-id-v1", 20);
	pre[20] = (uint8_t)kind;
	if (b2b(h, pre, sizeof(pre), pk, INDEP_PK_LEN) != 0)
		memset(h, 0, sizeof(h));
	memcpy(id, h, INDEP_ID_LEN);
}

/* Owner and mode checks (section 6) are the library's job, not this decoder's:
 * the fixture's keys come out of git as 0644. */
int indep_key_load(const char *path, struct indep_key *k, const char **why)
{
	static const char *const types[] = { "auditor-public", "auditor-secret", "host-public",
					     "host-secret" };
	json_error_t err;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &err), *ver;
	const char *type = json_string_value(json_object_get(root, "type"));
	uint8_t id[16], chk[16], pk[32], sk[64];
	size_t i;
	int rc = -1;

	memset(k, 0, sizeof(*k));
	for (i = 0; type != NULL && i < 4 && strcmp(type, types[i]) != 0; i++)
		;
	ver = json_object_get(root, "version");
	*why = "not a JSON object of exactly version 1, a known type, id and the key";
	if (json_object_size(root) != 4 || type == NULL || i == 4 || !json_is_integer(ver) ||
	    json_integer_value(ver) != 1)
		goto out;
	k->kind = i < 2 ? 1 : 2;
	k->secret = (int)(i & 1);
	*why = "bad hex in id or key";
	if (hex_exact(json_string_value(json_object_get(root, "id")), id, 16) < 0 ||
	    hex_exact(json_string_value(json_object_get(root, k->secret ? "secret" : "public")),
		      k->secret ? k->sk : k->pk, k->secret && k->kind == 2 ? 64 : 32) < 0)
		goto out;
	*why = "the secret does not give the public key";
	if (k->secret && k->kind == 1 && crypto_scalarmult_base(k->pk, k->sk) != 0)
		goto out;
	if (k->secret && k->kind == 2 && (crypto_sign_seed_keypair(pk, sk, k->sk) != 0 ||
					  memcmp(pk, k->sk + 32, 32) != 0))
		goto out;
	if (k->secret && k->kind == 2)
		memcpy(k->pk, pk, 32);
	*why = "the id is not the key id of the public key";
	indep_key_id(k->kind, k->pk, chk);
	if (memcmp(chk, id, 16) != 0)
		goto out;
	memcpy(k->id, id, 16);
	*why = NULL;
	rc = 0;
out:
	sodium_memzero(sk, sizeof(sk));
	json_decref(root);
	if (rc != 0)
		sodium_memzero(k, sizeof(*k));
	return rc;
}

/* Section 8 text: 1 to 1024 bytes of UTF-8 (jansson checked that) without C0/C1 controls. */
static int text_ok(const json_t *v)
{
	const unsigned char *s = (const unsigned char *)json_string_value(v);
	size_t i, n = json_string_length(v);

	for (i = 0; s != NULL && i < n; i++)
		if (s[i] < 0x20 || s[i] == 0x7f || (s[i] == 0xc2 && i + 1 < n && s[i + 1] <= 0x9f))
			return 0;
	return s != NULL && n >= 1 && n <= 1024;
}

static int num(const char *s, int n)
{
	int v = 0;

	while (n-- > 0)
		v = 10 * v + (*s++ - '0');
	return v;
}

/* YYYY-MM-DDTHH:MM:SS[.1 to 9 digits]Z naming a day that exists. */
static int time_ok(const char *s)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:dd";
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int i, y, mo, dd;

	for (i = 0; s != NULL && i < 19; i++)
		if (pat[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != pat[i])
			return 0;
	if (s == NULL)
		return 0;
	y = num(s, 4), mo = num(s + 5, 2), dd = num(s + 8, 2);
	if (mo < 1 || mo > 12 || dd < 1 || dd > mdays[mo - 1] || num(s + 11, 2) > 23 ||
	    (mo == 2 && dd == 29 && (y % 4 != 0 || (y % 100 == 0 && y % 400 != 0))) ||
	    num(s + 14, 2) > 59 || num(s + 17, 2) > 59)
		return 0;
	if (s[19] != '.')
		return strcmp(s + 19, "Z") == 0;
	for (i = 20; s[i] >= '0' && s[i] <= '9'; i++)
		;
	return i >= 21 && i <= 29 && strcmp(s + i, "Z") == 0;
}

static int check_manifest(struct dec *d, const char *path, const uint8_t *pin)
{
	static const char *const keys[] = { "version", "session", "host", "host_key_id",
		"host_public", "user", "ticket", "start", "end", "complete", "segments",
		"signature" };
	uint8_t *buf = NULL, *msg = NULL, sig[64], sid[16], id[16], pk[32], h[32], pinid[16];
	char sighex[129], *dump = NULL;
	json_t *root = NULL, *segs, *o, *n, *b;
	json_error_t err;
	size_t i, plen, len;
	void *it;
	int rc = -1;

	if (read_all(path, MAX_MANIFEST, &buf, &len) < 0 ||
	    (root = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &err)) == NULL ||
	    json_object_size(root) != 12)
		BAD("manifest missing, unreadable or not 12 members");
	for (i = 0, it = json_object_iter(root); it; i++, it = json_object_iter_next(root, it))
		if (strcmp(json_object_iter_key(it), keys[i]) != 0)
			BAD("manifest: unknown member or members out of order");
	o = json_object_get(root, "end");
	segs = json_object_get(root, "segments");
	if (!json_is_integer(json_object_get(root, "version")) ||
	    json_integer_value(json_object_get(root, "version")) != 1 ||
	    hex_exact(json_string_value(json_object_get(root, "session")), sid, 16) < 0 ||
	    memcmp(sid, d->sid, 16) != 0 || !text_ok(json_object_get(root, "host")) ||
	    hex_exact(json_string_value(json_object_get(root, "host_key_id")), id, 16) < 0 ||
	    hex_exact(json_string_value(json_object_get(root, "host_public")), pk, 32) < 0 ||
	    !text_ok(json_object_get(root, "user")) || !text_ok(json_object_get(root, "ticket")) ||
	    !time_ok(json_string_value(json_object_get(root, "start"))) ||
	    !(json_is_null(o) || time_ok(json_string_value(o))) ||
	    !json_is_boolean(json_object_get(root, "complete")) ||
	    (json_is_true(json_object_get(root, "complete")) && json_is_null(o)) ||
	    !json_is_array(segs) ||
	    hex_exact(json_string_value(json_object_get(root, "signature")), sig, 64) < 0)
		BAD("manifest: a member has a wrong type or value");
	json_array_foreach(segs, i, o) {
		n = json_object_get(o, "n");
		b = json_object_get(o, "bytes");
		if (json_object_size(o) != 3 || !json_is_integer(n) ||
		    json_integer_value(n) != (json_int_t)i || !json_is_integer(b) ||
		    json_integer_value(b) < 0 || json_integer_value(b) > (1LL << 53) - 1 ||
		    hex_exact(json_string_value(json_object_get(o, "hash")), h, 32) < 0)
			BAD("manifest: bad segment entry");
	}
	indep_key_id(2, pin ? pin : pk, pinid);
	if (memcmp(pinid, id, 16) != 0 || (pin != NULL && memcmp(pin, pk, 32) != 0))
		BAD("manifest: host key is not the trusted one");
	/* Encode again what was understood: the file must be exactly that, then the signature. */
	if (json_object_del(root, "signature") != 0 ||
	    (dump = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII)) ==
		    NULL ||
	    (plen = strlen(dump) - 1) == 0 || (msg = malloc(8 + plen)) == NULL) {
		decide(d, INDEP_ERROR, "out of memory");
		goto out;
	}
	sodium_bin2hex(sighex, sizeof(sighex), sig, 64);
	memcpy(msg, "BGMAN-v1", 8);
	memcpy(msg + 8, dump, plen);
	if (len != plen + 144 || memcmp(buf, dump, plen) != 0 ||
	    memcmp(buf + plen, ",\"signature\":\"", 14) != 0 ||
	    memcmp(buf + plen + 14, sighex, 128) != 0 || memcmp(buf + plen + 142, "\"}", 2) != 0)
		BAD("manifest: not the canonical encoding");
	if (crypto_sign_verify_detached(sig, msg, 8 + plen, pk) != 0)
		BAD("manifest: bad signature");
	memcpy(d->host_pk, pk, 32);
	memcpy(d->host_id, id, 16);
	d->msegs = json_incref(segs);
	d->mcomplete = json_is_true(json_object_get(root, "complete"));
	rc = 0;
out:
	free(msg);
	free(dump);
	json_decref(root);
	free(buf);
	return rc;
}

/* 7.5, as far as a reader without an escrow key can check. */
static int escrow_ok(struct dec *d, const struct indep_event *e)
{
	uint8_t nonce[24];
	size_t i, j;
	int k;

	if (e->type == 7) {
		if (e->len == 0 || e->len % 96 != 0 || e->len > 96 * 16 || d->escrow_keys)
			return decide(d, INDEP_TAMPERED, "bad escrow_keys event");
		for (i = 0; i < e->len; i += 96)
			for (j = 0; j < i; j += 96)
				if (memcmp(e->data + i, e->data + j, 16) == 0)
					return decide(d, INDEP_TAMPERED, "escrow recipient twice");
		d->escrow_keys = 1;
	}
	if (e->type == 6) {
		memcpy(nonce, d->sid, 16);
		for (k = 0; k < 8; k++)
			nonce[16 + k] = (uint8_t)(d->escrow_n >> (8 * k));
		if (e->len < 41 || e->len > 4136 || !d->escrow_keys ||
		    d->last_redacted != e->len - 40 || memcmp(e->data, nonce, 24) != 0)
			return decide(d, INDEP_TAMPERED, "bad in_escrow event");
		d->escrow_n++;
	}
	d->last_redacted = e->type == 3 ? le32(e->data) : 0;
	return 0;
}

static int event_ok(struct dec *d, const struct indep_event *e)
{
	json_error_t err;
	json_t *j = NULL;
	int ok;

	if (e->type < 1 || e->type > 7)
		return decide(d, INDEP_TAMPERED, "unknown event type");
	if (e->time < d->last_time)
		return decide(d, INDEP_TAMPERED, "event time goes backwards");
	if ((e->type == 3 || e->type == 4) && e->len != 4)
		return decide(d, INDEP_TAMPERED, "wrong data length for in_redacted or resize");
	if (escrow_ok(d, e) < 0)
		return -1;
	if (e->type == 5)
		j = json_loadb((const char *)e->data, e->len, JSON_REJECT_DUPLICATES, &err);
	ok = e->type != 5 || json_is_object(j);
	/* 7.2: the session's first event is the meta event holding the grant. */
	if (d->nevents == 0)
		ok = ok && e->type == 5 && json_is_object(json_object_get(j, "grant"));
	json_decref(j);
	if (!ok)
		return decide(d, INDEP_TAMPERED, "invalid meta event");
	d->last_time = e->time;
	d->nevents++;
	return 0;
}

/* The whole batch is checked before any of it is emitted. */
static int batch(struct dec *d, const uint8_t *p, size_t n)
{
	struct indep_event e = { .segment = (uint32_t)d->seg };
	size_t off;
	int pass;

	for (pass = 0; pass < 2; pass++)
		for (off = 0; off < n; off += e.len) {
			if (n - off < 13 || le32(p + off + 9) > n - off - 13)
				return decide(d, INDEP_TAMPERED, "event runs past its batch");
			e.type = p[off];
			e.time = le64(p + off + 1);
			e.len = le32(p + off + 9);
			e.data = p + off + 13;
			off += 13;
			if (pass == 0 && event_ok(d, &e) < 0)
				return -1;
			if (pass == 1 && d->fn != NULL && d->fn(d->arg, &e) != 0)
				return decide(d, INDEP_ERROR, "stopped by the event callback");
		}
	return 0;
}

static int chunk(struct dec *d, const uint8_t *pt, size_t n)
{
	unsigned long long sz;
	uint8_t *out;
	size_t r;
	int rc;

	if (pt[0] == 0) {
		d->res->chunks_stored++;
		return batch(d, pt + 1, n - 1);
	}
	/* One ordinary frame (not skippable), nothing after it, its size in its header. */
	if (pt[0] != 1 || n < 5 || le32(pt + 1) != ZSTD_MAGICNUMBER ||
	    (sz = ZSTD_getFrameContentSize(pt + 1, n - 1)) > MAX_CHUNK ||
	    ZSTD_findFrameCompressedSize(pt + 1, n - 1) != n - 1)
		return decide(d, INDEP_TAMPERED, "unknown compression or bad zstd frame");
	if ((out = malloc(sz + 1)) == NULL)
		return decide(d, INDEP_ERROR, "out of memory");
	r = ZSTD_decompress(out, sz, pt + 1, n - 1);
	rc = ZSTD_isError(r) || r != sz ? decide(d, INDEP_TAMPERED, "bad zstd frame") : 0;
	if (rc == 0) {
		d->res->chunks_zstd++;
		rc = batch(d, out, sz);
	}
	free(out);
	return rc;
}

/* Decrypts record rec (kind, L, ciphertext) with its additional data. */
static int record_open(struct dec *d, crypto_secretstream_xchacha20poly1305_state *st,
		       const uint8_t *rec, const uint8_t hprev[32])
{
	static const uint8_t tags[] = { 0, crypto_secretstream_xchacha20poly1305_TAG_MESSAGE,
		crypto_secretstream_xchacha20poly1305_TAG_PUSH,
		crypto_secretstream_xchacha20poly1305_TAG_FINAL };
	uint8_t ad[57], *pt, tag;
	unsigned long long ptlen;
	uint32_t L = le32(rec + 1), k;
	int rc;

	memcpy(ad, d->sid, 16);
	for (k = 0; k < 4; k++) {
		ad[16 + k] = (uint8_t)((uint32_t)d->seg >> 8 * k);
		ad[20 + k] = (uint8_t)((uint32_t)d->rec >> 8 * k);
	}
	ad[24] = rec[0];
	memcpy(ad + 25, hprev, 32);
	if ((pt = malloc(L - ABYTES)) == NULL)
		return decide(d, INDEP_ERROR, "out of memory");
	if (crypto_secretstream_xchacha20poly1305_pull(st, pt, &ptlen, &tag, rec + 5, L, ad,
						       sizeof(ad)) != 0)
		rc = decide(d, INDEP_TAMPERED, "does not decrypt");
	else if (tag != tags[rec[0]])
		rc = decide(d, INDEP_TAMPERED, "secretstream tag disagrees with the kind");
	else
		rc = chunk(d, pt, (size_t)ptlen);
	sodium_memzero(pt, L - ABYTES);
	free(pt);
	return rc;
}

static int segment(struct dec *d, const char *path, int last)
{
	static const uint8_t magic[8] = { 'B', 'G', 'S', 'E', 'G', '\r', '\n', 0x1a };
	crypto_secretstream_xchacha20poly1305_state st;
	uint8_t *buf = NULL, h[32], hprev[32], key[32], msg[47];
	const uint8_t *entry = NULL;
	size_t len = 0, H, pos, j, nr;
	uint32_t L = 0;
	int rc, keyed = 0;
	json_t *ms;

	d->last_kind = 0;
	d->rec = 0;
	if ((rc = read_all(path, MAX_SEGMENT, &buf, &len)) < 0)
		return decide(d, rc == -2 ? INDEP_TAMPERED : INDEP_ERROR,
			      "not a readable regular file");
	rc = -1;
	nr = len >= 90 ? le16(buf + 88) : 0;
	H = 114 + 96 * nr;
	if (len < 90 || memcmp(buf, magic, 8) != 0 || le16(buf + 8) != 1 || le16(buf + 10) != 0)
		BAD("bad magic, version or flags");
	if (memcmp(buf + 12, d->sid, 16) != 0 || le32(buf + 28) != (uint32_t)d->seg)
		BAD("session id or segment number is not the file's");
	if (memcmp(buf + 40, d->host_id, 16) != 0 || nr < 1 || nr > 16 || len < H)
		BAD("another host key id, bad recipient count or short header");
	if (memcmp(buf + 56, d->prev, 32) != 0)
		BAD("prev is not the end hash of the previous segment");
	for (j = 0; d->aud != NULL && j < nr; j++)
		if (memcmp(buf + 90 + 96 * j, d->aud->id, 16) == 0)
			entry = buf + 90 + 96 * j + 16;
	if (d->seg == 0)
		d->not_recip = d->aud != NULL && entry == NULL;
	if (d->had_recip && entry == NULL)
		BAD("our recipient entry vanished");
	d->had_recip |= entry != NULL;
	if (d->not_recip)
		entry = NULL;	/* not a recipient of the session: decrypt nothing */
	if (b2b(h, "BGSEG-v1-header", 15, buf, H) != 0)
		goto out;
	memcpy(msg, "BGSEG-v1-record", 15);
	for (pos = H; pos < len; pos += 5 + (size_t)L + 64) {
		d->rec++;
		memcpy(hprev, h, 32);
		L = len - pos >= 5 ? le32(buf + pos + 1) : 0;
		if (len - pos < 5 || buf[pos] < 1 || buf[pos] > 3 || L < 1 + ABYTES ||
		    L > MAX_CHUNK + ABYTES || len - pos - 5 < (size_t)L + 64)
			BAD("bad kind or length, or cut short");
		if (b2b(h, hprev, 32, buf + pos, 5 + (size_t)L) != 0)
			goto out;
		memcpy(msg + 15, h, 32);
		if (crypto_sign_verify_detached(buf + pos + 5 + L, msg, sizeof(msg),
						d->host_pk) != 0)
			BAD("bad signature");
		d->res->records++;
		if (d->seg == 0 && d->not_recip)
			d->not_recip = 2;	/* a signature showed the header genuine */
		if (d->last_kind > 1 || (buf[pos] == 3 && !last))
			BAD("record after an end record, or session end before the last segment");
		d->last_kind = buf[pos];
		/* The sealed key is opened only once a signature vouched for the header. */
		if (entry != NULL && !keyed &&
		    (crypto_box_seal_open(key, entry, 80, d->aud->pk, d->aud->sk) != 0 ||
		     crypto_secretstream_xchacha20poly1305_init_pull(&st, buf + H - 24, key) != 0))
			BAD("sealed key does not open");
		keyed = entry != NULL;
		if (entry != NULL && record_open(d, &st, buf + pos, hprev) < 0)
			goto out;
	}
	d->rec = 0;
	if (!last && d->last_kind != 2)
		BAD("does not end with an end-of-segment record");
	/* FORMAT.md does not define the end hash of a segment without records: h(0) here. */
	ms = json_array_get(d->msegs, (size_t)d->seg);
	if (ms != NULL &&
	    (hex_exact(json_string_value(json_object_get(ms, "hash")), hprev, 32) < 0 ||
	     memcmp(hprev, h, 32) != 0 ||
	     json_integer_value(json_object_get(ms, "bytes")) != (json_int_t)len))
		BAD("not the segment the manifest lists (end hash or size)");
	memcpy(d->prev, h, 32);
	rc = 0;
out:
	sodium_memzero(key, sizeof(key));
	sodium_memzero(&st, sizeof(st));
	free(buf);
	return rc;
}

/* Canonical names make segment numbers unique, so count == highest + 1 means no gap. */
static int count_segments(struct dec *d, const char *dir, uint32_t *count)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	uint64_t n = 0, top = 0, v;
	size_t l, i;
	const char *s;

	if (dp == NULL)
		return decide(d, INDEP_ERROR, "cannot open the session directory");
	while ((de = readdir(dp)) != NULL) {
		s = de->d_name;
		l = strlen(s);
		if (l < 4 || strcmp(s + l - 4, ".bgr") != 0)
			continue;
		for (i = 0, v = 0, l -= 4; i < l && i < 10 && s[i] >= '0' && s[i] <= '9'; i++)
			v = 10 * v + (uint64_t)(s[i] - '0');
		if (i != l || l < 6 || l > 10 || (l > 6 && s[0] == '0') || v > UINT32_MAX) {
			decide(d, INDEP_TAMPERED, "a .bgr file whose name is not a segment name");
			break;
		}
		n++;
		top = v > top ? v : top;
	}
	closedir(dp);
	if (n != top + 1)
		decide(d, INDEP_TAMPERED, n == 0 ? "no segment 0" : "a gap in the segment numbers");
	*count = (uint32_t)n;
	return d->decided ? -1 : 0;
}

void indep_decode(const char *dir, const uint8_t *host_pk, const struct indep_key *auditor,
		  indep_event_fn fn, void *arg, struct indep_result *res)
{
	struct dec d = { .res = res, .aud = auditor, .fn = fn, .arg = arg, .seg = -1 };
	char path[PATH_MAX], name[40];
	const char *base;
	size_t dl = strlen(dir);
	uint32_t n = 0;

	memset(res, 0, sizeof(*res));
	res->verdict = INDEP_ERROR;
	while (dl > 1 && dir[dl - 1] == '/')
		dl--;
	for (base = dir + dl; base > dir && base[-1] != '/'; base--)
		;
	snprintf(name, sizeof(name), "%.*s", (int)(dir + dl - base), base);
	if (sodium_init() < 0 || (auditor != NULL && (auditor->kind != 1 || !auditor->secret)) ||
	    snprintf(path, sizeof(path), "%.*s/manifest.json", (int)dl, dir) >= (int)sizeof(path)) {
		decide(&d, INDEP_ERROR, "bad arguments");
		return;
	}
	if (hex_exact(name, d.sid, 16) < 0) {
		decide(&d, INDEP_TAMPERED, "the directory name is not a session id");
		return;
	}
	if (check_manifest(&d, path, host_pk) < 0 || count_segments(&d, dir, &n) < 0)
		goto out;
	for (d.seg = 0; d.seg < (long)n; d.seg++) {
		snprintf(path, sizeof(path), "%.*s/%06ld.bgr", (int)dl, dir, d.seg);
		if (segment(&d, path, d.seg + 1 == (long)n) < 0)
			goto out;
	}
	d.seg = -1;
	res->segments = n;
	if (json_array_size(d.msegs) > n)
		decide(&d, INDEP_TAMPERED, "a segment listed in the manifest is missing");
	else if (d.mcomplete && d.last_kind != 3)
		decide(&d, INDEP_TAMPERED, "the manifest says complete, the segments do not");
	else if (d.not_recip == 2)
		decide(&d, INDEP_NOT_RECIPIENT, "not a recipient of this session");
	else
		decide(&d, d.last_kind == 3 ? INDEP_COMPLETE : INDEP_TRUNCATED, d.last_kind == 3 ?
		       "intact and complete" : "intact but truncated: no end-of-session record");
out:
	if (!d.decided)		/* fail closed, whatever path got here */
		decide(&d, INDEP_ERROR, "internal error");
	json_decref(d.msegs);
}

const char *indep_verdict_name(enum indep_verdict v)
{
	static const char *const names[] = { "complete", "truncated", "tampered",
					     "not a recipient", "error" };

	return (unsigned)v < 5 ? names[v] : "?";
}
