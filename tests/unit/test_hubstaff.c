#include "tests/unit/testutil.h"

#include <time.h>

#include "hub/casestate.h"
#include "hub/staffauth.h"
#include "hub/routing.h"
#include "hub/standard.h"
#include "hub/suppress.h"
#include "hub/workdays.h"
#include "util/jsonmem.h"
#include "util/log.h"
#include "util/timefmt.h"

#define MS_DAY (86400LL * 1000)

static struct workdays table;

static int
setup(void **state)
{
	const char *root = getenv("ROOT");
	char path[PATH_MAX];

	(void)state;
	log_quiet(1);
	snprintf(path, sizeof(path), "%s/content/bank-holidays.json",
	    root != NULL ? root : ".");
	return workdays_load(&table, path);
}

static int64_t
at(const char *iso)
{
	int64_t ms;

	assert_int_equal(timefmt_parse(iso, &ms), 0);
	return ms;
}

static void
deadline_is(const char *received, const char *due, int beyond_expected)
{
	int beyond = 0;
	int64_t d = workdays_deadline(&table, at(received), 2, &beyond);
	char buf[TIMEFMT_ISO_LEN];

	assert_int_equal(timefmt_iso(d, buf, sizeof(buf)), 0);
	if (strncmp(buf, due, strlen(due)) != 0)
		fail_msg("received %s: due %s, want %s", received, buf, due);
	assert_int_equal(beyond, beyond_expected);
}

static void
known_deadlines(void **state)
{
	(void)state;
	/* Monday: end of Wednesday (GMT). */
	deadline_is("2026-11-23T10:00:00Z", "2026-11-26T00:00:00", 0);
	/* Friday: the weekend does not count; end of Tuesday. */
	deadline_is("2026-11-27T16:00:00Z", "2026-12-02T00:00:00", 0);
	/* Saturday: Monday and Tuesday. */
	deadline_is("2026-11-28T09:00:00Z", "2026-12-02T00:00:00", 0);
	/* Christmas 2026: Fri 25 and Mon 28 are bank holidays. */
	deadline_is("2026-12-24T12:00:00Z", "2026-12-31T00:00:00", 0);
	/* Easter 2026 (Good Friday 3 April, Easter Monday 6 April); BST:
	 * London midnight is 23:00 UTC. */
	deadline_is("2026-04-02T12:00:00Z", "2026-04-08T23:00:00", 0);
	/* 23:30 UTC on a summer Monday is already Tuesday in London. */
	deadline_is("2026-06-01T23:30:00Z", "2026-06-04T23:00:00", 0);
	/* The clocks go back on Sunday 25 October 2026. */
	deadline_is("2026-10-23T12:00:00Z", "2026-10-28T00:00:00", 0);
	/* The table ends 2027-12-31: Monday 3 January 2028 (a bank holiday
	 * in fact) is counted as working, with a warning. */
	deadline_is("2027-12-30T12:00:00Z", "2028-01-04T00:00:00", 1);
	/* Within the table, no warning, even in its last week. */
	deadline_is("2027-12-22T12:00:00Z", "2027-12-25T00:00:00", 0);
	deadline_is("2027-12-23T12:00:00Z", "2027-12-30T00:00:00", 0);
}

/* The same arithmetic done independently: the C library's Europe/London
 * rules and the holiday strings themselves. */
static int
ref_london(int64_t ms, struct tm *tm)
{
	time_t t = (time_t)(ms / 1000);

	return localtime_r(&t, tm) != NULL ? 0 : -1;
}

static int
ref_working(const struct tm *tm, int *beyond)
{
	char ymd[40];
	const char *root = getenv("ROOT");
	static char text[65536];
	static int loaded;

	if (!loaded) {
		char path[PATH_MAX];
		FILE *fp;
		size_t n;

		snprintf(path, sizeof(path), "%s/content/bank-holidays.json",
		    root != NULL ? root : ".");
		fp = fopen(path, "r");
		assert_non_null(fp);
		n = fread(text, 1, sizeof(text) - 1, fp);
		text[n] = '\0';
		fclose(fp);
		loaded = 1;
	}
	if (tm->tm_wday == 0 || tm->tm_wday == 6)
		return 0;
	if (tm->tm_year + 1900 > 2027 || tm->tm_year + 1900 < 2023) {
		*beyond = 1;
		return 1;
	}
	snprintf(ymd, sizeof(ymd), "\"%04d-%02d-%02d\"", tm->tm_year + 1900,
	    tm->tm_mon + 1, tm->tm_mday);
	return strstr(strstr(text, "\"dates\""), ymd) == NULL;
}

