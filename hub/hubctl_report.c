/*
 * `hubctl report --from DATE --to DATE --format md|csv|html [-o FILE]`:
 * counts for the commissioner and the User Scrutiny Panel, with small
 * numbers suppressed (hub/report.h). Built from the index alone.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/hubctl.h"
#include "hub/report.h"
#include "util/file.h"
#include "util/log.h"
#include "util/timefmt.h"

static int
add(void *arg, const struct referrals_row *row)
{
	return report_add(arg, row);
}

int
hubctl_report(struct hubctl *h, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"from", required_argument, NULL, 'f'},
	    {"to", required_argument, NULL, 't'},
	    {"format", required_argument, NULL, 'F'},
	    {"out", required_argument, NULL, 'o'},
	    {"as-of", required_argument, NULL, 'a'},
	    {"passphrase-file", required_argument, NULL, 'p'},
	    {NULL, 0, NULL, 0},
	};
	const char *from = NULL, *to = NULL, *format = NULL, *out = NULL;
	struct workdays w;
	struct content labels;
	struct content_langs *langs = NULL;
	struct report *r = NULL;
	int64_t now = db_now_ms();
	int c, have_labels = 0, rc = 1, wrc = -1;
	FILE *fp = NULL;

	optind = 0;
	while ((c = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			from = optarg;
			break;
		case 't':
			to = optarg;
			break;
		case 'F':
			format = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'a':
			if (timefmt_parse(optarg, &now) != 0) {
				log_err("--as-of wants YYYY-MM-DD");
				return 2;
			}
			break;
		case 'p':
			h->passfile = optarg;
			break;
		default:
			return 2;
		}
	}
	if (optind != argc || from == NULL || to == NULL || format == NULL ||
	    (strcmp(format, "md") != 0 && strcmp(format, "csv") != 0 &&
		strcmp(format, "html") != 0)) {
		log_err("usage: hubctl report --from YYYY-MM-DD --to "
			"YYYY-MM-DD --format md|csv|html [-o FILE]");
		return 2;
	}
	if (hubctl_ingest(h) != 0 || hubctl_load_workdays(h, &w) != 0)
		return 1;
	/* Category names in plain English, from the kiosk's own words. */
	if (content_load(&labels, hubctl_content_dir(h), "en", "kiosk") == 0)
		have_labels = 1;
	else
		log_warn("no content/en/kiosk.json: categories shown as ids");
	langs = calloc(1, sizeof(*langs));
	if (langs != NULL &&
	    content_langs_load(langs, hubctl_content_dir(h)) != 0) {
		free(langs);
		langs = NULL;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		log_err("out of memory");
		goto out;
	}
	if (report_init(r, from, to, now, &w, &h->routing,
		have_labels ? &labels : NULL, langs) != 0) {
		rc = 2;
		goto out;
	}
	if (referrals_each(h->db, NULL, 0, add, r) != 0 ||
	    report_finish(r) != 0)
		goto out;
	fp = file_create_stream(out, 0644);
	if (fp == NULL)
		goto out;
	if (strcmp(format, "md") == 0)
		wrc = report_write_md(r, fp);
	else if (strcmp(format, "csv") == 0)
		wrc = report_write_csv(r, fp);
	else
		wrc = report_write_html(r, fp);
	if (wrc != 0 || fflush(fp) != 0) {
		log_err("report: write failed");
		goto out;
	}
	hubctl_warn_table(&w, r->beyond);
	rc = 0;
out:
	if (fp != NULL && fp != stdout && fclose(fp) != 0)
		rc = 1;
	if (r != NULL)
		report_free(r);
	free(r);
	free(langs);
	if (have_labels)
		content_free(&labels);
	return rc;
}
