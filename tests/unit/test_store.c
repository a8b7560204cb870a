#include "tests/unit/testutil.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "store/db.h"
#include "store/outbox.h"
#include "store/schema.h"
#include "util/file.h"
#include "util/log.h"

struct fixture {
	char *dir;
	char path[PATH_MAX];
	uint8_t key[DB_KEY_LEN];
	struct db *db;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->dir = testutil_tmpdir();
	snprintf(f->path, sizeof(f->path), "%s/device.db", f->dir);
	randombytes_buf(f->key, sizeof(f->key));
	f->db = db_open(f->path, f->key, &schema_device);
	if (f->db == NULL)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	db_close(f->db);
	testutil_rmdir(f->dir);
	free(f);
	return 0;
}

/* Envelope bytes derived from the id, so a reader can check integrity. */
static void
fake_envelope(uint8_t *env, size_t len, const uint8_t id[ENVELOPE_ID_LEN])
{
	crypto_stream_chacha20((unsigned char *)env, len,
	    (const unsigned char *)id, (const unsigned char[32]){1});
	memcpy(env, "RJE1", 4);
}

static void
put_n(struct db *db, int n, int64_t t0, uint8_t ids[][ENVELOPE_ID_LEN])
{
	uint8_t env[300];

	for (int i = 0; i < n; i++) {
		randombytes_buf(ids[i], ENVELOPE_ID_LEN);
		fake_envelope(env, sizeof(env), ids[i]);
		assert_int_equal(
		    outbox_put(db, ids[i], env, sizeof(env), t0 + i), 0);
	}
}

static void
encrypted_on_disk(void **state)
{
	struct fixture *f = *state;
	uint8_t id[ENVELOPE_ID_LEN], *raw;
	const char marker[] = "PLANTED-PLAINTEXT-MARKER-7781";
	char walpath[PATH_MAX + 8];
	size_t len;
	struct stat st;

	randombytes_buf(id, sizeof(id));
	assert_int_equal(
	    outbox_put(f->db, id, (const uint8_t *)marker, sizeof(marker), 1),
	    0);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(walpath, sizeof(walpath), "%s-wal", f->path);
	/* Before and after a checkpoint: the WAL is encrypted too. */
	for (int round = 0; round < 2; round++) {
		assert_int_equal(
		    file_read_alloc(f->path, 1 << 24, &raw, &len), 0);
		assert_true(len >= 16);
		assert_int_not_equal(memcmp(raw, "SQLite format 3", 15), 0);
		assert_null(memmem(raw, len, marker, sizeof(marker) - 1));
		assert_null(memmem(raw, len, "outbox", 6));
		free(raw);
		if (file_read_alloc(walpath, 1 << 24, &raw, &len) == 0) {
			assert_null(
			    memmem(raw, len, marker, sizeof(marker) - 1));
			free(raw);
		}
		assert_int_equal(
		    db_exec(f->db, "PRAGMA wal_checkpoint(TRUNCATE)"), 0);
	}
}

static void
wrong_key_is_an_error(void **state)
{
	struct fixture *f = *state;
	uint8_t other[DB_KEY_LEN];
	uint8_t ids[1][ENVELOPE_ID_LEN];

	put_n(f->db, 1, 1, ids);
	db_close(f->db);
	memcpy(other, f->key, sizeof(other));
	other[0] ^= 1;
	assert_null(db_open(f->path, other, &schema_device));
	/* The right key still opens it, with the data. */
	f->db = db_open(f->path, f->key, &schema_device);
	assert_non_null(f->db);
	{
		int64_t n = 0;
		assert_int_equal(outbox_count(f->db, &n, NULL), 0);
		assert_int_equal(n, 1);
	}
}

