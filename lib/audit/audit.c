/* The hash-chained audit log: appending one event line, and checking a log. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "breakglass/audit/audit.h"
#include "breakglass/base/log.h"

#define HASH_LEN 32
#define HEX_LEN (2 * HASH_LEN)
#define HASH_KEY ",\"hash\":\""
#define HASH_KEY_LEN (sizeof(HASH_KEY) - 1)
/* `,"hash":"` + 64 hex + `"}` ends every line. */
#define SUFFIX_LEN (HASH_KEY_LEN + HEX_LEN + 2)
/* How far back append looks for the last line; a line we write, with its
 * newline, stays below it so that the next append can always find it. */
#define TAIL_MAX (64 * 1024)
#define TAIL_CHUNK 4096
/* Verify accepts longer lines than append writes, up to this. */
#define VERIFY_LINE_MAX (1024 * 1024)
#define DUMP_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII)

static const char zero_hash[HEX_LEN + 1] =
	"0000000000000000000000000000000000000000000000000000000000000000";

static const char *hash_hex(const void *p, size_t n, char hex[HEX_LEN + 1])
{
	unsigned char h[HASH_LEN];

	crypto_generichash(h, sizeof(h), p, n, NULL, 0);
	return sodium_bin2hex(hex, HEX_LEN + 1, h, sizeof(h));
}

static bool is_hash_hex(const char *s)
{
	return s != NULL && strlen(s) == HEX_LEN &&
	       strspn(s, "0123456789abcdef") == HEX_LEN;
}

/* Check one line (no newline): a JSON object ending in its own hash, with
 * a "prev".  Fills hash and prev (hex) or returns why it is not an event. */
static const char *check_line(const char *p, size_t n, char hash[HEX_LEN + 1],
			      char prev[HEX_LEN + 1])
{
	const char *why = NULL, *h, *pv;
	json_t *o;

	o = json_loadb(p, n, JSON_REJECT_DUPLICATES, NULL);
	h = json_string_value(json_object_get(o, "hash"));
	pv = json_string_value(json_object_get(o, "prev"));
	/* The member parsed and the bytes hashed must be the same "hash". */
	if (o == NULL || !json_is_object(o))
		why = "not JSON";
	else if (n < SUFFIX_LEN || !is_hash_hex(h) ||
		 memcmp(p + n - SUFFIX_LEN, HASH_KEY, HASH_KEY_LEN) != 0 ||
		 memcmp(p + n - HEX_LEN - 2, h, HEX_LEN) != 0 ||
		 memcmp(p + n - 2, "\"}", 2) != 0)
		why = "no hash";
	else if (!is_hash_hex(pv))
		why = "no prev";
	else if (strcmp(hash_hex(p, n - SUFFIX_LEN, hash), h) != 0)
		why = "hash mismatch";
	if (why == NULL)
		memcpy(prev, pv, HEX_LEN + 1);
	json_decref(o);
	return why;
}

static int put_str(json_t *o, const char *key, const char *val)
{
	struct bg_buf esc;
	json_t *s;
	size_t n;

	if (val == NULL)
		return BG_OK;
	if ((n = strlen(val)) >= TAIL_MAX)
		return BG_ETOOBIG;
	s = json_string(val);
	if (s == NULL) {
		/* Not UTF-8: record the bytes as \xNN rather than lose the event. */
		bg_buf_init(&esc, 4 * n);
		if (bg_buf_append_escaped(&esc, val, n) == BG_OK)
			s = json_string(bg_buf_str(&esc));
		bg_buf_free(&esc);
	}
	if (s == NULL || json_object_set_new(o, key, s) != 0)
		return BG_ENOMEM;
	return BG_OK;
}

/* RFC 3339 in UTC, with milliseconds unless ms is negative. */
static int put_time(json_t *o, const char *key, time_t t, long ms)
{
	char text[64], frac[16] = "";
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    (ms >= 0 && bg_snprintf(frac, sizeof(frac), ".%03ld", ms) != BG_OK) ||
	    bg_snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d%sZ",
			tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
			tm.tm_min, tm.tm_sec, frac) != BG_OK)
		return BG_EINVAL;
	return put_str(o, key, text);
}

