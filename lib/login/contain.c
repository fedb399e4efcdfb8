/* Per-session cgroups v2 (see pam_breakglass(8), CONTAINMENT): made and
 * removed by the PAM module as root, entered and killed by the recorder
 * with the breakglass account's ids. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "breakglass/base/buf.h"
#include "breakglass/base/log.h"
#include "breakglass/base/proc.h"
#include "breakglass/evidence/grant.h"
#include "breakglass/login/contain.h"

#define TOP BG_CONTAIN_TOP
#define LINE_MAX_LEN 4096

/* The mount point of the cgroup2 file system, from mountinfo: field 5
 * is the mount point, the file system type follows " - ". */
int bg_contain_mount(char *out, size_t outlen)
{
	char line[LINE_MAX_LEN], *mnt, *sep, *end;
	int r = BG_ENOENT;
	FILE *f;

	if ((f = fopen("/proc/self/mountinfo", "re")) == NULL)
		return BG_ENOENT;
	while (r == BG_ENOENT && fgets(line, sizeof(line), f) != NULL) {
		if ((sep = strstr(line, " - cgroup2 ")) == NULL)
			continue;
		*sep = '\0';
		mnt = line;
		for (int i = 0; i < 4 && mnt != NULL; i++)
			if ((mnt = strchr(mnt, ' ')) != NULL)
				mnt++;
		if (mnt == NULL || (end = strchr(mnt, ' ')) == NULL)
			continue;
		*end = '\0';
		/* Octal escapes (\040) would need decoding: such a mount is not used. */
		if (mnt[0] == '/' && strchr(mnt, '\\') == NULL)
			r = bg_snprintf(out, outlen, "%s", mnt) == BG_OK ? BG_OK : BG_ETRUNC;
	}
	(void)fclose(f);
	return r;
}

/* The calling process's cgroup v2 path ("0::/PATH" in /proc/self/cgroup). */
static int own_cgroup(char *out, size_t outlen)
{
	char line[LINE_MAX_LEN];
	int r = BG_ENOENT;
	size_t n;
	FILE *f;

	if ((f = fopen("/proc/self/cgroup", "re")) == NULL)
		return BG_ENOENT;
	while (r == BG_ENOENT && fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "0::/", 4) != 0)
			continue;
		n = strcspn(line + 3, "\n");
		line[3 + n] = '\0';
		r = bg_snprintf(out, outlen, "%s", line + 3) == BG_OK ? BG_OK : BG_ETRUNC;
	}
	(void)fclose(f);
	return r;
}

