/*
 * hubctl's staff commands. Envelopes are opened ("ingested") the first
 * time a command runs after they arrived: the reference, channel, spoke
 * and any withdrawal go into the index; the personal data stays sealed
 * in the inbox and is decrypted only for show and export.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "crypto/envelope.h"
#include "crypto/refcode.h"
#include "hub/hubctl.h"
#include "store/inbox.h"
#include "store/referrals.h"
#include "util/jsonmem.h"
#include "util/log.h"
#include "util/timefmt.h"

#define MS_PER_DAY (86400LL * 1000)
#define PURGE_MAX_DAYS 36500

struct staff_opts {
	const char *format;
	const char *spoke;
	const char *out;
	int64_t since;
	long older_than;
	int have_older;
};

enum { O_FORMAT = 2000, O_SPOKE, O_SINCE, O_OLDER, O_PASSFILE, O_OUT };

/* allowed: which of the options this command takes, as O_* flags. */
static int
staff_parse(struct hubctl *h, int argc, char **argv, struct staff_opts *o,
    const char *allowed, int npos)
{
	static const struct option longopts[] = {
	    {"format", required_argument, NULL, O_FORMAT},
	    {"spoke", required_argument, NULL, O_SPOKE},
	    {"since", required_argument, NULL, O_SINCE},
	    {"older-than", required_argument, NULL, O_OLDER},
	    {"passphrase-file", required_argument, NULL, O_PASSFILE},
	    {"out", required_argument, NULL, O_OUT},
	    {NULL, 0, NULL, 0},
	};
	int c, li;

	memset(o, 0, sizeof(*o));
	optind = 0;
	while (
	    (li = -1, c = getopt_long(argc, argv, "o:", longopts, &li)) != -1) {
		char *end;

		if (c == 'o')
			c = O_OUT;
		if (c < O_FORMAT || c > O_OUT) {
			/* getopt_long said which option it did not know. */
			log_err(
			    "%s: see hubctl --help for its options", argv[0]);
			return -1;
		}
		if (strchr(allowed, 'a' + (c - O_FORMAT)) == NULL) {
			log_err("hubctl %s does not accept %s%s (see hubctl "
				"--help)",
			    argv[0], li >= 0 ? "--" : "-",
			    li >= 0 ? longopts[li].name : "o");
			return -1;
		}
		switch (c) {
		case O_FORMAT:
			o->format = optarg;
			break;
		case O_SPOKE:
			o->spoke = optarg;
			break;
		case O_SINCE:
			if (timefmt_parse(optarg, &o->since) != 0) {
				log_err("--since wants YYYY-MM-DD or "
					"YYYY-MM-DDTHH:MM:SSZ");
				return -1;
			}
			break;
		case O_OLDER:
			errno = 0;
			o->older_than = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg ||
			    o->older_than < 0 ||
			    o->older_than > PURGE_MAX_DAYS) {
				log_err("--older-than wants a number of days");
				return -1;
			}
			o->have_older = 1;
			break;
		case O_PASSFILE:
			h->passfile = optarg;
			break;
		case O_OUT:
			o->out = optarg;
			break;
		}
	}
	if (argc - optind != npos) {
		log_err("%s: wrong number of arguments (see hubctl --help)",
		    argv[0]);
		return -1;
	}
	return 0;
}

/* The case status (store/cases.h); "withdrawn" overrides it. */
static const char *
status_of(const struct referrals_row *r)
{
	return r->status[0] != '\0' ? r->status : "received";
}

static int
print_row(void *arg, const struct referrals_row *r)
{
	char when[TIMEFMT_ISO_LEN];

	(void)arg;
	hubctl_iso(r->received_at, when, sizeof(when));
	printf("%-17s %-8s %-24s %-12s %-11s %s%s%s\n", r->ref, r->channel,
	    when, r->spoke, status_of(r),
	    r->risk && r->risk_assessed_at == 0 ? "risk-check " : "",
	    r->risk && r->risk_assessed_at != 0 ? "risk-assessed " : "",
	    r->exported_at != 0 ? "exported" : "");
	return 0;
}