/* A uid as a number; -1 leaves it out. */
static int put_id(json_t *o, const char *key, long id)
{
	if (id == -1)
		return BG_OK;
	return json_object_set_new(o, key, json_integer(id)) == 0 ? BG_OK : BG_ENOMEM;
}

/* The object of every member but "hash", in the fixed order. */
static int build_object(const struct bg_audit_event *ev, const char *prev,
			json_t *o)
{
	const char *actor = ev->actor != NULL && ev->actor->name[0] != '\0' ?
			    ev->actor->name : NULL;
	const long actor_uid = ev->actor != NULL ? ev->actor->uid : -1;
	/* a member is a string (val), or a number (num) when num is set */
	const struct { const char *key, *val; const long *num; } strs[] = {
		{ "event", ev->event, NULL }, { "result", ev->result, NULL },
		{ "reason", ev->reason, NULL }, { "service", ev->service, NULL },
		{ "user", ev->user, NULL }, { "uid", NULL, &ev->uid },
		{ "actor", actor, NULL }, { "actor_uid", NULL, &actor_uid },
		{ "rhost", ev->rhost, NULL }, { "tty", ev->tty, NULL },
		{ "ticket", ev->ticket, NULL }, { "justification", ev->justification, NULL },
		{ "approver", ev->approver, NULL }, { "mfa", ev->mfa, NULL },
		{ "session", ev->session, NULL },
	};
	char host[HOST_NAME_MAX + 1];
	struct timespec now;
	size_t i;
	int r;

	if (clock_gettime(CLOCK_REALTIME, &now) != 0)
		return BG_EIO;
	if ((r = put_time(o, "time", now.tv_sec, now.tv_nsec / 1000000)) != BG_OK)
		return r;
	/* The event matters more than the name of the host it happened on. */
	if (gethostname(host, sizeof(host)) != 0)
		memcpy(host, "unknown", sizeof("unknown"));
	host[sizeof(host) - 1] = '\0';
	if ((r = put_str(o, "host", host)) != BG_OK)
		return r;
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		if (strs[i].num != NULL)
			r = put_id(o, strs[i].key, *strs[i].num);
		else
			r = put_str(o, strs[i].key, strs[i].val);
		if (r != BG_OK)
			return r;
	}
	if (ev->expires != 0 && (r = put_time(o, "expires", ev->expires, -1)) != BG_OK)
		return r;
	if (ev->ticket_unverified &&
	    json_object_set_new(o, "ticket_unverified", json_true()) != 0)
		return BG_ENOMEM;
	return put_str(o, "prev", prev);
}

/* The line and its newline into out.  jansson leaves DEL raw, so it is
 * escaped here too: the line is then printable ASCII throughout. */
static int build_line(const struct bg_audit_event *ev, const char *prev,
		      struct bg_buf *out)
{
	char hex[HEX_LEN + 1], *text = NULL;
	size_t i, n;
	json_t *o;
	int r;

	if ((o = json_object()) == NULL)
		return BG_ENOMEM;
	if ((r = build_object(ev, prev, o)) == BG_OK &&
	    (text = json_dumps(o, DUMP_FLAGS)) == NULL)
		r = BG_ENOMEM;
	n = text != NULL ? strlen(text) : 0;
	/* All but the closing brace: "hash" goes in before it. */
	for (i = 0; r == BG_OK && i + 1 < n; i++)
		r = text[i] == 0x7f ? bg_buf_append(out, "\\u007f", 6) :
		    bg_buf_append(out, text + i, 1);
	if (r == BG_OK)
		r = bg_buf_appendf(out, "%s%s\"}\n", HASH_KEY,
				   hash_hex(out->data, out->len, hex));
	free(text);
	json_decref(o);
	return r;
}

