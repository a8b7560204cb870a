#ifndef HUB_REPORT_H
#define HUB_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hub/routing.h"
#include "hub/suppress.h"
#include "hub/workdays.h"
#include "store/referrals.h"
#include "util/content.h"

/*
 * A report with no personal data, for the commissioner and the User
 * Scrutiny Panel: referrals received in a period, counted by channel,
 * venue, borough, spoke, kind of crime, stage, language, status and
 * outcome; the 2-working-day standard; time to first contact. Built
 * from the index only (nothing is decrypted), then every count is made
 * safe to publish (hub/suppress.h) before anything is written.
 *
 * Withdrawn referrals are counted by channel, spoke, language and
 * status; their other categories were deleted with their personal data,
 * so the venue, borough, crime and stage tables count the referrals
 * that were not withdrawn.
 */
#define REPORT_CELLS_MAX 64
#define REPORT_LABEL_MAX 96
/* Fewer contacts than this and no median or 90th percentile is shown. */
#define REPORT_TIMES_MIN SUPPRESS_MIN

enum report_table_id {
	REPORT_CHANNEL,
	REPORT_VENUE,
	REPORT_BOROUGH,
	REPORT_SPOKE,
	REPORT_CRIME,
	REPORT_STAGE,
	REPORT_LANGUAGE,
	REPORT_STATUS,
	REPORT_OUTCOME,
	REPORT_NTABLES,
};

struct report_cell {
	char key[REFERRALS_CAT_MAX];
	char label[REPORT_LABEL_MAX];
	int64_t count;
	enum suppress_mark mark;
};

struct report_table {
	const char *id; /* "channel" */
	const char *title; /* "Referrals by channel" */
	const char *counts; /* what the table counts */
	struct report_cell cells[REPORT_CELLS_MAX];
	size_t n;
	int64_t total;
	enum suppress_mark total_mark;
	int overflow;
};

/* Figures shown on their own. */
enum report_figure {
	REPORT_RECEIVED,
	REPORT_WITHDRAWN,
	REPORT_CONTACTED,
	REPORT_MISSED,
	REPORT_WAITING,
	REPORT_NFIGURES,
};

struct report {
	char from[11], to[11]; /* YYYY-MM-DD, inclusive */
	int64_t from_ms, to_ms; /* [from_ms, to_ms) */
	int64_t now_ms;
	struct report_table t[REPORT_NTABLES];
	int64_t fig[REPORT_NFIGURES];
	enum suppress_mark fig_mark[REPORT_NFIGURES];
	int64_t *contact_ms; /* time to first contact, each contacted one */
	size_t ncontact, capcontact;
	int times_shown;
	int64_t median_ms, p90_ms;
	int beyond; /* the bank holiday table ran out */
	const struct workdays *w;
	const struct routing *routing;
	const struct content *labels; /* en/kiosk.json, may be NULL */
	const struct content_langs *langs; /* may be NULL */
};

/* Dates are London days, "YYYY-MM-DD"; to is included. */
int report_init(struct report *r, const char *from, const char *to,
    int64_t now_ms, const struct workdays *w, const struct routing *routing,
    const struct content *labels, const struct content_langs *langs);
void report_free(struct report *r);
/* Count one referral (ignored when received outside the period). */
int report_add(struct report *r, const struct referrals_row *row);
/* Percentiles and suppression; call once, after the last report_add. */
int report_finish(struct report *r);

/* A count as published: "12", "0", "<5" or "[c]". */
const char *report_count(
    int64_t count, enum suppress_mark mark, char *buf, size_t cap);
/* "1.5 days" */
void report_duration(int64_t ms, char *buf, size_t cap);
extern const char *const report_figure_names[REPORT_NFIGURES];

int report_write_md(const struct report *r, FILE *fp);
int report_write_csv(const struct report *r, FILE *fp);
int report_write_html(const struct report *r, FILE *fp); /* report_html.c */

#endif
