/* The ways of storing a benchmark's events that bench/format times: the
 * transcript writer, references that do only part of its work on the same
 * batches, and the zstd command. */
#include "config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "breakglass/evidence/recchunk.h"
#include "breakglass/evidence/recformat.h"
#include "sinks.h"

/* The writer as the recorder uses it: a meta event first, segments
 * rotated by their stored size. */
static int w_open(struct bench_run *r)
{
	static const char meta[] = "{\"grant\":{\"ticket\":\"INC-1\",\"bench\":true}}";
	unsigned char session[16];
	char hex[33];
	struct bg_recwriter_opts wo = { .dir = r->dir, .session = session, .host = r->k->host,
					.auditors = r->k->pubs, .n_auditors = BENCH_AUDITORS,
					.batch_bytes = r->o->batch, .zstd_level = r->o->level };
	int rc;

	randombytes_buf(session, sizeof(session));
	sodium_bin2hex(hex, sizeof(hex), session, sizeof(session));
	if ((size_t)snprintf(r->dir, sizeof(r->dir), "%s/%s", r->tmp, hex) >= sizeof(r->dir))
		return BG_ETRUNC;
	if ((rc = bg_recwriter_open(&wo, &r->w)) != BG_OK)
		return rc;
	return bg_recwriter_event(r->w, BG_EV_META, 0, meta, sizeof(meta) - 1);
}

static int w_event(struct bench_run *r, enum bg_event_type type, uint64_t t, const unsigned char *p,
		   size_t len)
{
	int rc = bg_recwriter_event(r->w, type, t, p, len);

	if (rc == BG_OK && bg_recwriter_segment_bytes(r->w) >= r->o->rotate)
		rc = bg_recwriter_next_segment(r->w);
	return rc;
}

static int w_flush(struct bench_run *r)
{
	return bg_recwriter_flush(r->w);
}

static int w_close(struct bench_run *r)
{
	const struct bg_segment_info *seg;
	size_t i, n;
	int rc = bg_recwriter_finish(r->w);

	seg = bg_recwriter_closed(r->w, &n);
	for (i = 0; i < n; i++)
		r->stored += seg[i].bytes;
	bg_recwriter_free(r->w);
	r->w = NULL;
	return rc;
}

/* Reference: batches of the bare bytes, compressed as the writer does and
 * pushed through secretstream, nothing written.  Any design that
 * compresses then encrypts pays at least this. */
static int z_open(struct bench_run *r)
{
	unsigned char key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
	unsigned char hdr[crypto_secretstream_xchacha20poly1305_HEADERBYTES];

	r->zcap = ZSTD_compressBound(r->o->batch + BENCH_EV_MAX);
	if ((r->cctx = ZSTD_createCCtx()) == NULL ||
	    bg_recchunk_zstd_setup(r->cctx, r->o->level) != BG_OK ||
	    (r->batch = malloc(r->o->batch + BENCH_EV_MAX)) == NULL ||
	    (r->zbuf = malloc(r->zcap)) == NULL ||
	    (r->ct = malloc(r->zcap + crypto_secretstream_xchacha20poly1305_ABYTES)) == NULL)
		return BG_ENOMEM;
	crypto_secretstream_xchacha20poly1305_keygen(key);
	crypto_secretstream_xchacha20poly1305_init_push(&r->st, hdr, key);
	sodium_memzero(key, sizeof(key));
	r->stored = sizeof(hdr);
	return BG_OK;
}

static int z_emit(struct bench_run *r, unsigned char tag)
{
	unsigned long long clen;
	size_t z = ZSTD_compress2(r->cctx, r->zbuf, r->zcap, r->batch, r->blen);

	if (ZSTD_isError(z))
		return BG_EIO;
	if (crypto_secretstream_xchacha20poly1305_push(&r->st, r->ct, &clen, r->zbuf, z, NULL, 0,
						       tag) != 0)
		return BG_ECRYPTO;
	r->stored += clen;
	r->blen = 0;
	return BG_OK;
}

/* Whole events into the batch, written out at batch bytes: as the writer does. */
static bool batch_add(struct bench_run *r, const unsigned char *p, size_t len)
{
	memcpy(r->batch + r->blen, p, len);
	r->blen += len;
	return r->blen >= r->o->batch;
}

static int z_event(struct bench_run *r, enum bg_event_type type, uint64_t t, const unsigned char *p,
		   size_t len)
{
	(void)type;
	(void)t;
	return batch_add(r, p, len) ? z_emit(r, crypto_secretstream_xchacha20poly1305_TAG_MESSAGE) :
	       BG_OK;
}

static int z_flush(struct bench_run *r)
{
	return r->blen > 0 ? z_emit(r, crypto_secretstream_xchacha20poly1305_TAG_MESSAGE) : BG_OK;
}

static int z_close(struct bench_run *r)
{
	int rc = z_emit(r, crypto_secretstream_xchacha20poly1305_TAG_FINAL);

	sodium_memzero(&r->st, sizeof(r->st));
	ZSTD_freeCCtx(r->cctx);
	free(r->batch);
	free(r->zbuf);
	free(r->ct);
	return rc;
}

/* Reference: the bare bytes written in the same batches and synced at the
 * same flushes; its file is also the zstd command's input. */
static int f_open(struct bench_run *r)
{
	if ((size_t)snprintf(r->raw, sizeof(r->raw), "%s/raw.txt", r->tmp) >= sizeof(r->raw))
		return BG_ETRUNC;
	if ((r->batch = malloc(r->o->batch + BENCH_EV_MAX)) == NULL)
		return BG_ENOMEM;
	r->fd = open(r->raw, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	return r->fd < 0 ? BG_EIO : BG_OK;
}

static int f_write(struct bench_run *r)
{
	int rc = bg_recformat_write_full(r->fd, r->batch, r->blen);

	r->stored += r->blen;
	r->blen = 0;
	return rc;
}

static int f_event(struct bench_run *r, enum bg_event_type type, uint64_t t, const unsigned char *p,
		   size_t len)
{
	(void)type;
	(void)t;
	return batch_add(r, p, len) ? f_write(r) : BG_OK;
}

static int f_flush(struct bench_run *r)
{
	int rc = f_write(r);

	return rc == BG_OK && fdatasync(r->fd) != 0 ? BG_EIO : rc;
}

static int f_close(struct bench_run *r)
{
	int rc = f_flush(r);

	free(r->batch);
	return close(r->fd) != 0 && rc == BG_OK ? BG_EIO : rc;
}

const struct bench_sink bench_writer = { "writer (bg_recwriter)", w_open, w_event, w_flush,
					 w_close };
const struct bench_sink bench_zss = { "zstd+secretstream", z_open, z_event, z_flush, z_close };
const struct bench_sink bench_rawfile = { "write() raw", f_open, f_event, f_flush, f_close };

int bench_zstd_cli(int level, const char *in, const char *out, uint64_t *stored)
{
	char lv[32];
	struct stat sb;
	pid_t pid;
	int st, fd;

	if (level < 0)
		(void)snprintf(lv, sizeof(lv), "--fast=%d", -level);
	else
		(void)snprintf(lv, sizeof(lv), "-%d", level);
	if ((pid = fork()) < 0)
		return BG_EIO;
	if (pid == 0) {
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0 && dup2(fd, 1) == 1)
			execlp("zstd", "zstd", "-q", "--single-thread", "--ultra", lv, "-c", in,
			       (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0 ||
	    stat(out, &sb) != 0)
		return BG_ENOENT;
	*stored = (uint64_t)sb.st_size;
	return BG_OK;
}
