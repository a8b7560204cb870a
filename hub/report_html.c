/*
 * The report as one self-contained HTML file: no script, no external
 * resource (a panel member opens it on any computer, offline). Each
 * table sits beside a bar chart drawn here as inline SVG; the table is
 * what a screen reader reads, the chart says it shows the same numbers.
 * Suppressed numbers get no bar of their true length: "<5" a dashed
 * outline of the largest it could be, "[c]" none.
 */
#include <string.h>

#include "hub/report.h"

#define NUM_MAX 32
#define BAR_W 300
#define LABEL_W 210
#define ROW_H 26
#define CHART_W (LABEL_W + BAR_W + 60)

static void
esc(FILE *fp, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", fp);
			break;
		case '<':
			fputs("&lt;", fp);
			break;
		case '>':
			fputs("&gt;", fp);
			break;
		case '"':
			fputs("&quot;", fp);
			break;
		case '\'':
			fputs("&#39;", fp);
			break;
		default:
			fputc(*s, fp);
		}
	}
}

static const char *const style =
    "body{font-family:system-ui,'Noto Sans',sans-serif;color:#111;"
    "background:#fff;margin:2rem auto;max-width:70rem;padding:0 1rem;"
    "line-height:1.45}"
    "h1{font-size:1.7rem}h2{font-size:1.25rem;margin-top:2.2rem;"
    "border-top:1px solid #ccc;padding-top:1rem}"
    ".pair{display:flex;flex-wrap:wrap;gap:2rem;align-items:flex-start}"
    "table{border-collapse:collapse;min-width:18rem}"
    "caption{text-align:left;font-weight:600;padding-bottom:.3rem}"
    "th,td{border:1px solid #bbb;padding:.25rem .6rem;text-align:left}"
    "td{text-align:right;font-variant-numeric:tabular-nums}"
    "tfoot th,tfoot td{font-weight:700}"
    ".note{background:#f3f3f3;border-left:4px solid #555;"
    "padding:.6rem 1rem}"
    "svg text{font-family:system-ui,'Noto Sans',sans-serif;"
    "font-size:13px;fill:#111}";

static void
chart(FILE *fp, const struct report_table *t)
{
	int64_t max = 4;
	char num[NUM_MAX];
	int h = (int)t->n * ROW_H + 10;

	for (size_t i = 0; i < t->n; i++) {
		if (t->cells[i].mark == SUPPRESS_SHOWN &&
		    t->cells[i].count > max)
			max = t->cells[i].count;
		/* With a cell hidden, bars are shares of the total, so
		 * a "<5" outline is not drawn as large as the largest. */
		if (t->cells[i].mark == SUPPRESS_HIDDEN &&
		    t->total_mark == SUPPRESS_SHOWN && t->total > max)
			max = t->total;
	}
	fprintf(fp,
	    "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
	    "aria-label=\"Bar chart of the numbers in the table ",
	    CHART_W, h, CHART_W, h);
	esc(fp, t->title);
	fputs("\">", fp);
	for (size_t i = 0; i < t->n; i++) {
		const struct report_cell *c = &t->cells[i];
		int y = (int)i * ROW_H + 5;
		int w = 0;

		fprintf(fp, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">",
		    LABEL_W - 8, y + 17);
		esc(fp, c->label);
		fputs("</text>", fp);
		if (c->mark == SUPPRESS_SHOWN) {
			w = (int)(c->count * BAR_W / max);
			if (c->count > 0 && w < 2)
				w = 2;
			fprintf(fp,
			    "<rect x=\"%d\" y=\"%d\" width=\"%d\" "
			    "height=\"%d\" fill=\"#1f5f8b\"/>",
			    LABEL_W, y + 3, w, ROW_H - 8);
		} else if (c->mark == SUPPRESS_SMALL) {
			w = (int)(4 * BAR_W / max);
			fprintf(fp,
			    "<rect x=\"%d\" y=\"%d\" width=\"%d\" "
			    "height=\"%d\" fill=\"none\" stroke=\"#1f5f8b\" "
			    "stroke-dasharray=\"4 3\"/>",
			    LABEL_W, y + 3, w < 2 ? 2 : w, ROW_H - 8);
		}
		fprintf(fp, "<text x=\"%d\" y=\"%d\">%s</text>",
		    LABEL_W + w + 6, y + 17,
		    report_count(c->count, c->mark, num, sizeof(num)));
	}
	fputs("</svg></figure>\n", fp);
}