static int lock_fd(int fd, int op)
{
	int r;

	while ((r = flock(fd, op)) != 0 && errno == EINTR)
		;
	return r == 0 ? BG_OK : BG_EIO;
}

/* The hash of the file's last line into prev, reading backwards from the
 * end; BG_EINTEGRITY if that line is not one of ours. */
static int last_hash(int fd, off_t size, char prev[HEX_LEN + 1])
{
	char *tail, *nl = NULL, hash[HEX_LEN + 1], lprev[HEX_LEN + 1];
	size_t have = 0, lim, chunk, start;
	int r = BG_OK;

	if (size == 0) {
		memcpy(prev, zero_hash, sizeof(zero_hash));
		return BG_OK;
	}
	if ((tail = malloc(TAIL_MAX)) == NULL)
		return BG_ENOMEM;
	lim = size < (off_t)TAIL_MAX ? (size_t)size : TAIL_MAX;
	while (nl == NULL && have < lim) {
		chunk = lim - have < TAIL_CHUNK ? lim - have : TAIL_CHUNK;
		start = TAIL_MAX - have - chunk;
		/* A regular file, locked: a short read is an error. */
		if (pread(fd, tail + start, chunk, size - (off_t)(have + chunk)) !=
		    (ssize_t)chunk) {
			r = BG_EIO;
			break;
		}
		/* The newline that ends the last line is not where it starts. */
		nl = memrchr(tail + start, '\n', chunk - (have == 0));
		have += chunk;
	}
	start = nl != NULL ? (size_t)(nl + 1 - tail) : TAIL_MAX - have;
	if (r == BG_OK && ((nl == NULL && (off_t)have < size) ||
			   tail[TAIL_MAX - 1] != '\n' ||
			   check_line(tail + start, TAIL_MAX - 1 - start,
				      hash, lprev) != NULL))
		r = BG_EINTEGRITY;
	if (r == BG_OK)
		memcpy(prev, hash, sizeof(hash));
	free(tail);
	return r;
}

/* The log's directory, made 0700 if missing (its parent must exist). */
static int make_dir(const char *path)
{
	char dir[PATH_MAX], *slash;

	if (bg_strlcpy(dir, path, sizeof(dir)) != BG_OK)
		return BG_EINVAL;
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return BG_OK;
	*slash = '\0';
	if (mkdir(dir, 0700) == 0 || errno == EEXIST)
		return BG_OK;
	return errno == ENOENT ? BG_ENOENT : BG_EIO;
}

/* Write the whole buffer at the end; on failure cut the file back to size
 * so that a half line does not block every later append. */
static int write_all(int fd, const char *p, size_t n, off_t size)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (ftruncate(fd, size) != 0)
				bg_error("cannot remove a half-written audit line");
			return BG_EIO;
		}
		p += w;
		n -= (size_t)w;
	}
	return fsync(fd) == 0 ? BG_OK : BG_EIO;
}

int bg_audit_append(const struct bg_config *cfg,
		    const struct bg_audit_event *ev, struct bg_buf *line)
{
	char prev[HEX_LEN + 1];
	struct bg_buf out;
	struct stat st;
	int fd, r;

	if (cfg == NULL || cfg->paths.audit_log == NULL || ev == NULL)
		return BG_EINVAL;
	if (sodium_init() < 0)
		return BG_ECRYPTO;
	if ((r = make_dir(cfg->paths.audit_log)) != BG_OK)
		return r;
	/* O_RDWR, not O_WRONLY: the last line is read back for its hash. */
	fd = open(cfg->paths.audit_log, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC |
		  O_NOFOLLOW | O_NONBLOCK, 0600);
	if (fd < 0)
		return errno == ELOOP ? BG_EUNSAFE :
		       errno == ENOENT ? BG_ENOENT : BG_EIO;
	bg_buf_init(&out, TAIL_MAX - 1);
	r = BG_EUNSAFE;
	/* O_NONBLOCK kept a FIFO from hanging us; nothing else may be a log. */
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		goto out;
	r = BG_EIO;
	/* Only under the lock is the size the end that others wrote to. */
	if (fcntl(fd, F_SETFL, O_APPEND) != 0 || lock_fd(fd, LOCK_EX) != BG_OK ||
	    fstat(fd, &st) != 0)
		goto out;
	if ((r = last_hash(fd, st.st_size, prev)) != BG_OK ||
	    (r = build_line(ev, prev, &out)) != BG_OK ||
	    (r = write_all(fd, out.data, out.len, st.st_size)) != BG_OK)
		goto out;
	out.data[--out.len] = '\0';   /* the newline: syslog adds its own */
	syslog(LOG_AUTHPRIV | (ev->result != NULL && strcmp(ev->result, "success") == 0 ?
			       LOG_NOTICE : LOG_WARNING), "breakglass: %s", out.data);
	if (line != NULL)
		r = bg_buf_append(line, out.data, out.len);
out:
	close(fd);      /* releases the lock */
	bg_buf_free(&out);
	return r;
}