int
hubctl_list(struct hubctl *h, int argc, char **argv)
{
	struct staff_opts o;

	if (staff_parse(h, argc, argv, &o, "bce", 0) != 0)
		return 2;
	if (hubctl_ingest(h) != 0)
		return 1;
	/* The passphrase is checked even when nothing new waited: a
	 * wrong one must not pass unnoticed until the next envelope. */
	if (hubctl_unlock(h) != 0)
		return 1;
	printf("%-17s %-8s %-24s %-12s %-11s %s\n", "REFERENCE", "CHANNEL",
	    "RECEIVED", "SPOKE", "STATUS", "FLAGS");
	return referrals_each(h->db, o.spoke, o.since, print_row, NULL) == 0
		   ? 0
		   : 1;
}

/* Decrypted payload as a JSON object (NULL when deleted or on error). */
static json_t *
payload_json(struct hubctl *h, const uint8_t id[ENVELOPE_ID_LEN],
    uint8_t *plain, int *deleted)
{
	struct envelope_hdr hdr;
	size_t len = 0;
	json_t *o = NULL;
	int rc;

	*deleted = 0;
	rc = hubctl_open_payload(
	    h, id, plain, ENVELOPE_PAYLOAD_MAX + 1, &len, &hdr);
	if (rc == 1)
		*deleted = 1;
	if (rc == 0)
		o = json_loadb((const char *)plain, len, 0, NULL);
	sodium_memzero(plain, ENVELOPE_PAYLOAD_MAX + 1);
	return o;
}

struct fu_ctx {
	struct hubctl *h;
	uint8_t *plain;
	json_t *arr;
};

static int
add_followup(void *arg, const uint8_t id[ENVELOPE_ID_LEN])
{
	struct fu_ctx *f = arg;
	int deleted;
	json_t *o = payload_json(f->h, id, f->plain, &deleted);

	if (o != NULL)
		json_array_append_new(f->arr, o);
	return 0;
}

/* Dumps hold personal data: wiped as they are freed. */
static void
wipe_free(char *s)
{
	jsonmem_free(s);
}

