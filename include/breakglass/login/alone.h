/* One emergency login per user at a time (grant.concurrent refuse): a
 * process of an earlier or concurrent session of the user could reach
 * the new login's terminal before its recorder makes it exclusive, and
 * hide the descriptor from the recorder's look (passed over a socket, or
 * in an undumpable process); with no other process of the user running
 * at session open there is nothing to do it. */
#ifndef BREAKGLASS_ALONE_H
#define BREAKGLASS_ALONE_H

#include <stddef.h>
#include <sys/types.h>

#include "breakglass/base/error.h"
#include "breakglass/config/conf.h"

/* BG_OK when uid has no open emergency session (a grant in run_dir whose
 * login process still runs) and no process (zombies aside) but those
 * below self (this login's own: sshd's for the connection); for root,
 * whose processes init and the kernel are, the grants only.  BG_EBUSY
 * with why naming the session or the process (its name escaped); another
 * error when run_dir or /proc cannot be read (fail closed). */
BG_WUR int bg_alone_check(const struct bg_config *cfg, uid_t uid, pid_t self, char *why,
			  size_t whylen);

#endif