static void
migrations(void **state)
{
	struct fixture *f = *state;
	static const char *const steps[] = {
	    "CREATE TABLE a (x INTEGER)",
	    "CREATE TABLE b (y INTEGER)",
	};
	static const char *const bad[] = {
	    "CREATE TABLE a (x INTEGER)",
	    "CREATE TABLE b (y INTEGER)",
	    "CREATE TABLE c (z INTEGER); CREATE TABLE nonsense nonsense",
	};
	struct db_schema s1 = {"t", steps, 1}, s2 = {"t", steps, 2};
	struct db_schema s3 = {"t", bad, 3};
	char p[PATH_MAX + 8];
	struct db *db;

	assert_int_equal(db_user_version(f->db), (int)schema_device.nsteps);
	snprintf(p, sizeof(p), "%s/m.db", f->dir);
	db = db_open(p, f->key, &s1);
	assert_non_null(db);
	assert_int_equal(db_user_version(db), 1);
	db_close(db);
	db = db_open(p, f->key, &s2);
	assert_non_null(db);
	assert_int_equal(db_user_version(db), 2);
	db_close(db);
	/* A program that knows fewer steps refuses a newer database. */
	assert_null(db_open(p, f->key, &s1));
	/* A failing step leaves the version and the tables untouched. */
	assert_null(db_open(p, f->key, &s3));
	db = db_open(p, f->key, &s2);
	assert_non_null(db);
	assert_int_equal(db_user_version(db), 2);
	assert_int_not_equal(db_exec(db, "SELECT * FROM c"), 0);
	db_close(db);
}

static void
outbox_order_and_reopen(void **state)
{
	struct fixture *f = *state;
	uint8_t ids[5][ENVELOPE_ID_LEN];
	struct outbox_item items[OUTBOX_TAKE_MAX];
	struct outbox_policy pol = {1000, 60000};
	size_t n;
	int64_t next, pending;

	put_n(f->db, 5, 100, ids);
	db_close(f->db);
	f->db = db_open(f->path, f->key, &schema_device);
	assert_non_null(f->db);
	assert_int_equal(outbox_take_due(f->db, 1000, items, 3, &n), 0);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++) {
		uint8_t env[300];
		fake_envelope(env, sizeof(env), ids[i]);
		assert_memory_equal(items[i].id, ids[i], ENVELOPE_ID_LEN);
		assert_int_equal(items[i].len, sizeof(env));
		assert_memory_equal(items[i].envelope, env, sizeof(env));
	}
	outbox_items_free(items, n);
	/* The first fails: it moves behind the others until it is due. */
	assert_int_equal(
	    outbox_fail(f->db, ids[0], 1000, &pol, "hub down", &next), 0);
	assert_true(next >= 1500 && next <= 2000);
	assert_int_equal(outbox_take_due(f->db, 1000, items, 10, &n), 0);
	assert_int_equal(n, 4);
	assert_memory_equal(items[0].id, ids[1], ENVELOPE_ID_LEN);
	outbox_items_free(items, n);
	assert_int_equal(outbox_take_due(f->db, next, items, 10, &n), 0);
	assert_int_equal(n, 5);
	assert_memory_equal(items[0].id, ids[0], ENVELOPE_ID_LEN);
	assert_int_equal(items[0].attempts, 1);
	outbox_items_free(items, n);
	/* Delivered envelopes are gone; the rest stay. */
	assert_int_equal(outbox_delete(f->db, ids[2]), 0);
	assert_int_equal(outbox_count(f->db, &pending, NULL), 0);
	assert_int_equal(pending, 4);
	/* Nothing due before the first queue time. */
	assert_int_equal(outbox_take_due(f->db, 50, items, 10, &n), 0);
	assert_int_equal(n, 0);
	/* The same id twice is refused, not duplicated. */
	{
		uint8_t env[300];
		fake_envelope(env, sizeof(env), ids[1]);
		assert_int_not_equal(
		    outbox_put(f->db, ids[1], env, sizeof(env), 5), 0);
	}
}

