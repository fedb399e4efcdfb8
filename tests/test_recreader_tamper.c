/* Tampering with a recorded session (lib/recreader.c): flipped bytes,
 * cuts, dropped, duplicated, swapped and foreign segments, another host
 * key, stray files.  Each must be caught, and no event of a record that
 * is not intact may be handed out. */
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

#include "breakglass/recreader.h"
#include "breakglass/recwriter.h"
#include "helpers.h"
#include "test_recreader.h"

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

static size_t events_before(size_t seg, size_t rec)
{
	return seg * PER_SEG + (rec < PER_SEG ? rec : PER_SEG);
}

static void seg_path(const char *dir, unsigned seg, char *out, size_t outlen)
{
	assert_true(snprintf(out, outlen, "%s/%06u.bgr", dir, seg) < (int)outlen);
}

static void record(struct fixture *f, struct bg_keypair *host, const char *parent,
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
static char *copy(const struct session *s, char *dir, size_t dirlen)
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

static void done(char *parent)
{
	th_rmtree(parent);
	free(parent);
}

static void edit(const char *dir, unsigned seg, size_t off, unsigned char x, size_t cut)
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
static void expect(struct fixture *f, const struct session *s, const char *dir,
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
				expect(f, &s, dir, &f->host->pub, BG_VERDICT_TAMPERED,
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
					expect(f, &s, dir, &f->host->pub, BG_VERDICT_TAMPERED,
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
			expect(f, &s, dir, &f->host->pub, BG_VERDICT_TAMPERED, events_before(seg, 0));
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
				expect(f, &s, dir, &f->host->pub, BG_VERDICT_TAMPERED,
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
		expect(f, &s, dir, &f->host->pub,
		       k == NREC ? BG_VERDICT_COMPLETE : BG_VERDICT_TRUNCATED,
		       events_before(NSEG - 1, k));
		done(parent);
	}
	/* Any other segment must end with its end record. */
	for (seg = 0; seg + 1 < NSEG; seg++) {
		for (k = 0; k < NREC; k++) {
			parent = copy(&s, dir, sizeof(dir));
			edit(dir, (unsigned)seg, 0, 0, s.off[seg][k]);
			expect(f, &s, dir, &f->host->pub, BG_VERDICT_TAMPERED, events_before(seg + 1, 0));
			done(parent);
		}
	}
	evlog_free(&s.want);
}

static void move(const char *dir, unsigned from, unsigned to)
{
	char a[600], b[600];

	seg_path(dir, from, a, sizeof(a));
	seg_path(dir, to, b, sizeof(b));
	assert_int_equal(rename(a, b), 0);
}

static void clone_seg(const char *dir, unsigned from, unsigned to)
{
	char a[600], name[16], *data;
	size_t len;

	seg_path(dir, from, a, sizeof(a));
	assert_non_null(data = th_slurp(a, &len));
	assert_true(snprintf(name, sizeof(name), "%06u.bgr", to) < (int)sizeof(name));
	free(th_write(dir, name, data, len, 0600));
	free(data);
}

void test_recreader_dropped_duplicated_swapped_segments_are_tampered(void **state)
{
	/* op: d drop a, c copy a to b, m move a to b, s swap a and b */
	static const struct {
		char op;
		unsigned a, b;
		enum bg_verdict want;
		size_t max;
	} cases[] = {
		{ 'd', 0, 0, BG_VERDICT_TAMPERED, 0 },
		{ 'd', 1, 0, BG_VERDICT_TAMPERED, PER_SEG },
		/* Only the manifest can tell the last one is missing. */
		{ 'd', 2, 0, BG_VERDICT_TRUNCATED, 2 * PER_SEG },
		{ 'c', 2, 3, BG_VERDICT_TAMPERED, 3 * PER_SEG },
		{ 'c', 1, 3, BG_VERDICT_TAMPERED, 3 * PER_SEG },
		{ 'c', 0, 3, BG_VERDICT_TAMPERED, 3 * PER_SEG },
		{ 'm', 2, 3, BG_VERDICT_TAMPERED, 2 * PER_SEG },
		{ 'm', 2, 1000000, BG_VERDICT_TAMPERED, 2 * PER_SEG },
		{ 's', 0, 1, BG_VERDICT_TAMPERED, 0 },
		{ 's', 1, 2, BG_VERDICT_TAMPERED, PER_SEG },
		{ 's', 0, 2, BG_VERDICT_TAMPERED, 0 },
	};
	struct fixture *f = *state;
	struct session s = { 0 };
	char dir[512], *parent;
	size_t i;

	record(f, f->host, f->tmp, &s);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		parent = copy(&s, dir, sizeof(dir));
		if (cases[i].op == 'd') {
			char p[600];

			seg_path(dir, cases[i].a, p, sizeof(p));
			assert_int_equal(unlink(p), 0);
		} else if (cases[i].op == 'c') {
			clone_seg(dir, cases[i].a, cases[i].b);
		} else if (cases[i].op == 'm') {
			move(dir, cases[i].a, cases[i].b);
		} else {
			move(dir, cases[i].a, 99);
			move(dir, cases[i].b, cases[i].a);
			move(dir, 99, cases[i].b);
		}
		expect(f, &s, dir, &f->host->pub, cases[i].want, cases[i].max);
		done(parent);
	}
	evlog_free(&s.want);
}

void test_recreader_segment_of_another_session_is_tampered(void **state)
{
	struct fixture *f = *state;
	struct session s = { 0 }, other[2];
	char dir[512], from[600], why[256], want[80], *parent, *data, *twin = th_mkdtemp();
	struct evlog got = { 0 };
	enum bg_verdict v;
	unsigned seg, o;
	size_t len;

	memset(other, 0, sizeof(other));
	record(f, f->host, f->tmp, &s);
	record(f, f->host, f->tmp, &other[0]);
	/* The same session id recorded twice: only the chain tells them apart
	 * (a twin's segment 0 is genuine; segment 1 does not follow it). */
	memcpy(other[1].id, s.id, sizeof(s.id));
	record(f, f->host, twin, &other[1]);
	for (o = 0; o < 2; o++) {
		for (seg = 0; seg < NSEG; seg++) {
			parent = copy(&s, dir, sizeof(dir));
			seg_path(other[o].dir, seg, from, sizeof(from));
			assert_non_null(data = th_slurp(from, &len));
			seg_path(dir, seg, from, sizeof(from));
			assert_int_equal(unlink(from), 0);
			free(th_write(dir, strrchr(from, '/') + 1, data, len, 0600));
			free(data);
			expect(f, &s, dir, &f->host->pub, BG_VERDICT_TAMPERED,
			       events_before(seg + (o == 1 && seg == 0), 0));
			assert_int_equal(read_back(dir, &f->host->pub, NULL, &got, &v, why,
						   sizeof(why)), BG_OK);
			if (o == 0)
				assert_true(snprintf(want, sizeof(want), "segment %06u: session id is"
						     " not the directory's", seg) < (int)sizeof(want));
			else
				assert_true(snprintf(want, sizeof(want), "segment %06u: prev does not"
						     " match segment %06u", seg + (seg == 0),
						     seg - (seg > 0)) < (int)sizeof(want));
			assert_string_equal(why, want);
			done(parent);
		}
	}
	done(twin);
	evlog_free(&got);
	evlog_free(&s.want);
	evlog_free(&other[0].want);
	evlog_free(&other[1].want);
}

void test_recreader_other_host_key_is_tampered(void **state)
{
	struct fixture *f = *state;
	struct session s = { 0 }, forged = { 0 };

	record(f, f->host, f->tmp, &s);
	expect(f, &s, s.dir, &f->other_host->pub, BG_VERDICT_TAMPERED, 0);
	/* A whole session made with another host key. */
	record(f, f->other_host, f->tmp, &forged);
	expect(f, &forged, forged.dir, &f->host->pub, BG_VERDICT_TAMPERED, 0);
	expect(f, &forged, forged.dir, &f->other_host->pub, BG_VERDICT_COMPLETE, NSEG * PER_SEG);
	evlog_free(&s.want);
	evlog_free(&forged.want);
}

void test_recreader_stray_files(void **state)
{
	static const struct {
		const char *name;
		enum bg_verdict want;
	} cases[] = {
		{ "manifest.json", BG_VERDICT_COMPLETE },
		{ "README", BG_VERDICT_COMPLETE },
		{ "000001.bgr.tmp", BG_VERDICT_COMPLETE },
		{ "notes.bgr", BG_VERDICT_TAMPERED },
		{ ".000001.bgr", BG_VERDICT_TAMPERED },
		{ "0000001.bgr", BG_VERDICT_TAMPERED },
		{ "00001.bgr", BG_VERDICT_TAMPERED },
		{ "4294967296.bgr", BG_VERDICT_TAMPERED },
		{ ".bgr", BG_VERDICT_TAMPERED },
	};
	struct fixture *f = *state;
	struct session s = { 0 };
	char dir[512], path[600], other[600], *parent;
	size_t i;

	record(f, f->host, f->tmp, &s);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		parent = copy(&s, dir, sizeof(dir));
		free(th_write_str(dir, cases[i].name, "{}"));
		expect(f, &s, dir, &f->host->pub, cases[i].want,
		       cases[i].want == BG_VERDICT_TAMPERED ? 0 : NSEG * PER_SEG);
		done(parent);
	}
	/* A segment that is a symbolic link, even to the genuine file. */
	parent = copy(&s, dir, sizeof(dir));
	seg_path(dir, 2, path, sizeof(path));
	assert_true(snprintf(other, sizeof(other), "%s/genuine", parent) < (int)sizeof(other));
	assert_int_equal(rename(path, other), 0);
	assert_int_equal(symlink(other, path), 0);
	expect(f, &s, dir, &f->host->pub, BG_VERDICT_TAMPERED, 2 * PER_SEG);
	done(parent);
	/* A segment that is a directory. */
	parent = copy(&s, dir, sizeof(dir));
	seg_path(dir, 2, path, sizeof(path));
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0700), 0);
	expect(f, &s, dir, &f->host->pub, BG_VERDICT_TAMPERED, 2 * PER_SEG);
	done(parent);
	/* A directory not named by the session id. */
	parent = copy(&s, dir, sizeof(dir));
	assert_true(snprintf(path, sizeof(path), "%s/session", parent) < (int)sizeof(path));
	assert_int_equal(rename(dir, path), 0);
	expect(f, &s, path, &f->host->pub, BG_VERDICT_TAMPERED, 0);
	done(parent);
	evlog_free(&s.want);
}
