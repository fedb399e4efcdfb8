/* The writer benchmark of issue 4 (bench/README.md): the transcript
 * writer's throughput per core and stored/raw size on terminal-like text,
 * beside reference runs over the same events in the same process. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <zstd.h>

#include "breakglass/evidence/keys.h"
#include "breakglass/evidence/recformat.h"
#include "breakglass/evidence/recreader.h"
#include "breakglass/evidence/recwriter.h"
#include "sinks.h"
#include "termtext.h"

#define MB 1e6
#define KIB 1024u
#define MIB (1024u * 1024u)
#define SEED 0x62656e6368u
#define TARGET_MBS 300.0
#define TARGET_RATIO 0.35

struct ev {
	uint64_t t;
	uint32_t len;
};

/* The events of one workload and what reading them back must give. */
struct load {
	const char *name;
	enum bg_event_type type;
	const unsigned char *data;
	size_t bytes, n;
	struct ev *ev;
	unsigned char hash[crypto_generichash_BYTES];
};

struct result {
	double cpu, wall;
	uint64_t stored;
	int runs;
};

static char tmpdir[PATH_MAX];

static uint64_t rmtree(const char *dir);

static void die(const char *what, const char *why)
{
	fprintf(stderr, "bench/format: %s: %s\n", what, why);
	if (tmpdir[0] != '\0')
		(void)rmtree(tmpdir);
	exit(1);
}

static void join(char *out, const char *a, const char *b)
{
	if ((size_t)snprintf(out, PATH_MAX, "%s/%s", a, b) >= PATH_MAX)
		die(b, "path too long");
}

static double cpu_s(int who)
{
	struct rusage ru;

	if (getrusage(who, &ru) != 0)
		die("getrusage", strerror(errno));
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static double wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Remove a directory tree of our own making; the bytes its files held. */
static uint64_t rmtree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct stat sb;
	char p[PATH_MAX];
	uint64_t total = 0;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		join(p, dir, de->d_name);
		if (lstat(p, &sb) != 0)
			continue;
		if (S_ISDIR(sb.st_mode))
			total += rmtree(p);
		else if (unlink(p) == 0)
			total += (uint64_t)sb.st_size;
	}
	closedir(d);
	(void)rmdir(dir);
	return total;
}

static void keep(struct result *res, double cpu, double wall, uint64_t stored)
{
	if (res->runs++ == 0 || cpu < res->cpu) {
		res->cpu = cpu;
		res->wall = wall;
	}
	res->stored = stored;
}

/* Feed the load to a sink, flushing whenever the recorder's timer would. */
static void drive(const struct bench_sink *s, struct bench_run *r, const struct load *l,
		  struct result *res)
{
	uint64_t next = r->o->flush_us;
	double c0 = cpu_s(RUSAGE_SELF), w0 = wall_s();
	size_t i, off = 0;
	int rc;

	if ((rc = s->open(r)) != BG_OK)
		die(s->name, bg_strerror(rc));
	for (i = 0; i < l->n; i++) {
		const struct ev *e = &l->ev[i];

		if (next != 0 && e->t >= next) {
			if ((rc = s->flush(r)) != BG_OK)
				die(s->name, bg_strerror(rc));
			next = (e->t / r->o->flush_us + 1) * r->o->flush_us;
		}
		if ((rc = s->event(r, l->type, e->t, l->data + off, e->len)) != BG_OK)
			die(s->name, bg_strerror(rc));
		off += e->len;
	}
	if ((rc = s->close(r)) != BG_OK)
		die(s->name, bg_strerror(rc));
	keep(res, cpu_s(RUSAGE_SELF) - c0, wall_s() - w0, r->stored);
}

/* The zstd command on the raw file; false when it cannot be run. */
static bool zstd_cli(const struct bench_opts *o, const char *in, struct result *res)
{
	double c0 = cpu_s(RUSAGE_CHILDREN), w0 = wall_s();
	char out[PATH_MAX];
	uint64_t stored;

	join(out, tmpdir, "raw.txt.zst");
	if (bench_zstd_cli(o->level, in, out, &stored) != BG_OK)
		return false;
	keep(res, cpu_s(RUSAGE_CHILDREN) - c0, wall_s() - w0, stored);
	return true;
}

struct back {
	const struct load *l;
	crypto_generichash_state h;
	uint64_t bytes;
	size_t n, other;
};

static int on_event(void *ctx, const struct bg_event *ev)
{
	struct back *b = ctx;

	if (ev->type != b->l->type) {
		b->other += ev->type != BG_EV_META;
		return 0;
	}
	crypto_generichash_update(&b->h, ev->data, ev->len);
	b->bytes += ev->len;
	b->n++;
	return 0;
}

/* Read the session back with one of the auditor keys: a writer that
 * loses, alters or mis-frames anything must not get a figure. */
