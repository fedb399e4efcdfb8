/* Tests for the escrow of redacted input (lib/evidence/escrow.c): round
 * trips to 1 and 3 escrow recipients, no escrow, auditors without the
 * escrow key, and forged escrow data written with the host key. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sodium.h>

#include "breakglass/evidence/escrow.h"
#include "breakglass/evidence/recformat.h"
#include "breakglass/evidence/recreader.h"
#include "breakglass/evidence/recwriter.h"
#include "helpers.h"

#define NAUD 2
#define NESC 3
#define BIG 5000                /* split into two in_escrow events */
#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

struct fixture {
	char *tmp;
	struct bg_keypair *host, *aud[NAUD], *esc[NESC];
	struct bg_pubkey auds[NAUD], escs[NESC];
	unsigned char big[BIG];
};

/* What a reader handed out: event types, the in_redacted counts, and the
 * escrowed bytes (opened or sealed) end to end. */
struct seen {
	size_t n, n_sealed, n_escrow, n_keys;
	uint64_t redacted;
	unsigned char bytes[2 * BIG];
	size_t len;
};

static int collect(void *ctx, const struct bg_event *ev)
{
	struct seen *s = ctx;

	s->n++;
	if (ev->type == BG_EV_IN_REDACTED)
		s->redacted += bg_recformat_get_le(ev->data, 4);
	if (ev->type == BG_EV_ESCROW_KEYS)
		s->n_keys++;
	if (ev->type != BG_EV_IN_ESCROW)
		return 0;
	s->n_escrow++;
	s->n_sealed += ev->sealed;
	assert_true(s->len + ev->len <= sizeof(s->bytes));
	memcpy(s->bytes + s->len, ev->data, ev->len);
	s->len += ev->len;
	return 0;
}

static void new_session(struct fixture *f, unsigned char id[16], char *dir, size_t dirlen)
{
	char hex[33];

	randombytes_buf(id, 16);
	sodium_bin2hex(hex, sizeof(hex), id, 16);
	assert_true(snprintf(dir, dirlen, "%s/%s", f->tmp, hex) < (int)dirlen);
}

static struct bg_recwriter *writer(struct fixture *f, const unsigned char id[16],
				   const char *dir, size_t batch)
{
	struct bg_recwriter_opts o = {
		.dir = dir, .session = id, .host = f->host, .auditors = f->auds,
		.n_auditors = NAUD, .batch_bytes = batch, .zstd_level = 1,
	};
	struct bg_recwriter *w = NULL;

	assert_int_equal(bg_recwriter_open(&o, &w), BG_OK);
	return w;
}

static void read_session(struct fixture *f, const char *dir, const struct bg_keypair *aud,
			 const struct bg_keypair *esc, enum bg_verdict want, struct seen *s,
			 char *why, size_t whylen)
{
	struct bg_recreader_opts o = { .dir = dir, .host = &f->host->pub, .auditor = aud,
				       .escrow = esc };
	enum bg_verdict v;

	memset(s, 0, sizeof(*s));
	assert_int_equal(bg_recreader_run(&o, collect, s, &v, why, whylen), BG_OK);
	if (v != want)
		fail_msg("verdict %d, not %d: %s", (int)v, (int)want, why);
}

/* A session with "hunter2" and the BIG bytes typed blind, escrowed to the
 * first n escrow keys (none for n == 0). */
static void write_session(struct fixture *f, size_t n, char *dir, size_t dirlen)
{
	unsigned char id[16];
	struct bg_recwriter *w;
	struct bg_escrow *e = NULL;

	new_session(f, id, dir, dirlen);
	assert_int_equal(bg_escrow_sealer(id, f->escs, n, f->auds, NAUD, &e), BG_OK);
	assert_true((e == NULL) == (n == 0));
	/* Small batches: escrow events fall on both sides of record ends. */
	w = writer(f, id, dir, 64);
	assert_int_equal(bg_recwriter_event(w, BG_EV_OUT, 1, "Password: ", 10), BG_OK);
	assert_int_equal(bg_escrow_redacted(e, w, 2, "hunter2", 7), BG_OK);
	assert_int_equal(bg_recwriter_event(w, BG_EV_IN, 3, "ls\r", 3), BG_OK);
	assert_int_equal(bg_recwriter_next_segment(w), BG_OK);
	assert_int_equal(bg_escrow_redacted(e, w, 4, f->big, BIG), BG_OK);
	assert_int_equal(bg_recwriter_finish(w), BG_OK);
	bg_recwriter_free(w);
	bg_escrow_free(e);
}

