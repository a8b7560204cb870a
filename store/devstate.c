#include <stdio.h>
#include <string.h>

#include "store/devstate.h"
#include "util/log.h"

static int
last_sent(struct db *db, const uint8_t id[ENVELOPE_ID_LEN], int64_t *sent)
{
	sqlite3_stmt *st = NULL;
	int rc = -1, s;

	if (db_prepare(db, &st,
		"SELECT sent_at FROM device_state WHERE device_id = ?") != 0)
		return -1;
	sqlite3_bind_blob(st, 1, id, ENVELOPE_ID_LEN, SQLITE_STATIC);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		*sent = sqlite3_column_int64(st, 0);
		rc = 0;
	} else if (s == SQLITE_DONE) {
		rc = 1;
	} else {
		log_err("devstate: lookup failed: %s",
		    sqlite3_errmsg(db_handle(db)));
	}
	sqlite3_finalize(st);
	return rc;
}

int
devstate_record(
    struct db *db, const uint8_t id[ENVELOPE_ID_LEN], const struct devstate *s)
{
	sqlite3_stmt *st = NULL;
	int64_t prev = 0;
	int rc = -1, found;

	if (db_begin(db) != 0)
		return -1;
	found = last_sent(db, id, &prev);
	if (found < 0)
		goto out;
	/*
	 * Not newer than the last one kept: a replay, unless it is fresh by
	 * the hub's clock (a device whose clock was set back after a restart
	 * must not look silent until its clock catches up).
	 */
	if (found == 0 && s->sent_at <= prev &&
	    (s->sent_at == prev ||
		s->sent_at < s->seen_at - DEVSTATE_FRESH_MS ||
		s->sent_at > s->seen_at + DEVSTATE_FRESH_MS)) {
		rc = DEVSTATE_STALE;
		goto out;
	}
	if (db_prepare(db, &st,
		"INSERT OR REPLACE INTO device_state (device_id, seen_at, "
		"sent_at, role, version, interval_s, outbox, dead, printer) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)") != 0)
		goto out;
	sqlite3_bind_blob(st, 1, id, ENVELOPE_ID_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, s->seen_at);
	sqlite3_bind_int64(st, 3, s->sent_at);
	sqlite3_bind_text(st, 4, s->f.role, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, s->f.version, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, s->f.interval_s);
	sqlite3_bind_int64(st, 7, s->f.outbox);
	sqlite3_bind_int64(st, 8, s->f.dead);
	sqlite3_bind_text(st, 9, s->f.printer, -1, SQLITE_STATIC);
	if (db_step_done(db, st, "record heartbeat") != 0)
		goto out;
	rc = DEVSTATE_STORED;
out:
	sqlite3_finalize(st);
	if (rc == DEVSTATE_STORED) {
		if (db_commit(db) != 0)
			rc = -1;
	} else {
		db_rollback(db);
	}
	return rc;
}

static void
copy_text(char *dst, size_t cap, sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(dst, cap, "%s", t != NULL ? (const char *)t : "");
}

int
devstate_get(
    struct db *db, const uint8_t id[ENVELOPE_ID_LEN], struct devstate *s)
{
	sqlite3_stmt *st = NULL;
	int rc = -1, r;

	memset(s, 0, sizeof(*s));
	if (db_prepare(db, &st,
		"SELECT seen_at, sent_at, role, version, interval_s, outbox, "
		"dead, printer FROM device_state WHERE device_id = ?") != 0)
		return -1;
	sqlite3_bind_blob(st, 1, id, ENVELOPE_ID_LEN, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		s->seen_at = sqlite3_column_int64(st, 0);
		s->sent_at = sqlite3_column_int64(st, 1);
		copy_text(s->f.role, sizeof(s->f.role), st, 2);
		copy_text(s->f.version, sizeof(s->f.version), st, 3);
		s->f.interval_s = sqlite3_column_int(st, 4);
		s->f.outbox = sqlite3_column_int64(st, 5);
		s->f.dead = sqlite3_column_int64(st, 6);
		copy_text(s->f.printer, sizeof(s->f.printer), st, 7);
		rc = 0;
	} else if (r == SQLITE_DONE) {
		rc = 1;
	} else {
		log_err("devstate: lookup failed: %s",
		    sqlite3_errmsg(db_handle(db)));
	}
	sqlite3_finalize(st);
	return rc;
}