static void readback(const struct bench_run *r, const struct load *l, const struct bench_keys *k,
		     int aud)
{
	struct bg_recreader_opts ro = { .dir = r->dir, .host = &k->host->pub,
					.auditor = k->aud[aud] };
	struct back b = { .l = l };
	unsigned char hash[crypto_generichash_BYTES];
	enum bg_verdict v;
	char why[256];
	double c0 = cpu_s(RUSAGE_SELF);
	uint64_t on_disk;
	int rc;

	crypto_generichash_init(&b.h, NULL, 0, sizeof(hash));
	rc = bg_recreader_run(&ro, on_event, &b, &v, why, sizeof(why));
	crypto_generichash_final(&b.h, hash, sizeof(hash));
	on_disk = rmtree(r->dir);
	printf("read back %s with auditor %d of %d: %s; %zu events, %llu bytes%s; %.3f s cpu\n",
	       l->name, aud + 1, BENCH_AUDITORS, why, b.n, (unsigned long long)b.bytes,
	       memcmp(hash, l->hash, sizeof(hash)) == 0 ? ", same content" : "",
	       cpu_s(RUSAGE_SELF) - c0);
	if (rc != BG_OK || v != BG_VERDICT_COMPLETE || b.n != l->n || b.bytes != l->bytes ||
	    b.other != 0 || memcmp(hash, l->hash, sizeof(hash)) != 0 || on_disk != r->stored)
		die("read back", rc != BG_OK ? bg_strerror(rc) : "not what was written");
}

/* Event sizes and times: interactive ~100-byte writes between full 4 KiB
 * pty reads of bursts, or 1-byte keystrokes. */
static void make_load(struct load *l, const unsigned char *data, size_t bytes, bool keys)
{
	uint64_t s = SEED + keys, t = 0;
	size_t off;

	l->data = data;
	l->bytes = bytes;
	l->n = 0;
	if ((l->ev = calloc(keys ? bytes + 1 : bytes / 40 + 1, sizeof(*l->ev))) == NULL)
		die("events", bg_strerror(BG_ENOMEM));
	for (off = 0; off < bytes; off += l->ev[l->n++].len) {
		uint64_t x = bench_rand(&s);
		size_t len = keys ? 1 : x & 1 ? 40 + (x >> 32) % 120 : BENCH_EV_MAX;

		t += keys ? 1 + (x >> 8) % 100 : x & 1 ? 1000 + (x >> 8) % 30000 : 50 + (x >> 8) % 400;
		l->ev[l->n].t = t;
		l->ev[l->n].len = (uint32_t)(len < bytes - off ? len : bytes - off);
	}
	crypto_generichash(l->hash, sizeof(l->hash), data, bytes, NULL, 0);
}

static void row(const char *name, const struct result *res, size_t raw, double writer_mbs)
{
	double mbs = (double)raw / MB / res->cpu;

	printf("%-24s %7.3f %7.3f %10.1f %10.3f %8.2f\n", name, res->cpu, res->wall, mbs,
	       (double)res->stored / (double)raw, writer_mbs / mbs);
}

static unsigned long num(const char *s, unsigned long min, unsigned long max, const char *what)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == '\0' || *s == '-' || *end != '\0' || v < min || v > max)
		die(what, "not a number in range");
	return v;
}

/* A zstd level: 1 to 22, or -1 to -7 for zstd's fast levels (--fast=N). */
static int level(const char *s)
{
	return s[0] == '-' ? -(int)num(s + 1, 1, 7, "-l LEVEL") : (int)num(s, 1, 22, "-l LEVEL");
}

static void usage(void)
{
	fprintf(stderr, "usage: bench/format [-s MB] [-k MB] [-l LEVEL] [-b KiB] [-r MiB] "
		"[-f MS] [-n REPS] [-d DIR] [-Z]\n");
	exit(1);
}

static void parse(int argc, char **argv, struct bench_opts *o)
{
	int c;

	while ((c = getopt(argc, argv, "s:k:l:b:r:f:n:d:Z")) != -1) {
		if (c == 's')
			o->text = num(optarg, 1, 16000, "-s MB") * (size_t)MB;
		else if (c == 'k')
			o->keys = num(optarg, 0, 1000, "-k MB") * (size_t)MB;
		else if (c == 'l')
			o->level = level(optarg);
		else if (c == 'b')
			o->batch = num(optarg, 1, BG_BATCH_MAX / KIB, "-b KiB") * KIB;
		else if (c == 'r')
			o->rotate = num(optarg, 1, 1u << 20, "-r MiB") * (uint64_t)MIB;
		else if (c == 'f')
			o->flush_us = num(optarg, 0, 3600000, "-f MS") * 1000u;
		else if (c == 'n')
			o->reps = (int)num(optarg, 1, 100, "-n REPS");
		else if (c == 'd')
			o->dir = optarg;
		else if (c == 'Z')
			o->cli = false;
		else
			usage();
	}
	if (optind != argc)
		usage();
}

/* One round over a load: the writer (read back in the first round), then
 * the references; res[] in the order of the table. */
