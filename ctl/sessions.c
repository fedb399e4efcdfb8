/* breakglassctl sessions: the emergency sessions open now. */
#include "config.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "breakglass/base/text.h"
#include "breakglass/login/running.h"
#include "commands.h"

/* UTC, to the second, as the audit log writes times. */
static void when(time_t t, char out[BG_TEXT_UTC_LEN])
{
	if (bg_text_utc(t, out) != BG_OK)
		(void)!snprintf(out, BG_TEXT_UTC_LEN, "-");
}

int cmd_sessions(const struct bg_config *cfg)
{
	struct bg_running *v;
	size_t n, skipped, i;
	char user[80], ticket[80], start[32], expires[32], pid[24];
	int r;

	if ((r = bg_running_list(cfg, geteuid(), NULL, &v, &n, &skipped)) != BG_OK) {
		fprintf(stderr, "breakglassctl: %s: %s\n", cfg->paths.run_dir, bg_strerror(r));
		return 1;
	}
	printf("%-32s  %-16s  %-16s  %-20s  %-20s  %-8s  %s\n", "SESSION", "USER", "TICKET",
	       "START", "EXPIRES", "RECORDER", "CONTAINMENT");
	for (i = 0; i < n; i++) {
		bg_text_quote(v[i].grant->user, 32, user, sizeof(user));
		bg_text_quote(v[i].grant->ticket, 32, ticket, sizeof(ticket));
		when(v[i].grant->start, start);
		when(v[i].grant->expires, expires);
		if (v[i].recorder > 0)
			(void)!snprintf(pid, sizeof(pid), "%ld", v[i].recorder);
		else
			(void)!snprintf(pid, sizeof(pid), "-");
		printf("%-32s  %-16s  %-16s  %-20s  %-20s  %-8s  %s\n", v[i].grant->session, user,
		       ticket, start, expires, pid, v[i].contained ? "cgroup" : "none");
	}
	bg_running_free(v, n);
	/* The table whole first: a note must not land inside a row. */
	r = fflush(stdout) == 0 ? 0 : 1;
	if (skipped > 0)
		fprintf(stderr, "breakglassctl: %zu file%s in %s %s not a valid grant: skipped\n",
			skipped, skipped == 1 ? "" : "s", cfg->paths.run_dir,
			skipped == 1 ? "is" : "are");
	return r;
}
