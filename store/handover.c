#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "store/handover.h"
#include "store/inbox.h"
#include "util/log.h"

int
handover_each_pending(struct db *db,
    int (*fn)(void *arg, const struct handover_env *e), void *arg, int *more)
{
	sqlite3_stmt *st = NULL;
	struct handover_env e;
	int rc = -1, s, r;

	*more = 0;
	if (db_prepare(db, &st,
		"SELECT envelope_id, device_id, received_at, envelope, receipt "
		"FROM envelopes WHERE acked_at IS NULL AND envelope IS NOT "
		"NULL ORDER BY rowid") != 0)
		return -1;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 0) != ENVELOPE_ID_LEN ||
		    sqlite3_column_bytes(st, 1) != ENVELOPE_ID_LEN ||
		    sqlite3_column_bytes(st, 4) != SIG_RECEIPT_LEN) {
			log_err("handover: damaged envelope row");
			goto out;
		}
		memcpy(
		    e.envelope_id, sqlite3_column_blob(st, 0), ENVELOPE_ID_LEN);
		memcpy(
		    e.device_id, sqlite3_column_blob(st, 1), ENVELOPE_ID_LEN);
		e.received_at = sqlite3_column_int64(st, 2);
		e.envelope = sqlite3_column_blob(st, 3);
		e.len = (size_t)sqlite3_column_bytes(st, 3);
		e.receipt = sqlite3_column_blob(st, 4);
		r = fn(arg, &e);
		if (r < 0)
			goto out;
		if (r > 0) {
			*more = 1;
			break;
		}
	}
	if (s != SQLITE_ROW && s != SQLITE_DONE) {
		log_err(
		    "handover: read failed: %s", sqlite3_errmsg(db_handle(db)));
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

int
handover_ack(struct db *db, const uint8_t (*ids)[ENVELOPE_ID_LEN], size_t nids,
    int64_t now_ms, int64_t *n)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	*n = 0;
	if (db_prepare(db, &st,
		"UPDATE envelopes SET acked_at = ? WHERE envelope_id = ? AND "
		"acked_at IS NULL") != 0)
		return -1;
	if (db_begin(db) != 0)
		goto out;
	for (size_t i = 0; i < nids; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, now_ms);
		sqlite3_bind_blob(
		    st, 2, ids[i], ENVELOPE_ID_LEN, SQLITE_STATIC);
		if (db_step_done(db, st, "acknowledge") != 0) {
			db_rollback(db);
			goto out;
		}
		*n += sqlite3_changes(db_handle(db));
	}
	if (db_commit(db) != 0) {
		db_rollback(db);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

int
handover_expire(struct db *db, int64_t cutoff_ms, int64_t *n)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	*n = 0;
	if (db_prepare(db, &st,
		"UPDATE envelopes SET envelope = NULL WHERE acked_at < ? AND "
		"envelope IS NOT NULL") != 0)
		return -1;
	sqlite3_bind_int64(st, 1, cutoff_ms);
	if (db_step_done(db, st, "expire handed-over envelopes") != 0)
		goto out;
	*n = sqlite3_changes(db_handle(db));
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

int
handover_counts(struct db *db, int64_t *pending, int64_t *held)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (db_prepare(db, &st,
		"SELECT count(*), coalesce(sum(acked_at IS NULL), 0) FROM "
		"envelopes WHERE envelope IS NOT NULL") != 0)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*held = sqlite3_column_int64(st, 0);
		*pending = sqlite3_column_int64(st, 1);
		rc = 0;
	} else {
		log_err("handover: count failed");
	}
	sqlite3_finalize(st);
	return rc;
}

int
handover_device(struct db *db, const struct inbox_device *dev)
{
	struct inbox_device have;
	sqlite3_stmt *st = NULL;
	int found, rc = -1;

	found = inbox_device_get(db, dev->device_id, &have);
	if (found < 0)
		return -1;
	if (found == 1) {
		if (inbox_device_add(db, dev) != 0)
			return -1;
		if (dev->revoked_at == 0)
			return 0;
	} else {
		if (sodium_memcmp(have.sign_pk, dev->sign_pk,
			sizeof(have.sign_pk)) != 0) {
			log_err("handover: the hub sent a different key for "
				"device %s; refused",
			    have.name);
			return -1;
		}
		if (have.revoked_at != 0 || dev->revoked_at == 0)
			return 0;
	}
	if (db_prepare(db, &st,
		"UPDATE devices SET revoked_at = ? WHERE device_id = ?") != 0)
		return -1;
	sqlite3_bind_int64(st, 1, dev->revoked_at);
	sqlite3_bind_blob(
	    st, 2, dev->device_id, ENVELOPE_ID_LEN, SQLITE_STATIC);
	rc = db_step_done(db, st, "device revoked");
	sqlite3_finalize(st);
	return rc;
}

int
handover_keep(struct db *db, const struct envelope_hdr *hdr, const uint8_t *env,
    size_t len, int64_t received_at, const uint8_t receipt[SIG_RECEIPT_LEN])
{
	uint8_t digest[INBOX_DIGEST_LEN];
	int rc;

	/* The hub's own rules (store/inbox.c), inside the pull's
	 * transaction. */
	crypto_hash_sha256(digest, env, len);
	rc = inbox_find(db, hdr->envelope_id, digest, NULL, NULL);
	if (rc != INBOX_NEW)
		return rc;
	if (inbox_insert(db, hdr, env, len, digest, received_at, receipt) != 0)
		return -1;
	return INBOX_NEW;
}