static void round_of(const struct bench_opts *o, const struct bench_keys *k,
		     const struct load *l, int aud, bool first, bool all, struct result res[4])
{
	struct bench_run w = { .o = o, .k = k, .tmp = tmpdir }, z = w, f = w;

	drive(&bench_writer, &w, l, &res[0]);
	if (first)
		readback(&w, l, k, aud);
	else
		(void)rmtree(w.dir);
	drive(&bench_zss, &z, l, &res[1]);
	if (!all)
		return;
	drive(&bench_rawfile, &f, l, &res[2]);
	if (o->cli && !zstd_cli(o, f.raw, &res[3]))
		res[3].runs = -1;
}

static bool report(const struct bench_opts *o, const struct load *keys,
		   const struct result t[4], const struct result k[2])
{
	double wmbs = (double)o->text / MB / t[0].cpu, ratio = (double)t[0].stored / (double)o->text;

	printf("%-24s %7s %7s %10s %10s %8s\n", "text", "cpu s", "wall s", "MB/s/core",
	       "stored/raw", "writer/x");
	row(bench_writer.name, &t[0], o->text, wmbs);
	row(bench_zss.name, &t[1], o->text, wmbs);
	row(bench_rawfile.name, &t[2], o->text, wmbs);
	if (t[3].runs > 0)
		row("zstd command", &t[3], o->text, wmbs);
	else if (o->cli)
		printf("%-24s not run (install it: apt-get install zstd)\n", "zstd command");
	if (o->keys > 0) {
		printf("1-byte events (%zu; MB/s = M events/s)\n", keys->n);
		row(bench_writer.name, &k[0], o->keys, (double)o->keys / MB / k[0].cpu);
		row(bench_zss.name, &k[1], o->keys, (double)o->keys / MB / k[0].cpu);
	}
	printf("throughput %.1f MB/s per core (target >= %.0f): %s\n", wmbs, TARGET_MBS,
	       wmbs >= TARGET_MBS ? "PASS" : "FAIL");
	printf("stored/raw %.3f on text (target <= %.2f): %s\n", ratio, TARGET_RATIO,
	       ratio <= TARGET_RATIO ? "PASS" : "FAIL");
	return wmbs >= TARGET_MBS && ratio <= TARGET_RATIO;
}

int main(int argc, char **argv)
{
	struct bench_opts o = { .text = 256 * (size_t)MB, .keys = 2 * (size_t)MB,
				.batch = 256 * KIB, .rotate = 8 * MIB, .flush_us = 1000000,
				.level = 1, .reps = 3, .cli = true,
				.dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp" };
	struct load text = { .name = "text", .type = BG_EV_OUT };
	struct load keys = { .name = "keystrokes", .type = BG_EV_IN };
	struct result t[4] = { { 0 } }, kr[4] = { { 0 } };
	struct bench_keys k;
	unsigned char *tdata, *kdata;
	double load[1] = { -1 };
	bool pass;
	int i;

	parse(argc, argv, &o);
	if (sodium_init() < 0)
		die("sodium_init", bg_strerror(BG_ECRYPTO));
	if (bg_keys_generate(BG_KEY_HOST, &k.host) != BG_OK)
		die("host key", bg_strerror(BG_ECRYPTO));
	for (i = 0; i < BENCH_AUDITORS; i++) {
		if (bg_keys_generate(BG_KEY_AUDITOR, &k.aud[i]) != BG_OK)
			die("auditor key", bg_strerror(BG_ECRYPTO));
		k.pubs[i] = k.aud[i]->pub;
	}
	if ((tdata = bench_termtext(o.text, SEED)) == NULL ||
	    (kdata = bench_termtext(o.keys, SEED + 1)) == NULL)
		die("text", bg_strerror(BG_ENOMEM));
	make_load(&text, tdata, o.text, false);
	make_load(&keys, kdata, o.keys, true);
	join(tmpdir, o.dir, "bg-bench-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		die(o.dir, strerror(errno));
	(void)getloadavg(load, 1);
	printf("bench/format: %.1f MB of terminal-like text in %zu events (half ~100 B, half "
	       "4 KiB),\nzstd level %d, batch %zu KiB, segments of %llu MiB, flush every %llu ms, "
	       "%d auditors, in %s;\nbest of %d, load %.2f, zstd %s, libsodium %s\n",
	       (double)o.text / MB, text.n, o.level, o.batch / KIB,
	       (unsigned long long)(o.rotate / MIB), (unsigned long long)(o.flush_us / 1000),
	       BENCH_AUDITORS, o.dir, o.reps, load[0], ZSTD_versionString(),
	       sodium_version_string());
	for (i = 0; i < o.reps; i++) {
		round_of(&o, &k, &text, 0, i == 0, true, t);
		if (o.keys > 0)
			round_of(&o, &k, &keys, 1, i == 0, false, kr);
	}
	pass = report(&o, &keys, t, kr);
	(void)rmtree(tmpdir);
	free(text.ev);
	free(keys.ev);
	free(tdata);
	free(kdata);
	for (i = 0; i < BENCH_AUDITORS; i++)
		bg_keys_free(k.aud[i]);
	bg_keys_free(k.host);
	return pass ? 0 : 2;
}
