/* Deterministic terminal-like text for the benchmarks: what an operator's
 * screen shows during an incident, varied enough that zstd has no easier
 * time with it than with a real transcript. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "termtext.h"

/* Room past len for the block being written when len is reached. */
#define SLACK (64 * 1024)
#define PROCS 20

struct gen {
	char *p;
	size_t len, cap;
	uint64_t s;
	uint64_t us;            /* log clock: microseconds since midnight, moves forward */
	unsigned day;
	/* top's processes: most of a screen is the same from one refresh to the next */
	struct proc {
		unsigned pid, cpu, time;
		unsigned long virt, res;
		const char *user, *cmd;
	} procs[PROCS];
};

static const char *const users[] = { "alice", "bob", "oncall", "root", "deploy", "carol",
				     "svc-backup", "www-data" };
static const char *const services[] = { "nginx", "postgresql", "sshd", "api-gateway",
					"orders", "billing-worker", "redis", "kubelet",
					"haproxy", "cron" };
static const char *const dirs[] = { "/var/log", "/etc/nginx", "/srv/app/releases", "~",
				    "/var/lib/postgresql/15/main", "/tmp", "/opt/orders" };
static const char *const words[] = { "connection", "reset", "by", "peer", "timeout",
				     "while", "reading", "upstream", "retrying", "cache",
				     "miss", "for", "key", "session", "expired", "queue",
				     "depth", "above", "threshold", "checkpoint", "complete",
				     "slow", "query", "lock", "wait", "replica", "lag", "flushed",
				     "buffers", "worker", "started", "stopped", "healthcheck",
				     "failed", "ok", "rotating", "certificate", "loaded" };
static const char *const syll[] = { "app", "access", "error", "sys", "kern", "auth", "db",
				    "core", "data", "conf", "main", "node", "old", "tmp", "bak" };
static const char *const exts[] = { ".log", ".gz", ".conf", ".json", ".sh", ".1", ".tar",
				    ".pem", "", ".py", ".yaml", ".sql" };
static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
				      "Aug", "Sep", "Oct", "Nov", "Dec" };

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define PICK(g, a) ((a)[pick(g, N(a))])

uint64_t bench_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static unsigned pick(struct gen *g, unsigned n)
{
	return (unsigned)(bench_rand(&g->s) % n);
}

/* A number spread over several orders of magnitude, as sizes are. */
static unsigned long spread(struct gen *g, unsigned bits)
{
	return (unsigned long)(bench_rand(&g->s) % (1ul << (1 + pick(g, bits))));
}

static void put(struct gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct gen *g, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(g->p + g->len, g->cap - g->len, fmt, ap);
	va_end(ap);
	/* SLACK is far above any block: running out is a bug here. */
	if (n < 0 || (size_t)n >= g->cap - g->len)
		abort();
	g->len += (size_t)n;
}

static void tick(struct gen *g, unsigned max_ms)
{
	g->us += bench_rand(&g->s) % (max_ms * 1000ull + 1);
	if (g->us >= 86400000000ull) {
		g->us -= 86400000000ull;
		g->day = g->day % 28 + 1;
	}
}

/* The log clock as "hh:mm:ss". */
static void hms(struct gen *g)
{
	unsigned sec = (unsigned)(g->us / 1000000);

	put(g, "%02u:%02u:%02u", sec / 3600, sec / 60 % 60, sec % 60);
}

static void prompt(struct gen *g)
{
	put(g, "\x1b[01;32m%s@bastion-%02u\x1b[00m:\x1b[01;34m%s\x1b[00m$ ", PICK(g, users),
	    pick(g, 12), PICK(g, dirs));
	switch (pick(g, 8)) {
	case 0:
		put(g, "tail -n %u /var/log/syslog", 1 + pick(g, 500));
		break;
	case 1:
		put(g, "journalctl -u %s --since -%uh", PICK(g, services), 1 + pick(g, 48));
		break;
	case 2:
		put(g, "systemctl status %s", PICK(g, services));
		break;
	case 3:
		put(g, "grep -c ERROR app.log.%u", pick(g, 10));
		break;
	case 4:
		put(g, "git log -n %u", 1 + pick(g, 20));
		break;
	case 5:
		put(g, "curl -sO https://repo.example/pkg-%u.tar.gz", pick(g, 500));
		break;
	default:
		put(g, "%s", pick(g, 2) ? "ls -l" : "top");
	}
	put(g, "\r\n");
}

