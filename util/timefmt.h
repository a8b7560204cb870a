#ifndef UTIL_TIMEFMT_H
#define UTIL_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#define TIMEFMT_ISO_LEN 25 /* "2026-11-23T03:25:00.123Z" + NUL */

/* Milliseconds since 1970 as ISO-8601 UTC with milliseconds. */
int timefmt_iso(int64_t ms, char *out, size_t cap);
/* "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SSZ" or with ".mmmZ"; UTC only. */
int timefmt_parse(const char *in, int64_t *ms)
    __attribute__((warn_unused_result));

#endif
