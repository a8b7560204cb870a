#include <stdlib.h>
#include <string.h>

#include "store/referrals.h"
#include "util/log.h"

/* Run one bound statement that returns no rows; logs on failure. */
static int
run(struct db *db, sqlite3_stmt *st, const char *what)
{
	int rc = db_step_done(db, st, what);

	sqlite3_finalize(st);
	return rc;
}

static void
copy_text(char *out, size_t cap, sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(out, cap, "%s", t != NULL ? (const char *)t : "");
}

int
referrals_each_unopened(struct db *db,
    int (*fn)(void *arg, const struct referrals_sealed *env), void *arg)
{
	sqlite3_stmt *st = NULL;
	struct referrals_sealed e;
	int rc = -1, s;

	if (db_prepare(db, &st,
		"SELECT envelope_id, device_id, kind, received_at, envelope "
		"FROM envelopes WHERE opened = 0 AND envelope IS NOT NULL "
		"ORDER BY received_at, rowid") != 0)
		return -1;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 0) != ENVELOPE_ID_LEN ||
		    sqlite3_column_bytes(st, 1) != ENVELOPE_ID_LEN) {
			log_err("referrals: damaged envelope row");
			goto out;
		}
		memcpy(
		    e.envelope_id, sqlite3_column_blob(st, 0), ENVELOPE_ID_LEN);
		memcpy(
		    e.device_id, sqlite3_column_blob(st, 1), ENVELOPE_ID_LEN);
		e.kind = sqlite3_column_int(st, 2);
		e.received_at = sqlite3_column_int64(st, 3);
		e.envelope = sqlite3_column_blob(st, 4);
		e.len = (size_t)sqlite3_column_bytes(st, 4);
		if (fn(arg, &e) != 0)
			goto out;
	}
	if (s != SQLITE_DONE) {
		log_err("referrals: read failed: %s",
		    sqlite3_errmsg(db_handle(db)));
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

int
referrals_mark_opened(struct db *db, const uint8_t envelope_id[ENVELOPE_ID_LEN])
{
	sqlite3_stmt *st = NULL;

	if (db_prepare(db, &st,
		"UPDATE envelopes SET opened = 1 WHERE envelope_id = ?") != 0)
		return -1;
	sqlite3_bind_blob(st, 1, envelope_id, ENVELOPE_ID_LEN, SQLITE_STATIC);
	return run(db, st, "mark opened");
}

/* Delete sealed personal data belonging to a withdrawn reference. */
static int
shred(struct db *db, const char *ref)
{
	sqlite3_stmt *st = NULL;

	static const char *const sql[] = {
	    "UPDATE envelopes SET envelope = NULL WHERE envelope_id IN "
	    "(SELECT envelope_id FROM referrals WHERE ref = ?1 UNION "
	    "SELECT envelope_id FROM followups WHERE ref = ?1)",
	    "UPDATE referrals SET venue = NULL, borough = NULL, crime = "
	    "NULL, stage = NULL WHERE ref = ?1",
	    /* Notes may quote the person: the event stays, its text goes. */
	    "UPDATE case_events SET detail = NULL WHERE ref = ?1 AND event = "
	    "'note'",
	};

	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		if (db_prepare(db, &st, sql[i]) != 0)
			return -1;
		sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
		if (run(db, st, "delete withdrawn data") != 0)
			return -1;
	}
	return 0;
}

static int
is_withdrawn(struct db *db, const char *ref)
{
	sqlite3_stmt *st = NULL;
	int s;

	if (db_prepare(db, &st, "SELECT 1 FROM withdrawals WHERE ref = ?") != 0)
		return -1;
	sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
	s = sqlite3_step(st);
	sqlite3_finalize(st);
	if (s == SQLITE_ROW)
		return 1;
	return s == SQLITE_DONE ? 0 : -1;
}

/* A category not given is NULL, not "". */
static void
bind_cat(sqlite3_stmt *st, int col, const char *v)
{
	if (v[0] != '\0')
		sqlite3_bind_text(st, col, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, col);
}

int
referrals_add(struct db *db, const struct referrals_row *row)
{
	sqlite3_stmt *st = NULL;
	int w;

	if (db_prepare(db, &st,
		"INSERT INTO referrals (ref, envelope_id, channel, language, "
		"spoke, received_at, risk, venue, borough, crime, stage) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)") != 0)
		return -1;
	sqlite3_bind_text(st, 1, row->ref, -1, SQLITE_STATIC);
	sqlite3_bind_blob(
	    st, 2, row->envelope_id, ENVELOPE_ID_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, row->channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, row->language, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, row->spoke, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, row->received_at);
	sqlite3_bind_int(st, 7, row->risk != 0);
	bind_cat(st, 8, row->venue);
	bind_cat(st, 9, row->borough);
	bind_cat(st, 10, row->crime);
	bind_cat(st, 11, row->stage);
	if (run(db, st, "add referral") != 0)
		return -1;
	/* A withdrawal can overtake its referral on the way to the hub. */
	w = is_withdrawn(db, row->ref);
	if (w < 0)
		return -1;
	return w ? shred(db, row->ref) : 0;
}

