/*
 * The case workflow on the staff machine: assign, risk-assessed,
 * contacted, in-progress, close --outcome, note record an event with the
 * time and the staff member's name (hub/casestate.h says which may
 * follow which); history shows them; unrouted lists what waits for a
 * spoke.
 */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hub/casestate.h"
#include "hub/hubctl.h"
#include "store/cases.h"
#include "util/log.h"
#include "util/timefmt.h"
#include "util/utf8.h"

struct case_opts {
	const char *by;
	const char *outcome;
	int64_t at; /* 0: now */
};

/* Who is recording: --by, else $RJ_STAFF, else the login name. */
static int
staff_name(const struct case_opts *o, char *out, size_t cap)
{
	const char *n = o->by;
	struct passwd *pw;

	if (n == NULL)
		n = getenv("RJ_STAFF");
	if (n == NULL && (pw = getpwuid(getuid())) != NULL)
		n = pw->pw_name;
	if (n == NULL || n[0] == '\0' || strlen(n) >= cap) {
		log_err("say who is recording this with --by NAME");
		return -1;
	}
	for (const char *p = n; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			(*p >= '0' && *p <= '9') || strchr(" ._-", *p))) {
			log_err("--by: letters, digits, space, . _ - only");
			return -1;
		}
	}
	snprintf(out, cap, "%s", n);
	return 0;
}

/* npos: positional arguments wanted (or npos + 1 with one_more). */
static int
parse(struct hubctl *h, int argc, char **argv, struct case_opts *o,
    int outcome_ok, int npos, int one_more)
{
	static const struct option longopts[] = {
	    {"by", required_argument, NULL, 'b'},
	    {"outcome", required_argument, NULL, 'o'},
	    {"at", required_argument, NULL, 'a'},
	    {"passphrase-file", required_argument, NULL, 'p'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	optind = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			o->by = optarg;
			break;
		case 'o':
			if (!outcome_ok) {
				log_err("%s: --outcome is for close", argv[0]);
				return -1;
			}
			o->outcome = optarg;
			break;
		case 'a':
			if (timefmt_parse(optarg, &o->at) != 0) {
				log_err("--at wants YYYY-MM-DDTHH:MM:SSZ");
				return -1;
			}
			break;
		case 'p':
			h->passfile = optarg;
			break;
		default:
			return -1;
		}
	}
	if (argc - optind != npos && !(one_more && argc - optind == npos + 1)) {
		log_err("%s: wrong number of arguments (see hubctl --help)",
		    argv[0]);
		return -1;
	}
	return 0;
}

static int
record(struct hubctl *h, int argc, char **argv, enum casestate_action a)
{
	struct case_opts o;
	struct referrals_row r;
	const char *why, *next, *spoke = NULL, *detail = NULL;
	char by[CASES_STAFF_MAX];
	int64_t at, now = db_now_ms();
	int npos = a == CASESTATE_NOTE ? 2 : 1, began = 0, rc = 1;

	/* assign REF [SPOKE]: without a spoke, the automatic route. */
	if (parse(h, argc, argv, &o, a == CASESTATE_CLOSE, npos,
		a == CASESTATE_ASSIGN) != 0)
		return 2;
	npos = argc - optind;
	if (staff_name(&o, by, sizeof(by)) != 0)
		return 2;
	if (a == CASESTATE_NOTE) {
		detail = argv[optind + 1];
		if (strlen(detail) == 0 || strlen(detail) > CASES_TEXT_MAX ||
		    !utf8_valid(detail, strlen(detail))) {
			log_err("a note is 1-%d characters of UTF-8",
			    CASES_TEXT_MAX);
			return 2;
		}
	}
	if (hubctl_ingest(h) != 0 || hubctl_find_ref(h, argv[optind], &r) != 0)
		return 1;
	at = o.at != 0 ? o.at : now;
	if (at > now || at < r.received_at) {
		log_err("--at must be between the referral's arrival and now");
		return 2;
	}
	if (a == CASESTATE_ASSIGN && npos == 2) {
		spoke = argv[optind + 1];
		if (!routing_spoke_known(&h->routing, spoke) ||
		    strcmp(spoke, ROUTING_UNASSIGNED) == 0) {
			log_err(
			    "no spoke named %s in the routing table", spoke);
			return 2;
		}
		snprintf(r.spoke, sizeof(r.spoke), "%s", spoke);
		detail = spoke;
	} else if (a == CASESTATE_ASSIGN) {
		detail = r.spoke;
	}
	if (a == CASESTATE_CLOSE)
		detail = o.outcome;
	why = casestate_check(&r, a, o.outcome, &next);
	if (why != NULL) {
		log_err("%s: not recorded: %s", r.ref, why);
		return 1;
	}
	if (db_begin(h->db) != 0)
		return 1;
	began = 1;
	if (cases_event_add(h->db, r.ref, at, by, casestate_event(a), detail) !=
		0 ||
	    cases_set_status(h->db, r.ref, next) != 0)
		goto out;
	if (spoke != NULL && referrals_set_spoke(h->db, r.ref, spoke) != 0)
		goto out;
	if ((a == CASESTATE_RISK_ASSESSED &&
		cases_set_time(h->db, r.ref, CASES_RISK_ASSESSED_AT, at) !=
		    0) ||
	    (a == CASESTATE_CONTACTED &&
		cases_set_time(h->db, r.ref, CASES_CONTACTED_AT, at) != 0) ||
	    (a == CASESTATE_CLOSE &&
		(cases_set_time(h->db, r.ref, CASES_CLOSED_AT, at) != 0 ||
		    cases_set_outcome(h->db, r.ref, o.outcome) != 0)))
		goto out;
	if (db_commit(h->db) != 0)
		goto out;
	began = 0;
	if (a == CASESTATE_ASSIGN)
		printf("%s assigned to %s (%s).\n", r.ref, r.spoke, next);
	else
		printf("%s: %s recorded by %s; status %s.\n", r.ref,
		    casestate_event(a), by, next);
	rc = 0;
out:
	if (began)
		db_rollback(h->db);
	return rc;
}

