/* The recorder's events, queued for the audit log (recevent.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <jansson.h>

#include "breakglass/audit/notify.h"
#include "breakglass/audit/recevent.h"
#include "breakglass/base/buf.h"
#include "breakglass/base/input.h"
#include "breakglass/base/safefile.h"
#include "breakglass/evidence/grant.h"

#define RECEVENT_VERSION 1
#define NOTE_MAX 1280         /* BG_COMMAND_DESCRIBE_LEN */

static int events_path(const char *spool_dir, const char *id, char *out, size_t cap)
{
	if (!bg_grant_id_valid(id))
		return BG_EINVAL;
	return bg_snprintf(out, cap, "%s/%s.events", spool_dir, id) == BG_OK ? BG_OK : BG_EINVAL;
}

static bool one_of(const char *s, const char *a, const char *b)
{
	return s != NULL && (strcmp(s, a) == 0 || (b != NULL && strcmp(s, b) == 0));
}

/* Text that will reach the audit log and terminals: UTF-8 only (the
 * log escapes every control character). */
static bool text_ok(const char *s)
{
	return s == NULL || (strlen(s) <= NOTE_MAX && bg_input_utf8_valid(s, strlen(s)));
}

static bool valid(const struct bg_recevent *ev)
{
	return one_of(ev->result, "success", "failure") &&
	       (ev->containment == NULL || one_of(ev->containment, "cgroup", "none")) &&
	       text_ok(ev->command) && text_ok(ev->note);
}

int bg_recevent_append(const char *spool_dir, const char *session,
		       const struct bg_recevent *ev)
{
	char path[PATH_MAX], *line;
	struct stat st;
	json_t *o;
	size_t len;
	ssize_t w;
	int fd, r;

	if ((r = events_path(spool_dir, session, path, sizeof(path))) != BG_OK)
		return r;
	if (!valid(ev))
		return BG_EINVAL;
	o = json_pack("{s:i, s:I, s:I, s:s, s:s*, s:s*, s:s*}", "version", RECEVENT_VERSION,
		      "time", (json_int_t)time(NULL), "pid", (json_int_t)getpid(),
		      "result", ev->result, "containment", ev->containment,
		      "command", ev->command, "note", ev->note);
	if (o == NULL)
		return BG_ENOMEM;
	line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	json_decref(o);
	if (line == NULL)
		return BG_ENOMEM;
	len = strlen(line);
	line[len++] = '\n';     /* json_dumps's NUL becomes the newline */
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);
	if (fd < 0) {
		free(line);
		return errno == ELOOP ? BG_EUNSAFE : BG_EIO;
	}
	/* Under a lock, the size checked is the size written to; the mode
	 * set whatever the caller's umask (0000 would lock the owner out). */
	if (flock(fd, LOCK_EX) != 0 || fstat(fd, &st) != 0)
		r = BG_EIO;
	else if (!S_ISREG(st.st_mode))
		r = BG_EUNSAFE;
	else if ((st.st_mode & 07777) != 0600 && fchmod(fd, 0600) != 0)
		r = BG_EIO;
	else if ((size_t)st.st_size + len > BG_RECEVENT_MAX_BYTES)
		r = BG_ETOOBIG;
	else if ((w = write(fd, line, len)) != (ssize_t)len)
		r = BG_EIO;
	if (close(fd) != 0 && r == BG_OK)
		r = BG_EIO;
	free(line);
	return r;
}

/* One line into ev (its strings point into o); false if it is no event. */
static bool parse(json_t *o, struct bg_recevent *ev)
{
	json_int_t version, t, pid;
	json_error_t e;

	memset(ev, 0, sizeof(*ev));
	if (o == NULL || json_unpack_ex(o, &e, JSON_STRICT, "{s:I, s:I, s:I, s:s, s?s, s?s, s?s}",
					"version", &version, "time", &t, "pid", &pid,
					"result", &ev->result, "containment", &ev->containment,
					"command", &ev->command, "note", &ev->note) != 0)
		return false;
	return version == RECEVENT_VERSION && t >= 0 && pid > 0 && valid(ev);
}

static int audit_line(const struct bg_config *cfg, const struct bg_audit_event *tmpl,
		      const char *session, const char *line, size_t len)
{
	struct bg_audit_event ev = *tmpl;
	struct bg_recevent re;
	json_error_t e;
	json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &e);
	int r;

	ev.event = "recording";
	ev.session = session;
	if (parse(o, &re)) {
		ev.result = re.result;
		ev.reason = strcmp(re.result, "failure") == 0 ? "refused" : NULL;
		ev.containment = re.containment;
		ev.command = re.command;
		ev.note = re.note;
	} else {
		ev.result = "failure";
		ev.reason = "bad_recorder_event";
	}
	r = bg_notify_audit(cfg, &ev);
	json_decref(o);
	return r;
}

int bg_recevent_drain(const struct bg_config *cfg, const char *session, uid_t trusted,
		      const struct bg_audit_event *tmpl)
{
	struct bg_safefile_why why;
	char path[PATH_MAX], *text, *p, *nl;
	size_t len;
	int r;

	if ((r = events_path(cfg->paths.spool_dir, session, path, sizeof(path))) != BG_OK)
		return r;
	r = bg_safefile_read(path, trusted, BG_RECEVENT_MAX_BYTES, &text, &len, &why);
	if (r == BG_ENOENT)
		return BG_OK;
	if (r != BG_OK)
		return r;
	for (p = text; r == BG_OK && p < text + len; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(text + len - p))) == NULL)
			nl = text + len;        /* a last line cut short: still audited, as bad */
		if (nl > p)
			r = audit_line(cfg, tmpl, session, p, (size_t)(nl - p));
	}
	free(text);
	if (r == BG_OK && unlink(path) != 0 && errno != ENOENT)
		r = BG_EIO;
	return r;
}