static void test_escrow_round_trip_each_recipient_recovers_the_bytes(void **state)
{
	static const size_t counts[] = { 1, 3 };
	struct fixture *f = *state;
	struct seen s;
	char dir[512], why[256];
	size_t i, k;

	for (i = 0; i < N_ELEMS(counts); i++) {
		write_session(f, counts[i], dir, sizeof(dir));
		for (k = 0; k < counts[i]; k++) {
			read_session(f, dir, f->aud[k % NAUD], f->esc[k], BG_VERDICT_COMPLETE, &s,
				     why, sizeof(why));
			assert_int_equal(s.n_keys, 1);
			assert_int_equal(s.n_escrow, 3);
			assert_int_equal(s.n_sealed, 0);
			assert_int_equal(s.redacted, 7 + BIG);
			assert_int_equal(s.len, 7 + BIG);
			assert_memory_equal(s.bytes, "hunter2", 7);
			assert_memory_equal(s.bytes + 7, f->big, BIG);
		}
		/* A key that was not an escrow recipient opens nothing. */
		if (counts[i] == 1) {
			read_session(f, dir, f->aud[0], f->esc[2], BG_VERDICT_COMPLETE, &s, why,
				     sizeof(why));
			assert_int_equal(s.n_sealed, 3);
		}
	}
}

static void test_escrow_none_drops_the_bytes(void **state)
{
	struct fixture *f = *state;
	struct seen s;
	char dir[512], why[256];

	write_session(f, 0, dir, sizeof(dir));
	read_session(f, dir, f->aud[0], f->esc[0], BG_VERDICT_COMPLETE, &s, why, sizeof(why));
	assert_int_equal(s.n, 4);       /* out, in_redacted, in, in_redacted */
	assert_int_equal(s.redacted, 7 + BIG);
	assert_int_equal(s.n_keys + s.n_escrow, 0);
}

/* Auditors see that bytes were escrowed and how many, never which; the
 * transcript's own key is not an escrow key. */
static void test_escrow_auditor_without_escrow_key_cannot_recover(void **state)
{
	struct fixture *f = *state;
	const struct bg_keypair *keys[] = { NULL, f->aud[0], f->aud[1] };
	struct seen s;
	char dir[512], why[256];
	size_t i;

	write_session(f, 1, dir, sizeof(dir));
	for (i = 0; i < N_ELEMS(keys); i++) {
		read_session(f, dir, f->aud[0], keys[i], BG_VERDICT_COMPLETE, &s, why,
			     sizeof(why));
		assert_int_equal(s.n_escrow, 3);
		assert_int_equal(s.n_sealed, 3);
		assert_int_equal(s.redacted, 7 + BIG);
		assert_int_equal(s.len, 3 * BG_ESCROW_OVERHEAD + 7 + BIG);
		assert_null(memmem(s.bytes, s.len, "hunter2", 7));
		assert_null(memmem(s.bytes, s.len, f->big, 64));
		assert_non_null(strstr(why, "intact and complete"));
	}
}

static void test_escrow_sealer_refuses_bad_recipients(void **state)
{
	struct fixture *f = *state;
	struct bg_pubkey twice[2] = { f->escs[0], f->escs[0] }, host = f->host->pub;
	unsigned char id[16] = { 1 };
	struct bg_escrow *e = NULL;

	/* An auditor as escrow recipient would let every auditor read it. */
	assert_int_equal(bg_escrow_sealer(id, f->auds, 1, f->auds, NAUD, &e), BG_EINVAL);
	assert_int_equal(bg_escrow_sealer(id, twice, 2, f->auds, NAUD, &e), BG_EINVAL);
	assert_int_equal(bg_escrow_sealer(id, &host, 1, f->auds, NAUD, &e), BG_EINVAL);
	assert_int_equal(bg_escrow_sealer(id, f->escs, BG_RECIPIENTS_MAX + 1, f->auds, NAUD, &e),
			 BG_EINVAL);
	assert_null(e);
	assert_int_equal(bg_escrow_opener(id, f->host, &e), BG_EINVAL);
	assert_null(e);
}

enum spoil {
	S_PAYLOAD,              /* a flipped ciphertext byte */
	S_SEALED_KEY,           /* a flipped byte of the sealed escrow key */
	S_NONCE,                /* the nonce of another event */
	S_SHORT,                /* fewer bytes than its in_redacted event says */
	S_LONG,                 /* more */
	S_NO_REDACTED,          /* not right after an in_redacted event */
	S_TWO_KEYS,             /* a second escrow_keys event */
	S_DUP_RECIPIENT,        /* a recipient listed twice */
};

static const struct fcase {
	const char *name;
	enum spoil spoil;
	bool structural;        /* caught without the escrow key too */
	const char *why;
} cases[] = {
	{ "flipped payload byte", S_PAYLOAD, false, "does not open" },
	{ "flipped sealed key byte", S_SEALED_KEY, false, "sealed escrow key does not open" },
	{ "wrong nonce", S_NONCE, true, "wrong nonce" },
	{ "short payload", S_SHORT, true, "not after its in_redacted" },
	{ "overlong payload", S_LONG, true, "not after its in_redacted" },
	{ "no in_redacted before", S_NO_REDACTED, true, "not after its in_redacted" },
	{ "second escrow_keys", S_TWO_KEYS, true, "a second escrow_keys" },
	{ "recipient twice", S_DUP_RECIPIENT, true, "listed twice" },
};

