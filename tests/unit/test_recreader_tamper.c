/* Tampering with the bytes of a recorded session (lib/recreader.c):
 * flipped bytes and cuts, inside records and at their boundaries.  Each
 * must be caught, and no event of a record that is not intact may be
 * handed out.  Whole segments are tampered with in
 * test_recreader_segments.c. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <sodium.h>

#include "breakglass/evidence/recreader.h"
#include "breakglass/evidence/recwriter.h"
#include "helpers.h"
#include "test_recreader.h"

size_t events_before(size_t seg, size_t rec)
{
	return seg * PER_SEG + (rec < PER_SEG ? rec : PER_SEG);
}

void seg_path(const char *dir, unsigned seg, char *out, size_t outlen)
{
	assert_true(snprintf(out, outlen, "%s/%06u.bgr", dir, seg) < (int)outlen);
}

void record(struct fixture *f, struct bg_keypair *host, const char *parent,
	    struct session *s)
{
	struct bg_keypair *keep = f->host;
	struct bg_recwriter *w;
	unsigned char *data;
	char text[300], path[600];
	size_t i, k, p, len;

	if (sodium_is_zero(s->id, sizeof(s->id)))      /* else: a second recording of it */
		randombytes_buf(s->id, sizeof(s->id));
	f->host = host;
	w = new_writer(f, parent, s->id, 2, 65536, s->dir, sizeof(s->dir));
	f->host = keep;
	for (i = 0; i < NSEG; i++) {
		for (k = 0; k < PER_SEG; k++) {
			len = (size_t)snprintf(text, sizeof(text), "%zu: %.*s\r\n", i * PER_SEG + k,
					       (int)(k * 60), "0123456789abcdef0123456789abcdef"
					       "0123456789abcdef0123456789abcdef0123456789abcdef"
					       "0123456789abcdef0123456789abcdef0123456789abcdef"
					       "0123456789abcdef0123456789abcdef0123456789abcdef");
			put(w, &s->want, k & 1 ? BG_EV_IN : BG_EV_OUT, i * 100 + k, text, len);
			assert_int_equal(bg_recwriter_flush(w), BG_OK);
		}
		assert_int_equal(i + 1 < NSEG ? bg_recwriter_next_segment(w) :
				 bg_recwriter_finish(w), BG_OK);
	}
	bg_recwriter_free(w);
	s->hlen = 114 + 96 * 2;
	for (i = 0; i < NSEG; i++) {
		seg_path(s->dir, (unsigned)i, path, sizeof(path));
		assert_non_null(data = (unsigned char *)th_slurp(path, &s->size[i]));
		for (k = 0, p = s->hlen; k < NREC; k++) {
			s->off[i][k] = p;
			s->len[i][k] = 5 + (data[p + 1] | (size_t)data[p + 2] << 8 |
					    (size_t)data[p + 3] << 16 | (size_t)data[p + 4] << 24) + 64;
			p += s->len[i][k];
		}
		assert_int_equal(p, s->size[i]);
		free(data);
	}
}

/* A copy of s in a new scratch parent (same session directory name). */
char *copy(const struct session *s, char *dir, size_t dirlen)
{
	char *parent = th_mkdtemp(), path[600], name[16], *data;
	size_t i, len;

	session_dir(parent, s->id, dir, dirlen);
	assert_int_equal(mkdir(dir, 0700), 0);
	for (i = 0; i < NSEG; i++) {
		seg_path(s->dir, (unsigned)i, path, sizeof(path));
		assert_non_null(data = th_slurp(path, &len));
		assert_true(snprintf(name, sizeof(name), "%06zu.bgr", i) < (int)sizeof(name));
		free(th_write(dir, name, data, len, 0600));
		free(data);
	}
	return parent;
}

void done(char *parent)
{
	th_rmtree(parent);
	free(parent);
}

