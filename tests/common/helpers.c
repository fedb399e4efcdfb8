/* Test helpers: scratch directories and files, reading files back and
 * running programs. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "helpers.h"
#include "breakglass/config/conf.h"

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

void th_auditors_make(struct bg_keypair **aud, struct bg_pubkey *pubs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (bg_keys_generate(BG_KEY_AUDITOR, &aud[i]) != BG_OK)
			die("bg_keys_generate");
		pubs[i] = aud[i]->pub;
	}
}

void th_auditors_free(struct bg_keypair **aud, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		bg_keys_free(aud[i]);
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

char *th_slurp(const char *path, size_t *len)
{
	char *text = NULL, *more;
	size_t n = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	do {
		if ((more = realloc(text, n + 65536 + 1)) == NULL)
			die("realloc");
		text = more;
		r = read(fd, text + n, 65536);
		if (r < 0 && errno != EINTR)
			die(path);
		n += r > 0 ? (size_t)r : 0;
	} while (r != 0);
	close(fd);
	text[n] = '\0';
	if (len != NULL)
		*len = n;
	return text;
}

int th_run(const char *const argv[], char *out, size_t outlen)
{
	char chunk[512];
	size_t got = 0, keep;
	int fds[2], status;
	ssize_t n;
	pid_t pid;

	if (outlen == 0 || pipe(fds) != 0 || (pid = fork()) < 0)
		die("th_run");
	if (pid == 0) {
		close(fds[0]);
		if (dup2(fds[1], STDOUT_FILENO) < 0)
			_exit(127);
		close(fds[1]);
		/* Tools such as oathtool are not to run under pam_wrapper. */
		unsetenv("LD_PRELOAD");
		unsetenv("PAM_WRAPPER");
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	while ((n = read(fds[0], chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno != EINTR)
				die("read");
			continue;
		}
		/* The rest is read and dropped: the child must not block. */
		keep = (size_t)n < outlen - 1 - got ? (size_t)n : outlen - 1 - got;
		memcpy(out + got, chunk, keep);
		got += keep;
	}
	out[got] = '\0';
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

char *th_config(const char *dir, const char *extra)
{
	char *text, *path, *k1, *k2;
	int n;

	k1 = th_write(dir, "host.key", "", 0, 0600);
	k2 = th_write(dir, "auditor.pub", "", 0, 0600);
	n = asprintf(&text,
		     "{\"paths\": {\"users_dir\": \"%s/users\", \"state_dir\": \"%s/state\",\n"
		     "  \"run_dir\": \"%s/run\", \"spool_dir\": \"%s/spool\",\n"
		     "  \"audit_log\": \"%s/audit.jsonl\", \"host_key\": \"%s\",\n"
		     "  \"auditor_keys\": [\"%s\"]}%s%s}\n",
		     dir, dir, dir, dir, dir, k1, k2, extra ? ",\n" : "", extra ? extra : "");
	if (n < 0)
		die("asprintf");
	path = th_write_str(dir, "breakglass.json", text);
	free(text);
	free(k1);
	free(k2);
	return path;
}

struct bg_config *th_config_load(const char *path)
{
	struct bg_config_diags d;
	struct bg_config *cfg;

	if (bg_config_load(path, geteuid(), &cfg, &d) != BG_OK) {
		bg_config_diags_print(&d, stderr);
		abort();
	}
	bg_config_diags_free(&d);
	return cfg;
}

struct bg_config *th_config_json(const char *dir, const char *json)
{
	char *path = th_write_str(dir, "breakglass.json", json);
	struct bg_config *cfg = th_config_load(path);

	free(path);
	return cfg;
}

char *th_config_key(const char *dir)
{
	return th_write(dir, "k", "", 0, 0600);
}

static struct {
	unsigned char needle[256];
	size_t n, freed, held;
	json_malloc_t m;
	json_free_t f;
} watch;

/* The whole block as malloc gave it: a copy may sit past what was asked. */
static void watching_free(void *p)
{
	if (p != NULL) {
		watch.freed++;
		if (memmem(p, malloc_usable_size(p), watch.needle, watch.n) != NULL)
			watch.held++;
	}
	watch.f(p);
}

void th_json_watch(const void *needle, size_t n)
{
	if (n == 0 || n > sizeof(watch.needle))
		die("th_json_watch");
	memcpy(watch.needle, needle, n);
	watch.n = n;
	watch.freed = watch.held = 0;
	json_get_alloc_funcs(&watch.m, &watch.f);
	json_set_alloc_funcs(watch.m, watching_free);
}

void th_json_unwatch(size_t *freed, size_t *held)
{
	json_set_alloc_funcs(watch.m, watch.f);
	*freed = watch.freed;
	*held = watch.held;
}
