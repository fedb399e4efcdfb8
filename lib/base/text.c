/* Checks on untrusted text. */
#include "config.h"

#include <string.h>

#include "breakglass/base/buf.h"

#include "breakglass/base/text.h"

#define NAME_MAX_CHARS 32

bool bg_text_has_control(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	for (; *u; u++) {
		if (*u < 0x20 || *u == 0x7f)
			return true;
		/* C1 controls U+0080..U+009F (CSI among them) are C2 80..9F. */
		if (*u == 0xc2 && u[1] >= 0x80 && u[1] <= 0x9f)
			return true;
	}
	return false;
}

size_t bg_text_utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

void bg_text_quote(const char *s, size_t max, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t i, o = 0;

	if (outlen == 0)
		return;
	/* Room is kept for "..." and the terminator. */
	for (i = 0; u[i] != '\0' && i < max && o + 4 + 4 <= outlen; i++) {
		if (u[i] >= 0x20 && u[i] < 0x7f && u[i] != '\\') {
			out[o++] = (char)u[i];
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[u[i] >> 4];
			out[o++] = hex[u[i] & 15];
		}
	}
	if (u[i] != '\0' && o + 4 <= outlen) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

const char *bg_text_path_problem(const char *s)
{
	const char *p;
	size_t n = strlen(s);

	if (s[0] != '/')
		return "must be an absolute path";
	for (p = s; (p = strstr(p, "/.")) != NULL; p++)
		if (p[2] == '/' || p[2] == '\0' ||
		    (p[2] == '.' && (p[3] == '/' || p[3] == '\0')))
			return "must not contain . or .. components";
	if (strstr(s, "//") != NULL || (n > 1 && s[n - 1] == '/'))
		return "must not contain empty components or end in /";
	return NULL;
}

const char *bg_text_url_problem(const char *s)
{
	const char *host;

	if (strncmp(s, "https://", 8) == 0)
		host = s + 8;
	else if (strncmp(s, "http://", 7) == 0)
		host = s + 7;
	else
		return "must be an http:// or https:// URL";
	if (*host == '\0' || strchr("/?#@:", *host) != NULL)
		return "must name a host";
	if (strpbrk(s, " \"<>\\^`|") != NULL)
		return "must not contain spaces or \" < > \\ ^ ` |";
	return NULL;
}

const char *bg_text_name_problem(const char *s)
{
	size_t i = s[0] == '%';

	if (s[i] == '\0' || strlen(s + i) > NAME_MAX_CHARS)
		return "must be a user name or %group of 1 to 32 characters";
	/* Names become file names (users_dir/NAME.json): no "..", no "-x". */
	if (s[i] == '-' || s[i] == '.')
		return "must not start with - or .";
	for (; s[i]; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			   "0123456789._-", s[i]) == NULL)
			return "must be a user name or %group (letters, digits, . _ -)";
	return NULL;
}

int bg_text_redact_url(const char *url, bool drop_path, struct bg_buf *out)
{
	const char *host = strstr(url, "://"), *end, *at;
	size_t rest;
	int r;

	if (host == NULL)
		return bg_buf_append(out, url, strlen(url));
	host += 3;
	end = host + strcspn(host, "/?#");
	/* The last @ ends the credentials: a password may hold @ too. */
	at = memrchr(host, '@', (size_t)(end - host));
	r = bg_buf_append(out, url, (size_t)(host - url));
	if (r == BG_OK && at != NULL)
		r = bg_buf_append(out, "REDACTED@", 9);
	if (r == BG_OK)
		r = at != NULL ? bg_buf_append(out, at + 1, (size_t)(end - at - 1))
			       : bg_buf_append(out, host, (size_t)(end - host));
	rest = strcspn(end, "?#");
	if (r == BG_OK && drop_path && *end != '\0')
		r = bg_buf_append(out, "/REDACTED", 9);
	else if (r == BG_OK)
		r = bg_buf_append(out, end, rest);
	if (r == BG_OK && !drop_path && end[rest] != '\0')
		r = bg_buf_append(out, "?REDACTED", 9);
	return r;
}

int bg_text_utc(time_t t, char out[BG_TEXT_UTC_LEN])
{
	char tmp[BG_TEXT_UTC_LEN];
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return BG_EINVAL;
	memcpy(out, tmp, sizeof(tmp));
	return BG_OK;
}
