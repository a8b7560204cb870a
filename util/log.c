#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "util/log.h"

/*
 * The only process-wide state in the project: where log lines go is a
 * property of the process, not of any one context.
 */
static const char *log_prog = "rj";
static int log_is_quiet;

void
log_init(const char *progname)
{
	log_prog = progname;
}

void
log_quiet(int quiet)
{
	log_is_quiet = quiet;
}

static void __attribute__((format(printf, 2, 0)))
log_v(const char *level, const char *fmt, va_list ap)
{
	char ts[32] = "";
	struct timespec now;
	struct tm tm;
	char line[1024];

	if (clock_gettime(CLOCK_REALTIME, &now) == 0 &&
	    gmtime_r(&now.tv_sec, &tm) != NULL)
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	/* Build the whole line first so threads do not interleave. */
	if (vsnprintf(line, sizeof(line), fmt, ap) < 0)
		line[0] = '\0';
	fprintf(stderr, "%s %s[%s] %s\n", ts, log_prog, level, line);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	if (log_is_quiet)
		return;
	va_start(ap, fmt);
	log_v("info", fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_v("warn", fmt, ap);
	va_end(ap);
}

void
log_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_v("error", fmt, ap);
	va_end(ap);
}
