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

/* One figure: its database, and the rows and seconds measured so far. */
struct meas {
	const char *name;
	const char *file;
	int keyed;
	int batch; /* rows per durable commit */
	int seal; /* seal and sign each row like a real envelope */
	int store; /* through db_open and sealer_outbox */
	sqlite3 *h;
	sqlite3_stmt *st;
	struct db *db;
	uint8_t *key;
	struct sealer sealer;
	long rows;
	double secs;
};

static int
meas_open(struct meas *m, const char *dir, const struct bundle *b)
{
	char path[PATH_MAX_LEN];
	int n;

	if (!m->store) {
		if ((m->h = open_raw(dir, m->file, m->keyed)) == NULL)
			return -1;
		return sqlite3_prepare_v2(m->h,
			   "INSERT INTO outbox (envelope_id, envelope, "
			   "queued_at, next_attempt_at) VALUES (?, ?, ?, ?)",
			   -1, &m->st, NULL) == SQLITE_OK
			   ? 0
			   : -1;
	}
	n = snprintf(path, sizeof(path), "%s/%s", dir, m->file);
	if (n < 0 || (size_t)n >= sizeof(path) ||
	    (m->key = sodium_malloc(DB_KEY_LEN)) == NULL)
		return -1;
	unlink(path);
	randombytes_buf(m->key, DB_KEY_LEN);
	if ((m->db = db_open(path, m->key, &schema_device)) == NULL)
		return -1;
	m->sealer = (struct sealer){
	    m->db, b->device_id, b->sign_sk, b->hub_box_pk, NULL};
	return 0;
}

static void
meas_close(struct meas *m)
{
	sqlite3_finalize(m->st);
	sqlite3_close(m->h);
	db_close(m->db);
	sodium_free(m->key);
}

/* Rows for about secs more; -1 on a failure. */
static int
meas_run(struct meas *m, double secs, const struct bundle *b)
{
	static uint8_t blob[ENVELOPE_MAX];
	size_t len = ROW_BLOB;
	double t0 = now_s();
	int i;

	randombytes_buf(blob, ROW_BLOB);
	while (now_s() - t0 < secs) {
		if (m->store) {
			if (sealer_outbox(&m->sealer, ENVELOPE_REFERRAL,
				payload, sizeof(payload) - 1) != 0)
				return -1;
			m->rows++;
			continue;
		}
		if (m->batch > 1 && exec(m->h, "BEGIN IMMEDIATE") != 0)
			return -1;
		for (i = 0; i < m->batch; i++) {
			if (m->seal &&
			    envelope_build(blob, sizeof(blob), &len, NULL,
				ENVELOPE_REFERRAL, b->device_id,
				(uint64_t)db_now_ms(), (const uint8_t *)payload,
				sizeof(payload) - 1, b->hub_box_pk,
				b->sign_sk) != 0)
				return -1;
			if (insert(m->st, blob, len) != 0) {
				fprintf(stderr, "db_bench: %s: %s\n", m->name,
				    sqlite3_errmsg(m->h));
				return -1;
			}
		}
		if (m->batch > 1 && exec(m->h, "COMMIT") != 0)
			return -1;
		m->rows += m->batch;
	}
	m->secs += now_s() - t0;
	return 0;
}

/* The figures take turns, a slice each per round, so that a change in
 * the machine's other load falls on all of them alike. */
#define ROUNDS 5

int
main(int argc, char **argv)
{
	struct meas ms[] = {
	    {.name = "sqlcipher_single",
		.file = "c1.db",
		.keyed = 1,
		.batch = 1},
	    {.name = "sqlcipher_batch",
		.file = "c50.db",
		.keyed = 1,
		.batch = BATCH},
	    {.name = "plain_single", .file = "p1.db", .batch = 1},
	    {.name = "plain_batch", .file = "p50.db", .batch = BATCH},
	    {.name = "enqueue_sqlcipher", .file = "enqueue.db", .store = 1},
	    {.name = "enqueue_plain", .file = "pe.db", .batch = 1, .seal = 1},
	};
	size_t i, n = sizeof(ms) / sizeof(ms[0]);
	struct bundle *b;
	double secs;
	int r, rc = 1;

	log_init("db_bench");
	if (argc != 4 || sodium_init() < 0) {
		fprintf(stderr, "usage: db_bench DIR SECONDS BUNDLE\n");
		return 2;
	}
	secs = atof(argv[2]);
	if ((b = bundle_load(argv[3])) == NULL)
		return 1;
	for (i = 0; i < n; i++)
		if (meas_open(&ms[i], argv[1], b) != 0)
			goto out;
	for (r = 0; r < ROUNDS; r++)
		for (i = 0; i < n; i++)
			if (meas_run(&ms[i], secs / ROUNDS, b) != 0)
				goto out;
	for (i = 0; i < n; i++)
		printf(
		    "%s=%.1f\n", ms[i].name, (double)ms[i].rows / ms[i].secs);
	rc = 0;
out:
	for (i = 0; i < n; i++)
		meas_close(&ms[i]);
	bundle_free(b);
	return rc;
}