static void
random_deadlines(void **state)
{
	int64_t lo = at("2022-06-01T00:00:00Z"),
		hi = at("2028-06-01T00:00:00Z");

	(void)state;
	setenv("TZ", "Europe/London", 1);
	tzset();
	for (int i = 0; i < 3000; i++) {
		int64_t r = lo + (int64_t)(randombytes_uniform(1u << 30) *
					   (uint64_t)((hi - lo) >> 30));
		int n = (int)randombytes_uniform(11), beyond = 0,
		    ref_beyond = 0, left = n;
		int64_t d = workdays_deadline(&table, r, n, &beyond);
		struct tm tm;
		time_t t;

		/* Walk day by day with the C library. */
		assert_int_equal(ref_london(r, &tm), 0);
		tm.tm_hour = 12;
		tm.tm_min = tm.tm_sec = 0;
		tm.tm_isdst = -1;
		while (left > 0) {
			tm.tm_mday++;
			tm.tm_isdst = -1;
			t = mktime(&tm);
			localtime_r(&t, &tm);
			if (ref_working(&tm, &ref_beyond))
				left--;
		}
		/* The deadline is the next London midnight. */
		tm.tm_mday++;
		tm.tm_hour = 0;
		tm.tm_isdst = -1;
		t = mktime(&tm);
		if ((int64_t)t * 1000 != d)
			fail_msg("received %lld, n %d: %lld != %lld",
			    (long long)r, n, (long long)d, (long long)t * 1000);
		assert_int_equal(beyond, ref_beyond);
		assert_int_equal(
		    workdays_london_midnight(workdays_london_day(d)), d);
	}
	unsetenv("TZ");
	tzset();
}

static void
civil_round_trip(void **state)
{
	int32_t day;

	(void)state;
	for (int32_t z = -800000; z < 800000; z += 7) {
		int y, m, d;
		workdays_to_civil(z, &y, &m, &d);
		assert_int_equal(workdays_from_civil(y, m, d), z);
	}
	assert_int_equal(workdays_parse("2026-02-29", &day), -1);
	assert_int_equal(workdays_parse("2028-02-29", &day), 0);
	assert_int_equal(workdays_weekday(workdays_from_civil(2026, 12, 3)), 3);
}

static void
overdue_and_missed(void **state)
{
	struct referrals_row r;
	int beyond = 0;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.received_at = at("2026-11-23T10:00:00Z"); /* due 11-26 00:00 */
	assert_false(standard_overdue_now(
	    &table, &r, at("2026-11-25T23:59:59Z"), &beyond));
	assert_true(standard_overdue_now(
	    &table, &r, at("2026-11-26T00:00:00Z"), &beyond));
	r.contacted_at = at("2026-11-25T09:00:00Z");
	assert_false(standard_overdue_now(
	    &table, &r, at("2026-12-01T00:00:00Z"), &beyond));
	assert_false(
	    standard_missed(&table, &r, at("2026-12-01T00:00:00Z"), &beyond));
	r.contacted_at = at("2026-11-27T09:00:00Z");
	assert_true(
	    standard_missed(&table, &r, at("2026-12-01T00:00:00Z"), &beyond));
	r.contacted_at = 0;
	r.withdrawn_at = at("2026-11-24T09:00:00Z");
	assert_false(
	    standard_missed(&table, &r, at("2026-12-01T00:00:00Z"), &beyond));
}

/* Random walks through the workflow: whatever staff type, the rules
 * hold. */