/* One log message: a template with a few variable fields, as programs log. */
static void message(struct gen *g)
{
	static const char *const res[] = { "orders", "users", "invoices", "sessions", "items" };

	switch (pick(g, 10)) {
	case 0:
	case 1:
	case 2:
		put(g, "req=%08x user=%u %s /api/v1/%s/%lu status=%u bytes=%lu dur=%u.%ums",
		    (unsigned)bench_rand(&g->s), 1000 + pick(g, 200), pick(g, 4) ? "GET" : "POST",
		    PICK(g, res), spread(g, 20), pick(g, 20) ? 200 : 500 + pick(g, 4),
		    spread(g, 16), pick(g, 400), pick(g, 10));
		break;
	case 3:
		put(g, "Accepted publickey for %s from 10.0.%u.%u port %u ssh2: ED25519 SHA256:%08x",
		    PICK(g, users), pick(g, 4), pick(g, 64), 1024 + pick(g, 60000),
		    (unsigned)bench_rand(&g->s));
		break;
	case 4:
		put(g, "pam_unix(sshd:session): session opened for user %s(uid=%u) by (uid=0)",
		    PICK(g, users), 1000 + pick(g, 8));
		break;
	case 5:
		put(g, "checkpoint complete: wrote %lu buffers (%u.%u%%); %u WAL file(s) added, "
		    "write=%u.%03u s", spread(g, 14), pick(g, 30), pick(g, 10), pick(g, 3),
		    pick(g, 30), pick(g, 1000));
		break;
	case 6:
		put(g, "upstream timed out (110: Connection timed out) while reading response header"
		    " from upstream, client: 10.0.%u.%u, request: \"GET /api/v1/%s/%lu HTTP/1.1\"",
		    pick(g, 4), pick(g, 64), PICK(g, res), spread(g, 20));
		break;
	case 7:
		put(g, "duration: %u.%03u ms  statement: SELECT * FROM %s WHERE id = %lu",
		    pick(g, 3000), pick(g, 1000), PICK(g, res), spread(g, 20));
		break;
	case 8:
		put(g, "queue %s depth %u above threshold %u, %u workers busy", PICK(g, res),
		    100 + pick(g, 900), 100, pick(g, 16));
		break;
	default:
		put(g, "healthcheck %s ok in %ums", PICK(g, services), pick(g, 50));
	}
}

static void logs(struct gen *g)
{
	unsigned i, n = 5 + pick(g, 60);

	for (i = 0; i < n; i++) {
		unsigned lv = pick(g, 100);

		tick(g, 2000);
		put(g, "2024-05-%02uT", g->day);
		hms(g);
		put(g, ".%06uZ %s [%s-%u] ", (unsigned)(g->us % 1000000),
		    lv < 80 ? "INFO " : lv < 90 ? "DEBUG" : lv < 97 ? "\x1b[33mWARN\x1b[0m " :
		    "\x1b[1;31mERROR\x1b[0m", PICK(g, services), pick(g, 16));
		message(g);
		put(g, "\r\n");
	}
}

/* ls -l of one directory: one owner, dates close together, sizes of all orders. */
static void listing(struct gen *g)
{
	static const char *const perms[] = { "-rw-r--r--", "-rw-r--r--", "-rw-r-----",
					     "drwxr-xr-x", "-rwxr-xr-x", "lrwxrwxrwx" };
	const char *owner = pick(g, 2) ? "root" : PICK(g, users), *base = PICK(g, syll);
	unsigned i, n = 5 + pick(g, 40), month = pick(g, 12), day = 1 + pick(g, 28);

	put(g, "total %lu\r\n", spread(g, 16));
	for (i = 0; i < n; i++) {
		unsigned p = pick(g, N(perms)), same = pick(g, 10) < 7;
		const char *color = p == 3 ? "\x1b[01;34m" : p == 4 ? "\x1b[01;32m" :
				    p == 5 ? "\x1b[01;36m" : "";

		put(g, "%s %2u %s %s %8lu %s %2u %02u:%02u %s%s", perms[p], p == 3 ? 2 + pick(g, 8) : 1,
		    pick(g, 8) ? owner : PICK(g, users), pick(g, 4) ? owner : "adm",
		    p == 3 ? 4096 : spread(g, 26), months[same ? month : pick(g, 12)],
		    same ? day : 1 + pick(g, 28), pick(g, 24), pick(g, 60), color,
		    pick(g, 2) ? base : PICK(g, syll));
		if (pick(g, 3) == 0)
			put(g, ".%u", pick(g, 10));
		put(g, "%s%s%s\r\n", p == 3 ? "" : PICK(g, exts), *color ? "\x1b[0m" : "",
		    p == 5 ? " -> /etc/alternatives/x" : "");
	}
}

/* A full-screen refresh as top draws it: cursor addressing, clears, reverse
 * video; between refreshes only some figures change. */
