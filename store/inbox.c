#include <string.h>

#include "store/inbox.h"
#include "util/log.h"

static int
fill_device(sqlite3_stmt *st, struct inbox_device *dev)
{
	const void *id = sqlite3_column_blob(st, 0);
	const unsigned char *name = sqlite3_column_text(st, 1);
	const void *pk = sqlite3_column_blob(st, 2);

	if (sqlite3_column_bytes(st, 0) != ENVELOPE_ID_LEN || name == NULL ||
	    sqlite3_column_bytes(st, 2) != crypto_sign_PUBLICKEYBYTES) {
		log_err("inbox: damaged device row");
		return -1;
	}
	memcpy(dev->device_id, id, ENVELOPE_ID_LEN);
	snprintf(dev->name, sizeof(dev->name), "%s", (const char *)name);
	memcpy(dev->sign_pk, pk, crypto_sign_PUBLICKEYBYTES);
	dev->enrolled_at = sqlite3_column_int64(st, 3);
	dev->revoked_at = sqlite3_column_type(st, 4) == SQLITE_NULL
			      ? 0
			      : sqlite3_column_int64(st, 4);
	return 0;
}

#define DEVICE_COLS "device_id, name, sign_pk, enrolled_at, revoked_at"

int
inbox_device_add(struct db *db, const struct inbox_device *dev)
{
	return db_run(db, "enrol device",
	    "INSERT INTO devices (" DEVICE_COLS ") VALUES (?, ?, ?, ?, NULL)",
	    "btbI", dev->device_id, ENVELOPE_ID_LEN, dev->name, dev->sign_pk,
	    crypto_sign_PUBLICKEYBYTES, dev->enrolled_at);
}

static int
device_query(struct db *db, const char *sql, const void *key, int keylen,
    struct inbox_device *dev)
{
	sqlite3_stmt *st = NULL;
	int rc = -1, s;

	if ((st = db_cached(db, sql)) == NULL)
		return -1;
	if (keylen < 0)
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	else
		sqlite3_bind_blob(st, 1, key, keylen, SQLITE_STATIC);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		rc = fill_device(st, dev);
	else if (s == SQLITE_DONE)
		rc = 1;
	else
		log_err("inbox: device lookup failed: %s",
		    sqlite3_errmsg(db_handle(db)));
	db_reset(st);
	return rc;
}

int
inbox_device_get(
    struct db *db, const uint8_t id[ENVELOPE_ID_LEN], struct inbox_device *dev)
{
	return device_query(db,
	    "SELECT " DEVICE_COLS " FROM devices WHERE device_id = ?", id,
	    ENVELOPE_ID_LEN, dev);
}

int
inbox_device_by_name(struct db *db, const char *name, struct inbox_device *dev)
{
	return device_query(db,
	    "SELECT " DEVICE_COLS " FROM devices WHERE name = ?", name, -1,
	    dev);
}

int
inbox_device_revoke(struct db *db, const char *name, int64_t now_ms)
{
	if (db_run(db, "revoke",
		"UPDATE devices SET revoked_at = ? WHERE name = ? AND "
		"revoked_at IS NULL",
		"It", now_ms, name) != 0)
		return -1;
	if (sqlite3_changes(db_handle(db)) != 1) {
		log_err("no active device named %s", name);
		return -1;
	}
	return 0;
}

int
inbox_device_each(struct db *db,
    int (*fn)(void *arg, const struct inbox_device *dev), void *arg)
{
	sqlite3_stmt *st = NULL;
	struct inbox_device dev;
	int rc = -1, s;

	if (db_prepare(db, &st,
		"SELECT " DEVICE_COLS " FROM devices ORDER BY enrolled_at, "
		"rowid") != 0)
		return -1;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		if (fill_device(st, &dev) != 0 || fn(arg, &dev) != 0)
			goto out;
	}
	if (s != SQLITE_DONE) {
		log_err("inbox: device list failed: %s",
		    sqlite3_errmsg(db_handle(db)));
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

int
inbox_lookup_receipt(struct db *db, const uint8_t id[ENVELOPE_ID_LEN],
    uint8_t receipt[SIG_RECEIPT_LEN], int64_t *received_at)
{
	sqlite3_stmt *st = NULL;
	int rc = -1, s;

	if (db_prepare(db, &st,
		"SELECT receipt, received_at FROM envelopes WHERE "
		"envelope_id = ?") != 0)
		return -1;
	sqlite3_bind_blob(st, 1, id, ENVELOPE_ID_LEN, SQLITE_STATIC);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW && sqlite3_column_bytes(st, 0) == SIG_RECEIPT_LEN) {
		memcpy(receipt, sqlite3_column_blob(st, 0), SIG_RECEIPT_LEN);
		*received_at = sqlite3_column_int64(st, 1);
		rc = 0;
	} else if (s == SQLITE_DONE) {
		rc = 1;
	} else {
		log_err("inbox: receipt lookup failed");
	}
	sqlite3_finalize(st);
	return rc;
}

