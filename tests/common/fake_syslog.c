/* The fake syslog of fake_syslog.h: the fortified build calls
 * __syslog_chk, the sanitizer build syslog, and both land here. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "fake_syslog.h"

int fake_calls, fake_pri;
char fake_text[70000];

void __syslog_chk(int pri, int flag, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fake_record(int pri, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void fake_record(int pri, const char *fmt, va_list ap)
{
	fake_calls++;
	fake_pri = pri;
	vsnprintf(fake_text, sizeof(fake_text), fmt, ap);
}

void syslog(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fake_record(pri, fmt, ap);
	va_end(ap);
}

void __syslog_chk(int pri, int flag, const char *fmt, ...)
{
	va_list ap;

	(void)flag;
	va_start(ap, fmt);
	fake_record(pri, fmt, ap);
	va_end(ap);
}

void fake_reset(void)
{
	fake_calls = 0;
	fake_pri = -1;
	fake_text[0] = '\0';
}