int
hubctl_assign(struct hubctl *h, int argc, char **argv)
{
	return record(h, argc, argv, CASESTATE_ASSIGN);
}

int
hubctl_risk_assessed(struct hubctl *h, int argc, char **argv)
{
	return record(h, argc, argv, CASESTATE_RISK_ASSESSED);
}

int
hubctl_contacted(struct hubctl *h, int argc, char **argv)
{
	return record(h, argc, argv, CASESTATE_CONTACTED);
}

int
hubctl_in_progress(struct hubctl *h, int argc, char **argv)
{
	return record(h, argc, argv, CASESTATE_IN_PROGRESS);
}

int
hubctl_close(struct hubctl *h, int argc, char **argv)
{
	return record(h, argc, argv, CASESTATE_CLOSE);
}

int
hubctl_note(struct hubctl *h, int argc, char **argv)
{
	return record(h, argc, argv, CASESTATE_NOTE);
}

static int
print_event(void *arg, const struct cases_event *e)
{
	char when[TIMEFMT_ISO_LEN];

	(void)arg;
	hubctl_iso(e->at, when, sizeof(when));
	printf("%s  %-14s %-20s %s\n", when, e->event, e->staff,
	    e->detail != NULL               ? e->detail
	    : strcmp(e->event, "note") == 0 ? "(deleted on withdrawal)"
					    : "");
	return 0;
}

int
hubctl_history(struct hubctl *h, int argc, char **argv)
{
	struct case_opts o;
	struct referrals_row r;
	char when[TIMEFMT_ISO_LEN];

	if (parse(h, argc, argv, &o, 0, 1, 0) != 0)
		return 2;
	if (hubctl_ingest(h) != 0 || hubctl_find_ref(h, argv[optind], &r) != 0)
		return 1;
	printf("%s  %s, spoke %s, status %s%s%s\n", r.ref, r.channel, r.spoke,
	    r.status, r.risk ? ", specialist risk assessment needed" : "",
	    r.outcome[0] != '\0' ? ", outcome " : "");
	if (r.outcome[0] != '\0')
		printf("outcome: %s\n", r.outcome);
	hubctl_iso(r.received_at, when, sizeof(when));
	printf("%s  %-14s %-20s\n", when, "received", "hub");
	if (cases_each_event(h->db, r.ref, print_event, NULL) != 0)
		return 1;
	if (r.withdrawn_at != 0) {
		hubctl_iso(r.withdrawn_at, when, sizeof(when));
		printf("%s  %-14s %-20s personal data deleted\n", when,
		    "withdrawn", "");
	}
	return 0;
}

static int
print_unrouted(void *arg, const struct referrals_row *r)
{
	char when[TIMEFMT_ISO_LEN];

	(void)arg;
	if (strcmp(r->status, CASESTATE_S_CLOSED) == 0 ||
	    strcmp(r->status, CASESTATE_S_WITHDRAWN) == 0)
		return 0;
	hubctl_iso(r->received_at, when, sizeof(when));
	printf("%-17s %-8s %-24s %-22s %s\n", r->ref, r->channel, when,
	    r->borough[0] != '\0' ? r->borough : "(none given)",
	    r->risk ? "risk-check" : "");
	return 0;
}

int
hubctl_unrouted(struct hubctl *h, int argc, char **argv)
{
	struct case_opts o;

	if (parse(h, argc, argv, &o, 0, 0, 0) != 0)
		return 2;
	if (hubctl_ingest(h) != 0)
		return 1;
	printf("%-17s %-8s %-24s %-22s %s\n", "REFERENCE", "CHANNEL",
	    "RECEIVED", "BOROUGH GIVEN", "FLAGS");
	return referrals_each(
		   h->db, ROUTING_UNASSIGNED, 0, print_unrouted, NULL) == 0
		   ? 0
		   : 1;
}
