#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/timefmt.h"

int
timefmt_iso(int64_t ms, char *out, size_t cap)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	int n;

	if (ms < 0 || gmtime_r(&t, &tm) == NULL)
		return -1;
	n = snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, (int)(ms % 1000));
	return (n < 0 || (size_t)n >= cap) ? -1 : 0;
}

/* sscanf's %d also takes spaces and signs: check the shape first. */
static int
shape_ok(const char *in, const char *shape)
{
	for (; *shape != '\0'; in++, shape++) {
		if (*shape == 'd' ? (*in < '0' || *in > '9') : *in != *shape)
			return 0;
	}
	return *in == '\0';
}

int
timefmt_parse(const char *in, int64_t *ms)
{
	struct tm tm;
	int y, mo, d, h = 0, mi = 0, s = 0, frac = 0, used = 0;
	size_t len = strlen(in);
	time_t t;

	if (!shape_ok(in, "dddd-dd-dd") &&
	    !shape_ok(in, "dddd-dd-ddTdd:dd:ddZ") &&
	    !shape_ok(in, "dddd-dd-ddTdd:dd:dd.dddZ"))
		return -1;
	if (len == 10) {
		if (sscanf(in, "%4d-%2d-%2d%n", &y, &mo, &d, &used) != 3)
			return -1;
	} else if (len == 20) {
		if (sscanf(in, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &d, &h,
			&mi, &s, &used) != 6)
			return -1;
	} else if (len == 24) {
		if (sscanf(in, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ%n", &y, &mo, &d,
			&h, &mi, &s, &frac, &used) != 7)
			return -1;
	} else {
		return -1;
	}
	if ((size_t)used != len || y < 1970 || y > 9999 || mo < 1 || mo > 12 ||
	    d < 1 || d > 31 || h > 23 || mi > 59 || s > 59 || frac < 0 ||
	    h < 0 || mi < 0 || s < 0)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	t = timegm(&tm);
	/* timegm normalises 31 February into March: refuse that. */
	if (t == (time_t)-1 || tm.tm_mday != d || tm.tm_mon != mo - 1)
		return -1;
	*ms = (int64_t)t * 1000 + frac;
	return 0;
}
