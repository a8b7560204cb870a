#ifndef HUB_STANDARD_H
#define HUB_STANDARD_H

#include <stdint.h>

#include "hub/workdays.h"
#include "store/referrals.h"

/*
 * The service standard: first contact within WORKDAYS_STANDARD working
 * days of receipt (hub/workdays.h). Shared by `hubctl overdue` and the
 * reports so that both count the same thing.
 */

/* The referral's deadline; *beyond set when the bank holiday table ran
 * out on the way. */
int64_t standard_deadline(
    const struct workdays *w, const struct referrals_row *r, int *beyond);

/* 1 if it is overdue now: not contacted, still open, deadline passed. */
int standard_overdue_now(const struct workdays *w,
    const struct referrals_row *r, int64_t now_ms, int *beyond);

/*
 * 1 if it missed the standard as of now_ms: first contact after the
 * deadline, or none and the deadline passed while the case was open
 * (a referral withdrawn or closed before its deadline did not miss it).
 */
int standard_missed(const struct workdays *w, const struct referrals_row *r,
    int64_t now_ms, int *beyond);

#endif