static void
case_walks(void **state)
{
	static const enum casestate_action acts[] = {CASESTATE_ASSIGN,
	    CASESTATE_RISK_ASSESSED, CASESTATE_CONTACTED, CASESTATE_IN_PROGRESS,
	    CASESTATE_CLOSE, CASESTATE_NOTE};
	static const char *const order[] = {
	    "received", "assigned", "contacted", "in-progress", "closed"};

	(void)state;
	for (int walk = 0; walk < 2000; walk++) {
		struct referrals_row r;
		int rank = 0;

		memset(&r, 0, sizeof(r));
		snprintf(r.status, sizeof(r.status), "received");
		snprintf(r.spoke, sizeof(r.spoke), "%s",
		    randombytes_uniform(4) == 0 ? ROUTING_UNASSIGNED : "east");
		r.risk = (int)randombytes_uniform(2);
		for (int step = 0; step < 12; step++) {
			enum casestate_action a = acts[randombytes_uniform(6)];
			const char *outcome =
			    casestate_outcomes[randombytes_uniform(7)];
			const char *next = NULL, *why;
			int nrank = -1;

			if (randombytes_uniform(20) == 0)
				r.withdrawn_at = 1;
			why = casestate_check(&r, a, outcome, &next);
			if (r.withdrawn_at != 0) {
				assert_non_null(why);
				break;
			}
			if (why != NULL)
				continue;
			for (int k = 0; k < 5; k++)
				if (strcmp(next, order[k]) == 0)
					nrank = k;
			/* Never backwards, at most one step forward
			 * (closing may skip), nothing after closed but
			 * notes. */
			assert_true(nrank >= rank);
			assert_true(nrank <= rank + 1 || nrank == 4);
			if (rank == 4)
				assert_int_equal(a, CASESTATE_NOTE);
			if (a == CASESTATE_CONTACTED)
				assert_true(!r.risk || r.risk_assessed_at);
			if (a == CASESTATE_ASSIGN)
				assert_string_not_equal(
				    r.spoke, ROUTING_UNASSIGNED);
			if (a == CASESTATE_CLOSE && rank < 2)
				assert_true(
				    strcmp(outcome, "not-suitable") == 0 ||
				    strcmp(outcome, "no-contact-possible") ==
					0);
			if (a == CASESTATE_RISK_ASSESSED)
				r.risk_assessed_at = 1;
			snprintf(
			    r.status, sizeof(r.status), "%s", order[nrank]);
			rank = nrank;
		}
	}
}

/* Every table a reader could believe from what is published (shown
 * cells exact, "<5" 1..4, "[c]" 0..total, the total known): does each
 * "<5" cell take at least two values among them? Brute force, so it
 * checks the interval arithmetic in hub/suppress.c independently. */
static int
ambiguous(const int64_t *counts, const enum suppress_mark *marks, size_t n,
    int64_t total)
{
	int64_t cur[8], lo[8], hi[8];
	int64_t seen_min[8], seen_max[8];
	size_t i;

	for (i = 0; i < n; i++) {
		lo[i] = marks[i] == SUPPRESS_SHOWN   ? counts[i]
			: marks[i] == SUPPRESS_SMALL ? 1
						     : 0;
		hi[i] = marks[i] == SUPPRESS_SHOWN   ? counts[i]
			: marks[i] == SUPPRESS_SMALL ? 4
						     : total;
		cur[i] = lo[i];
		seen_min[i] = INT64_MAX;
		seen_max[i] = INT64_MIN;
	}
	for (;;) {
		int64_t sum = 0;

		for (i = 0; i < n; i++)
			sum += cur[i];
		if (sum == total)
			for (i = 0; i < n; i++) {
				if (cur[i] < seen_min[i])
					seen_min[i] = cur[i];
				if (cur[i] > seen_max[i])
					seen_max[i] = cur[i];
			}
		for (i = 0; i < n && ++cur[i] > hi[i]; i++)
			cur[i] = lo[i];
		if (i == n)
			break;
	}
	for (i = 0; i < n; i++)
		if (marks[i] == SUPPRESS_SMALL && seen_min[i] == seen_max[i])
			return 0;
	return 1;
}