int
referrals_add_followup(struct db *db,
    const uint8_t envelope_id[ENVELOPE_ID_LEN], const char *ref,
    int64_t received_at)
{
	sqlite3_stmt *st = NULL;
	int w;

	if (db_prepare(db, &st,
		"INSERT INTO followups (envelope_id, ref, received_at) "
		"VALUES (?, ?, ?)") != 0)
		return -1;
	sqlite3_bind_blob(st, 1, envelope_id, ENVELOPE_ID_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ref, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, received_at);
	if (run(db, st, "add follow-up") != 0)
		return -1;
	w = is_withdrawn(db, ref);
	if (w < 0)
		return -1;
	return w ? shred(db, ref) : 0;
}

int
referrals_withdraw(
    struct db *db, const char *ref, int64_t at, const char *source)
{
	sqlite3_stmt *st = NULL;

	if (db_prepare(db, &st,
		"INSERT OR IGNORE INTO withdrawals (ref, withdrawn_at, source) "
		"VALUES (?, ?, ?)") != 0)
		return -1;
	sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, at);
	sqlite3_bind_text(st, 3, source, -1, SQLITE_STATIC);
	if (run(db, st, "withdraw") != 0)
		return -1;
	return shred(db, ref);
}

#define ROW_SELECT                                                             \
	"SELECT r.ref, r.envelope_id, r.channel, r.language, r.spoke, "        \
	"r.received_at, r.exported_at, w.withdrawn_at, r.status, r.risk, "     \
	"r.venue, r.borough, r.crime, r.stage, r.risk_assessed_at, "           \
	"r.contacted_at, r.closed_at, r.outcome FROM referrals r "             \
	"LEFT JOIN withdrawals w ON w.ref = r.ref "

static void
fill_row(sqlite3_stmt *st, struct referrals_row *row)
{
	memset(row, 0, sizeof(*row));
	copy_text(row->ref, sizeof(row->ref), st, 0);
	if (sqlite3_column_bytes(st, 1) == ENVELOPE_ID_LEN)
		memcpy(row->envelope_id, sqlite3_column_blob(st, 1),
		    ENVELOPE_ID_LEN);
	copy_text(row->channel, sizeof(row->channel), st, 2);
	copy_text(row->language, sizeof(row->language), st, 3);
	copy_text(row->spoke, sizeof(row->spoke), st, 4);
	row->received_at = sqlite3_column_int64(st, 5);
	row->exported_at = sqlite3_column_int64(st, 6);
	row->withdrawn_at = sqlite3_column_int64(st, 7);
	copy_text(row->status, sizeof(row->status), st, 8);
	if (row->withdrawn_at != 0)
		snprintf(row->status, sizeof(row->status), "withdrawn");
	row->risk = sqlite3_column_int(st, 9);
	copy_text(row->venue, sizeof(row->venue), st, 10);
	copy_text(row->borough, sizeof(row->borough), st, 11);
	copy_text(row->crime, sizeof(row->crime), st, 12);
	copy_text(row->stage, sizeof(row->stage), st, 13);
	row->risk_assessed_at = sqlite3_column_int64(st, 14);
	row->contacted_at = sqlite3_column_int64(st, 15);
	row->closed_at = sqlite3_column_int64(st, 16);
	copy_text(row->outcome, sizeof(row->outcome), st, 17);
}

int
referrals_get(struct db *db, const char *ref, struct referrals_row *row)
{
	sqlite3_stmt *st = NULL;
	int rc = -1, s;

	if (db_prepare(db, &st, ROW_SELECT "WHERE r.ref = ?") != 0)
		return -1;
	sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		fill_row(st, row);
		rc = 0;
	} else if (s == SQLITE_DONE) {
		rc = 1;
	} else {
		log_err("referrals: lookup failed");
	}
	sqlite3_finalize(st);
	return rc;
}

