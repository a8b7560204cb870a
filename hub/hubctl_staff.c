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
#include "hub/hubctl_staff.h"
#include "store/inbox.h"
#include "store/referrals.h"
#include "util/jsonmem.h"
#include "util/log.h"
#include "util/timefmt.h"

#define MS_PER_DAY (86400LL * 1000)
#define PURGE_MAX_DAYS 36500

/* allowed: which of the options this command takes, as O_* flags. */
int
hubctl_staff_parse(struct hubctl *h, int argc, char **argv,
    struct staff_opts *o, const char *allowed, int npos)
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
const char *
hubctl_status_of(const struct referrals_row *r)
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
	    when, r->spoke, hubctl_status_of(r),
	    r->risk && r->risk_assessed_at == 0 ? "risk-check " : "",
	    r->risk && r->risk_assessed_at != 0 ? "risk-assessed " : "",
	    r->exported_at != 0 ? "exported" : "");
	return 0;
}

int
hubctl_list(struct hubctl *h, int argc, char **argv)
{
	struct staff_opts o;

	if (hubctl_staff_parse(h, argc, argv, &o, "bce", 0) != 0)
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
json_t *
hubctl_payload_json(struct hubctl *h, const uint8_t id[ENVELOPE_ID_LEN],
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

int
hubctl_add_followup(void *arg, const uint8_t id[ENVELOPE_ID_LEN])
{
	struct fu_ctx *f = arg;
	int deleted;
	json_t *o = hubctl_payload_json(f->h, id, f->plain, &deleted);

	if (o != NULL)
		json_array_append_new(f->arr, o);
	return 0;
}

/* Dumps hold personal data: wiped as they are freed. */
void
hubctl_wipe_free(char *s)
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

	if (hubctl_staff_parse(h, argc, argv, &o, "e", 1) != 0)
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
		p = hubctl_payload_json(h, r.envelope_id, f.plain, &deleted);
		if (p == NULL) {
			log_err("cannot open the referral");
			goto out;
		}
		if (referrals_each_followup(
			h->db, r.ref, hubctl_add_followup, &f) != 0)
			goto out;
	}
	hubctl_iso(r.received_at, when, sizeof(when));
	printf("Reference: %s\nChannel:   %s\nLanguage:  %s\nReceived:  "
	       "%s\nSpoke:     %s\nStatus:    %s\n",
	    r.ref, r.channel, r.language, when, r.spoke, hubctl_status_of(&r));
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
	hubctl_wipe_free(text);
	text = NULL;
	if (json_array_size(f.arr) > 0) {
		text = json_dumps(f.arr, JSON_INDENT(2) | JSON_SORT_KEYS);
		if (text == NULL)
			goto out;
		printf("Follow-ups:\n%s\n", text);
	}
	rc = 0;
out:
	hubctl_wipe_free(text);
	json_decref(p);
	json_decref(f.arr);
	sodium_free(f.plain);
	return rc;
}

int
hubctl_withdraw(struct hubctl *h, int argc, char **argv)
{
	struct staff_opts o;
	struct referrals_row r;

	char ref[REFCODE_BUFLEN];
	int found;

	if (hubctl_staff_parse(h, argc, argv, &o, "e", 1) != 0)
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

	if (hubctl_staff_parse(h, argc, argv, &o, "d", 0) != 0)
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
