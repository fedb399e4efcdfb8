/* An independent transcript decoder written from docs/FORMAT.md sections 6-8
 * alone, sharing no code with lib/, to show that the spec suffices. */
#ifndef INDEP_DECODER_H
#define INDEP_DECODER_H

#include <stddef.h>
#include <stdint.h>

#define INDEP_ID_LEN 16
#define INDEP_PK_LEN 32

/* A key file (section 6); kind 1 auditor, 2 host (the key id type byte). */
struct indep_key {
	int kind;
	int secret;
	uint8_t id[INDEP_ID_LEN];
	uint8_t pk[INDEP_PK_LEN];
	uint8_t sk[64];		/* auditor: 32-byte scalar; host: seed || pk */
};

enum indep_verdict {
	INDEP_COMPLETE,
	INDEP_TRUNCATED,
	INDEP_TAMPERED,
	INDEP_NOT_RECIPIENT,	/* intact, but the auditor key cannot open it */
	INDEP_ERROR,		/* I/O error or the callback stopped us */
};

struct indep_event {
	uint32_t segment;
	uint8_t type;		/* 1 out, 2 in, 3 in_redacted, 4 resize, 5 meta,
			   6 in_escrow, 7 escrow_keys */
	uint64_t time;
	const uint8_t *data;
	uint32_t len;
};

/* Returns 0 to go on; anything else stops the decode with INDEP_ERROR. */
typedef int (*indep_event_fn)(void *arg, const struct indep_event *ev);

struct indep_result {
	enum indep_verdict verdict;
	char reason[160];
	uint32_t segments;
	unsigned long records;
	unsigned long chunks_stored;	/* compression byte 0 */
	unsigned long chunks_zstd;	/* compression byte 1 */
};

/* Key files: 0 or -1 (reason in *why). */
int indep_key_load(const char *path, struct indep_key *k, const char **why);
void indep_key_id(int kind, const uint8_t pk[INDEP_PK_LEN], uint8_t id[INDEP_ID_LEN]);

/* host_pk NULL: trust the manifest's host_public (integrity only).
 * auditor NULL: check signatures, chain and manifest, decrypt nothing. */
void indep_decode(const char *dir, const uint8_t *host_pk, const struct indep_key *auditor,
		  indep_event_fn fn, void *arg, struct indep_result *res);

const char *indep_verdict_name(enum indep_verdict v);

#endif
