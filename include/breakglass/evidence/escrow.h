/* Escrow of redacted input (docs/FORMAT.md 7.5): the bytes typed blind
 * sealed with a per-session escrow key that only escrow recipients can
 * open, inside the auditors' stream; written by the recorder, checked
 * and opened by the reader. */
#ifndef BREAKGLASS_ESCROW_H
#define BREAKGLASS_ESCROW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "breakglass/base/error.h"
#include "breakglass/evidence/keys.h"
#include "breakglass/evidence/recwriter.h"

struct bg_escrow;

/* The writing side for session: a random escrow key sealed to the n
 * recipients (auditor-type keys, distinct, none of them also one of the
 * transcript's n_auditors auditors: they would read the escrow).  With
 * n == 0, *out is NULL and BG_OK: nothing is escrowed.  BG_EINVAL. */
BG_WUR int bg_escrow_sealer(const unsigned char session[16], const struct bg_pubkey *to,
			    size_t n, const struct bg_pubkey *auditors, size_t n_auditors,
			    struct bg_escrow **out);
/* Record that bytes[len] were typed blind at t_us: an in_redacted event,
 * and with a sealer e (NULL: none) the bytes in in_escrow events (the
 * escrow_keys event first, once).  Nothing of the bytes is kept. */
BG_WUR int bg_escrow_redacted(struct bg_escrow *e, struct bg_recwriter *w, uint64_t t_us,
			      const void *bytes, size_t len);

/* The reading side for session; key (may be NULL) an escrow secret key. */
BG_WUR int bg_escrow_opener(const unsigned char session[16], const struct bg_keypair *key,
			    struct bg_escrow **out);
/* Check the escrow rules of 7.5 over the batch p[n] (events already
 * checked one by one), session state carried from batch to batch, and
 * open the in_escrow events in place once the key is a recipient.
 * BG_EINTEGRITY with why saying what is wrong. */
BG_WUR int bg_escrow_check(struct bg_escrow *e, unsigned char *p, size_t n, char *why,
			   size_t whylen);
/* Whether the in_escrow events checked so far were opened: the session's
 * escrow_keys event named the opener's key, and it opened. */
bool bg_escrow_opens(const struct bg_escrow *e);

void bg_escrow_free(struct bg_escrow *e);

#endif
