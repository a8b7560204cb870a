#ifndef STORE_CASES_H
#define STORE_CASES_H

#include <stddef.h>
#include <stdint.h>

#include "store/db.h"

/*
 * The case file on the staff machine: each referral's status and the
 * events staff record on it (who, when, what). The rules for which
 * event may follow which are in hub/casestate.h.
 */
#define CASES_TEXT_MAX 2000
#define CASES_STAFF_MAX 64

enum cases_time {
	CASES_RISK_ASSESSED_AT,
	CASES_CONTACTED_AT,
	CASES_CLOSED_AT,
};

struct cases_event {
	int64_t at;
	char staff[CASES_STAFF_MAX];
	char event[32];
	const char *detail; /* NULL or text; valid during the callback */
};

int cases_event_add(struct db *db, const char *ref, int64_t at,
    const char *staff, const char *event, const char *detail);
int cases_set_status(struct db *db, const char *ref, const char *status);
/* Sets the time once: the first contact stays the first. */
int cases_set_time(
    struct db *db, const char *ref, enum cases_time which, int64_t at);
int cases_set_outcome(struct db *db, const char *ref, const char *outcome);
/* Events in the order they were recorded. */
int cases_each_event(struct db *db, const char *ref,
    int (*fn)(void *arg, const struct cases_event *e), void *arg);

#endif
