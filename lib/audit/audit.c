/* The hash-chained audit log: appending one event line (verifying a log
 * is auditverify.c). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "breakglass/audit/audit.h"
#include "breakglass/audit/auditlog.h"
#include "breakglass/base/log.h"

/* How far back append looks for the last line; a line we write, with its
 * newline, stays below it so that the next append can always find it. */
#define TAIL_MAX (64 * 1024)
#define TAIL_CHUNK 4096
#define DUMP_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII)

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
		{ "session", ev->session, NULL }, { "containment", ev->containment, NULL },
		{ "command", ev->command, NULL }, { "note", ev->note, NULL },
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
	char hex[BG_AUDITLOG_HEX_LEN + 1], *text = NULL;
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
		r = bg_buf_appendf(out, "%s%s\"}\n", BG_AUDITLOG_HASH_KEY,
				   bg_auditlog_hash(out->data, out->len, hex));
	free(text);
	json_decref(o);
	return r;
}

/* The hash of the file's last line into prev, reading backwards from the
 * end; BG_EINTEGRITY if that line is not one of ours. */
static int last_hash(int fd, off_t size, char prev[BG_AUDITLOG_HEX_LEN + 1])
{
	char *tail, *nl = NULL, hash[BG_AUDITLOG_HEX_LEN + 1], lprev[BG_AUDITLOG_HEX_LEN + 1];
	size_t have = 0, lim, chunk, start;
	int r = BG_OK;

	if (size == 0) {
		memcpy(prev, BG_AUDITLOG_ZERO_HASH, sizeof(BG_AUDITLOG_ZERO_HASH));
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
			   bg_auditlog_check(tail + start, TAIL_MAX - 1 - start,
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
	char prev[BG_AUDITLOG_HEX_LEN + 1];
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
	if (fcntl(fd, F_SETFL, O_APPEND) != 0 || bg_auditlog_lock(fd, LOCK_EX) != BG_OK ||
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
