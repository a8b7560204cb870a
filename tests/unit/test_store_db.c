/*
 * store/db.c under concurrency: processes that open the same database
 * while others write lose nothing (the busy timeout is set before the
 * first read), and databases made with SQLCipher's old 1024-byte pages
 * still open after new ones got 4096-byte pages.
 */
#include "tests/unit/testutil.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "store/db.h"
#include "store/outbox.h"
#include "store/schema.h"

#define WRITERS 6
#define PUTS_EACH 25
#define HOLDS 20

struct fixture {
	char *dir;
	char path[PATH_MAX];
	uint8_t key[DB_KEY_LEN];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = testutil_tmpdir();
	snprintf(f->path, sizeof(f->path), "%s/dev.db", f->dir);
	randombytes_buf(f->key, sizeof(f->key));
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	testutil_rmdir(f->dir);
	free(f);
	return 0;
}

/* A device's life in a child: open, queue one envelope, close; again. */
static int
writer_child(const struct fixture *f, int n)
{
	for (int i = 0; i < n; i++) {
		uint8_t id[ENVELOPE_ID_LEN], env[200];
		struct db *db = db_open(f->path, f->key, &schema_device);

		if (db == NULL)
			return 1;
		randombytes_buf(id, sizeof(id));
		memset(env, i, sizeof(env));
		if (outbox_put(db, id, env, sizeof(env), db_now_ms()) != 0) {
			db_close(db);
			return 1;
		}
		db_close(db);
	}
	return 0;
}

/* A forwarder-like writer that holds the write lock a while each time,
 * on a connection of its own each time (so the WAL is now and then
 * checkpointed away and the next opener must recover it). */
static int
holder_child(const struct fixture *f)
{
	for (int i = 0; i < HOLDS; i++) {
		struct db *db = db_open(f->path, f->key, &schema_device);
		uint8_t id[ENVELOPE_ID_LEN], env[50];
		int bad;

		if (db == NULL)
			return 1;
		randombytes_buf(id, sizeof(id));
		memset(env, 1, sizeof(env));
		bad = db_begin(db) != 0 ||
		      outbox_put(db, id, env, sizeof(env), db_now_ms()) != 0;
		if (!bad)
			usleep(20000);
		bad = bad || db_commit(db) != 0;
		db_close(db);
		if (bad)
			return 1;
	}
	return 0;
}

static void
concurrent_writers_lose_nothing(void **state)
{
	struct fixture *f = *state;
	pid_t pids[WRITERS + 1];
	int64_t pending = -1;
	struct db *db;
	int status;

	/* Nobody has created the database yet: the first opener creates
	 * and migrates it while the others wait on its locks (kioskd and
	 * its forwarder at a device's first start). */
	for (int i = 0; i <= WRITERS; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0)
			_exit(i == WRITERS ? holder_child(f)
					   : writer_child(f, PUTS_EACH));
	}
	for (int i = 0; i <= WRITERS; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	db = db_open(f->path, f->key, &schema_device);
	assert_non_null(db);
	assert_int_equal(outbox_count(db, &pending, NULL), 0);
	assert_int_equal(pending, WRITERS * PUTS_EACH + HOLDS);
	db_close(db);
}

static int
page_size_of(struct db *db)
{
	sqlite3_stmt *st = NULL;
	int v = -1;

	assert_int_equal(db_prepare(db, &st, "PRAGMA cipher_page_size"), 0);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* A database written by the previous release: 1024-byte pages. */
static void
old_page_size_still_opens(void **state)
{
	struct fixture *f = *state;
	char raw[2 + 2 * DB_KEY_LEN + 2], other[PATH_MAX];
	uint8_t id[ENVELOPE_ID_LEN], env[300], wrong[DB_KEY_LEN];
	sqlite3 *h = NULL;
	struct db *db;
	int64_t pending = 0;

	raw[0] = 'x';
	raw[1] = '\'';
	sodium_bin2hex(raw + 2, 2 * DB_KEY_LEN + 1, f->key, DB_KEY_LEN);
	raw[2 + 2 * DB_KEY_LEN] = '\'';
	raw[3 + 2 * DB_KEY_LEN] = '\0';
	assert_int_equal(sqlite3_open(f->path, &h), SQLITE_OK);
	assert_int_equal(sqlite3_key(h, raw, (int)strlen(raw)), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h,
			     "PRAGMA cipher_page_size = 1024;"
			     "CREATE TABLE t (x);",
			     NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(h);

	db = db_open(f->path, f->key, &schema_device);
	assert_non_null(db);
	assert_int_equal(page_size_of(db), 1024);
	randombytes_buf(id, sizeof(id));
	memset(env, 3, sizeof(env));
	assert_int_equal(outbox_put(db, id, env, sizeof(env), 1), 0);
	db_close(db);
	db = db_open(f->path, f->key, &schema_device);
	assert_non_null(db);
	assert_int_equal(outbox_count(db, &pending, NULL), 0);
	assert_int_equal(pending, 1);
	db_close(db);

	/* A wrong key is still an error under either page size. */
	memcpy(wrong, f->key, sizeof(wrong));
	wrong[0] ^= 1;
	assert_null(db_open(f->path, wrong, &schema_device));

	/* A new database gets the larger pages. */
	snprintf(other, sizeof(other), "%s/new.db", f->dir);
	db = db_open(other, f->key, &schema_device);
	assert_non_null(db);
	assert_int_equal(page_size_of(db), 4096);
	db_close(db);
	assert_null(db_open(other, wrong, &schema_device));
	sodium_memzero(raw, sizeof(raw));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		concurrent_writers_lose_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		old_page_size_still_opens, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