void edit(const char *dir, unsigned seg, size_t off, unsigned char x, size_t cut)
{
	char path[600];
	FILE *fp;
	int c;

	seg_path(dir, seg, path, sizeof(path));
	if (cut != SIZE_MAX) {
		assert_int_equal(truncate(path, (off_t)cut), 0);
		return;
	}
	assert_non_null(fp = fopen(path, "r+b"));
	assert_int_equal(fseek(fp, (long)off, SEEK_SET), 0);
	assert_true((c = fgetc(fp)) != EOF);
	assert_int_equal(fseek(fp, (long)off, SEEK_SET), 0);
	assert_int_equal(fputc(c ^ x, fp), c ^ x);
	assert_int_equal(fclose(fp), 0);
}

/* The verdict with a recipient's key (and with none): what was handed
 * out is the first events written and no more than max of them. */
void assess(struct fixture *f, const struct session *s, const char *dir,
	    const struct bg_pubkey *host, enum bg_verdict want, size_t max)
{
	struct evlog got = { 0 };
	enum bg_verdict v;
	char why[256];

	assert_int_equal(read_back(dir, host, f->aud[1], &got, &v, why, sizeof(why)), BG_OK);
	if (v != want)
		print_message("verdict %d, want %d: %s\n", v, want, why);
	assert_int_equal(v, want);
	assert_true(got.n <= max);
	if (want != BG_VERDICT_TAMPERED)
		assert_int_equal(got.n, max);
	evlog_assert_prefix(&s->want, &got, got.n);
	assert_int_equal(read_back(dir, host, NULL, &got, &v, why, sizeof(why)), BG_OK);
	assert_int_equal(v, want);
	assert_int_equal(got.n, 0);
	evlog_free(&got);
}

void test_recreader_flipped_bytes_are_tampered(void **state)
{
	static const unsigned char xs[] = { 0x01, 0x80 };
	struct fixture *f = *state;
	struct session s = { 0 };
	struct evlog got = { 0 };
	size_t hdr[] = { 0, 7, 8, 10, 12, 27, 28, 32, 40, 56, 87, 88, 89, 90, 105, 106, 150,
			 185, 186 + 50, 114 + 96 * 2 - 24, 114 + 96 * 2 - 1 };
	size_t seg, i, k, x, at[8];
	enum bg_verdict v;
	char dir[512], *parent;

	record(f, f->host, f->tmp, &s);
	for (seg = 0; seg < NSEG; seg++) {
		for (x = 0; x < 2; x++) {
			for (i = 0; i < sizeof(hdr) / sizeof(hdr[0]); i++) {
				parent = copy(&s, dir, sizeof(dir));
				edit(dir, (unsigned)seg, hdr[i], xs[x], SIZE_MAX);
				assess(f, &s, dir, &f->host->pub, BG_VERDICT_TAMPERED,
				       events_before(seg, 0));
				/* An outsider learns it is tampered, not "no recipient". */
				assert_int_equal(read_back(dir, &f->host->pub, f->outsider, &got, &v,
							   NULL, 0), BG_OK);
				assert_int_equal(v, BG_VERDICT_TAMPERED);
				done(parent);
			}
			for (k = 0; k < NREC; k++) {
				size_t o = s.off[seg][k], l = s.len[seg][k];

				/* kind, length, ciphertext, signature */
				at[0] = o, at[1] = o + 1, at[2] = o + 3, at[3] = o + 4;
				at[4] = o + 5, at[5] = o + (l - 64) / 2, at[6] = o + l - 64, at[7] = o + l - 1;
				for (i = 0; i < 8; i++) {
					parent = copy(&s, dir, sizeof(dir));
					edit(dir, (unsigned)seg, at[i], xs[x], SIZE_MAX);
					assess(f, &s, dir, &f->host->pub, BG_VERDICT_TAMPERED,
					       events_before(seg, k));
					done(parent);
				}
			}
		}
	}
	evlog_free(&got);
	evlog_free(&s.want);
}

