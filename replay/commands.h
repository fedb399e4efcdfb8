/* breakglass-replay's commands and what they share (wiring in
 * breakglass-replay.c). */
#ifndef BREAKGLASS_REPLAY_COMMANDS_H
#define BREAKGLASS_REPLAY_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>

#include "breakglass/evidence/keys.h"

/* Exit statuses (breakglass-replay(1)). */
#define REPLAY_COMPLETE 0
#define REPLAY_ERROR 1
#define REPLAY_TRUNCATED 3
#define REPLAY_TAMPERED 4

struct replay_keys {
	struct bg_keypair *auditor;     /* -k, or NULL */
	struct bg_keypair *escrow;      /* cat --escrow-key, or NULL */
	struct bg_pubkey host;          /* --host-pub, when pinned */
	bool pinned;
};

enum cat_mode {
	CAT_OUTPUT,                     /* out events, raw */
	CAT_INPUT,                      /* in events, raw, redactions marked */
	CAT_JSON,                       /* every event as a JSON line */
};

/* Each returns the program's exit status. */
int cmd_verify(const struct replay_keys *k, char *const *sessions, size_t n);
int cmd_cat(const struct replay_keys *k, const char *session, enum cat_mode mode);

#endif
