/* Logging to stderr or syslog, each line tagged with the calling function
 * and stripped of control characters. */
#ifndef BREAKGLASS_LOG_H
#define BREAKGLASS_LOG_H

enum bg_log_level {
	BG_LOG_ERR = 0,
	BG_LOG_WARN = 1,
	BG_LOG_INFO = 2,
	BG_LOG_DEBUG = 3,
};

enum bg_log_sink {
	BG_LOG_STDERR = 0,
	BG_LOG_SYSLOG = 1,
};

/* Where lines go; ident prefixes stderr lines, facility tags syslog ones
 * (openlog stays with the program: a PAM module must not change it). */
void bg_log_open(const char *ident, enum bg_log_sink sink, int facility);
/* Lines above this level are dropped (default BG_LOG_INFO). */
void bg_log_set_level(enum bg_log_level level);

void bg_log_msg(enum bg_log_level level, const char *func, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define bg_error(...) bg_log_msg(BG_LOG_ERR, __func__, __VA_ARGS__)
#define bg_warn(...) bg_log_msg(BG_LOG_WARN, __func__, __VA_ARGS__)
#define bg_info(...) bg_log_msg(BG_LOG_INFO, __func__, __VA_ARGS__)
#define bg_debug(...) bg_log_msg(BG_LOG_DEBUG, __func__, __VA_ARGS__)

#endif
