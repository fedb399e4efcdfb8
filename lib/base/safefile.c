/* Trusted-file checks (owner, mode, type, parent directories) and reads. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "breakglass/base/buf.h"
#include "breakglass/base/safefile.h"
#include "breakglass/base/text.h"

static int why_set(struct bg_safefile_why *why, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int why_set(struct bg_safefile_why *why, int err, const char *fmt, ...)
{
	char raw[sizeof(why->text)];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	/* Names come from untrusted config text: keep them printable. */
	bg_text_quote(raw, sizeof(raw), why->text, sizeof(why->text));
	return err;
}

static int owner_ok(uid_t owner, uid_t trusted)
{
	return owner == 0 || owner == trusted;
}

static int check_stat(const struct stat *st, const char *what, uid_t trusted,
		      struct bg_safefile_why *why)
{
	if (!owner_ok(st->st_uid, trusted))
		return why_set(why, BG_EUNSAFE,
			       "%s is owned by uid %lu, not by root or uid %lu",
			       what, (unsigned long)st->st_uid,
			       (unsigned long)trusted);
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0 &&
	    !(S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX) != 0))
		return why_set(why, BG_EUNSAFE,
			       "%s is writable by group or others (mode %04o)",
			       what, (unsigned)(st->st_mode & 07777));
	return BG_OK;
}

/* Walk from the file's directory up to '/', checking each one. */
static int check_parents(const char *path, uid_t trusted,
			 struct bg_safefile_why *why)
{
	char dir[PATH_MAX], real[PATH_MAX];
	struct stat st;
	char *slash;
	int r;

	if (bg_strlcpy(dir, path, sizeof(dir)) != BG_OK)
		return why_set(why, BG_EUNSAFE, "path is too long");
	slash = strrchr(dir, '/');
	if (slash == NULL)
		memcpy(dir, ".", 2);
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if (realpath(dir, real) == NULL)
		return why_set(why, errno == ENOENT ? BG_ENOENT : BG_EUNSAFE,
			       "directory %s: %s", dir, strerror(errno));
	for (;;) {
		if (stat(real, &st) != 0)
			return why_set(why, BG_EUNSAFE, "directory %s: %s",
				       real, strerror(errno));
		if ((r = check_stat(&st, "directory", trusted, why)) != BG_OK) {
			char detail[sizeof(why->text)];

			memcpy(detail, why->text, sizeof(detail));
			return why_set(why, r, "%s (%s)", detail, real);
		}
		if (strcmp(real, "/") == 0)
			return BG_OK;
		slash = strrchr(real, '/');
		if (slash == real)
			real[1] = '\0';
		else
			*slash = '\0';
	}
}

/* Open path without following a final symlink and check what was opened. */
static int open_checked(const char *path, uid_t trusted, int *fd_out,
			struct stat *st, struct bg_safefile_why *why)
{
	struct stat lst;
	int fd, r;

	*fd_out = -1;
	if (lstat(path, &lst) != 0)
		return why_set(why, errno == ENOENT ? BG_ENOENT : BG_EIO,
			       "%s", strerror(errno));
	if (S_ISLNK(lst.st_mode))
		return why_set(why, BG_EUNSAFE,
			       "is a symbolic link (refused: name the file itself)");
	if ((r = check_parents(path, trusted, why)) != BG_OK)
		return r;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return why_set(why, errno == ELOOP ? BG_EUNSAFE :
			       errno == ENOENT ? BG_ENOENT : BG_EIO,
			       "%s", strerror(errno));
	if (fstat(fd, st) != 0) {
		close(fd);
		return why_set(why, BG_EIO, "%s", strerror(errno));
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return why_set(why, BG_EUNSAFE, "is not a regular file");
	}
	if ((r = check_stat(st, "file", trusted, why)) != BG_OK) {
		close(fd);
		return r;
	}
	*fd_out = fd;
	return BG_OK;
}

int bg_safefile_check(const char *path, uid_t trusted,
		      struct bg_safefile_why *why)
{
	struct stat st;
	int r;

	/* No open(): checking a key must not need the right to read it. */
	why->text[0] = '\0';
	if (lstat(path, &st) != 0)
		return why_set(why, errno == ENOENT ? BG_ENOENT : BG_EIO,
			       "%s", strerror(errno));
	if (S_ISLNK(st.st_mode))
		return why_set(why, BG_EUNSAFE,
			       "is a symbolic link (refused: name the file itself)");
	if (!S_ISREG(st.st_mode))
		return why_set(why, BG_EUNSAFE, "is not a regular file");
	if ((r = check_stat(&st, "file", trusted, why)) != BG_OK)
		return r;
	return check_parents(path, trusted, why);
}

int bg_safefile_read(const char *path, uid_t trusted, size_t max,
		     char **data, size_t *len, struct bg_safefile_why *why)
{
	struct stat st;
	struct bg_buf b;
	char chunk[8192];
	ssize_t n;
	int fd, r;

	*data = NULL;
	*len = 0;
	why->text[0] = '\0';
	if ((r = open_checked(path, trusted, &fd, &st, why)) != BG_OK)
		return r;
	if ((size_t)st.st_size > max) {
		close(fd);
		return why_set(why, BG_ETOOBIG, "is %lld bytes, more than the limit of %zu bytes",
			       (long long)st.st_size, max);
	}
	bg_buf_init(&b, max);
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if ((r = bg_buf_append(&b, chunk, (size_t)n)) != BG_OK)
			break;
	}
	if (n < 0)
		r = why_set(why, BG_EIO, "%s", strerror(errno));
	else if (r == BG_ETOOBIG)
		why_set(why, r, "grew beyond the limit of %zu bytes", max);
	else if (r == BG_OK && b.data == NULL)
		r = bg_buf_append(&b, "", 0);
	/* The file may be a key: leave no copy of it on the stack. */
	sodium_memzero(chunk, sizeof(chunk));
	close(fd);
	if (r != BG_OK) {
		bg_buf_free(&b);
		return r;
	}
	*data = b.data;
	*len = b.len;
	return BG_OK;
}

