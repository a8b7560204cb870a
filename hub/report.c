#include <stdlib.h>
#include <string.h>

#include "hub/casestate.h"
#include "hub/report.h"
#include "hub/standard.h"
#include "util/log.h"

#define MS_PER_DAY (86400LL * 1000)

const char *const report_figure_names[REPORT_NFIGURES] = {
    "Referrals received",
    "Withdrawn",
    "Contacted",
    "Not contacted within 2 working days",
    "Still waiting for first contact",
};

static const struct {
	const char *id, *title, *counts;
} tables[REPORT_NTABLES] = {
    {"channel", "Referrals by channel", "all referrals"},
    {"venue", "Referrals by venue", "referrals not withdrawn"},
    {"borough", "Referrals by borough", "referrals not withdrawn"},
    {"spoke", "Referrals by spoke", "all referrals"},
    {"crime", "Referrals by kind of crime", "referrals not withdrawn"},
    {"stage", "Referrals by stage of the justice system",
	"referrals not withdrawn"},
    {"language", "Referrals by language", "all referrals"},
    {"status", "Referrals by status today", "all referrals"},
    {"outcome", "Closed cases by outcome", "closed cases"},
};

int
report_init(struct report *r, const char *from, const char *to, int64_t now_ms,
    const struct workdays *w, const struct routing *routing,
    const struct content *labels, const struct content_langs *langs)
{
	int32_t d0, d1;

	memset(r, 0, sizeof(*r));
	if (workdays_parse(from, &d0) != 0 || workdays_parse(to, &d1) != 0 ||
	    d1 < d0) {
		log_err("--from and --to want YYYY-MM-DD, from not after to");
		return -1;
	}
	snprintf(r->from, sizeof(r->from), "%s", from);
	snprintf(r->to, sizeof(r->to), "%s", to);
	r->from_ms = workdays_london_midnight(d0);
	r->to_ms = workdays_london_midnight(d1 + 1);
	r->now_ms = now_ms;
	r->w = w;
	r->routing = routing;
	r->labels = labels;
	r->langs = langs;
	for (int i = 0; i < REPORT_NTABLES; i++) {
		r->t[i].id = tables[i].id;
		r->t[i].title = tables[i].title;
		r->t[i].counts = tables[i].counts;
	}
	/* Every outcome and status is listed, even at 0: a reader sees
	 * what could have happened. */
	for (size_t i = 0; casestate_outcomes[i] != NULL; i++)
		snprintf(
		    r->t[REPORT_OUTCOME].cells[r->t[REPORT_OUTCOME].n++].key,
		    REFERRALS_CAT_MAX, "%s", casestate_outcomes[i]);
	static const char *const statuses[] = {CASESTATE_S_RECEIVED,
	    CASESTATE_S_ASSIGNED, CASESTATE_S_CONTACTED,
	    CASESTATE_S_IN_PROGRESS, CASESTATE_S_CLOSED, CASESTATE_S_WITHDRAWN};
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		snprintf(r->t[REPORT_STATUS].cells[r->t[REPORT_STATUS].n++].key,
		    REFERRALS_CAT_MAX, "%s", statuses[i]);
	return 0;
}

void
report_free(struct report *r)
{
	free(r->contact_ms);
	r->contact_ms = NULL;
}

/* "" counts as "not given". */
static void
count(struct report_table *t, const char *key)
{
	const char *k = key[0] != '\0' ? key : "not-given";

	for (size_t i = 0; i < t->n; i++) {
		if (strcmp(t->cells[i].key, k) == 0) {
			t->cells[i].count++;
			t->total++;
			return;
		}
	}
	if (t->n == REPORT_CELLS_MAX) {
		t->overflow = 1; /* counted in the total only */
		t->total++;
		return;
	}
	snprintf(t->cells[t->n].key, sizeof(t->cells[t->n].key), "%s", k);
	t->cells[t->n].count = 1;
	t->n++;
	t->total++;
}