/* A session written by hand with the host key (as a compromised writer
 * could), its escrow data spoilt after one good record. */
static void forge(struct fixture *f, const struct fcase *c, char *dir, size_t dirlen)
{
	unsigned char id[16], key[32], keys[2 * BG_SEG_RECIPIENT_LEN], ev[64], count[4];
	size_t nkeys = c->spoil == S_DUP_RECIPIENT ? 2 : 1, plen = 7, i;
	struct bg_recwriter *w;

	new_session(f, id, dir, dirlen);
	randombytes_buf(key, sizeof(key));
	for (i = 0; i < nkeys; i++) {
		memcpy(keys + i * BG_SEG_RECIPIENT_LEN, f->escs[0].id, BG_KEY_ID_LEN);
		assert_int_equal(crypto_box_seal(keys + i * BG_SEG_RECIPIENT_LEN + BG_KEY_ID_LEN,
						 key, 32, f->escs[0].pk), 0);
	}
	memcpy(ev, id, 16);
	bg_recformat_put_le(ev + 16, c->spoil == S_NONCE ? 1 : 0, 8);
	assert_int_equal(crypto_secretbox_easy(ev + 24, (const unsigned char *)"hunter2", 7, ev,
					       key), 0);
	if (c->spoil == S_PAYLOAD)
		ev[30] ^= 1;
	if (c->spoil == S_SEALED_KEY)
		keys[40] ^= 1;
	plen += c->spoil == S_SHORT ? -1 : c->spoil == S_LONG ? 1 : 0;
	bg_recformat_put_le(count, 7, 4);

	w = writer(f, id, dir, 4096);
	assert_int_equal(bg_recwriter_event(w, BG_EV_OUT, 1, "before", 6), BG_OK);
	assert_int_equal(bg_recwriter_flush(w), BG_OK);
	assert_int_equal(bg_recwriter_event(w, BG_EV_ESCROW_KEYS, 2, keys,
					    nkeys * BG_SEG_RECIPIENT_LEN), BG_OK);
	if (c->spoil == S_TWO_KEYS)
		assert_int_equal(bg_recwriter_event(w, BG_EV_ESCROW_KEYS, 2, keys,
						    BG_SEG_RECIPIENT_LEN), BG_OK);
	if (c->spoil != S_NO_REDACTED)
		assert_int_equal(bg_recwriter_event(w, BG_EV_IN_REDACTED, 2, count, 4), BG_OK);
	assert_int_equal(bg_recwriter_event(w, BG_EV_IN_ESCROW, 2, ev, BG_ESCROW_OVERHEAD + plen),
			 BG_OK);
	assert_int_equal(bg_recwriter_finish(w), BG_OK);
	bg_recwriter_free(w);
}

static void test_escrow_forged_data_is_tampered(void **state)
{
	struct fixture *f = *state;
	struct seen s;
	char dir[512], why[256];
	size_t i;

	for (i = 0; i < N_ELEMS(cases); i++) {
		const struct fcase *c = &cases[i];

		forge(f, c, dir, sizeof(dir));
		read_session(f, dir, f->aud[0], f->esc[0], BG_VERDICT_TAMPERED, &s, why,
			     sizeof(why));
		if (strstr(why, c->why) == NULL || strstr(why, "record 2") == NULL)
			fail_msg("%s: \"%s\"", c->name, why);
		/* Nothing of the bad record: only the event before it. */
		assert_int_equal(s.n, 1);
		read_session(f, dir, f->aud[0], NULL,
			     c->structural ? BG_VERDICT_TAMPERED : BG_VERDICT_COMPLETE, &s, why,
			     sizeof(why));
	}
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->tmp = th_mkdtemp();
	assert_int_equal(bg_keys_generate(BG_KEY_HOST, &f->host), BG_OK);
	th_auditors_make(f->aud, f->auds, NAUD);
	th_auditors_make(f->esc, f->escs, NESC);
	randombytes_buf(f->big, BIG);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	th_auditors_free(f->aud, NAUD);
	th_auditors_free(f->esc, NESC);
	bg_keys_free(f->host);
	th_rmtree(f->tmp);
	free(f->tmp);
	free(f);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escrow_round_trip_each_recipient_recovers_the_bytes),
		cmocka_unit_test(test_escrow_none_drops_the_bytes),
		cmocka_unit_test(test_escrow_auditor_without_escrow_key_cannot_recover),
		cmocka_unit_test(test_escrow_sealer_refuses_bad_recipients),
		cmocka_unit_test(test_escrow_forged_data_is_tampered),
	};

	return cmocka_run_group_tests_name("escrow", tests, setup, teardown);
}