_Static_assert(INBOX_DIGEST_LEN == crypto_hash_sha256_BYTES,
    "the digest column holds SHA-256");

int
inbox_find(struct db *db, const uint8_t id[ENVELOPE_ID_LEN],
    const uint8_t digest[INBOX_DIGEST_LEN],
    uint8_t stored_receipt[SIG_RECEIPT_LEN], int64_t *stored_received_at)
{
	sqlite3_stmt *st = NULL;
	int rc = -1, s;

	if ((st = db_cached(db,
		 "SELECT receipt, received_at, digest FROM envelopes WHERE "
		 "envelope_id = ?")) == NULL)
		return -1;
	sqlite3_bind_blob(st, 1, id, ENVELOPE_ID_LEN, SQLITE_STATIC);
	s = sqlite3_step(st);
	if (s == SQLITE_DONE) {
		rc = INBOX_NEW;
	} else if (s != SQLITE_ROW) {
		log_err(
		    "inbox: lookup failed: %s", sqlite3_errmsg(db_handle(db)));
	} else if (sqlite3_column_bytes(st, 2) != INBOX_DIGEST_LEN ||
		   /* Digest of public (sealed) bytes: plain memcmp is fine. */
		   memcmp(sqlite3_column_blob(st, 2), digest,
		       INBOX_DIGEST_LEN) != 0 ||
		   (stored_receipt != NULL &&
		       sqlite3_column_bytes(st, 0) != SIG_RECEIPT_LEN)) {
		rc = INBOX_CONFLICT;
	} else {
		if (stored_receipt != NULL)
			memcpy(stored_receipt, sqlite3_column_blob(st, 0),
			    SIG_RECEIPT_LEN);
		if (stored_received_at != NULL)
			*stored_received_at = sqlite3_column_int64(st, 1);
		rc = INBOX_DUPLICATE;
	}
	db_reset(st);
	return rc;
}

int
inbox_insert(struct db *db, const struct envelope_hdr *hdr, const uint8_t *env,
    size_t len, const uint8_t digest[INBOX_DIGEST_LEN], int64_t received_at,
    const uint8_t receipt[SIG_RECEIPT_LEN])
{
	return db_run(db, "store envelope",
	    "INSERT INTO envelopes (envelope_id, device_id, kind, created_at, "
	    "received_at, envelope, digest, receipt) VALUES "
	    "(?, ?, ?, ?, ?, ?, ?, ?)",
	    "bbiIIbbb", hdr->envelope_id, ENVELOPE_ID_LEN, hdr->device_id,
	    ENVELOPE_ID_LEN, (int)hdr->kind, (int64_t)hdr->created_at,
	    received_at, env, (int)len, digest, INBOX_DIGEST_LEN, receipt,
	    SIG_RECEIPT_LEN);
}

int
inbox_keep(struct db *db, const struct envelope_hdr *hdr, const uint8_t *env,
    size_t len, int64_t received_at, const uint8_t receipt[SIG_RECEIPT_LEN],
    uint8_t stored_receipt[SIG_RECEIPT_LEN], int64_t *stored_received_at)
{
	uint8_t digest[INBOX_DIGEST_LEN];
	int rc;

	crypto_hash_sha256(digest, env, len);
	rc = inbox_find(
	    db, hdr->envelope_id, digest, stored_receipt, stored_received_at);
	if (rc != INBOX_NEW)
		return rc;
	if (inbox_insert(db, hdr, env, len, digest, received_at, receipt) != 0)
		return -1;
	return INBOX_NEW;
}

int
inbox_store(struct db *db, const struct envelope_hdr *hdr, const uint8_t *env,
    size_t len, int64_t received_at, const uint8_t receipt[SIG_RECEIPT_LEN],
    uint8_t stored_receipt[SIG_RECEIPT_LEN], int64_t *stored_received_at)
{
	int rc;

	if (db_begin(db) != 0)
		return -1;
	rc = inbox_keep(db, hdr, env, len, received_at, receipt, stored_receipt,
	    stored_received_at);
	if (rc == INBOX_NEW && db_commit(db) == 0)
		return INBOX_NEW;
	db_rollback(db);
	return rc == INBOX_NEW ? -1 : rc;
}
