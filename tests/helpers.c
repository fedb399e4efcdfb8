/* Test helpers: scratch directories and files. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"

static void die(const char *what)
{
	perror(what);
	abort();
}

char *th_mkdtemp(void)
{
	const char *base = getenv("TMPDIR");
	char tmpl[PATH_MAX], *dir;

	if (base == NULL || *base == '\0')
		base = "/tmp";
	if (snprintf(tmpl, sizeof(tmpl), "%s/bgtest.XXXXXX", base) >= (int)sizeof(tmpl))
		die("snprintf");
	if (mkdtemp(tmpl) == NULL || (dir = strdup(tmpl)) == NULL)
		die("mkdtemp");
	return dir;
}

char *th_write(const char *dir, const char *name, const void *data,
	       size_t len, mode_t mode)
{
	char path[PATH_MAX];
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		die("snprintf");
	(void)unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len || fchmod(fd, mode) != 0)
		die(path);
	close(fd);
	return strdup(path);
}

char *th_write_str(const char *dir, const char *name, const char *text)
{
	return th_write(dir, name, text, strlen(text), 0600);
}

void th_rmtree(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *e;
	struct stat st;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path))
			continue;
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			th_rmtree(path);
		else
			(void)unlink(path);
	}
	closedir(d);
	(void)rmdir(dir);
}
