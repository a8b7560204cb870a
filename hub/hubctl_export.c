/*
 * hubctl export: every referral as CSV or JSON, decrypted, written to a
 * new 0600 file (never an existing one) or to standard output.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "crypto/envelope.h"
#include "crypto/refcode.h"
#include "hub/hubctl.h"
#include "hub/hubctl_staff.h"
#include "store/inbox.h"
#include "store/referrals.h"
#include "util/csv.h"
#include "util/file.h"
#include "util/jsonmem.h"
#include "util/log.h"
#include "util/timefmt.h"

/* Follows "a.b" into nested objects. */
static json_t *
path_get(json_t *o, const char *path)
{
	char key[64];
	const char *dot;

	while ((dot = strchr(path, '.')) != NULL) {
		if ((size_t)(dot - path) >= sizeof(key))
			return NULL;
		memcpy(key, path, (size_t)(dot - path));
		key[dot - path] = '\0';
		o = json_object_get(o, key);
		path = dot + 1;
	}
	return json_object_get(o, path);
}

static const char *const csv_cols[] = {
    "contact.name",
    "contact.phone",
    "contact.email",
    "contact.method",
    "contact.time",
    "contact.voicemail_ok",
    "borough",
    "eligibility.offence_in_london",
    "eligibility.lives_in_london",
    "access_needs",
    "details",
    "consent.wording_version",
    "consent.given_at",
};
#define NCSV (sizeof(csv_cols) / sizeof(csv_cols[0]))

static void
csv_value(FILE *fp, json_t *v, int last)
{
	char num[32];

	if (json_is_string(v)) {
		csv_cell(fp, json_string_value(v), last);
	} else if (json_is_true(v) || json_is_false(v)) {
		csv_cell(fp, json_is_true(v) ? "yes" : "no", last);
	} else if (json_is_integer(v)) {
		snprintf(
		    num, sizeof(num), "%lld", (long long)json_integer_value(v));
		csv_cell(fp, num, last);
	} else if (json_is_array(v) || json_is_object(v)) {
		char *t = json_dumps(v, JSON_COMPACT);
		csv_cell(fp, t, last);
		hubctl_wipe_free(t);
	} else {
		csv_cell(fp, "", last);
	}
}

struct export_ctx {
	struct hubctl *h;
	FILE *fp;
	int csv;
	size_t n;
	uint8_t *plain;
	json_t *all;
	char (*refs)[REFCODE_BUFLEN];
	size_t nrefs, caprefs;
	int failed;
};

static int
remember_ref(struct export_ctx *x, const char *ref)
{
	if (x->nrefs == x->caprefs) {
		size_t ncap = x->caprefs ? x->caprefs * 2 : 64;
		void *nv = realloc(x->refs, ncap * sizeof(*x->refs));
		if (nv == NULL)
			return -1;
		x->refs = nv;
		x->caprefs = ncap;
	}
	snprintf(x->refs[x->nrefs++], REFCODE_BUFLEN, "%s", ref);
	return 0;
}

