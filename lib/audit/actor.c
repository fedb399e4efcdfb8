/* The actor of an administrative command (actor.h). */
#include "config.h"

#include <fcntl.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "breakglass/audit/actor.h"
#include "breakglass/base/buf.h"
#include "breakglass/base/text.h"

#define UNSET_LOGINUID 4294967295UL

/* The login uid in path, or -1 when there is none to trust. */
static long login_uid(const char *path)
{
	char text[16];
	unsigned long v = 0;
	ssize_t n;
	size_t i;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);

	if (fd < 0)
		return -1;
	n = read(fd, text, sizeof(text));
	close(fd);
	if (n <= 0 || (size_t)n == sizeof(text))
		return -1;
	if (text[n - 1] == '\n')
		n--;
	/* "0" is root; a leading zero otherwise is not how the kernel writes */
	if (n == 0 || (n > 1 && text[0] == '0'))
		return -1;
	for (i = 0; i < (size_t)n; i++) {
		if (text[i] < '0' || text[i] > '9' || v > UNSET_LOGINUID / 10)
			return -1;
		v = v * 10 + (unsigned long)(text[i] - '0');
	}
	return v < UNSET_LOGINUID ? (long)v : -1;
}

void bg_actor_get(const char *loginuid_path, struct bg_actor *out)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	long uid = login_uid(loginuid_path);

	memset(out, 0, sizeof(*out));
	out->from_login = uid >= 0;
	out->uid = uid >= 0 ? uid : (long)getuid();
	/* a name of the shape we accept (at most 32 characters) or none */
	if (getpwuid_r((uid_t)out->uid, &pw, buf, sizeof(buf), &res) != 0 || res == NULL ||
	    bg_text_name_problem(pw.pw_name) != NULL ||
	    bg_strlcpy(out->name, pw.pw_name, sizeof(out->name)) != BG_OK)
		out->name[0] = '\0';
}
