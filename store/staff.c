#include <stdio.h>
#include <string.h>

#include "store/staff.h"
#include "util/log.h"

#define STAFF_COLS                                                             \
	"staff_id, name, sign_pk, enrolled_at, revoked_at, last_request_at"

static int
fill(sqlite3_stmt *st, struct staff_member *m)
{
	const unsigned char *name = sqlite3_column_text(st, 1);

	if (sqlite3_column_bytes(st, 0) != STAFF_ID_LEN || name == NULL ||
	    sqlite3_column_bytes(st, 2) != crypto_sign_PUBLICKEYBYTES) {
		log_err("staff: damaged row");
		return -1;
	}
	memcpy(m->staff_id, sqlite3_column_blob(st, 0), STAFF_ID_LEN);
	snprintf(m->name, sizeof(m->name), "%s", (const char *)name);
	memcpy(
	    m->sign_pk, sqlite3_column_blob(st, 2), crypto_sign_PUBLICKEYBYTES);
	m->enrolled_at = sqlite3_column_int64(st, 3);
	m->revoked_at = sqlite3_column_int64(st, 4);
	m->last_request_at = sqlite3_column_int64(st, 5);
	return 0;
}

int
staff_add(struct db *db, const struct staff_member *m)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (db_prepare(db, &st,
		"INSERT INTO staff (staff_id, name, sign_pk, enrolled_at) "
		"VALUES (?, ?, ?, ?)") != 0)
		return -1;
	sqlite3_bind_blob(st, 1, m->staff_id, STAFF_ID_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, m->name, -1, SQLITE_STATIC);
	sqlite3_bind_blob(
	    st, 3, m->sign_pk, crypto_sign_PUBLICKEYBYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, m->enrolled_at);
	rc = db_step_done(db, st, "enrol staff");
	sqlite3_finalize(st);
	return rc;
}

int
staff_get(struct db *db, const uint8_t id[STAFF_ID_LEN], struct staff_member *m)
{
	sqlite3_stmt *st = NULL;
	int rc = -1, s;

	if (db_prepare(db, &st,
		"SELECT " STAFF_COLS " FROM staff WHERE staff_id = ?") != 0)
		return -1;
	sqlite3_bind_blob(st, 1, id, STAFF_ID_LEN, SQLITE_STATIC);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		rc = fill(st, m);
	else if (s == SQLITE_DONE)
		rc = 1;
	else
		log_err(
		    "staff: lookup failed: %s", sqlite3_errmsg(db_handle(db)));
	sqlite3_finalize(st);
	return rc;
}

int
staff_revoke(struct db *db, const char *name, int64_t now_ms)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (db_prepare(db, &st,
		"UPDATE staff SET revoked_at = ? WHERE name = ? AND "
		"revoked_at IS NULL") != 0)
		return -1;
	sqlite3_bind_int64(st, 1, now_ms);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	if (db_step_done(db, st, "revoke staff") != 0)
		goto out;
	if (sqlite3_changes(db_handle(db)) != 1) {
		log_err("no active staff credential named %s", name);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

int
staff_each(struct db *db, int (*fn)(void *arg, const struct staff_member *m),
    void *arg)
{
	sqlite3_stmt *st = NULL;
	struct staff_member m;
	int rc = -1, s;

	if (db_prepare(db, &st,
		"SELECT " STAFF_COLS " FROM staff ORDER BY enrolled_at, "
		"rowid") != 0)
		return -1;
	while ((s = sqlite3_step(st)) == SQLITE_ROW)
		if (fill(st, &m) != 0 || fn(arg, &m) != 0)
			goto out;
	if (s != SQLITE_DONE) {
		log_err("staff: list failed");
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

int
staff_accept_request(struct db *db, const uint8_t id[STAFF_ID_LEN],
    int64_t at_ms, int64_t now_ms)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (at_ms < now_ms - STAFF_CLOCK_SKEW_MS ||
	    at_ms > now_ms + STAFF_CLOCK_SKEW_MS)
		return 1;
	/* One statement: the check and the update cannot be split by
	 * another worker's request. */
	if (db_prepare(db, &st,
		"UPDATE staff SET last_request_at = ?1 WHERE staff_id = ?2 "
		"AND last_request_at < ?1 AND revoked_at IS NULL") != 0)
		return -1;
	sqlite3_bind_int64(st, 1, at_ms);
	sqlite3_bind_blob(st, 2, id, STAFF_ID_LEN, SQLITE_STATIC);
	if (db_step_done(db, st, "staff request") != 0)
		goto out;
	rc = sqlite3_changes(db_handle(db)) == 1 ? 0 : 1;
out:
	sqlite3_finalize(st);
	return rc;
}

int
staff_log_add(struct db *db, int64_t at, const char *name, const char *action,
    int64_t count)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (db_prepare(db, &st,
		"INSERT INTO staff_log (at, name, action, count) VALUES (?, "
		"?, ?, ?)") != 0)
		return -1;
	sqlite3_bind_int64(st, 1, at);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, action, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, count);
	rc = db_step_done(db, st, "staff log");
	sqlite3_finalize(st);
	return rc;
}

int
staff_log_each(struct db *db,
    int (*fn)(void *arg, const struct staff_log_row *r), void *arg)
{
	sqlite3_stmt *st = NULL;
	struct staff_log_row r;
	int rc = -1, s;

	if (db_prepare(db, &st,
		"SELECT at, name, action, count FROM staff_log ORDER BY at, "
		"rowid") != 0)
		return -1;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *n = sqlite3_column_text(st, 1);
		const unsigned char *a = sqlite3_column_text(st, 2);

		memset(&r, 0, sizeof(r));
		r.at = sqlite3_column_int64(st, 0);
		snprintf(r.name, sizeof(r.name), "%s",
		    n != NULL ? (const char *)n : "");
		snprintf(r.action, sizeof(r.action), "%s",
		    a != NULL ? (const char *)a : "");
		r.count = sqlite3_column_int64(st, 3);
		if (fn(arg, &r) != 0)
			goto out;
	}
	if (s != SQLITE_DONE) {
		log_err("staff: log read failed");
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}