static void
suppression_random(void **state)
{
	(void)state;
	for (int round = 0; round < 3000; round++) {
		size_t n = 1 + randombytes_uniform(5);
		int64_t counts[8], total = 0;
		enum suppress_mark marks[8];
		int rc;

		for (size_t i = 0; i < n; i++) {
			/* Mostly small numbers: where suppression bites. */
			counts[i] = randombytes_uniform(3) == 0
					? randombytes_uniform(12)
					: randombytes_uniform(6);
			marks[i] = SUPPRESS_SHOWN;
			total += counts[i];
		}
		rc = suppress_table(counts, marks, n);
		for (size_t i = 0; i < n; i++) {
			/* 1..4 never shown; nothing else marked "<5". */
			if (counts[i] >= 1 && counts[i] <= 4)
				assert_int_not_equal(marks[i], SUPPRESS_SHOWN);
			if (marks[i] == SUPPRESS_SMALL)
				assert_true(counts[i] >= 1 && counts[i] <= 4);
		}
		if (rc == SUPPRESS_OK)
			assert_true(ambiguous(counts, marks, n, total));
		else
			assert_false(ambiguous(counts, marks, n, total));
	}
}

static void
suppression_known(void **state)
{
	int64_t one[] = {20, 3};
	int64_t two[] = {20, 3, 2};
	int64_t tiny[] = {1, 5};
	enum suppress_mark m[3] = {0};

	(void)state;
	/* One small cell beside the total: the other is hidden. */
	assert_int_equal(suppress_table(one, m, 2), SUPPRESS_OK);
	assert_int_equal(m[0], SUPPRESS_HIDDEN);
	assert_int_equal(m[1], SUPPRESS_SMALL);
	/* Two small cells cover each other. */
	memset(m, 0, sizeof(m));
	assert_int_equal(suppress_table(two, m, 3), SUPPRESS_OK);
	assert_int_equal(m[0], SUPPRESS_SHOWN);
	/* 1 and 5 of 6: the 5 is hidden; "[c]" may be 0, so the 1 could
	 * be anything from 1 to 4. */
	memset(m, 0, sizeof(m));
	assert_int_equal(suppress_table(tiny, m, 2), SUPPRESS_OK);
	assert_int_equal(m[1], SUPPRESS_HIDDEN);
	assert_int_equal(suppress_one(0), SUPPRESS_SHOWN);
	assert_int_equal(suppress_one(4), SUPPRESS_SMALL);
	assert_int_equal(suppress_one(5), SUPPRESS_SHOWN);
}

static void
staff_requests(void **state)
{
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	uint8_t id[STAFF_ID_LEN], got[STAFF_ID_LEN], body[512];
	const uint8_t *json = NULL;
	const char *req = "{\"at\":1}";
	size_t len = 0, jlen = 0;

	(void)state;
	crypto_sign_keypair(pk, sk);
	randombytes_buf(id, sizeof(id));
	assert_int_equal(staffauth_sign(body, sizeof(body), &len,
			     "/v1/staff/pull", id, sk, req, strlen(req)),
	    0);
	assert_int_equal(staffauth_claimed(got, body, len), 0);
	assert_memory_equal(got, id, sizeof(id));
	assert_int_equal(
	    staffauth_verify(body, len, "/v1/staff/pull", pk, &json, &jlen), 0);
	assert_int_equal(jlen, strlen(req));
	assert_memory_equal(json, req, jlen);
	/* Another endpoint, any byte changed, a short body: refused. */
	assert_int_not_equal(
	    staffauth_verify(body, len, "/v1/staff/ack", pk, &json, &jlen), 0);
	for (size_t i = 0; i < len; i++) {
		body[i] ^= 0x20;
		assert_int_not_equal(staffauth_verify(body, len,
					 "/v1/staff/pull", pk, &json, &jlen),
		    0);
		body[i] ^= 0x20;
	}
	assert_int_not_equal(
	    staffauth_claimed(got, body, STAFFAUTH_HDR_LEN - 1), 0);
	assert_int_not_equal(staffauth_sign(body, 10, &len, "/v1/staff/pull",
				 id, sk, req, strlen(req)),
	    0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(known_deadlines),
	    cmocka_unit_test(random_deadlines),
	    cmocka_unit_test(civil_round_trip),
	    cmocka_unit_test(overdue_and_missed),
	    cmocka_unit_test(case_walks),
	    cmocka_unit_test(suppression_random),
	    cmocka_unit_test(suppression_known),
	    cmocka_unit_test(staff_requests),
	};

	jsonmem_init();
	return cmocka_run_group_tests(tests, setup, NULL);
}
