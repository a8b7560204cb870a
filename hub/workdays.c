#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hub/workdays.h"
#include "util/log.h"

#define MS_PER_DAY (86400LL * 1000)
#define MS_PER_HOUR (3600LL * 1000)

/* Howard Hinnant's days_from_civil: exact for the proleptic Gregorian
 * calendar, no time zone database involved. */
int32_t
workdays_from_civil(int y, int m, int d)
{
	int era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
workdays_to_civil(int32_t z, int *y, int *m, int *d)
{
	int era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

int
workdays_parse(const char *s, int32_t *day)
{
	int y, m, d, n = 0, dy, dm, dd;

	if (strlen(s) != 10 ||
	    sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 ||
	    m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	*day = workdays_from_civil(y, m, d);
	workdays_to_civil(*day, &dy, &dm, &dd);
	return dy == y && dm == m && dd == d ? 0 : -1;
}

int
workdays_weekday(int32_t day)
{
	/* 1970-01-01 was a Thursday (3). */
	int w = (int)((day + 3) % 7);

	return w < 0 ? w + 7 : w;
}

static int32_t
last_sunday(int y, int m)
{
	int32_t last = workdays_from_civil(y, m, 31);

	return last - (workdays_weekday(last) + 1) % 7;
}

/* 1 when London keeps BST at this instant. */
static int
bst(int64_t ms)
{
	int y, m, d;
	int64_t start, end;

	workdays_to_civil((int32_t)(ms / MS_PER_DAY), &y, &m, &d);
	start = (int64_t)last_sunday(y, 3) * MS_PER_DAY + MS_PER_HOUR;
	end = (int64_t)last_sunday(y, 10) * MS_PER_DAY + MS_PER_HOUR;
	return ms >= start && ms < end;
}

int32_t
workdays_london_day(int64_t ms)
{
	int64_t local = ms + (bst(ms) ? MS_PER_HOUR : 0);

	return (int32_t)(local >= 0 ? local / MS_PER_DAY
				    : (local - MS_PER_DAY + 1) / MS_PER_DAY);
}

int64_t
workdays_london_midnight(int32_t day)
{
	int64_t utc = (int64_t)day * MS_PER_DAY;

	/* An hour earlier in summer; the switches happen at 01:00 UTC, so
	 * midnight either side of them is never ambiguous. */
	return bst(utc - MS_PER_HOUR) ? utc - MS_PER_HOUR : utc;
}

static int
cmp_day(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

int
workdays_load(struct workdays *w, const char *path)
{
	json_t *root, *dates, *v;
	json_error_t err;
	size_t i;
	int rc = -1;

	memset(w, 0, sizeof(*w));
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
	if (root == NULL) {
		log_err("%s: %s (line %d)", path, err.text, err.line);
		return -1;
	}
	dates = json_object_get(root, "dates");
	if (!json_is_string(json_object_get(root, "from")) ||
	    !json_is_string(json_object_get(root, "to")) ||
	    workdays_parse(json_string_value(json_object_get(root, "from")),
		&w->from) != 0 ||
	    workdays_parse(
		json_string_value(json_object_get(root, "to")), &w->to) != 0 ||
	    w->to < w->from || !json_is_array(dates) ||
	    json_array_size(dates) > WORKDAYS_MAX) {
		log_err("%s: needs \"from\", \"to\" and \"dates\" "
			"(YYYY-MM-DD)",
		    path);
		goto out;
	}
	json_array_foreach(dates, i, v)
	{
		if (!json_is_string(v) ||
		    workdays_parse(json_string_value(v), &w->holidays[i]) !=
			0 ||
		    w->holidays[i] < w->from || w->holidays[i] > w->to) {
			log_err("%s: bad date at position %zu (or outside "
				"from..to)",
			    path, i + 1);
			goto out;
		}
	}
	w->n = json_array_size(dates);
	qsort(w->holidays, w->n, sizeof(w->holidays[0]), cmp_day);
	rc = 0;
out:
	json_decref(root);
	return rc;
}

int
workdays_is_working(const struct workdays *w, int32_t day, int *beyond)
{
	if (workdays_weekday(day) >= 5)
		return 0;
	if (day < w->from || day > w->to) {
		*beyond = 1;
		return 1;
	}
	return bsearch(&day, w->holidays, w->n, sizeof(w->holidays[0]),
		   cmp_day) == NULL;
}

int64_t
workdays_deadline(
    const struct workdays *w, int64_t received_ms, int n, int *beyond)
{
	int32_t day = workdays_london_day(received_ms);

	while (n > 0) {
		day++;
		if (workdays_is_working(w, day, beyond))
			n--;
	}
	return workdays_london_midnight(day + 1);
}