/* The next line, its newline dropped, into buf[cap] (a line may hold NUL
 * bytes, so its length is where the file position went): 1, or 0 at the
 * end, or BG_EINTEGRITY with *why, or BG_EIO. */
static int next_line(FILE *fp, char *buf, size_t cap, size_t *n,
		     const char **why)
{
	off_t at = ftello(fp);

	if (fgets(buf, (int)cap, fp) == NULL)
		return ferror(fp) || at < 0 ? BG_EIO : 0;
	if (ftello(fp) <= at)
		return BG_EIO;
	*n = (size_t)(ftello(fp) - at);
	if (buf[*n - 1] == '\n') {
		(*n)--;
		return 1;
	}
	*why = feof(fp) ? "missing final newline" : "line too long";
	return BG_EINTEGRITY;
}

/* On BG_EINTEGRITY, *lines counts the intact lines before *bad_line. */
int bg_audit_verify(const char *path, size_t *lines, size_t *bad_line,
		    char *why, size_t whylen)
{
	char hash[HEX_LEN + 1], prev[HEX_LEN + 1], lprev[HEX_LEN + 1];
	const size_t cap = VERIFY_LINE_MAX + 2;   /* line, newline, NUL */
	const char *bad = NULL;
	char msg[64], *buf = NULL;
	size_t n, count = 0;
	FILE *fp = NULL;
	struct stat st;
	int fd, r = BG_EIO;

	*lines = 0;
	*bad_line = 0;
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (sodium_init() < 0)
		return BG_ECRYPTO;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return errno == ENOENT ? BG_ENOENT : BG_EIO;
	/* A shared lock: no append is half-way through while we read. */
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    lock_fd(fd, LOCK_SH) != BG_OK || (buf = malloc(cap)) == NULL ||
	    (fp = fdopen(fd, "r")) == NULL) {
		close(fd);
		goto out;
	}
	memcpy(prev, zero_hash, sizeof(zero_hash));
	while (bad == NULL && (r = next_line(fp, buf, cap, &n, &bad)) == 1) {
		count++;
		if ((bad = check_line(buf, n, hash, lprev)) == NULL &&
		    strcmp(lprev, prev) != 0)
			bad = count == 1 ? "prev of the first line is not zeros" :
			      bg_snprintf(msg, sizeof(msg), "prev does not match line %zu",
					  count - 1) == BG_OK ? msg : "prev does not match";
		if (bad == NULL)
			memcpy(prev, hash, sizeof(hash));
	}
	if (bad != NULL) {
		*bad_line = r == 1 ? count : count + 1;
		*lines = *bad_line - 1;
		/* A reason cut to whylen still says what went wrong. */
		if (why != NULL && whylen > 0 && bg_strlcpy(why, bad, whylen) != BG_OK)
			why[whylen - 1] = '\0';
		r = BG_EINTEGRITY;
	} else if (r == 0) {
		*lines = count;
	}
out:
	if (fp != NULL)
		fclose(fp);
	free(buf);
	return r;
}
