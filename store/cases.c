#include <stdio.h>
#include <string.h>

#include "store/cases.h"
#include "util/log.h"

/* Bind up to two texts and an integer, step, finalize: one line per
 * caller. */
static int
run(struct db *db, const char *sql, const char *t1, const char *t2, int64_t num,
    const char *what)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (db_prepare(db, &st, sql) != 0)
		return -1;
	sqlite3_bind_text(st, 1, t1, -1, SQLITE_STATIC);
	if (t2 != NULL)
		sqlite3_bind_text(st, 2, t2, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, num);
	rc = db_step_done(db, st, what);
	if (rc == 0 && sqlite3_changes(db_handle(db)) != 1) {
		log_err("cases: %s: no such referral", what);
		rc = -1;
	}
	sqlite3_finalize(st);
	return rc;
}

int
cases_event_add(struct db *db, const char *ref, int64_t at, const char *staff,
    const char *event, const char *detail)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (db_prepare(db, &st,
		"INSERT INTO case_events (ref, at, staff, event, detail) "
		"VALUES (?, ?, ?, ?, ?)") != 0)
		return -1;
	sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, at);
	sqlite3_bind_text(st, 3, staff, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, event, -1, SQLITE_STATIC);
	if (detail != NULL)
		sqlite3_bind_text(st, 5, detail, -1, SQLITE_STATIC);
	rc = db_step_done(db, st, "case event");
	sqlite3_finalize(st);
	return rc;
}

int
cases_set_status(struct db *db, const char *ref, const char *status)
{
	return run(db, "UPDATE referrals SET status = ?2 WHERE ref = ?1", ref,
	    status, 0, "case status");
}

int
cases_set_time(
    struct db *db, const char *ref, enum cases_time which, int64_t at)
{
	/* Fixed statements, never a column name built from input. */
	static const char *const sql[] = {
	    "UPDATE referrals SET risk_assessed_at = coalesce("
	    "risk_assessed_at, ?3) WHERE ref = ?1",
	    "UPDATE referrals SET contacted_at = coalesce(contacted_at, ?3) "
	    "WHERE ref = ?1",
	    "UPDATE referrals SET closed_at = coalesce(closed_at, ?3) WHERE "
	    "ref = ?1",
	};

	return run(db, sql[which], ref, NULL, at, "case time");
}

int
cases_set_outcome(struct db *db, const char *ref, const char *outcome)
{
	return run(db, "UPDATE referrals SET outcome = ?2 WHERE ref = ?1", ref,
	    outcome, 0, "case outcome");
}

int
cases_each_event(struct db *db, const char *ref,
    int (*fn)(void *arg, const struct cases_event *e), void *arg)
{
	sqlite3_stmt *st = NULL;
	struct cases_event e;
	int rc = -1, s;

	if (db_prepare(db, &st,
		"SELECT at, staff, event, detail FROM case_events WHERE ref = "
		"? ORDER BY id") != 0)
		return -1;
	sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *staff = sqlite3_column_text(st, 1);
		const unsigned char *ev = sqlite3_column_text(st, 2);

		memset(&e, 0, sizeof(e));
		e.at = sqlite3_column_int64(st, 0);
		snprintf(e.staff, sizeof(e.staff), "%s",
		    staff != NULL ? (const char *)staff : "");
		snprintf(e.event, sizeof(e.event), "%s",
		    ev != NULL ? (const char *)ev : "");
		e.detail = (const char *)sqlite3_column_text(st, 3);
		if (fn(arg, &e) != 0)
			goto out;
	}
	if (s != SQLITE_DONE) {
		log_err("cases: history read failed");
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}
