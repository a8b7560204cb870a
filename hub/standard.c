#include <string.h>

#include "hub/standard.h"

int64_t
standard_deadline(
    const struct workdays *w, const struct referrals_row *r, int *beyond)
{
	return workdays_deadline(w, r->received_at, WORKDAYS_STANDARD, beyond);
}

int
standard_overdue_now(const struct workdays *w, const struct referrals_row *r,
    int64_t now_ms, int *beyond)
{
	if (r->contacted_at != 0 || r->closed_at != 0 || r->withdrawn_at != 0)
		return 0;
	return now_ms >= standard_deadline(w, r, beyond);
}

int
standard_missed(const struct workdays *w, const struct referrals_row *r,
    int64_t now_ms, int *beyond)
{
	int64_t deadline = standard_deadline(w, r, beyond), end = now_ms;

	if (r->contacted_at != 0)
		return r->contacted_at >= deadline;
	if (r->withdrawn_at != 0 && r->withdrawn_at < end)
		end = r->withdrawn_at;
	if (r->closed_at != 0 && r->closed_at < end)
		end = r->closed_at;
	return end >= deadline;
}