/* Splits path into its directory, opened without following a symbolic
 * link in its last component, and the name in it.  Everything after is
 * done through the descriptor: whoever controls the parent of that
 * directory cannot redirect the write by swapping the name. */
static int open_dir_of(const char *path, char name[NAME_MAX + 1], int *dfd)
{
	char dir[PATH_MAX], *slash;

	if (bg_strlcpy(dir, path, sizeof(dir)) != BG_OK)
		return BG_EINVAL;
	if ((slash = strrchr(dir, '/')) == NULL) {
		if (bg_strlcpy(name, dir, NAME_MAX + 1) != BG_OK)
			return BG_EINVAL;
		memcpy(dir, ".", 2);
	} else {
		if (bg_strlcpy(name, slash + 1, NAME_MAX + 1) != BG_OK)
			return BG_EINVAL;
		slash[slash == dir] = '\0';
	}
	if (name[0] == '\0')
		return BG_EINVAL;
	*dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (*dfd < 0)
		return errno == ELOOP || errno == ENOTDIR ? BG_EUNSAFE : BG_EIO;
	return BG_OK;
}

/* A temporary file beside path with data[len], mode, owner and group,
 * synced, then put in place: rename (replace) or link, which never
 * replaces anything, a symbolic link included (EEXIST: BG_EUNSAFE); then
 * the directory synced.  The owner is set before the file has its name,
 * so no one can swap something else in to be given away. */
static int write_file(const char *path, const void *data, size_t len, mode_t mode, uid_t uid,
		      gid_t gid, bool replace)
{
	char name[NAME_MAX + 1], tmp[NAME_MAX + 1], rnd[13];
	unsigned char raw[6];
	const char *p = data;
	ssize_t n;
	int fd, dfd, r;

	if ((r = open_dir_of(path, name, &dfd)) != BG_OK)
		return r;
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(rnd, sizeof(rnd), raw, sizeof(raw));
	if (strlen(name) > NAME_MAX - 18 || bg_snprintf(tmp, sizeof(tmp), "%s.tmp.%s", name, rnd) != BG_OK) {
		close(dfd);
		return BG_EINVAL;
	}
	if ((fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
		close(dfd);
		return BG_EIO;
	}
	if (fchmod(fd, mode) != 0 ||
	    ((uid != (uid_t)-1 || gid != (gid_t)-1) && fchown(fd, uid, gid) != 0))
		r = BG_EIO;
	while (r == BG_OK && len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = BG_EIO;
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (r == BG_OK && fsync(fd) != 0)
		r = BG_EIO;
	if (close(fd) != 0 && r == BG_OK)
		r = BG_EIO;
	if (r == BG_OK && replace && renameat(dfd, tmp, dfd, name) != 0)
		r = BG_EIO;
	if (r == BG_OK && !replace && linkat(dfd, tmp, dfd, name, 0) != 0)
		r = errno == EEXIST ? BG_EUNSAFE : BG_EIO;
	if (r != BG_OK || !replace)
		(void)unlinkat(dfd, tmp, 0);
	/* The new name itself must reach the disk too; some file systems
	 * cannot sync a directory (EINVAL): nothing to do then. */
	if (r == BG_OK && fsync(dfd) != 0 && errno != EINVAL)
		r = BG_EIO;
	close(dfd);
	return r;
}

int bg_safefile_write_atomic(const char *path, const void *data, size_t len,
			     mode_t mode, gid_t gid)
{
	return write_file(path, data, len, mode, (uid_t)-1, gid, true);
}

int bg_safefile_write_owned(const char *path, const void *data, size_t len, mode_t mode,
			    uid_t uid, gid_t gid)
{
	return write_file(path, data, len, mode, uid, gid, true);
}

int bg_safefile_write_new(const char *path, const void *data, size_t len, mode_t mode,
			  gid_t gid)
{
	return write_file(path, data, len, mode, (uid_t)-1, gid, false);
}

int bg_safefile_mkdir(const char *path, mode_t mode, gid_t gid)
{
	return bg_safefile_mkdir_owned(path, mode, (uid_t)-1, gid);
}

int bg_safefile_mkdir_owned(const char *path, mode_t mode, uid_t uid, gid_t gid)
{
	struct stat st;
	int fd, r = BG_OK;

	if (mkdir(path, mode) != 0) {
		if (errno != EEXIST)
			return errno == ENOENT ? BG_ENOENT : BG_EIO;
		if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode))
			return BG_EUNSAFE;
		return BG_OK;
	}
	/* mkdir applies the umask: set exactly what was asked, on what was
	 * made (not on whatever the name leads to by now). */
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fchmod(fd, mode) != 0 ||
	    ((uid != (uid_t)-1 || gid != (gid_t)-1) && fchown(fd, uid, gid) != 0))
		r = BG_EIO;
	if (fd >= 0)
		close(fd);
	/* A half-made directory would be taken as good by the next call. */
	if (r != BG_OK)
		(void)rmdir(path);
	return r;
}
