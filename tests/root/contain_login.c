/* contain_login SESSION CMD...: what pam_breakglass(8) does for a
 * session's processes, for rec_root.sh: the session's cgroup made with
 * this process in it (bg_contain_open, recorder.containment required),
 * CMD run as its child, then the cgroup killed and removed
 * (bg_contain_close).  Exit status: CMD's, or 99 if the cgroup could not
 * be made, 98 if it could not be removed. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "breakglass/login/contain.h"

int main(int argc, char **argv)
{
	struct bg_config cfg;
	struct bg_contain c;
	pid_t pid;
	int st = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: contain_login SESSION CMD...\n");
		return 2;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.recorder.containment = BG_CONTAIN_REQUIRED;
	if (bg_contain_open(&cfg, argv[1], &c) != BG_OK)
		return 99;
	if ((pid = fork()) == 0) {
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		st = W_EXITCODE(1, 0);
	if (bg_contain_close(&c) != BG_OK)
		return 98;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
