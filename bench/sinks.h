/* The ways of storing a benchmark's events that bench/format times side
 * by side: the transcript writer and the references. */
#ifndef BENCH_SINKS_H
#define BENCH_SINKS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sodium.h>
#include <zstd.h>

#include "breakglass/evidence/keys.h"
#include "breakglass/evidence/recwriter.h"

#define BENCH_EV_MAX 4096u      /* the largest event: a full pty read */
#define BENCH_AUDITORS 2

struct bench_opts {
	size_t text, keys, batch;
	uint64_t rotate, flush_us;      /* segment size; 0: no timed flushes */
	int level, reps;
	const char *dir;
	bool cli;
};

struct bench_keys {
	struct bg_keypair *host, *aud[BENCH_AUDITORS];
	struct bg_pubkey pubs[BENCH_AUDITORS];
};

/* One run of a sink; o, k and tmp are set by the caller, the rest zero. */
struct bench_run {
	const struct bench_opts *o;
	const struct bench_keys *k;
	const char *tmp;                /* where the run may create files */
	char dir[PATH_MAX];             /* the writer's session directory */
	char raw[PATH_MAX];             /* the raw file */
	uint64_t stored;                /* bytes the run stored, known after close */
	struct bg_recwriter *w;
	ZSTD_CCtx *cctx;
	crypto_secretstream_xchacha20poly1305_state st;
	unsigned char *batch, *zbuf, *ct;
	size_t blen, zcap;
	int fd;
};

/* Every function returns BG_OK or a BG_E* code; close is called once
 * after a successful open and releases what the run holds. */
struct bench_sink {
	const char *name;
	int (*open)(struct bench_run *r);
	int (*event)(struct bench_run *r, enum bg_event_type type, uint64_t t,
		     const unsigned char *p, size_t len);
	int (*flush)(struct bench_run *r);
	int (*close)(struct bench_run *r);
};

/* bg_recwriter, as the recorder uses it. */
extern const struct bench_sink bench_writer;
/* The same batches compressed and pushed through secretstream, not stored. */
extern const struct bench_sink bench_zss;
/* The same batches written raw to a file and synced at the same flushes. */
extern const struct bench_sink bench_rawfile;

/* The zstd command (--single-thread, at level) from in to out; BG_ENOENT
 * when it cannot be run.  Its CPU time shows in RUSAGE_CHILDREN. */
BG_WUR int bench_zstd_cli(int level, const char *in, const char *out, uint64_t *stored);

#endif
