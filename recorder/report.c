/* The recorder's reports (report.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "breakglass/audit/recevent.h"
#include "breakglass/base/log.h"
#include "breakglass/base/text.h"
#include "report.h"

/* Queued for the audit log; a failure is logged, never fatal. */
static void queue(const struct report *rp, const struct bg_recevent *ev)
{
	struct priv_req q = { .op = PRIV_EVENT_APPEND };
	int rc;

	if (rp == NULL || rp->priv == NULL || rp->cfg == NULL || rp->session == NULL)
		return;
	q.u.event_append = (struct priv_event_append){ .cfg = rp->cfg, .session = rp->session,
							.ev = ev };
	if ((rc = priv_request(rp->priv, &q)) != BG_OK)
		bg_log_msg(BG_LOG_ERR, "breakglass-rec", "session %s: cannot queue an event for "
			   "the audit log: %s", rp->session, bg_strerror(rc));
}

void report_refuse(const struct report *rp, const char *msg)
{
	/* A message may quote what the user controls (a process name):
	 * escaped for the terminal, the log and the event, which would drop
	 * invalid text. */
	char note[1024];
	struct bg_recevent ev = { .result = "failure", .note = note };

	bg_text_quote(msg, 512, note, sizeof(note));
	fprintf(stderr, "breakglass-rec: %s; no shell is started.\r\n", note);
	bg_log_msg(BG_LOG_ERR, "breakglass-rec", "uid %ld session %s: refused: %s",
		   (long)getuid(), rp != NULL && rp->session != NULL ? rp->session : "-", note);
	queue(rp, &ev);
	exit(REPORT_EXIT_REFUSED);
}

void report_started(const struct report *rp, bool pty, bool contained, const char *what)
{
	struct bg_recevent ev = { .result = "success", .containment = contained ? "cgroup" : "none",
				  .command = what };

	bg_log_msg(BG_LOG_INFO, "breakglass-rec", "uid %ld session %s: recording started (%s, %s), "
		   "command %s", (long)rp->priv->user_uid, rp->session, pty ? "pty" : "pipes",
		   contained ? "contained" : "uncontained", what != NULL ? what : "-");
	queue(rp, &ev);
}