static int
export_row(void *arg, const struct referrals_row *r)
{
	struct export_ctx *x = arg;
	struct fu_ctx f = {x->h, x->plain, json_array()};
	char when[TIMEFMT_ISO_LEN];
	json_t *p = NULL;
	int deleted = 0, rc = -1;

	if (f.arr == NULL)
		return -1;
	hubctl_iso(r->received_at, when, sizeof(when));
	/* Withdrawn: the index row only, never personal data. */
	if (r->withdrawn_at == 0) {
		p = hubctl_payload_json(
		    x->h, r->envelope_id, x->plain, &deleted);
		if (p == NULL) {
			log_err("%s: cannot open; not exported", r->ref);
			x->failed = 1;
			rc = 0;
			goto out;
		}
		if (referrals_each_followup(
			x->h->db, r->ref, hubctl_add_followup, &f) != 0)
			goto out;
		if (remember_ref(x, r->ref) != 0)
			goto out;
	}
	if (x->csv) {
		char phones[512] = "";
		size_t i;
		json_t *fu;

		csv_cell(x->fp, r->ref, 0);
		csv_cell(x->fp, r->channel, 0);
		csv_cell(x->fp, r->language, 0);
		csv_cell(x->fp, r->spoke, 0);
		csv_cell(x->fp, when, 0);
		csv_cell(x->fp, hubctl_status_of(r), 0);
		for (i = 0; i < NCSV; i++)
			csv_value(x->fp,
			    p != NULL ? path_get(p, csv_cols[i]) : NULL, 0);
		json_array_foreach(f.arr, i, fu)
		{
			json_t *ph = path_get(fu, "contact.phone");
			size_t used = strlen(phones);
			if (json_is_string(ph))
				snprintf(phones + used, sizeof(phones) - used,
				    "%s%s", used ? ";" : "",
				    json_string_value(ph));
		}
		csv_cell(x->fp, phones, 1);
		sodium_memzero(phones, sizeof(phones));
	} else {
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:O, "
				      "s:O}",
		    "ref", r->ref, "channel", r->channel, "language",
		    r->language, "spoke", r->spoke, "received_at", when,
		    "status", hubctl_status_of(r), "referral",
		    p != NULL ? p : json_null(), "followups", f.arr);
		if (o == NULL || json_array_append_new(x->all, o) != 0)
			goto out;
	}
	x->n++;
	rc = 0;
out:
	json_decref(p);
	json_decref(f.arr);
	return rc;
}

int
hubctl_export(struct hubctl *h, int argc, char **argv)
{
	struct staff_opts o;
	struct export_ctx x;
	char *text = NULL;
	int rc = 1;

	memset(&x, 0, sizeof(x));
	if (hubctl_staff_parse(h, argc, argv, &o, "abcef", 0) != 0)
		return 2;
	if (o.format == NULL ||
	    (strcmp(o.format, "csv") != 0 && strcmp(o.format, "json") != 0)) {
		log_err("--format csv or --format json is required");
		return 2;
	}
	if (hubctl_ingest(h) != 0)
		return 1;
	if (o.spoke != NULL && !routing_spoke_known(&h->routing, o.spoke)) {
		log_err("no spoke named %s in the routing table", o.spoke);
		return 2;
	}
	if (hubctl_unlock(h) != 0)
		return 1;
	x.h = h;
	x.csv = strcmp(o.format, "csv") == 0;
	x.plain = sodium_malloc(ENVELOPE_PAYLOAD_MAX + 1);
	x.all = json_array();
	if (x.plain == NULL || x.all == NULL)
		goto out;
	/* Personal data: owner-only. */
	x.fp = file_create_stream(o.out, 0600);
	if (x.fp == NULL)
		goto out;
	if (x.csv) {
		csv_cell(x.fp, "ref", 0);
		csv_cell(x.fp, "channel", 0);
		csv_cell(x.fp, "language", 0);
		csv_cell(x.fp, "spoke", 0);
		csv_cell(x.fp, "received_at", 0);
		csv_cell(x.fp, "status", 0);
		for (size_t i = 0; i < NCSV; i++)
			csv_cell(x.fp, csv_cols[i], 0);
		csv_cell(x.fp, "followup_phones", 1);
	}
	if (referrals_each(h->db, o.spoke, o.since, export_row, &x) != 0)
		goto out;
	if (!x.csv) {
		text = json_dumps(x.all, JSON_INDENT(2));
		if (text == NULL)
			goto out;
		fputs(text, x.fp);
		fputc('\n', x.fp);
	}
	if (fflush(x.fp) != 0 || ferror(x.fp)) {
		log_err("export: write failed");
		goto out;
	}
	/* Only what was written out is marked exported. */
	for (size_t i = 0; i < x.nrefs; i++)
		if (referrals_mark_exported(h->db, x.refs[i], db_now_ms()) != 0)
			goto out;
	log_info("exported %zu referral(s)", x.n);
	rc = x.failed ? 1 : 0;
out:
	if (x.fp != NULL && x.fp != stdout) {
		if (fclose(x.fp) != 0) {
			log_err("export: close failed");
			rc = 1;
		}
	}
	hubctl_wipe_free(text);
	json_decref(x.all);
	free(x.refs);
	sodium_free(x.plain);
	return rc;
}
