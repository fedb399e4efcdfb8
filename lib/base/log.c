/* Logging to stderr or syslog with the function name. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "breakglass/base/buf.h"
#include "breakglass/base/log.h"

#define LOG_LINE_MAX 2048

static const char *log_ident = "breakglass";
static enum bg_log_sink log_sink = BG_LOG_STDERR;
static int log_facility = LOG_AUTHPRIV;
static enum bg_log_level log_level = BG_LOG_INFO;

void bg_log_open(const char *ident, enum bg_log_sink sink, int facility)
{
	log_ident = ident != NULL ? ident : "breakglass";
	log_sink = sink;
	log_facility = facility;
}

void bg_log_set_level(enum bg_log_level level)
{
	log_level = level;
}

static int syslog_priority(enum bg_log_level level)
{
	switch (level) {
	case BG_LOG_ERR: return LOG_ERR;
	case BG_LOG_WARN: return LOG_WARNING;
	case BG_LOG_INFO: return LOG_INFO;
	case BG_LOG_DEBUG: return LOG_DEBUG;
	}
	return LOG_ERR;
}

void bg_log_msg(enum bg_log_level level, const char *func, const char *fmt, ...)
{
	char raw[LOG_LINE_MAX];
	struct bg_buf line;
	va_list ap;
	int n;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	n = vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* Escaping can quadruple the size; a cut line still says where. */
	bg_buf_init(&line, strlen(func) + 2 + 4 * LOG_LINE_MAX + 4);
	if (bg_buf_appendf(&line, "%s: ", func) != BG_OK ||
	    bg_buf_append_escaped(&line, raw, strlen(raw)) != BG_OK ||
	    ((size_t)n >= sizeof(raw) && bg_buf_append(&line, "...", 3) != BG_OK)) {
		bg_buf_free(&line);
		return;
	}
	if (log_sink == BG_LOG_SYSLOG)
		syslog(log_facility | syslog_priority(level), "%s", bg_buf_str(&line));
	else
		fprintf(stderr, "%s: %s\n", log_ident, bg_buf_str(&line));
	bg_buf_free(&line);
}