/* The reason names the segment, and the record when there is one. */
void test_recreader_why_says_where(void **state)
{
	struct fixture *f = *state;
	struct session s = { 0 };
	struct evlog got = { 0 };
	char dir[512], why[256], *parent;
	enum bg_verdict v;

	record(f, f->host, f->tmp, &s);
	parent = copy(&s, dir, sizeof(dir));
	edit(dir, 2, s.off[2][4] + 40, 0x10, SIZE_MAX);
	assert_int_equal(read_back(dir, &f->host->pub, f->aud[0], &got, &v, why, sizeof(why)), BG_OK);
	assert_int_equal(v, BG_VERDICT_TAMPERED);
	assert_string_equal(why, "segment 000002: record 5: bad signature");
	done(parent);
	parent = copy(&s, dir, sizeof(dir));
	edit(dir, 1, 70, 0x10, SIZE_MAX);
	assert_int_equal(read_back(dir, &f->host->pub, NULL, &got, &v, why, sizeof(why)), BG_OK);
	assert_int_equal(v, BG_VERDICT_TAMPERED);
	assert_string_equal(why, "segment 000001: prev does not match segment 000000");
	done(parent);
	evlog_free(&got);
	evlog_free(&s.want);
}

void test_recreader_cuts_inside_records_are_tampered(void **state)
{
	struct fixture *f = *state;
	struct session s = { 0 };
	size_t seg, k, i, cut[5];
	char dir[512], *parent;

	record(f, f->host, f->tmp, &s);
	for (seg = 0; seg < NSEG; seg++) {
		size_t head[] = { 1, 89, 90, s.hlen - 1 };

		for (i = 0; i < 4; i++) {
			parent = copy(&s, dir, sizeof(dir));
			edit(dir, (unsigned)seg, 0, 0, head[i]);
			assess(f, &s, dir, &f->host->pub, BG_VERDICT_TAMPERED, events_before(seg, 0));
			done(parent);
		}
		for (k = 0; k < NREC; k++) {
			cut[0] = s.off[seg][k] + 1, cut[1] = s.off[seg][k] + 5;
			cut[2] = s.off[seg][k] + s.len[seg][k] / 2;
			cut[3] = s.off[seg][k] + s.len[seg][k] - 64;
			cut[4] = s.off[seg][k] + s.len[seg][k] - 1;
			for (i = 0; i < 5; i++) {
				parent = copy(&s, dir, sizeof(dir));
				edit(dir, (unsigned)seg, 0, 0, cut[i]);
				assess(f, &s, dir, &f->host->pub, BG_VERDICT_TAMPERED,
				       events_before(seg, k));
				done(parent);
			}
		}
	}
	evlog_free(&s.want);
}

void test_recreader_cuts_at_record_boundaries_are_truncated(void **state)
{
	struct fixture *f = *state;
	struct session s = { 0 };
	char dir[512], *parent;
	size_t k, seg;

	record(f, f->host, f->tmp, &s);
	/* The last segment: at its header and after each record before the
	 * end record, a clean cut; the whole of it is complete. */
	for (k = 0; k <= NREC; k++) {
		parent = copy(&s, dir, sizeof(dir));
		edit(dir, NSEG - 1, 0, 0, k == 0 ? s.hlen : s.off[NSEG - 1][k - 1] + s.len[NSEG - 1][k - 1]);
		assess(f, &s, dir, &f->host->pub,
		       k == NREC ? BG_VERDICT_COMPLETE : BG_VERDICT_TRUNCATED,
		       events_before(NSEG - 1, k));
		done(parent);
	}
	/* Any other segment must end with its end record. */
	for (seg = 0; seg + 1 < NSEG; seg++) {
		for (k = 0; k < NREC; k++) {
			parent = copy(&s, dir, sizeof(dir));
			edit(dir, (unsigned)seg, 0, 0, s.off[seg][k]);
			assess(f, &s, dir, &f->host->pub, BG_VERDICT_TAMPERED, events_before(seg + 1, 0));
			done(parent);
		}
	}
	evlog_free(&s.want);
}
