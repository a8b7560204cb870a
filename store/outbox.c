#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "store/outbox.h"
#include "util/log.h"

int
outbox_put(struct db *db, const uint8_t id[ENVELOPE_ID_LEN],
    const uint8_t *envelope, size_t len, int64_t now_ms)
{
	if (len == 0 || len > ENVELOPE_MAX) {
		log_err("outbox: refusing an envelope of %zu bytes", len);
		return -1;
	}
	/* Alone, a single INSERT is its own transaction, committed with
	 * FULL sync before we return: the caller may then tell the victim
	 * it is safe. In a group commit, the batch's COMMIT does that. */
	return db_run(db, "put",
	    "INSERT INTO outbox (envelope_id, envelope, queued_at, "
	    "next_attempt_at) VALUES (?, ?, ?, ?)",
	    "bbII", id, ENVELOPE_ID_LEN, envelope, (int)len, now_ms, now_ms);
}

void
outbox_items_free(struct outbox_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(items[i].envelope);
		items[i].envelope = NULL;
	}
}

int
outbox_take_due(struct db *db, int64_t now_ms, struct outbox_item *items,
    size_t max, size_t *n)
{
	sqlite3_stmt *st = NULL;
	int rc = -1, s;

	*n = 0;
	/* The rows are chosen from the index, then only those are read. */
	if ((st = db_cached(db,
		 "SELECT envelope_id, envelope, attempts, queued_at FROM "
		 "outbox "
		 "WHERE rowid IN (SELECT rowid FROM outbox INDEXED BY "
		 "outbox_queue WHERE next_attempt_at <= ? ORDER BY queued_at, "
		 "rowid LIMIT ?) ORDER BY queued_at, rowid")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now_ms);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		struct outbox_item *it = &items[*n];
		const void *idb = sqlite3_column_blob(st, 0);
		const void *env = sqlite3_column_blob(st, 1);
		int elen = sqlite3_column_bytes(st, 1);

		if (sqlite3_column_bytes(st, 0) != ENVELOPE_ID_LEN ||
		    env == NULL || elen <= 0 || elen > ENVELOPE_MAX) {
			log_err("outbox: damaged row skipped");
			continue;
		}
		memcpy(it->id, idb, ENVELOPE_ID_LEN);
		it->envelope = malloc((size_t)elen);
		if (it->envelope == NULL) {
			log_err("out of memory");
			goto out;
		}
		memcpy(it->envelope, env, (size_t)elen);
		it->len = (size_t)elen;
		it->attempts = sqlite3_column_int(st, 2);
		it->queued_at = sqlite3_column_int64(st, 3);
		(*n)++;
	}
	if (s != SQLITE_DONE) {
		log_err(
		    "outbox: read failed: %s", sqlite3_errmsg(db_handle(db)));
		goto out;
	}
	rc = 0;
out:
	if (rc != 0) {
		outbox_items_free(items, *n);
		*n = 0;
	}
	db_reset(st);
	return rc;
}

int64_t
outbox_backoff_ms(
    const struct outbox_policy *policy, int failures, uint32_t random)
{
	int64_t d = policy->base_ms;

	for (int i = 1; i < failures && d < policy->cap_ms; i++)
		d *= 2;
	if (d > policy->cap_ms)
		d = policy->cap_ms;
	/* Jitter keeps many devices that lost the hub together from all
	 * coming back at the same instant. */
	return d / 2 + (int64_t)(random % (uint32_t)(d / 2 + 1));
}

