/* The emergency sessions open now: grants, recorders, cgroups. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "breakglass/base/buf.h"
#include "breakglass/base/proc.h"
#include "breakglass/login/contain.h"
#include "breakglass/login/running.h"

#define RECORDER_COMM "breakglass-rec\n"

bool bg_running_is_recorder(long pid)
{
	char comm[32];

	return pid > 0 && pid <= INT_MAX &&
	       bg_proc_file((pid_t)pid, "comm", comm, sizeof(comm)) > 0 &&
	       strcmp(comm, RECORDER_COMM) == 0;
}

/* The pid in dir/rec/cgroup.procs whose command name is the recorder's:
 * sshd's processes share that cgroup. */
static long recorder_in(const char *dir)
{
	char path[PATH_MAX];
	long pid, found = -1;
	FILE *f;

	if (bg_snprintf(path, sizeof(path), "%s/%s/cgroup.procs", dir, BG_CONTAIN_REC) != BG_OK ||
	    (f = fopen(path, "re")) == NULL)
		return -1;
	while (found < 0 && fscanf(f, "%ld", &pid) == 1)
		if (bg_running_is_recorder(pid))
			found = pid;
	(void)fclose(f);
	return found;
}

long bg_running_recorder(const struct bg_grant *g, uid_t account)
{
	char status[4096], uid[32], *u;
	unsigned long long oldest = 0;
	struct bg_proc p;
	struct dirent *e;
	long found = -1, pid;
	bool below;
	DIR *d;

	if (g->login_pid <= 0 || (d = opendir("/proc")) == NULL)
		return -1;
	(void)!bg_snprintf(uid, sizeof(uid), "\t%lu\t", (unsigned long)account);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9' ||
		    !bg_running_is_recorder(pid = strtol(e->d_name, NULL, 10)) ||
		    bg_proc_file((pid_t)pid, "status", status, sizeof(status)) <= 0 ||
		    (u = strstr(status, "\nUid:")) == NULL)
			continue;
		/* Uid: real effective saved filesystem; the saved one is third. */
		u = strchr(u + 5, '\t');
		u = u != NULL ? strchr(u + 1, '\t') : NULL;
		below = false;
		if (u == NULL || strncmp(u, uid, strlen(uid)) != 0 ||
		    bg_proc_has_ancestor((pid_t)pid, (pid_t)g->login_pid, g->login_start,
					 &below) != BG_OK || !below ||
		    bg_proc_read((pid_t)pid, &p) != BG_OK)
			continue;
		/* Another recorder run inside the session (refused, but maybe
		 * kept alive on a full pipe) started after the real one. */
		if (found < 0 || p.start < oldest) {
			found = pid;
			oldest = p.start;
		}
	}
	(void)closedir(d);
	return found;
}

/* What root sees of one session besides its grant; account: the
 * recorder's uid, -1 when there is no such account. */
static void look(const char *cgroot, uid_t account, struct bg_running *s)
{
	char dir[PATH_MAX];
	struct stat st;

	s->recorder = -1;
	s->contained = false;
	if (cgroot != NULL && bg_snprintf(dir, sizeof(dir), "%s/%s/%s", cgroot, BG_CONTAIN_TOP,
					  s->grant->session) == BG_OK)
		s->contained = lstat(dir, &st) == 0 && S_ISDIR(st.st_mode);
	if (s->contained)
		s->recorder = recorder_in(dir);
	else if (account != (uid_t)-1)
		s->recorder = bg_running_recorder(s->grant, account);
}

static int by_start(const void *a, const void *b)
{
	const struct bg_running *x = a, *y = b;

	if (x->grant->start != y->grant->start)
		return x->grant->start < y->grant->start ? -1 : 1;
	return strcmp(x->grant->session, y->grant->session);
}

int bg_running_list(const struct bg_config *cfg, uid_t trusted, const char *cgroot,
		    struct bg_running **out, size_t *n, size_t *skipped)
{
	char id[BG_SESSION_ID_LEN + 1], mnt[PATH_MAX];
	struct passwd *pw = getpwnam(BG_ACCOUNT);
	uid_t account = pw != NULL ? pw->pw_uid : (uid_t)-1;
	struct bg_running *v = NULL, *more;
	size_t cap = 0, len;
	struct dirent *e;
	DIR *d;
	int r = BG_OK;

	*out = NULL;
	*n = *skipped = 0;
	if (cgroot == NULL && bg_contain_mount(mnt, sizeof(mnt)) == BG_OK)
		cgroot = mnt;
	if ((d = opendir(cfg->paths.run_dir)) == NULL)
		return errno == ENOENT ? BG_OK : BG_EIO;
	while (r == BG_OK && (e = readdir(d)) != NULL) {
		len = strlen(e->d_name);
		if (len != BG_SESSION_ID_LEN + 5 || strcmp(e->d_name + BG_SESSION_ID_LEN, ".json") != 0)
			continue;
		memcpy(id, e->d_name, BG_SESSION_ID_LEN);
		id[BG_SESSION_ID_LEN] = '\0';
		if (!bg_grant_id_valid(id))
			continue;
		if (*n == cap) {
			cap = cap == 0 ? 8 : 2 * cap;
			if ((more = realloc(v, cap * sizeof(*v))) == NULL) {
				r = BG_ENOMEM;
				break;
			}
			v = more;
		}
		if (bg_grant_read(cfg->paths.run_dir, id, trusted, &v[*n].grant) != BG_OK) {
			(*skipped)++;
			continue;
		}
		look(cgroot, account, &v[*n]);
		(*n)++;
	}
	(void)closedir(d);
	if (r != BG_OK) {
		bg_running_free(v, *n);
		*n = 0;
		return r;
	}
	if (*n > 1)
		qsort(v, *n, sizeof(*v), by_start);
	*out = v;
	return BG_OK;
}

void bg_running_free(struct bg_running *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		bg_grant_free(v[i].grant);
	free(v);
}
