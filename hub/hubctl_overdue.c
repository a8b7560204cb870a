/*
 * `hubctl overdue`: referrals not contacted within 2 working days of
 * receipt, risk-flagged first, then oldest first, with how late each is.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/hubctl.h"
#include "hub/standard.h"
#include "util/log.h"
#include "util/timefmt.h"

struct late {
	struct referrals_row *v;
	size_t n, cap;
	const struct workdays *w;
	int64_t now;
	int beyond;
};

int
hubctl_load_workdays(struct hubctl *h, struct workdays *w)
{
	char path[PATH_MAX];
	int n = snprintf(
	    path, sizeof(path), "%s/bank-holidays.json", hubctl_content_dir(h));

	if (n < 0 || (size_t)n >= sizeof(path)) {
		log_err("content path too long");
		return -1;
	}
	return workdays_load(w, path);
}

void
hubctl_warn_table(const struct workdays *w, int beyond)
{
	int y, m, d;

	if (!beyond)
		return;
	workdays_to_civil(w->to, &y, &m, &d);
	fprintf(stderr,
	    "WARNING: the bank holiday table (content/bank-holidays.json) "
	    "ends on %04d-%02d-%02d.\n"
	    "Days after it were counted as working days unless they are "
	    "weekends. Add the next\n"
	    "years' England and Wales bank holidays from "
	    "https://www.gov.uk/bank-holidays.\n",
	    y, m, d);
}

static int
collect(void *arg, const struct referrals_row *r)
{
	struct late *l = arg;

	if (!standard_overdue_now(l->w, r, l->now, &l->beyond))
		return 0;
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 32;
		struct referrals_row *nv = realloc(l->v, ncap * sizeof(*nv));
		if (nv == NULL) {
			log_err("out of memory");
			return -1;
		}
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n++] = *r;
	return 0;
}

static int
by_risk_then_age(const void *a, const void *b)
{
	const struct referrals_row *x = a, *y = b;

	if (x->risk != y->risk)
		return y->risk - x->risk;
	return (x->received_at > y->received_at) -
	       (x->received_at < y->received_at);
}

/* Working days from the deadline's day to today's, as staff count it. */
static int
days_late(const struct workdays *w, int64_t deadline, int64_t now, int *beyond)
{
	int32_t day = workdays_london_day(deadline - 1),
		today = workdays_london_day(now);
	int n = 0;

	while (day < today)
		n += workdays_is_working(w, ++day, beyond);
	return n;
}

int
hubctl_overdue(struct hubctl *h, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"as-of", required_argument, NULL, 'a'},
	    {"passphrase-file", required_argument, NULL, 'p'},
	    {NULL, 0, NULL, 0},
	};
	struct workdays w;
	struct late l;
	char recv[TIMEFMT_ISO_LEN], due[TIMEFMT_ISO_LEN];
	int c, rc = 1;

	memset(&l, 0, sizeof(l));
	l.now = db_now_ms();
	optind = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'a' && timefmt_parse(optarg, &l.now) == 0)
			continue;
		if (c == 'p') {
			h->passfile = optarg;
			continue;
		}
		log_err("usage: hubctl overdue [--as-of DATE]");
		return 2;
	}
	if (optind != argc) {
		log_err("usage: hubctl overdue [--as-of DATE]");
		return 2;
	}
	if (hubctl_ingest(h) != 0 || hubctl_load_workdays(h, &w) != 0)
		return 1;
	l.w = &w;
	if (referrals_each(h->db, NULL, 0, collect, &l) != 0)
		goto out;
	qsort(l.v, l.n, sizeof(*l.v), by_risk_then_age);
	printf("%-17s %-8s %-24s %-24s %-12s %-9s %s\n", "REFERENCE", "CHANNEL",
	    "RECEIVED", "DUE BY", "SPOKE", "LATE", "FLAGS");
	for (size_t i = 0; i < l.n; i++) {
		const struct referrals_row *r = &l.v[i];
		int64_t deadline = standard_deadline(&w, r, &l.beyond);
		char late[16];

		hubctl_iso(r->received_at, recv, sizeof(recv));
		hubctl_iso(deadline, due, sizeof(due));
		snprintf(late, sizeof(late), "%dwd",
		    days_late(&w, deadline, l.now, &l.beyond));
		printf("%-17s %-8s %-24s %-24s %-12s %-9s %s\n", r->ref,
		    r->channel, recv, due, r->spoke, late,
		    r->risk ? (r->risk_assessed_at != 0 ? "risk-assessed"
							: "risk-check")
			    : "");
	}
	printf("%zu referral(s) not contacted within %d working days.\n", l.n,
	    WORKDAYS_STANDARD);
	hubctl_warn_table(&w, l.beyond);
	rc = 0;
out:
	free(l.v);
	return rc;
}
