/* The segment file layout of docs/FORMAT.md section 7, its constants and
 * event types, shared by the writer, the reader and the manifest so that
 * all hash, sign and bind the same bytes. */
#ifndef BREAKGLASS_RECFORMAT_H
#define BREAKGLASS_RECFORMAT_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <sodium.h>

#include "breakglass/base/error.h"
#include "breakglass/evidence/keys.h"

enum bg_event_type {
	BG_EV_OUT = 1,
	BG_EV_IN = 2,
	BG_EV_IN_REDACTED = 3,  /* data: the number of bytes withheld (u32) */
	BG_EV_RESIZE = 4,       /* data: columns (u16) then rows (u16) */
	BG_EV_META = 5,         /* data: a UTF-8 JSON object */
	BG_EV_IN_ESCROW = 6,    /* data: the withheld bytes sealed (escrow.h) */
	BG_EV_ESCROW_KEYS = 7,  /* data: the escrow key sealed to each recipient */
};

/* Escrow (FORMAT.md 7.5): an in_escrow event seals 1 to BG_ESCROW_MAX
 * bytes behind a 24-byte nonce with a 16-byte tag; an escrow_keys event
 * holds 1 to BG_RECIPIENTS_MAX recipient entries as the header does. */
#define BG_ESCROW_MAX 4096
#define BG_ESCROW_NONCE 24
#define BG_ESCROW_OVERHEAD (BG_ESCROW_NONCE + 16)

#define BG_BATCH_MAX (4 * 1024 * 1024)  /* uncompressed events in a chunk */
#define BG_RECIPIENTS_MAX 16
#define BG_HASH_LEN 32                  /* h(i), segment end hashes */

#define BG_SEG_MAGIC "BGSEG\r\n\x1a"
#define BG_SEG_HDR_FIXED 90             /* header up to the recipient entries */
#define BG_SEG_SEALED_LEN (32 + crypto_box_SEALBYTES)
#define BG_SEG_RECIPIENT_LEN (BG_KEY_ID_LEN + BG_SEG_SEALED_LEN)
#define BG_SEG_SS_HDR crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define BG_SEG_HDR_MAX (BG_SEG_HDR_FIXED + BG_SEG_RECIPIENT_LEN * BG_RECIPIENTS_MAX + \
			BG_SEG_SS_HDR)
#define BG_SEG_ABYTES crypto_secretstream_xchacha20poly1305_ABYTES
#define BG_SEG_REC_HDR 5                /* kind, then the ciphertext length */
#define BG_SEG_SIG_LEN crypto_sign_BYTES
#define BG_SEG_AD_LEN 57
#define BG_SEG_EV_HDR 13                /* type, time, length */
#define BG_SEG_L_MIN (1 + BG_SEG_ABYTES)
#define BG_SEG_L_MAX (BG_BATCH_MAX + BG_SEG_ABYTES)
/* A whole record at its largest: header, ciphertext, signature. */
#define BG_SEG_REC_MAX (BG_SEG_REC_HDR + BG_SEG_L_MAX + BG_SEG_SIG_LEN)
#define BG_SEG_HDR_CTX "BGSEG-v1-header"
#define BG_SEG_REC_CTX "BGSEG-v1-record"
#define BG_SEG_NAME_MAX 32              /* "%06u.bgr" of any uint32_t, NUL included */

/* Record kinds; each has its own secretstream tag. */
enum bg_seg_kind {
	BG_SEG_DATA = 1,
	BG_SEG_END_SEGMENT = 2,
	BG_SEG_END_SESSION = 3,
};

/* The fixed part of a segment header (offsets in FORMAT.md 7.2). */
struct bg_seg_header {
	bool magic_ok;
	uint16_t version, flags;
	unsigned char session[16];
	uint32_t seg;
	uint64_t created_us;
	unsigned char host_id[BG_KEY_ID_LEN];
	unsigned char prev[BG_HASH_LEN];
	uint16_t n_recipients;
};

