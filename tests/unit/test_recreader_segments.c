/* Tampering with a recorded session's segment files as wholes
 * (lib/recreader.c): dropped, duplicated, swapped and foreign segments,
 * another host key, stray files.  Each must be caught, and no event of a
 * record that is not intact may be handed out. */
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
		assess(f, &s, dir, &f->host->pub, cases[i].want, cases[i].max);
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
			assess(f, &s, dir, &f->host->pub, BG_VERDICT_TAMPERED,
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
	assess(f, &s, s.dir, &f->other_host->pub, BG_VERDICT_TAMPERED, 0);
	/* A whole session made with another host key. */
	record(f, f->other_host, f->tmp, &forged);
	assess(f, &forged, forged.dir, &f->host->pub, BG_VERDICT_TAMPERED, 0);
	assess(f, &forged, forged.dir, &f->other_host->pub, BG_VERDICT_COMPLETE, NSEG * PER_SEG);
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
		assess(f, &s, dir, &f->host->pub, cases[i].want,
		       cases[i].want == BG_VERDICT_TAMPERED ? 0 : NSEG * PER_SEG);
		done(parent);
	}
	/* A segment that is a symbolic link, even to the genuine file. */
	parent = copy(&s, dir, sizeof(dir));
	seg_path(dir, 2, path, sizeof(path));
	assert_true(snprintf(other, sizeof(other), "%s/genuine", parent) < (int)sizeof(other));
	assert_int_equal(rename(path, other), 0);
	assert_int_equal(symlink(other, path), 0);
	assess(f, &s, dir, &f->host->pub, BG_VERDICT_TAMPERED, 2 * PER_SEG);
	done(parent);
	/* A segment that is a directory. */
	parent = copy(&s, dir, sizeof(dir));
	seg_path(dir, 2, path, sizeof(path));
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0700), 0);
	assess(f, &s, dir, &f->host->pub, BG_VERDICT_TAMPERED, 2 * PER_SEG);
	done(parent);
	/* A directory not named by the session id. */
	parent = copy(&s, dir, sizeof(dir));
	assert_true(snprintf(path, sizeof(path), "%s/session", parent) < (int)sizeof(path));
	assert_int_equal(rename(dir, path), 0);
	assess(f, &s, path, &f->host->pub, BG_VERDICT_TAMPERED, 0);
	done(parent);
	evlog_free(&s.want);
}
