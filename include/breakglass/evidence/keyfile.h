/* The key file format (docs/FORMAT.md, 6): the text of a key's file, and
 * the strict parsing of one, with every check of the key inside.  The
 * files themselves (paths, modes, owners) are keys.c's. */
#ifndef BREAKGLASS_KEYFILE_H
#define BREAKGLASS_KEYFILE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "breakglass/base/error.h"
#include "breakglass/evidence/keys.h"
#include "breakglass/base/secret.h"

/* The file's "type": auditor-secret, auditor-public, host-secret or
 * host-public. */
const char *bg_keyfile_type_name(enum bg_key_type type, bool secret);

/* The file of k (its secret half when secret) in a new secret buffer,
 * *len bytes: the key's hex never lands on the ordinary heap. */
BG_WUR int bg_keyfile_text(const struct bg_keypair *k, bool secret,
			   struct bg_secret **out, size_t *len);

/* Whether root's "type" is that of a type file, secret or public half. */
bool bg_keyfile_is(json_t *root, enum bg_key_type type, bool secret);

/* root as a file of type: a public one into pub, or with sk (sized for
 * the type) a secret one into sk, its public half derived into pub.
 * BG_OK; else BG_EINVAL (or BG_ENOMEM) with what is wrong in *why. */
BG_WUR int bg_keyfile_parse(json_t *root, enum bg_key_type type, struct bg_pubkey *pub,
			    struct bg_secret *sk, const char **why);

#endif
