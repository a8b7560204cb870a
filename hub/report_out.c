/*
 * The report as Markdown (for a paper or an email) and CSV (for a
 * spreadsheet: one row per published number). Only published numbers
 * are written: "<5" and "[c]" never carry the count behind them.
 */
#include <string.h>

#include "hub/report.h"
#include "util/csv.h"

#define NUM_MAX 32

static const char *const note =
    "Counts from 1 to 4 are shown as <5. [c] marks a number hidden so "
    "that a small number cannot be worked out from the others or from "
    "the total.";

/* Category labels come from content/ or are plain ids; a '|' would still
 * break a Markdown table. */
static void
md_text(FILE *fp, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '|')
			fputs("\\|", fp);
		else
			fputc(*s, fp);
	}
}

int
report_write_md(const struct report *r, FILE *fp)
{
	char num[NUM_MAX], d1[NUM_MAX], d2[NUM_MAX];

	fprintf(fp, "# Referrals received %s to %s\n\n", r->from, r->to);
	fprintf(fp, "%s No personal data: counts only.\n\n", note);
	fprintf(fp, "| Figure | Number |\n|---|---:|\n");
	for (int i = 0; i < REPORT_NFIGURES; i++)
		fprintf(fp, "| %s | %s |\n", report_figure_names[i],
		    report_count(r->fig[i], r->fig_mark[i], num, sizeof(num)));
	if (r->times_shown) {
		report_duration(r->median_ms, d1, sizeof(d1));
		report_duration(r->p90_ms, d2, sizeof(d2));
		fprintf(fp,
		    "| Time from receipt to first contact, median | %s |\n"
		    "| Time from receipt to first contact, 90th percentile "
		    "| %s |\n",
		    d1, d2);
	} else {
		fprintf(fp, "| Time from receipt to first contact | not shown "
			    "(fewer than 5 contacts) |\n");
	}
	for (int t = 0; t < REPORT_NTABLES; t++) {
		const struct report_table *tb = &r->t[t];

		fprintf(fp,
		    "\n## %s\n\nCounts %s.\n\n| | Number |\n|---|---:|\n",
		    tb->title, tb->counts);
		for (size_t i = 0; i < tb->n; i++) {
			fputs("| ", fp);
			md_text(fp, tb->cells[i].label);
			fprintf(fp, " | %s |\n",
			    report_count(tb->cells[i].count, tb->cells[i].mark,
				num, sizeof(num)));
		}
		fprintf(fp, "| **Total** | %s |\n",
		    report_count(tb->total, tb->total_mark, num, sizeof(num)));
	}
	return ferror(fp) ? -1 : 0;
}

static void
csv_row(FILE *fp, const char *table, const char *key, const char *label,
    const char *value)
{
	csv_cell(fp, table, 0);
	csv_cell(fp, key, 0);
	csv_cell(fp, label, 0);
	csv_cell(fp, value, 1);
}

int
report_write_csv(const struct report *r, FILE *fp)
{
	char num[NUM_MAX];
	static const char *const fig_keys[REPORT_NFIGURES] = {
	    "received", "withdrawn", "contacted", "missed_standard", "waiting"};

	csv_row(fp, "table", "key", "label", "value");
	csv_row(fp, "period", "from", "From", r->from);
	csv_row(fp, "period", "to", "To", r->to);
	for (int i = 0; i < REPORT_NFIGURES; i++)
		csv_row(fp, "summary", fig_keys[i], report_figure_names[i],
		    report_count(r->fig[i], r->fig_mark[i], num, sizeof(num)));
	if (r->times_shown) {
		report_duration(r->median_ms, num, sizeof(num));
		csv_row(fp, "summary", "contact_median",
		    "Time to first contact, median", num);
		report_duration(r->p90_ms, num, sizeof(num));
		csv_row(fp, "summary", "contact_p90",
		    "Time to first contact, 90th percentile", num);
	}
	for (int t = 0; t < REPORT_NTABLES; t++) {
		const struct report_table *tb = &r->t[t];

		for (size_t i = 0; i < tb->n; i++)
			csv_row(fp, tb->id, tb->cells[i].key,
			    tb->cells[i].label,
			    report_count(tb->cells[i].count, tb->cells[i].mark,
				num, sizeof(num)));
		csv_row(fp, tb->id, "total", "Total",
		    report_count(tb->total, tb->total_mark, num, sizeof(num)));
	}
	return ferror(fp) ? -1 : 0;
}
