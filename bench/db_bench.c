/*
 * db_bench: durable rows per second, the storage references `make bench`
 * holds the daemons against, and the devices' sealed enqueue.
 *
 *   db_bench DIR SECONDS BUNDLE
 *
 * DIR must be on the disk the daemons use (fsync is the cost measured).
 * Every database has the devices' schema (store/schema.c) and db_open's
 * settings: WAL, secure_delete, foreign_keys, synchronous=FULL; rows are
 * outbox rows with a 400-byte blob. Lines printed (key=value):
 *
 *   sqlcipher_single  one INSERT, one durable commit each, keyed
 *   sqlcipher_batch   50 INSERTs per durable commit, keyed
 *   plain_single      the same as sqlcipher_single without a key (SQLCipher
 *                     without a key is SQLite; same build, same pragmas)
 *   plain_batch       the same as sqlcipher_batch without a key
 *   enqueue_sqlcipher a payload sealed and signed for the hub and queued
 *                     through the project's own store (sealer_outbox on
 *                     db_open), one at a time, as a kiosk does
 *   enqueue_plain     the same sealing, then the same INSERT, unkeyed
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto/bundle.h"
#include "crypto/envelope.h"
#include "store/db.h"
#include "store/outbox.h"
#include "store/schema.h"
#include "store/sealer.h"
#include "util/log.h"

#define ROW_BLOB 400
#define BATCH 50
#define PATH_MAX_LEN 512

static const char payload[] =
    "{\"schema\":1,\"kind\":\"referral\",\"ref\":\"K7QD-M2XA-9RTF-C\","
    "\"channel\":\"kiosk\",\"language\":\"en\",\"contact\":{\"name\":"
    "\"Bench Person\",\"phone\":\"+447700900123\"}}";

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
exec(sqlite3 *h, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(h, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "db_bench: %s\n", err != NULL ? err : "?");
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

/* A fresh database with db_open's settings and the devices' schema. */
static sqlite3 *
open_raw(const char *dir, const char *name, int keyed)
{
	char path[PATH_MAX_LEN], raw[2 * DB_KEY_LEN + 4];
	uint8_t key[DB_KEY_LEN];
	sqlite3 *h = NULL;
	size_t i;
	int n;

	n = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return NULL;
	unlink(path);
	if (sqlite3_open(path, &h) != SQLITE_OK)
		goto fail;
	if (keyed) {
		randombytes_buf(key, sizeof(key));
		raw[0] = 'x';
		raw[1] = '\'';
		sodium_bin2hex(raw + 2, 2 * DB_KEY_LEN + 1, key, DB_KEY_LEN);
		raw[2 * DB_KEY_LEN + 2] = '\'';
		if (sqlite3_key(h, raw, 2 * DB_KEY_LEN + 3) != SQLITE_OK)
			goto fail;
	}
	if (exec(h, "PRAGMA journal_mode = WAL") != 0 ||
	    exec(h, "PRAGMA secure_delete = ON") != 0 ||
	    exec(h, "PRAGMA foreign_keys = ON") != 0 ||
	    exec(h, "PRAGMA synchronous = FULL") != 0)
		goto fail;
	for (i = 0; i < schema_device.nsteps; i++)
		if (exec(h, schema_device.steps[i]) != 0)
			goto fail;
	return h;
fail:
	fprintf(stderr, "db_bench: cannot set up %s\n", path);
	sqlite3_close(h);
	return NULL;
}

static int
insert(sqlite3_stmt *st, const uint8_t *blob, size_t len)
{
	uint8_t id[ENVELOPE_ID_LEN];
	int64_t now = db_now_ms();

	randombytes_buf(id, sizeof(id));
	sqlite3_bind_blob(st, 1, id, sizeof(id), SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, 2, blob, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, now);
	if (sqlite3_step(st) != SQLITE_DONE)
		return -1;
	sqlite3_reset(st);
	return 0;
}

/*
 * Rows per second for SECONDS: batch rows per durable commit (1: each
 * INSERT its own transaction); with a bundle, each row is first sealed
 * and signed like a real envelope.
 */
