/* ptrace_probe PID: try PTRACE_ATTACH on PID as the calling user; exit 0
 * if it worked (the target is then detached again), 1 with the error if
 * the kernel refused.  rec_root.sh runs it as the recorded user against
 * the recorder, which must refuse. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

int main(int argc, char **argv)
{
	char *end;
	long pid;

	if (argc != 2 || (pid = strtol(argv[1], &end, 10)) <= 0 || *end != '\0') {
		fprintf(stderr, "usage: ptrace_probe PID\n");
		return 2;
	}
	if (ptrace(PTRACE_ATTACH, (pid_t)pid, NULL, NULL) != 0) {
		printf("refused: %s\n", strerror(errno));
		return 1;
	}
	(void)waitpid((pid_t)pid, NULL, 0);
	(void)ptrace(PTRACE_DETACH, (pid_t)pid, NULL, NULL);
	printf("attached\n");
	return 0;
}
