/* The grant's expiry and its warnings (access.h). */
#include "config.h"

#include <stdio.h>

#include "breakglass/base/error.h"
#include "breakglass/base/text.h"
#include "access.h"

#define US 1000000ULL

void access_init(struct access *a, uint64_t now_us, time_t wall_now, time_t expires)
{
	a->expiry = now_us + (expires > wall_now ? (uint64_t)(expires - wall_now) * US : 0);
	a->warned = a->expiry - now_us <= 60 * US ? 2 : a->expiry - now_us <= 300 * US ? 1 : 0;
}

uint64_t access_deadline(const struct access *a)
{
	if (a->warned < 1 && a->expiry > 300 * US)
		return a->expiry - 300 * US;
	if (a->warned < 2 && a->expiry > 60 * US)
		return a->expiry - 60 * US;
	return a->expiry;
}

const char *access_due(struct access *a, uint64_t t, bool *over)
{
	*over = t >= a->expiry;
	if (*over)
		return "\r\nbreakglass: the emergency access has expired; the session ends now.\r\n";
	if (a->warned < 2 && t + 60 * US >= a->expiry) {
		a->warned = 2;
		return "\r\nbreakglass: the emergency access ends in 1 minute.\r\n";
	}
	if (a->warned < 1 && t + 300 * US >= a->expiry) {
		a->warned = 1;
		return "\r\nbreakglass: the emergency access ends in 5 minutes.\r\n";
	}
	return NULL;
}

int access_banner(const char *ticket, time_t expires, char *text, size_t cap)
{
	char until[BG_TEXT_UTC_LEN];
	int n;

	if (bg_text_utc(expires, until) != BG_OK)
		return BG_EINVAL;
	n = snprintf(text, cap, "breakglass: this session is recorded for ticket %s. "
		     "Access ends at %.10s %.8s UTC.\r\n", ticket, until, until + 11);
	return n < 0 || (size_t)n >= cap ? BG_ETRUNC : BG_OK;
}