int
report_add(struct report *r, const struct referrals_row *row)
{
	int withdrawn = row->withdrawn_at != 0;

	if (row->received_at < r->from_ms || row->received_at >= r->to_ms)
		return 0;
	r->fig[REPORT_RECEIVED]++;
	r->fig[REPORT_WITHDRAWN] += withdrawn;
	count(&r->t[REPORT_CHANNEL], row->channel);
	count(&r->t[REPORT_SPOKE], row->spoke);
	count(&r->t[REPORT_LANGUAGE], row->language);
	count(&r->t[REPORT_STATUS],
	    withdrawn ? CASESTATE_S_WITHDRAWN
		      : (row->status[0] ? row->status : CASESTATE_S_RECEIVED));
	if (!withdrawn) {
		/* SMS referrals come from no venue. */
		count(&r->t[REPORT_VENUE],
		    strcmp(row->channel, "sms") == 0 ? "sms" : row->venue);
		count(&r->t[REPORT_BOROUGH], row->borough);
		count(&r->t[REPORT_CRIME], row->crime);
		count(&r->t[REPORT_STAGE], row->stage);
	}
	if (row->closed_at != 0 && !withdrawn)
		count(&r->t[REPORT_OUTCOME], row->outcome);
	if (standard_missed(r->w, row, r->now_ms, &r->beyond))
		r->fig[REPORT_MISSED]++;
	if (row->contacted_at == 0 && row->closed_at == 0 && !withdrawn)
		r->fig[REPORT_WAITING]++;
	if (row->contacted_at != 0) {
		r->fig[REPORT_CONTACTED]++;
		if (r->ncontact == r->capcontact) {
			size_t ncap = r->capcontact ? r->capcontact * 2 : 64;
			int64_t *nv =
			    realloc(r->contact_ms, ncap * sizeof(*nv));
			if (nv == NULL) {
				log_err("out of memory");
				return -1;
			}
			r->contact_ms = nv;
			r->capcontact = ncap;
		}
		r->contact_ms[r->ncontact++] =
		    row->contacted_at - row->received_at;
	}
	return 0;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Nearest rank: the smallest value with at least p% at or below it. */
static int64_t
percentile(const int64_t *v, size_t n, int p)
{
	size_t rank = ((size_t)p * n + 99) / 100;

	return v[rank > 0 ? rank - 1 : 0];
}

static void
label(struct report *r, enum report_table_id t, struct report_cell *c)
{
	char key[REFERRALS_CAT_MAX + 16];
	const char *prefix = t == REPORT_CRIME     ? "crime_"
			     : t == REPORT_STAGE   ? "stage_"
			     : t == REPORT_BOROUGH ? "borough_"
						   : NULL;
	const char *text = NULL;

	if (strcmp(c->key, "not-given") == 0) {
		snprintf(c->label, sizeof(c->label), "Not given");
		return;
	}
	if (t == REPORT_VENUE && strcmp(c->key, "sms") == 0) {
		snprintf(c->label, sizeof(c->label), "SMS (no venue)");
		return;
	}
	if (t == REPORT_CHANNEL) {
		snprintf(c->label, sizeof(c->label), "%s",
		    strcmp(c->key, "sms") == 0     ? "SMS (text message)"
		    : strcmp(c->key, "kiosk") == 0 ? "Kiosk"
						   : c->key);
		return;
	}
	for (size_t i = 0;
	     t == REPORT_LANGUAGE && r->langs != NULL && i < r->langs->n; i++) {
		if (strcmp(r->langs->lang[i].code, c->key) == 0) {
			snprintf(c->label, sizeof(c->label), "%s",
			    r->langs->lang[i].english);
			return;
		}
	}
	if (prefix != NULL && r->labels != NULL) {
		snprintf(key, sizeof(key), "%s%s", prefix, c->key);
		for (char *p = key; *p != '\0'; p++)
			if (*p == '-')
				*p = '_';
		text = content_get(r->labels, key);
	}
	snprintf(
	    c->label, sizeof(c->label), "%s", text != NULL ? text : c->key);
}

/* Borough cells of one spoke: the spoke's count is published too. */
static int
protect_spokes(struct report *r)
{
	struct report_table *b = &r->t[REPORT_BOROUGH];
	struct report_table *s = &r->t[REPORT_SPOKE];
	int64_t counts[REPORT_CELLS_MAX];
	enum suppress_mark marks[REPORT_CELLS_MAX];
	size_t idx[REPORT_CELLS_MAX];

	for (size_t i = 0; i < b->n; i++) {
		counts[i] = b->cells[i].count;
		marks[i] = b->cells[i].mark;
	}
	for (size_t si = 0; si < s->n; si++) {
		size_t k = 0;

		/* Only a spoke count published exactly is a known sum. */
		if (s->cells[si].mark != SUPPRESS_SHOWN)
			continue;
		for (size_t i = 0; i < b->n; i++)
			if (strcmp(
				routing_spoke_for(r->routing, b->cells[i].key),
				s->cells[si].key) == 0)
				idx[k++] = i;
		if (k > 0 &&
		    suppress_group(counts, marks, idx, k) == SUPPRESS_TOTAL)
			s->cells[si].mark = SUPPRESS_HIDDEN;
	}
	for (size_t i = 0; i < b->n; i++)
		b->cells[i].mark = marks[i];
	return 0;
}

static int
protect(struct report_table *t)
{
	int64_t counts[REPORT_CELLS_MAX];
	enum suppress_mark marks[REPORT_CELLS_MAX];

	for (size_t i = 0; i < t->n; i++) {
		counts[i] = t->cells[i].count;
		marks[i] = t->cells[i].mark;
	}
	if (t->total_mark == SUPPRESS_SHOWN)
		t->total_mark = suppress_one(t->total);
	/* A total of 1 to 4 is "<5" itself, and every cell under it is
	 * "<5" or 0: nothing can be subtracted. Otherwise the reader knows
	 * the total; a table whose cells cannot all be made safe loses it
	 * too, as does one with cells beyond what it lists. */
	if (t->total_mark == SUPPRESS_SMALL) {
		for (size_t i = 0; i < t->n; i++)
			if (marks[i] == SUPPRESS_SHOWN)
				marks[i] = suppress_one(counts[i]);
	} else if (suppress_table(counts, marks, t->n) == SUPPRESS_TOTAL ||
		   t->overflow) {
		t->total_mark = SUPPRESS_HIDDEN;
	}
	for (size_t i = 0; i < t->n; i++)
		t->cells[i].mark = marks[i];
	return 0;
}

static int
by_count(const void *a, const void *b)
{
	const struct report_cell *x = a, *y = b;

	if (x->count != y->count)
		return (y->count > x->count) - (y->count < x->count);
	return strcmp(x->key, y->key);
}

int
report_finish(struct report *r)
{
	for (int i = 0; i < REPORT_NTABLES; i++) {
		/* Fixed lists keep their order; the rest, largest first. */
		if (i != REPORT_STATUS && i != REPORT_OUTCOME)
			qsort(r->t[i].cells, r->t[i].n,
			    sizeof(r->t[i].cells[0]), by_count);
		for (size_t c = 0; c < r->t[i].n; c++)
			label(r, (enum report_table_id)i, &r->t[i].cells[c]);
	}
	/* Repeat until nothing more is hidden: hiding a cell for one
	 * constraint never makes another unsafe, so this ends. */
	for (int pass = 0; pass < 3; pass++) {
		for (int i = 0; i < REPORT_NTABLES; i++)
			protect(&r->t[i]);
		protect_spokes(r);
	}
	for (int i = 0; i < REPORT_NFIGURES; i++)
		r->fig_mark[i] = suppress_one(r->fig[i]);
	if (r->ncontact >= REPORT_TIMES_MIN) {
		qsort(r->contact_ms, r->ncontact, sizeof(int64_t), cmp_i64);
		r->median_ms = percentile(r->contact_ms, r->ncontact, 50);
		r->p90_ms = percentile(r->contact_ms, r->ncontact, 90);
		r->times_shown = 1;
	}
	return 0;
}

const char *
report_count(int64_t n, enum suppress_mark mark, char *buf, size_t cap)
{
	if (mark == SUPPRESS_SMALL)
		snprintf(buf, cap, "<5");
	else if (mark == SUPPRESS_HIDDEN)
		snprintf(buf, cap, "[c]");
	else
		snprintf(buf, cap, "%lld", (long long)n);
	return buf;
}

void
report_duration(int64_t ms, char *buf, size_t cap)
{
	int64_t tenths = (ms * 10 + MS_PER_DAY / 2) / MS_PER_DAY;

	snprintf(buf, cap, "%lld.%lld days", (long long)(tenths / 10),
	    (long long)(tenths % 10));
}
