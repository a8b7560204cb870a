#ifndef HUB_WORKDAYS_H
#define HUB_WORKDAYS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Working days in England and Wales: not Saturday or Sunday, not a bank
 * holiday from content/bank-holidays.json. Days are London calendar
 * days (GMT, or BST from 01:00 UTC on the last Sunday of March to 01:00
 * UTC on the last Sunday of October), numbered from 1970-01-01.
 *
 * The service standard: contact within 2 working days of receipt. The
 * day a referral arrives does not count; the deadline is the end
 * (London midnight) of the second working day after it.
 */
#define WORKDAYS_MAX 512
#define WORKDAYS_STANDARD 2

struct workdays {
	int32_t holidays[WORKDAYS_MAX]; /* sorted */
	size_t n;
	int32_t from, to; /* the days the table covers */
};

int workdays_load(struct workdays *w, const char *path);

/* Day number of a civil date, and back ("YYYY-MM-DD", 11 bytes). */
int32_t workdays_from_civil(int y, int m, int d);
void workdays_to_civil(int32_t day, int *y, int *m, int *d);
/* "YYYY-MM-DD" to a day number; -1 when not a date. */
int workdays_parse(const char *s, int32_t *day);

/* 0 Monday .. 6 Sunday. */
int workdays_weekday(int32_t day);
/* The London calendar day of an instant (milliseconds since 1970). */
int32_t workdays_london_day(int64_t ms);
/* The instant London's day `day` begins. */
int64_t workdays_london_midnight(int32_t day);

/* 1 if a working day. *beyond is set when the day is outside the table
 * (then only weekends count). */
int workdays_is_working(const struct workdays *w, int32_t day, int *beyond);

/* The end of the n-th working day after the day of received_ms. */
int64_t workdays_deadline(
    const struct workdays *w, int64_t received_ms, int n, int *beyond);

#endif
