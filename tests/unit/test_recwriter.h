/* What the two files of test_recwriter share: the fixture, writers for
 * it, and segment files parsed by the offsets of docs/FORMAT.md 7. */
#ifndef BREAKGLASS_TESTS_TEST_RECWRITER_H
#define BREAKGLASS_TESTS_TEST_RECWRITER_H

#include <stddef.h>
#include <stdint.h>

#include "breakglass/evidence/recwriter.h"

#define NAUD 17
#define MAXREC 64
#define L_MAX 4194321u
#define TEXT "user@bastion:~$ ls -l /var/log\r\ntotal 42\r\n"

struct fixture {
	char *tmp;
	char dir[512];                  /* tmp/<session id in hex> */
	unsigned char session[16];
	struct bg_keypair *host, *aud[NAUD];
	struct bg_pubkey pubs[NAUD];
};

/* One segment file as the test reads it. */
struct seg {
	unsigned char *data;
	size_t len, hlen, n, nrec;
	size_t off[MAXREC];             /* of each record's kind byte */
	unsigned kind[MAXREC];
	uint32_t clen[MAXREC];
	unsigned char hin[MAXREC][32];  /* h(i-1) of each record */
	unsigned char end[32];
};

/* An open writer for the fixture's session with the first naud auditors. */
struct bg_recwriter *writer(struct fixture *f, size_t naud, size_t batch);
/* Read segment num, check its header field by field (naud recipients,
 * previous end hash prev) and every record's hash chain and signature. */
void parse_seg(struct fixture *f, uint32_t num, size_t naud, const unsigned char prev[32],
	       struct seg *s);

/* test_recwriter_layout.c, with the fixture of test_recwriter.c */
void test_recwriter_files_match_the_format(void **state);
void test_recwriter_rotation_chains_segments(void **state);
void test_recwriter_splits_a_9_mib_event(void **state);

#endif