int
referrals_each(struct db *db, const char *spoke, int64_t since_ms,
    int (*fn)(void *arg, const struct referrals_row *row), void *arg)
{
	sqlite3_stmt *st = NULL;
	struct referrals_row row;
	int rc = -1, s;

	if (db_prepare(db, &st,
		ROW_SELECT
		"WHERE r.received_at >= ?1 AND (?2 IS NULL OR "
		"r.spoke = ?2) ORDER BY r.received_at, r.rowid") != 0)
		return -1;
	sqlite3_bind_int64(st, 1, since_ms);
	if (spoke != NULL)
		sqlite3_bind_text(st, 2, spoke, -1, SQLITE_STATIC);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		fill_row(st, &row);
		if (fn(arg, &row) != 0)
			goto out;
	}
	if (s != SQLITE_DONE) {
		log_err("referrals: list failed: %s",
		    sqlite3_errmsg(db_handle(db)));
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

static int
update_ref(struct db *db, const char *sql, const char *ref, const char *text,
    int64_t num)
{
	sqlite3_stmt *st = NULL;

	if (db_prepare(db, &st, sql) != 0)
		return -1;
	if (text != NULL)
		sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 1, num);
	sqlite3_bind_text(st, 2, ref, -1, SQLITE_STATIC);
	if (run(db, st, "update") != 0)
		return -1;
	if (sqlite3_changes(db_handle(db)) != 1) {
		log_err("no referral with that reference");
		return -1;
	}
	return 0;
}

int
referrals_set_spoke(struct db *db, const char *ref, const char *spoke)
{
	return update_ref(
	    db, "UPDATE referrals SET spoke = ? WHERE ref = ?", ref, spoke, 0);
}

int
referrals_mark_exported(struct db *db, const char *ref, int64_t at)
{
	return update_ref(db,
	    "UPDATE referrals SET exported_at = ? WHERE ref = ?", ref, NULL,
	    at);
}

int
referrals_envelope(struct db *db, const uint8_t envelope_id[ENVELOPE_ID_LEN],
    uint8_t **env, size_t *len, uint8_t device_id[ENVELOPE_ID_LEN])
{
	sqlite3_stmt *st = NULL;
	int rc = -1, s;

	*env = NULL;
	if (db_prepare(db, &st,
		"SELECT envelope, device_id FROM envelopes WHERE "
		"envelope_id = ?") != 0)
		return -1;
	sqlite3_bind_blob(st, 1, envelope_id, ENVELOPE_ID_LEN, SQLITE_STATIC);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_NULL) {
		rc = 1;
	} else if (s == SQLITE_ROW &&
		   sqlite3_column_bytes(st, 1) == ENVELOPE_ID_LEN &&
		   sqlite3_column_bytes(st, 0) > 0) {
		*len = (size_t)sqlite3_column_bytes(st, 0);
		*env = malloc(*len);
		if (*env != NULL) {
			memcpy(*env, sqlite3_column_blob(st, 0), *len);
			memcpy(device_id, sqlite3_column_blob(st, 1),
			    ENVELOPE_ID_LEN);
			rc = 0;
		} else {
			log_err("out of memory");
		}
	} else {
		log_err("referrals: envelope not found");
	}
	sqlite3_finalize(st);
	return rc;
}

int
referrals_each_followup(struct db *db, const char *ref,
    int (*fn)(void *arg, const uint8_t envelope_id[ENVELOPE_ID_LEN]), void *arg)
{
	sqlite3_stmt *st = NULL;
	int rc = -1, s;

	if (db_prepare(db, &st,
		"SELECT envelope_id FROM followups WHERE ref = ? ORDER BY "
		"received_at") != 0)
		return -1;
	sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 0) != ENVELOPE_ID_LEN ||
		    fn(arg, sqlite3_column_blob(st, 0)) != 0)
			goto out;
	}
	rc = s == SQLITE_DONE ? 0 : -1;
out:
	sqlite3_finalize(st);
	return rc;
}

int
referrals_purge(struct db *db, int64_t cutoff_ms, int64_t *n)
{
	static const char *const sql[] = {
	    "DELETE FROM case_events WHERE ref IN (SELECT ref FROM referrals "
	    "WHERE received_at < ?1)",
	    "DELETE FROM followups WHERE received_at < ?1",
	    "DELETE FROM referrals WHERE received_at < ?1",
	    "DELETE FROM envelopes WHERE received_at < ?1",
	};
	sqlite3_stmt *st = NULL;

	*n = 0;
	if (db_begin(db) != 0)
		return -1;
	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		if (db_prepare(db, &st, sql[i]) != 0)
			goto fail;
		sqlite3_bind_int64(st, 1, cutoff_ms);
		if (run(db, st, "purge") != 0)
			goto fail;
		if (i == sizeof(sql) / sizeof(sql[0]) - 1)
			*n = sqlite3_changes(db_handle(db));
	}
	if (db_commit(db) != 0)
		goto fail;
	return 0;
fail:
	db_rollback(db);
	return -1;
}

int
referrals_count_unopened(struct db *db, int64_t *n)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (db_prepare(db, &st,
		"SELECT count(*) FROM envelopes WHERE opened = 0 AND envelope "
		"IS NOT NULL") != 0)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*n = sqlite3_column_int64(st, 0);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}
