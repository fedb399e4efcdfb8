/* What the two files of test_recreader share: keys, sessions written to
 * scratch directories, and the events a reader handed out. */
#ifndef BREAKGLASS_TESTS_TEST_RECREADER_H
#define BREAKGLASS_TESTS_TEST_RECREADER_H

#include <stddef.h>
#include <stdint.h>

#include "breakglass/evidence/recreader.h"
#include "breakglass/evidence/recwriter.h"

#define NAUD 5

/* Events written, or handed out by the reader, as copies. */
struct evrec {
	enum bg_event_type type;
	uint64_t t;
	unsigned char *data;
	size_t len;
};

struct evlog {
	struct evrec *ev;
	size_t n, cap;
};

struct fixture {
	char *tmp;
	struct bg_keypair *host, *other_host, *aud[NAUD], *outsider;
	struct bg_pubkey pubs[NAUD];
};

void evlog_add(struct evlog *l, enum bg_event_type type, uint64_t t, const void *data,
	       size_t len);
void evlog_free(struct evlog *l);
/* want and got hold the same n first events. */
void evlog_assert_prefix(const struct evlog *want, const struct evlog *got, size_t n);

/* parent/<session in hex> into out. */
void session_dir(const char *parent, const unsigned char session[16], char *out, size_t outlen);
/* A writer for a new session in parent with the first naud auditors. */
struct bg_recwriter *new_writer(struct fixture *f, const char *parent,
				const unsigned char session[16], size_t naud, size_t batch,
				char *dir, size_t dirlen);
/* Write an event and remember it in l. */
void put(struct bg_recwriter *w, struct evlog *l, enum bg_event_type type, uint64_t t,
	 const void *data, size_t len);
/* Read dir with host's key and auditor (may be NULL), every event into got. */
int read_back(const char *dir, const struct bg_pubkey *host, const struct bg_keypair *auditor,
	      struct evlog *got, enum bg_verdict *v, char *why, size_t whylen);

/* test_recreader_tamper.c: sessions to tamper with. */
#define NSEG 3
#define PER_SEG 4               /* data records per segment, one event each */
#define NREC (PER_SEG + 1)      /* and the end record */

/* A session of NSEG segments and where its records lie. */
struct session {
	char dir[512];
	unsigned char id[16];
	struct evlog want;
	size_t hlen, size[NSEG];
	size_t off[NSEG][NREC], len[NSEG][NREC];  /* record byte ranges */
};

/* Events written before record rec (0-based) of segment seg. */
size_t events_before(size_t seg, size_t rec);
/* dir/<seg as %06u>.bgr into out. */
void seg_path(const char *dir, unsigned seg, char *out, size_t outlen);
/* Record s (a new session id unless s->id is set) in parent with host's
 * key, and note where its records lie. */
void record(struct fixture *f, struct bg_keypair *host, const char *parent,
	    struct session *s);
/* A copy of s in a new scratch parent (same session directory name),
 * the parent returned for done(). */
char *copy(const struct session *s, char *dir, size_t dirlen);
void done(char *parent);
/* Flip the bits x of byte off of segment seg, or cut it to cut bytes
 * (cut != SIZE_MAX). */
void edit(const char *dir, unsigned seg, size_t off, unsigned char x, size_t cut);
/* The verdict with a recipient's key (and with none): what was handed
 * out is the first events written and no more than max of them. */
void assess(struct fixture *f, const struct session *s, const char *dir,
	    const struct bg_pubkey *host, enum bg_verdict want, size_t max);

/* test_recreader_tamper.c and test_recreader_segments.c, with the
 * fixture of test_recreader.c */
void test_recreader_flipped_bytes_are_tampered(void **state);
void test_recreader_why_says_where(void **state);
void test_recreader_cuts_inside_records_are_tampered(void **state);
void test_recreader_cuts_at_record_boundaries_are_truncated(void **state);
void test_recreader_dropped_duplicated_swapped_segments_are_tampered(void **state);
void test_recreader_segment_of_another_session_is_tampered(void **state);
void test_recreader_other_host_key_is_tampered(void **state);
void test_recreader_stray_files(void **state);

#endif