/* Write text to dir[/leaf]/file. */
static int put(const char *dir, const char *leaf, const char *file, const char *text)
{
	char path[PATH_MAX];
	size_t n = strlen(text);
	int fd, r = BG_OK;

	if (bg_snprintf(path, sizeof(path), "%s%s%s/%s", dir, leaf[0] != '\0' ? "/" : "", leaf,
			file) != BG_OK)
		return BG_EINVAL;
	if ((fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return errno == ENOENT ? BG_ENOENT : BG_EIO;
	if (write(fd, text, n) != (ssize_t)n)
		r = BG_EIO;
	if (close(fd) != 0)
		r = BG_EIO;
	return r;
}

int bg_contain_enter(const char *dir, const char *leaf, pid_t pid)
{
	char num[32];

	if (bg_snprintf(num, sizeof(num), "%ld", (long)pid) != BG_OK)
		return BG_EINVAL;
	return put(dir, leaf, "cgroup.procs", num);
}

bool bg_contain_empty(const char *dir, const char *leaf)
{
	char path[PATH_MAX], buf[256];
	ssize_t n;
	int fd;

	if (bg_snprintf(path, sizeof(path), "%s%s%s/cgroup.events", dir,
			leaf[0] != '\0' ? "/" : "", leaf) != BG_OK ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return strstr(buf, "populated 0") != NULL;
}

int bg_contain_kill(const char *dir, const char *leaf, int timeout_ms)
{
	int r, waited;

	if ((r = put(dir, leaf, "cgroup.kill", "1")) != BG_OK)
		return r;
	/* SIGKILL is sure but not instant: the exits take a moment. */
	for (waited = 0; !bg_contain_empty(dir, leaf); waited += 10) {
		if (waited >= timeout_ms)
			return BG_ETIMEOUT;
		(void)poll(NULL, 0, 10);
	}
	return BG_OK;
}

/* dir/leaf made 0755 by root (leaf "": dir, made already), the files
 * the account needs chowned to it. */
static int make(const char *dir, const char *leaf, uid_t uid, gid_t gid, const char *const *files)
{
	char path[PATH_MAX];
	size_t i;

	if (bg_snprintf(path, sizeof(path), "%s%s%s", dir, leaf[0] != '\0' ? "/" : "", leaf) != BG_OK)
		return BG_EINVAL;
	if (leaf[0] != '\0' && mkdir(path, 0755) != 0)
		return BG_EIO;
	for (i = 0; files[i] != NULL; i++) {
		char f[PATH_MAX];

		if (bg_snprintf(f, sizeof(f), "%s/%s", path, files[i]) != BG_OK ||
		    lchown(f, uid, gid) != 0)
			return BG_EIO;
	}
	return BG_OK;
}

/* Remove dir's children and dir; every process must be gone. */
static void remove_all(const char *dir)
{
	char path[PATH_MAX];

	if (bg_snprintf(path, sizeof(path), "%s/" BG_CONTAIN_USER, dir) == BG_OK)
		(void)rmdir(path);
	if (bg_snprintf(path, sizeof(path), "%s/" BG_CONTAIN_REC, dir) == BG_OK)
		(void)rmdir(path);
	(void)rmdir(dir);
}

/* The cgroup made and entered, or why not (r). */
static int create(const char *session, struct bg_contain *c)
{
	static const char *const top_files[] = { "cgroup.procs", NULL };
	static const char *const user_files[] = { "cgroup.procs", "cgroup.kill",
						  "cgroup.events", NULL };
	char mnt[PATH_MAX], origin[PATH_MAX], top[PATH_MAX];
	struct passwd *pw;
	int r;

	if ((pw = getpwnam(BG_ACCOUNT)) == NULL)
		return BG_ENOENT;
	if ((r = bg_contain_mount(mnt, sizeof(mnt))) != BG_OK || (r = own_cgroup(origin, sizeof(origin))) != BG_OK)
		return r;
	if (bg_snprintf(c->origin, sizeof(c->origin), "%s%s", mnt, origin) != BG_OK ||
	    bg_snprintf(top, sizeof(top), "%s/" TOP, mnt) != BG_OK ||
	    bg_snprintf(c->dir, sizeof(c->dir), "%s/%s", top, session) != BG_OK)
		return BG_ETRUNC;
	/* The top directory may be there from an earlier session; the
	 * session's own must be new. */
	if ((mkdir(top, 0755) != 0 && errno != EEXIST) || mkdir(c->dir, 0755) != 0)
		return BG_EIO;
	/* The account moves processes between the children: it needs the
	 * parent's cgroup.procs as well as the destination's. */
	if ((r = make(c->dir, "", pw->pw_uid, pw->pw_gid, top_files)) != BG_OK ||
	    (r = make(c->dir, BG_CONTAIN_REC, pw->pw_uid, pw->pw_gid, top_files)) != BG_OK ||
	    (r = make(c->dir, BG_CONTAIN_USER, pw->pw_uid, pw->pw_gid, user_files)) != BG_OK ||
	    (r = bg_contain_enter(c->dir, BG_CONTAIN_REC, 0)) != BG_OK) {
		remove_all(c->dir);
		return r;
	}
	return BG_OK;
}

int bg_contain_open(const struct bg_config *cfg, const char *session, struct bg_contain *c)
{
	int r;

	memset(c, 0, sizeof(*c));
	c->what = "cgroup";
	if (!bg_grant_id_valid(session))
		return BG_EINVAL;
	if ((r = create(session, c)) == BG_OK)
		return BG_OK;
	c->dir[0] = '\0';
	c->what = "none";
	if (cfg->recorder.containment == BG_CONTAIN_BEST_EFFORT) {
		bg_warn("no cgroup for session %s (%s): uncontained (recorder.containment "
			"best-effort)", session, bg_strerror(r));
		return BG_OK;
	}
	bg_error("no cgroup for session %s (%s): refused (recorder.containment required)",
		 session, bg_strerror(r));
	return BG_EUNSAFE;
}

int bg_contain_close(struct bg_contain *c)
{
	int r;

	if (c->dir[0] == '\0')
		return BG_OK;
	/* Out first: the caller must not kill itself, and keeps the cgroup
	 * from being removed while it is in it. */
	if ((r = put(c->origin, "", "cgroup.procs", "0")) != BG_OK)
		return r;
	r = bg_contain_kill(c->dir, "", 2000);
	remove_all(c->dir);
	if (r == BG_OK && access(c->dir, F_OK) == 0)
		r = BG_EIO;
	c->dir[0] = '\0';
	return r;
}

int bg_contain_find(const char *session, char *dir, size_t dirlen)
{
	char mnt[PATH_MAX], own[PATH_MAX], want[PATH_MAX];
	int r;

	if (!bg_grant_id_valid(session))
		return BG_EINVAL;
	if ((r = bg_contain_mount(mnt, sizeof(mnt))) != BG_OK || (r = own_cgroup(own, sizeof(own))) != BG_OK)
		return r;
	if (bg_snprintf(want, sizeof(want), "/" TOP "/%s/" BG_CONTAIN_REC, session) != BG_OK)
		return BG_EINVAL;
	if (strcmp(own, want) != 0)
		return BG_ENOENT;
	return bg_snprintf(dir, dirlen, "%s/" TOP "/%s", mnt, session) == BG_OK ? BG_OK : BG_ETRUNC;
}

/* The file is read whole: a path with a line break in it (which cgroup
 * names refuse today) could otherwise pass for a line of its own. */
int bg_contain_rec_of(pid_t pid, char session[BG_SESSION_ID_LEN + 1])
{
	static const char pre[] = "0::/" TOP "/", post[] = "/" BG_CONTAIN_REC;
	char buf[LINE_MAX_LEN], *line, *nl, *found = NULL;
	ssize_t len = bg_proc_file(pid, "cgroup", buf, sizeof(buf));

	/* Unreadable, empty, or longer than any line of ours: not a leaf. */
	if (len <= 0 || (size_t)len == sizeof(buf) - 1)
		return BG_ENOENT;
	for (line = buf; *line != '\0'; line = nl + 1) {
		if ((nl = strchr(line, '\n')) == NULL)
			return BG_ENOENT;
		if (strncmp(line, "0::", 3) != 0)
			continue;
		if (found != NULL)
			return BG_ENOENT;
		found = line;
		*nl = '\0';
	}
	if (found == NULL || strncmp(found, pre, sizeof(pre) - 1) != 0)
		return BG_ENOENT;
	found += sizeof(pre) - 1;
	if (strlen(found) != BG_SESSION_ID_LEN + sizeof(post) - 1 ||
	    strcmp(found + BG_SESSION_ID_LEN, post) != 0)
		return BG_ENOENT;
	memcpy(session, found, BG_SESSION_ID_LEN);
	session[BG_SESSION_ID_LEN] = '\0';
	return bg_grant_id_valid(session) ? BG_OK : BG_ENOENT;
}
