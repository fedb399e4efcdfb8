/* Who runs a command, for the audit log: the user who logged in to the
 * session it runs in (the kernel's audit login uid, which su and sudo
 * keep), else the real uid of the process. */
#ifndef BREAKGLASS_ACTOR_H
#define BREAKGLASS_ACTOR_H

#include <stdbool.h>

#define BG_ACTOR_LOGINUID "/proc/self/loginuid"

struct bg_actor {
	long uid;
	char name[64];          /* "" when the uid has no usable passwd name */
	bool from_login;        /* the login uid, not getuid() */
};

/* Fill *out from the login uid file (BG_ACTOR_LOGINUID; tests name
 * another): decimal digits, at most one final newline, below 4294967295
 * ("unset").  A missing, unreadable, unset or malformed file means the
 * real uid. */
void bg_actor_get(const char *loginuid_path, struct bg_actor *out);

#endif