int
outbox_fail(struct db *db, const uint8_t id[ENVELOPE_ID_LEN], int64_t now_ms,
    const struct outbox_policy *policy, const char *reason, int64_t *next_ms)
{
	sqlite3_stmt *st = NULL;
	int rc = -1, attempts = 0, s;
	int64_t next;

	if (db_begin(db) != 0)
		return -1;
	if ((st = db_cached(db,
		 "SELECT attempts FROM outbox WHERE envelope_id = ?")) == NULL)
		goto out;
	sqlite3_bind_blob(st, 1, id, ENVELOPE_ID_LEN, SQLITE_STATIC);
	s = sqlite3_step(st);
	if (s != SQLITE_ROW) {
		log_err("outbox: no such envelope to reschedule");
		goto out;
	}
	attempts = sqlite3_column_int(st, 0) + 1;
	db_reset(st);
	st = NULL;
	next =
	    now_ms + outbox_backoff_ms(policy, attempts, randombytes_random());
	if ((st = db_cached(db,
		 "UPDATE outbox SET attempts = ?, next_attempt_at = ?, "
		 "last_error = substr(?, 1, 200) WHERE envelope_id = ?")) ==
	    NULL)
		goto out;
	sqlite3_bind_int(st, 1, attempts);
	sqlite3_bind_int64(st, 2, next);
	sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, id, ENVELOPE_ID_LEN, SQLITE_STATIC);
	if (db_step_done(db, st, "reschedule") != 0)
		goto out;
	if (db_commit(db) != 0)
		goto out;
	if (next_ms != NULL)
		*next_ms = next;
	rc = 0;
out:
	db_reset(st);
	if (rc != 0)
		db_rollback(db);
	return rc;
}

int
outbox_delete(struct db *db, const uint8_t id[ENVELOPE_ID_LEN])
{
	return db_run(db, "delete", "DELETE FROM outbox WHERE envelope_id = ?",
	    "b", id, ENVELOPE_ID_LEN);
}

int
outbox_delete_many(
    struct db *db, const uint8_t (*ids)[ENVELOPE_ID_LEN], size_t n)
{
	if (n == 0)
		return 0;
	if (db_begin(db) != 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (outbox_delete(db, ids[i]) != 0) {
			db_rollback(db);
			return -1;
		}
	if (db_commit(db) != 0) {
		db_rollback(db);
		return -1;
	}
	return 0;
}

int
outbox_dead_letter(struct db *db, const uint8_t id[ENVELOPE_ID_LEN],
    int64_t now_ms, const char *reason)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (db_begin(db) != 0)
		return -1;
	if ((st = db_cached(db,
		 "INSERT OR REPLACE INTO dead_letter (envelope_id, envelope, "
		 "queued_at, attempts, dead_at, reason) "
		 "SELECT envelope_id, envelope, queued_at, attempts + 1, ?, "
		 "substr(?, 1, 200) FROM outbox WHERE envelope_id = ?")) ==
	    NULL)
		goto out;
	sqlite3_bind_int64(st, 1, now_ms);
	sqlite3_bind_text(st, 2, reason, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, id, ENVELOPE_ID_LEN, SQLITE_STATIC);
	if (db_step_done(db, st, "dead-letter") != 0)
		goto out;
	if (sqlite3_changes(db_handle(db)) != 1) {
		log_err("outbox: no such envelope to dead-letter");
		goto out;
	}
	db_reset(st);
	st = NULL;
	if ((st = db_cached(db, "DELETE FROM outbox WHERE envelope_id = ?")) ==
	    NULL)
		goto out;
	sqlite3_bind_blob(st, 1, id, ENVELOPE_ID_LEN, SQLITE_STATIC);
	if (db_step_done(db, st, "delete") != 0 || db_commit(db) != 0)
		goto out;
	rc = 0;
out:
	db_reset(st);
	if (rc != 0)
		db_rollback(db);
	return rc;
}

static int
scalar(struct db *db, const char *sql, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if ((st = db_cached(db, sql)) == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*out = sqlite3_column_type(st, 0) == SQLITE_NULL
			   ? -1
			   : sqlite3_column_int64(st, 0);
		rc = 0;
	} else {
		log_err(
		    "outbox: query failed: %s", sqlite3_errmsg(db_handle(db)));
	}
	db_reset(st);
	return rc;
}

int
outbox_count(struct db *db, int64_t *pending, int64_t *dead)
{
	if (pending != NULL &&
	    scalar(db, "SELECT count(*) FROM outbox", pending) != 0)
		return -1;
	if (dead != NULL &&
	    scalar(db, "SELECT count(*) FROM dead_letter", dead) != 0)
		return -1;
	return 0;
}

int
outbox_next_due(struct db *db, int64_t *due_ms)
{
	return scalar(db, "SELECT min(next_attempt_at) FROM outbox", due_ms);
}