int
hubctl_show(struct hubctl *h, int argc, char **argv)
{
	struct staff_opts o;
	struct referrals_row r;
	struct fu_ctx f = {h, NULL, NULL};
	json_t *p = NULL;
	char when[TIMEFMT_ISO_LEN], *text = NULL;
	int rc = 1, deleted = 0;

	if (staff_parse(h, argc, argv, &o, "e", 1) != 0)
		return 2;
	if (hubctl_ingest(h) != 0 || hubctl_find_ref(h, argv[optind], &r) != 0)
		return 1;
	/* Unlock and decrypt first: nothing is printed before an error. */
	if (r.withdrawn_at == 0) {
		if (hubctl_unlock(h) != 0)
			return 1;
		f.plain = sodium_malloc(ENVELOPE_PAYLOAD_MAX + 1);
		f.arr = json_array();
		if (f.plain == NULL || f.arr == NULL) {
			log_err("out of memory");
			goto out;
		}
		p = payload_json(h, r.envelope_id, f.plain, &deleted);
		if (p == NULL) {
			log_err("cannot open the referral");
			goto out;
		}
		if (referrals_each_followup(h->db, r.ref, add_followup, &f) !=
		    0)
			goto out;
	}
	hubctl_iso(r.received_at, when, sizeof(when));
	printf("Reference: %s\nChannel:   %s\nLanguage:  %s\nReceived:  "
	       "%s\nSpoke:     %s\nStatus:    %s\n",
	    r.ref, r.channel, r.language, when, r.spoke, status_of(&r));
	if (r.risk)
		printf("Risk:      specialist risk assessment needed before "
		       "contact (%s)\n",
		    r.risk_assessed_at != 0 ? "recorded" : "not yet recorded");
	if (r.outcome[0] != '\0')
		printf("Outcome:   %s\n", r.outcome);
	if (r.withdrawn_at != 0) {
		hubctl_iso(r.withdrawn_at, when, sizeof(when));
		printf("Withdrawn: %s (personal data deleted)\n", when);
		rc = 0;
		goto out;
	}
	text = json_dumps(p, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (text == NULL)
		goto out;
	printf("Referral:\n%s\n", text);
	wipe_free(text);
	text = NULL;
	if (json_array_size(f.arr) > 0) {
		text = json_dumps(f.arr, JSON_INDENT(2) | JSON_SORT_KEYS);
		if (text == NULL)
			goto out;
		printf("Follow-ups:\n%s\n", text);
	}
	rc = 0;
out:
	wipe_free(text);
	json_decref(p);
	json_decref(f.arr);
	sodium_free(f.plain);
	return rc;
}

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

/*
 * One CSV cell (RFC 4180). Cells that a spreadsheet would run as a
 * formula (= + - @ tab CR first) get a leading apostrophe: exports end
 * up in case-management spreadsheets, and the text came from the public.
 */
static void
csv_cell(FILE *fp, const char *s, int last)
{
	int quote = 0;

	if (s == NULL)
		s = "";
	if (strpbrk(s, ",\"\r\n") != NULL || s[0] == ' ')
		quote = 1;
	if (quote)
		fputc('"', fp);
	if (strchr("=+-@\t\r", s[0]) != NULL && s[0] != '\0')
		fputc('\'', fp);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', fp);
		fputc(*s, fp);
	}
	if (quote)
		fputc('"', fp);
	fputs(last ? "\r\n" : ",", fp);
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
		wipe_free(t);
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
		p = payload_json(x->h, r->envelope_id, x->plain, &deleted);
		if (p == NULL) {
			log_err("%s: cannot open; not exported", r->ref);
			x->failed = 1;
			rc = 0;
			goto out;
		}
		if (referrals_each_followup(
			x->h->db, r->ref, add_followup, &f) != 0)
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
		csv_cell(x->fp, status_of(r), 0);
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
		    "status", status_of(r), "referral",
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

static FILE *
open_export(const char *path)
{
	int fd;
	FILE *fp;

	if (path == NULL)
		return stdout;
	/* Personal data: owner-only, never over an existing file. */
	fd = open(
	    path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		log_err("%s: %s", path, strerror(errno));
		return NULL;
	}
	fp = fdopen(fd, "w");
	if (fp == NULL)
		close(fd);
	return fp;
}

int
hubctl_export(struct hubctl *h, int argc, char **argv)
{
	struct staff_opts o;
	struct export_ctx x;
	char *text = NULL;
	int rc = 1;

	memset(&x, 0, sizeof(x));
	if (staff_parse(h, argc, argv, &o, "abcef", 0) != 0)
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
	x.fp = open_export(o.out);
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
	wipe_free(text);
	json_decref(x.all);
	free(x.refs);
	sodium_free(x.plain);
	return rc;
}

int
hubctl_withdraw(struct hubctl *h, int argc, char **argv)
{
	struct staff_opts o;
	struct referrals_row r;

	char ref[REFCODE_BUFLEN];
	int found;

	if (staff_parse(h, argc, argv, &o, "e", 1) != 0)
		return 2;
	if (refcode_parse(ref, sizeof(ref), argv[optind]) != 0) {
		log_err("not a valid reference code (check each character)");
		return 1;
	}
	if (hubctl_ingest(h) != 0)
		return 1;
	found = referrals_get(h->db, ref, &r);
	if (found < 0)
		return 1;
	/* A person may phone before their kiosk's referral has reached the
	 * hub: the withdrawal is recorded now and applied on arrival. */
	if (referrals_withdraw(h->db, ref, db_now_ms(), "staff") != 0)
		return 1;
	if (found == 0)
		printf("Withdrawn %s; its personal data is deleted.\n", ref);
	else
		printf("Withdrawal of %s recorded. That referral has not "
		       "reached the hub yet; its personal data will be "
		       "deleted as it arrives.\n",
		    ref);
	return 0;
}

int
hubctl_purge(struct hubctl *h, int argc, char **argv)
{
	struct staff_opts o;
	int64_t n = 0;

	if (staff_parse(h, argc, argv, &o, "d", 0) != 0)
		return 2;
	if (!o.have_older) {
		log_err("--older-than DAYS is required");
		return 2;
	}
	if (hubctl_open_db(h) != 0)
		return 1;
	if (referrals_purge(
		h->db, db_now_ms() - o.older_than * MS_PER_DAY, &n) != 0)
		return 1;
	printf("Purged %lld envelope(s) received more than %ld day(s) ago.\n",
	    (long long)n, o.older_than);
	return 0;
}