void bg_recformat_put_le(unsigned char *p, uint64_t v, size_t n);
uint64_t bg_recformat_get_le(const unsigned char *p, size_t n);
/* "000042.bgr" into name (cap >= BG_SEG_NAME_MAX). */
BG_WUR int bg_recformat_segment_name(char *name, size_t cap, uint32_t seg);
/* The number of a canonical segment name s[len] (false for any other). */
bool bg_recformat_segment_number(const char *s, size_t len, uint32_t *n);
/* The session id that names directory dir (its real path's last
 * component, 32 lowercase hex digits) and that real path, malloc'ed.
 * BG_EINTEGRITY when the name is not a session id; BG_ENOENT, BG_EIO. */
BG_WUR int bg_recformat_session_dir(const char *dir, unsigned char session[16], char **real);
/* How many segment files the session directory dir holds: they must be
 * 0 to *count - 1 and have canonical names.  BG_EINTEGRITY with why
 * naming a bad name or the first missing segment; BG_EIO. */
BG_WUR int bg_recformat_segment_count(DIR *dir, uint32_t *count, char *why, size_t whylen);
/* Header length for n recipients. */
size_t bg_recformat_header_len(size_t n_recipients);
/* The first BG_SEG_HDR_FIXED bytes of hdr from h (version 1, flags 0),
 * and back; decoding checks nothing but says whether the magic is right. */
void bg_recformat_header_put(unsigned char *hdr, const struct bg_seg_header *h);
void bg_recformat_header_get(const unsigned char *hdr, struct bg_seg_header *h);
/* h(0) of a whole header of len bytes. */
void bg_recformat_h0(const unsigned char *hdr, size_t len, unsigned char out[BG_HASH_LEN]);
/* h(i) from h(i-1), the record header and the ciphertext; out may be hprev. */
void bg_recformat_chain(const unsigned char hprev[BG_HASH_LEN],
			const unsigned char rh[BG_SEG_REC_HDR], const unsigned char *ct,
			size_t clen, unsigned char out[BG_HASH_LEN]);
/* The additional data that binds a chunk to its place in the session. */
void bg_recformat_ad(unsigned char ad[BG_SEG_AD_LEN], const unsigned char session[16],
		     uint32_t seg, uint32_t rec, unsigned kind,
		     const unsigned char hprev[BG_HASH_LEN]);
/* The secretstream tag of a kind (1 to 3). */
unsigned char bg_recformat_tag(unsigned kind);
/* The record signature over the context string and h(i). */
BG_WUR int bg_recformat_sign(const unsigned char h[BG_HASH_LEN], const unsigned char *sk,
			     unsigned char sig[BG_SEG_SIG_LEN]);
bool bg_recformat_verify(const unsigned char h[BG_HASH_LEN], const unsigned char *pk,
			 const unsigned char sig[BG_SEG_SIG_LEN]);
/* An event header: type, time, data length (BG_SEG_EV_HDR bytes). */
void bg_recformat_event_put(unsigned char *p, unsigned type, uint64_t t_us, size_t len);
void bg_recformat_event_get(const unsigned char *p, unsigned *type, uint64_t *t_us,
			    size_t *len);
/* A meta event's data: any JSON object RFC 8259 allows, no duplicates. */
bool bg_recformat_meta_ok(const void *data, size_t len);
/* Segment file I/O that retries EINTR: bytes read, short only at the
 * end of the file, -1 on an error; all n bytes written or BG_EIO. */
ssize_t bg_recformat_read_full(int fd, unsigned char *p, size_t n);
BG_WUR int bg_recformat_write_full(int fd, const unsigned char *p, size_t n);
/* A whole evidence file (the manifest) into a malloc'ed, NUL-terminated
 * buffer: a regular file, not a symbolic link, at most max bytes.  Its
 * owner does not matter (signatures decide; auditors read copies they
 * own).  BG_ENOENT, BG_ETOOBIG, BG_EUNSAFE (not a regular file), BG_EIO. */
BG_WUR int bg_recformat_read_file(const char *path, size_t max, char **out, size_t *len);
/* Wipe the first used bytes of a record buffer (may be NULL), free it. */
void bg_recformat_wipe_free(unsigned char *p, size_t used);

#endif
