/* Opening files we must trust (config, keys, secrets) only when they and
 * the directories above them are owned by root or by the trusted user and
 * cannot be written by anyone else, as sshd's StrictModes does. */
#ifndef BREAKGLASS_SAFEFILE_H
#define BREAKGLASS_SAFEFILE_H

#include <stddef.h>
#include <sys/types.h>

#include "breakglass/base/error.h"

/* Why a check failed, in words fit for an error message. */
struct bg_safefile_why {
	char text[256];
};

/* Check that path (absolute or relative) names a regular file, not a
 * symbolic link, owned by root or trusted, with no group/other write bit,
 * in directories owned by root or trusted and not writable by others
 * (sticky directories such as /tmp excepted).  BG_ENOENT if it does not
 * exist, BG_EUNSAFE with the reason in why otherwise. */
BG_WUR int bg_safefile_check(const char *path, uid_t trusted,
			     struct bg_safefile_why *why);

/* The same checks, then the whole file into a malloc'ed, NUL-terminated
 * buffer of *len bytes; BG_ETOOBIG beyond max bytes.  The checks are made
 * on the open descriptor, so the file cannot be swapped in between. */
BG_WUR int bg_safefile_read(const char *path, uid_t trusted, size_t max,
			    char **data, size_t *len,
			    struct bg_safefile_why *why);

/* Replace path with data[len] so that readers see the old or the new
 * file, never a mix: a temporary file beside it (mode, and group gid
 * unless -1), fsync, rename, fsync of the directory.  The directory is
 * opened once (BG_EUNSAFE if its last component is a symbolic link) and
 * everything is done through it. */
BG_WUR int bg_safefile_write_atomic(const char *path, const void *data,
				    size_t len, mode_t mode, gid_t gid);
/* The same, owned by uid (unless -1) before it takes its name: for a file
 * root hands to another account in a directory that account controls. */
BG_WUR int bg_safefile_write_owned(const char *path, const void *data, size_t len,
				   mode_t mode, uid_t uid, gid_t gid);
/* As bg_safefile_write_atomic, but path must not exist: anything there,
 * a symbolic link included, is left alone and the call fails with
 * BG_EUNSAFE, also when it appeared while the file was being written
 * (the file is put in place with link(2), never rename). */
BG_WUR int bg_safefile_write_new(const char *path, const void *data,
				 size_t len, mode_t mode, gid_t gid);

/* Make directory path with mode (and group gid unless -1) if it does not
 * exist; an existing one is left as it is.  Its parent must exist. */
BG_WUR int bg_safefile_mkdir(const char *path, mode_t mode, gid_t gid);
/* The same, a new directory also owned by uid (unless -1), set on what
 * was made, never through a name swapped in since. */
BG_WUR int bg_safefile_mkdir_owned(const char *path, mode_t mode, uid_t uid, gid_t gid);

#endif
