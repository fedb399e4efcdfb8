/* Key files (docs/FORMAT.md, 6): the text of a key's file, the strict
 * parsing of one with every check of the key inside, and the files
 * themselves (paths, modes, owners). */
#ifndef BREAKGLASS_KEYFILE_H
#define BREAKGLASS_KEYFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

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

/* Write the secret file (mode 0600, group gid unless -1) and the public
 * file (mode 0644) atomically; an existing secret file is never
 * overwritten (BG_EUNSAFE: remove it first, on purpose). */
BG_WUR int bg_keyfile_save(const struct bg_keypair *k, const char *secret_path,
			   const char *public_path, gid_t gid);

/* Read a public or secret key file of type, with the ownership and mode
 * checks of the config loader (owner root or trusted, no group/other
 * write, no symlink); a secret file must also not be readable by others.
 * The id written in the file must match the key.  BG_EINVAL: malformed. */
BG_WUR int bg_keyfile_load_public(const char *path, enum bg_key_type type,
				  uid_t trusted, struct bg_pubkey *out);
BG_WUR int bg_keyfile_load_pair(const char *path, enum bg_key_type type,
				uid_t trusted, struct bg_keypair **out);

#endif