static double
raw_rate(const char *dir, const char *name, int keyed, int batch, double secs,
    const struct bundle *b)
{
	static uint8_t blob[ENVELOPE_MAX];
	sqlite3 *h = open_raw(dir, name, keyed);
	sqlite3_stmt *st = NULL;
	size_t len = ROW_BLOB;
	double t0, t;
	long rows = 0;
	int i;

	if (h == NULL)
		return -1;
	randombytes_buf(blob, ROW_BLOB);
	if (sqlite3_prepare_v2(h,
		"INSERT INTO outbox (envelope_id, envelope, queued_at, "
		"next_attempt_at) VALUES (?, ?, ?, ?)",
		-1, &st, NULL) != SQLITE_OK)
		goto fail;
	t0 = now_s();
	while ((t = now_s()) - t0 < secs) {
		if (batch > 1 && exec(h, "BEGIN IMMEDIATE") != 0)
			goto fail;
		for (i = 0; i < batch; i++) {
			if (b != NULL &&
			    envelope_build(blob, sizeof(blob), &len, NULL,
				ENVELOPE_REFERRAL, b->device_id,
				(uint64_t)db_now_ms(), (const uint8_t *)payload,
				sizeof(payload) - 1, b->hub_box_pk,
				b->sign_sk) != 0)
				goto fail;
			if (insert(st, blob, len) != 0)
				goto fail;
		}
		if (batch > 1 && exec(h, "COMMIT") != 0)
			goto fail;
		rows += batch;
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	return (double)rows / (now_s() - t0);
fail:
	fprintf(stderr, "db_bench: %s: %s\n", name, sqlite3_errmsg(h));
	sqlite3_finalize(st);
	sqlite3_close(h);
	return -1;
}

/* The project's own path: db_open, then sealer_outbox per envelope. */
static double
store_rate(const char *dir, double secs, const struct bundle *b)
{
	char path[PATH_MAX_LEN];
	uint8_t *key = sodium_malloc(DB_KEY_LEN);
	struct db *db = NULL;
	struct sealer s;
	double t0, rate = -1;
	long rows = 0;
	int n;

	n = snprintf(path, sizeof(path), "%s/enqueue.db", dir);
	if (key == NULL || n < 0 || (size_t)n >= sizeof(path))
		goto out;
	unlink(path);
	randombytes_buf(key, DB_KEY_LEN);
	if ((db = db_open(path, key, &schema_device)) == NULL)
		goto out;
	s = (struct sealer){db, b->device_id, b->sign_sk, b->hub_box_pk};
	t0 = now_s();
	while (now_s() - t0 < secs) {
		if (sealer_outbox(&s, ENVELOPE_REFERRAL, payload,
			sizeof(payload) - 1) != 0)
			goto out;
		rows++;
	}
	rate = (double)rows / (now_s() - t0);
out:
	db_close(db);
	sodium_free(key);
	return rate;
}

int
main(int argc, char **argv)
{
	struct bundle *b;
	double secs;

	log_init("db_bench");
	if (argc != 4 || sodium_init() < 0) {
		fprintf(stderr, "usage: db_bench DIR SECONDS BUNDLE\n");
		return 2;
	}
	secs = atof(argv[2]);
	if ((b = bundle_load(argv[3])) == NULL)
		return 1;
	printf("sqlcipher_single=%.1f\n",
	    raw_rate(argv[1], "c1.db", 1, 1, secs, NULL));
	printf("sqlcipher_batch=%.1f\n",
	    raw_rate(argv[1], "c50.db", 1, BATCH, secs, NULL));
	printf("plain_single=%.1f\n",
	    raw_rate(argv[1], "p1.db", 0, 1, secs, NULL));
	printf("plain_batch=%.1f\n",
	    raw_rate(argv[1], "p50.db", 0, BATCH, secs, NULL));
	printf("enqueue_sqlcipher=%.1f\n", store_rate(argv[1], secs, b));
	printf(
	    "enqueue_plain=%.1f\n", raw_rate(argv[1], "pe.db", 0, 1, secs, b));
	bundle_free(b);
	return 0;
}