static void
retry_schedule(void **state)
{
	struct fixture *f = *state;
	struct outbox_policy pol = {2000, 60000};
	uint8_t ids[1][ENVELOPE_ID_LEN];
	int64_t now = 10000, next;

	/* Pure function: bounds for each failure count. */
	for (int k = 1; k <= 12; k++) {
		int64_t full = 2000LL << (k - 1);
		if (full > 60000)
			full = 60000;
		assert_int_equal(outbox_backoff_ms(&pol, k, 0), full / 2);
		assert_int_equal(
		    outbox_backoff_ms(&pol, k, (uint32_t)(full / 2)), full);
		for (int r = 0; r < 50; r++) {
			int64_t d =
			    outbox_backoff_ms(&pol, k, randombytes_random());
			assert_true(d >= full / 2 && d <= full);
		}
	}
	/* Very many failures do not overflow. */
	assert_true(outbox_backoff_ms(&pol, 1000000, 7) <= 60000);
	/* Through the database: attempts counted, delays grow, then cap. */
	put_n(f->db, 1, 0, ids);
	for (int k = 1; k <= 10; k++) {
		int64_t full = 2000LL << (k - 1);
		struct outbox_item it;
		size_t n;
		if (full > 60000)
			full = 60000;
		assert_int_equal(
		    outbox_fail(f->db, ids[0], now, &pol, "x", &next), 0);
		assert_true(next - now >= full / 2 && next - now <= full);
		assert_int_equal(
		    outbox_take_due(f->db, next - 1, &it, 1, &n), 0);
		assert_int_equal(n, 0);
		assert_int_equal(outbox_take_due(f->db, next, &it, 1, &n), 0);
		assert_int_equal(n, 1);
		assert_int_equal(it.attempts, k);
		outbox_items_free(&it, n);
		now = next;
	}
	assert_int_not_equal(
	    outbox_fail(f->db, (uint8_t[16]){0}, now, &pol, "x", &next), 0);
}

static void
dead_letter(void **state)
{
	struct fixture *f = *state;
	uint8_t ids[2][ENVELOPE_ID_LEN];
	int64_t pending, dead;

	put_n(f->db, 2, 0, ids);
	assert_int_equal(
	    outbox_dead_letter(f->db, ids[0], 5, "403 revoked"), 0);
	assert_int_equal(outbox_count(f->db, &pending, &dead), 0);
	assert_int_equal(pending, 1);
	assert_int_equal(dead, 1);
	/* Unknown ids are an error, and nothing changes. */
	assert_int_not_equal(outbox_dead_letter(f->db, ids[0], 5, "again"), 0);
	assert_int_equal(outbox_count(f->db, &pending, &dead), 0);
	assert_int_equal(pending, 1);
	assert_int_equal(dead, 1);
}

/* A writer killed at a random moment leaves a database that opens, passes
 * its integrity check and holds only whole envelopes. */
static void
killed_writer(void **state)
{
	struct fixture *f = *state;
	struct outbox_item items[OUTBOX_TAKE_MAX];
	int64_t pending = 0, seen = 0;
	pid_t pid;
	int status;
	sqlite3_stmt *st;

	db_close(f->db);
	f->db = NULL;
	for (int round = 0; round < 3; round++) {
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			struct db *db =
			    db_open(f->path, f->key, &schema_device);
			uint8_t ids[1][ENVELOPE_ID_LEN];
			if (db == NULL)
				_exit(2);
			for (int i = 0;; i++)
				put_n(db, 1, i, ids);
		}
		usleep(150000 + 100000 * (useconds_t)round);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		assert_true(WIFSIGNALED(status));
	}
	f->db = db_open(f->path, f->key, &schema_device);
	assert_non_null(f->db);
	assert_int_equal(db_prepare(f->db, &st, "PRAGMA integrity_check"), 0);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
	assert_int_equal(outbox_count(f->db, &pending, NULL), 0);
	assert_true(pending > 0);
	for (;;) {
		size_t n;
		assert_int_equal(outbox_take_due(f->db, INT64_MAX, items,
				     OUTBOX_TAKE_MAX, &n),
		    0);
		if (n == 0)
			break;
		for (size_t i = 0; i < n; i++) {
			uint8_t env[300];
			fake_envelope(env, sizeof(env), items[i].id);
			assert_int_equal(items[i].len, sizeof(env));
			assert_memory_equal(
			    items[i].envelope, env, sizeof(env));
			assert_int_equal(outbox_delete(f->db, items[i].id), 0);
		}
		seen += (int64_t)n;
		outbox_items_free(items, n);
	}
	assert_int_equal(seen, pending);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(encrypted_on_disk, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		wrong_key_is_an_error, setup, teardown),
	    cmocka_unit_test_setup_teardown(migrations, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		outbox_order_and_reopen, setup, teardown),
	    cmocka_unit_test_setup_teardown(retry_schedule, setup, teardown),
	    cmocka_unit_test_setup_teardown(dead_letter, setup, teardown),
	    cmocka_unit_test_setup_teardown(killed_writer, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	log_quiet(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