static void top(struct gen *g)
{
	unsigned i;

	tick(g, 3000);
	put(g, "\x1b[H\x1b[2Jtop - ");
	hms(g);
	put(g, " up %u days,  3 users,  load average: %u.%02u, %u.%02u, %u.%02u\x1b[K\r\n",
	    40 + g->day, pick(g, 4), pick(g, 100), pick(g, 4), pick(g, 100), pick(g, 4),
	    pick(g, 100));
	put(g, "Tasks: %u total,   %u running, %u sleeping\x1b[K\r\n%%Cpu(s): %2u.%u us, "
	    "%2u.%u sy, %2u.%u id\x1b[K\r\n\x1b[K\r\n\x1b[7m    PID USER      PR  NI    VIRT    "
	    "RES  S  %%CPU  %%MEM     TIME+ COMMAND\x1b[m\x1b[K\r\n", 250 + pick(g, 5),
	    1 + pick(g, 3), 245 + pick(g, 5), pick(g, 40), pick(g, 10), pick(g, 10), pick(g, 10),
	    50 + pick(g, 50), pick(g, 10));
	for (i = 0; i < PROCS; i++) {
		struct proc *p = &g->procs[i];
		unsigned mem;

		if (p->pid == 0 || pick(g, 50) == 0) {
			p->pid = 1 + pick(g, 99999);
			p->user = PICK(g, users);
			p->cmd = PICK(g, services);
			p->virt = spread(g, 24);
			p->res = p->virt / (1 + pick(g, 8));
			p->time = 0;
		}
		p->cpu = pick(g, 3) ? p->cpu : pick(g, i < 5 ? 400 : 20);
		p->time += p->cpu;
		if (pick(g, 4) == 0 && p->res + 64 <= p->virt)
			p->res += pick(g, 64);
		mem = (unsigned)(p->res * 1000 / 16777216);     /* per mille of 16 GiB */
		put(g, "\x1b[%u;1H%7u %-9.9s %2u %3d %7lu %6lu  %c %3u.%u %5u.%u %4u:%02u.%02u %s%s"
		    "\x1b[K", 6 + i, p->pid, p->user, 20, 0, p->virt, p->res, p->cpu ? 'R' : 'S',
		    p->cpu / 10, p->cpu % 10, mem / 10, mem % 10, p->time / 6000,
		    p->time / 100 % 60, p->time % 100, p->cmd, i < 3 ? "\x1b[m" : "");
	}
	put(g, "\x1b[26;1H");
}

/* A download's progress line, rewritten in place with \r. */
static void progress(struct gen *g)
{
	static const char bar[] = "##################################################";
	unsigned i, n = 10 + pick(g, 30), pct = 0;

	for (i = 0; i < n && pct < 100; i++) {
		pct += 1 + pick(g, 8);
		if (pct > 100)
			pct = 100;
		put(g, "\r\x1b[Kpkg-%u.tar.gz %3u%%[%.*s%*s] %lu.%uM  %u.%uMB/s  eta %us",
		    pick(g, 500), pct, (int)(pct / 2), bar, (int)(50 - pct / 2), "",
		    spread(g, 10), pick(g, 10), pick(g, 90), pick(g, 10), pick(g, 100));
	}
	put(g, "\r\n");
}

static void gitlog(struct gen *g)
{
	unsigned i, k, n = 1 + pick(g, 6);

	for (i = 0; i < n; i++) {
		tick(g, 600000);
		put(g, "\x1b[33mcommit %016llx%016llx%08x\x1b[m\r\nAuthor: %s <%s@example.com>\r\n"
		    "Date:   %s May %u ", (unsigned long long)bench_rand(&g->s),
		    (unsigned long long)bench_rand(&g->s), (unsigned)bench_rand(&g->s),
		    PICK(g, users), PICK(g, users), pick(g, 2) ? "Mon" : "Tue", g->day);
		hms(g);
		put(g, " 2024 +0000\r\n\r\n   ");
		for (k = 3 + pick(g, 8); k > 0; k--)
			put(g, " %s", PICK(g, words));
		put(g, "\r\n\r\n");
	}
}

unsigned char *bench_termtext(size_t len, uint64_t seed)
{
	struct gen g = { .len = 0, .cap = len + SLACK, .s = seed,
			 .us = 9 * 3600000000ull, .day = 17 };

	if (len > SIZE_MAX - SLACK || (g.p = malloc(g.cap)) == NULL)
		return NULL;
	while (g.len < len) {
		unsigned w = pick(&g, 100);

		prompt(&g);
		if (w < 40)
			logs(&g);
		else if (w < 60)
			listing(&g);
		else if (w < 75)
			top(&g);
		else if (w < 85)
			progress(&g);
		else if (w < 95)
			gitlog(&g);
	}
	return (unsigned char *)g.p;
}