static void
table(FILE *fp, const struct report_table *t)
{
	char num[NUM_MAX];

	fputs("<table><caption>", fp);
	esc(fp, t->title);
	fputs("</caption>\n<thead><tr><th scope=\"col\">Category</th>"
	      "<th scope=\"col\">Number</th></tr></thead>\n<tbody>\n",
	    fp);
	for (size_t i = 0; i < t->n; i++) {
		fputs("<tr><th scope=\"row\">", fp);
		esc(fp, t->cells[i].label);
		fprintf(fp, "</th><td>");
		esc(fp, report_count(t->cells[i].count, t->cells[i].mark, num,
			    sizeof(num)));
		fputs("</td></tr>\n", fp);
	}
	fputs("</tbody>\n<tfoot><tr><th scope=\"row\">Total</th><td>", fp);
	esc(fp, report_count(t->total, t->total_mark, num, sizeof(num)));
	fputs("</td></tr></tfoot></table>\n", fp);
}

int
report_write_html(const struct report *r, FILE *fp)
{
	char num[NUM_MAX], d[NUM_MAX];

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	      "<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, "
	      "initial-scale=1\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" "
	      "content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
	      "<title>",
	    fp);
	fprintf(fp,
	    "Referrals received %s to %s</title>\n<style>%s</style>\n"
	    "</head>\n<body>\n<main>\n",
	    r->from, r->to, style);
	fprintf(fp, "<h1>Referrals received %s to %s</h1>\n", r->from, r->to);
	fputs("<p class=\"note\">Counts only: this report holds no personal "
	      "data. Counts from 1 to 4 are shown as &lt;5. [c] marks a "
	      "number hidden so that a small number cannot be worked out from "
	      "the others or from the total. The standard is first contact "
	      "within 2 working days (weekends and England and Wales bank "
	      "holidays do not count).</p>\n",
	    fp);
	fputs("<section aria-labelledby=\"summary\"><h2 id=\"summary\">"
	      "Summary</h2>\n<table><caption>Summary</caption>\n<tbody>\n",
	    fp);
	for (int i = 0; i < REPORT_NFIGURES; i++)
		fprintf(fp, "<tr><th scope=\"row\">%s</th><td>%s</td></tr>\n",
		    report_figure_names[i],
		    r->fig_mark[i] == SUPPRESS_SMALL
			? "&lt;5"
			: report_count(
			      r->fig[i], r->fig_mark[i], num, sizeof(num)));
	if (r->times_shown) {
		report_duration(r->median_ms, d, sizeof(d));
		fprintf(fp,
		    "<tr><th scope=\"row\">Time from receipt to first "
		    "contact, median</th><td>%s</td></tr>\n",
		    d);
		report_duration(r->p90_ms, d, sizeof(d));
		fprintf(fp,
		    "<tr><th scope=\"row\">Time from receipt to first "
		    "contact, 90th percentile</th><td>%s</td></tr>\n",
		    d);
	} else {
		fputs("<tr><th scope=\"row\">Time from receipt to first "
		      "contact</th><td>not shown (fewer than 5 "
		      "contacts)</td></tr>\n",
		    fp);
	}
	fputs("</tbody></table></section>\n", fp);
	for (int t = 0; t < REPORT_NTABLES; t++) {
		const struct report_table *tb = &r->t[t];

		fprintf(fp,
		    "<section aria-labelledby=\"t-%s\"><h2 id=\"t-%s\">",
		    tb->id, tb->id);
		esc(fp, tb->title);
		fprintf(fp, "</h2>\n<p>Counts %s.</p>\n<div class=\"pair\">\n",
		    tb->counts);
		table(fp, tb);
		chart(fp, tb);
		fputs("</div></section>\n", fp);
	}
	fputs("</main>\n</body>\n</html>\n", fp);
	return ferror(fp) ? -1 : 0;
}
