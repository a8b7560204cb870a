#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto/keys.h"
#include "store/db.h"
#include "util/log.h"

#define DB_BUSY_TIMEOUT_MS 5000
/* See docs/storage.md: 4096-byte pages for new databases. */
#define DB_PAGE_SIZE 4096
#define DB_PAGE_SIZE_LEGACY 1024
/* A database being created elsewhere: up to a second of retries. */
#define DB_CREATE_TRIES 50
/* Distinct statements one connection keeps prepared (db_cached). */
#define DB_CACHE_MAX 64
#define DB_CREATE_RETRY_US 20000
/* "x'" + 64 hex digits + "'" is SQLCipher's form for a raw key. */
#define DB_RAWKEY_LEN (2 + 2 * DB_KEY_LEN + 1)

struct cached {
	const char *sql; /* the key: a string constant's address */
	sqlite3_stmt *st;
};

struct db {
	sqlite3 *h;
	char *path;
	struct cached cache[DB_CACHE_MAX];
	size_t ncache;
};

int64_t
db_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
db_exec(struct db *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db->h, sql, NULL, NULL, &err) != SQLITE_OK) {
		log_err("%s: %s", db->path, err != NULL ? err : "error");
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

int
db_step_done(struct db *db, sqlite3_stmt *st, const char *what)
{
	if (sqlite3_step(st) != SQLITE_DONE) {
		log_err(
		    "%s: %s failed: %s", db->path, what, sqlite3_errmsg(db->h));
		return -1;
	}
	return 0;
}

int
db_prepare(struct db *db, sqlite3_stmt **stmt, const char *sql)
{
	if (sqlite3_prepare_v2(db->h, sql, -1, stmt, NULL) != SQLITE_OK) {
		log_err(
		    "%s: prepare failed: %s", db->path, sqlite3_errmsg(db->h));
		*stmt = NULL;
		return -1;
	}
	return 0;
}

sqlite3_stmt *
db_cached(struct db *db, const char *sql)
{
	sqlite3_stmt *st;

	for (size_t i = 0; i < db->ncache; i++)
		if (db->cache[i].sql == sql) {
			db_reset(db->cache[i].st);
			return db->cache[i].st;
		}
	if (db->ncache == DB_CACHE_MAX) {
		log_err("%s: more than %d cached statements", db->path,
		    DB_CACHE_MAX);
		return NULL;
	}
	if (db_prepare(db, &st, sql) != 0)
		return NULL;
	db->cache[db->ncache].sql = sql;
	db->cache[db->ncache].st = st;
	db->ncache++;
	return st;
}

int
db_bind(struct db *db, sqlite3_stmt *st, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = db_bindv(db, st, fmt, ap);
	va_end(ap);
	return rc;
}

int
db_bindv(struct db *db, sqlite3_stmt *st, const char *fmt, va_list ap)
{
	int rc = SQLITE_OK;

	for (int i = 1; fmt[i - 1] != '\0' && rc == SQLITE_OK; i++) {
		const void *p;
		const char *t;

		switch (fmt[i - 1]) {
		case 'b':
			p = va_arg(ap, const void *);
			rc = sqlite3_bind_blob(
			    st, i, p, va_arg(ap, int), SQLITE_STATIC);
			break;
		case 't':
			t = va_arg(ap, const char *);
			rc = t != NULL ? sqlite3_bind_text(
					     st, i, t, -1, SQLITE_STATIC)
				       : sqlite3_bind_null(st, i);
			break;
		case 'i':
			rc = sqlite3_bind_int(st, i, va_arg(ap, int));
			break;
		case 'I':
			rc = sqlite3_bind_int64(st, i, va_arg(ap, int64_t));
			break;
		default:
			rc = SQLITE_MISUSE;
		}
	}
	if (rc != SQLITE_OK) {
		log_err("%s: binding \"%s\" failed: %s", db->path, fmt,
		    sqlite3_errstr(rc));
		return -1;
	}
	return 0;
}

int
db_run(struct db *db, const char *what, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int rc = -1;

	if ((st = db_cached(db, sql)) == NULL)
		return -1;
	va_start(ap, fmt);
	if (db_bindv(db, st, fmt, ap) == 0 && db_step_done(db, st, what) == 0)
		rc = 0;
	va_end(ap);
	db_reset(st);
	return rc;
}

void
db_reset(sqlite3_stmt *st)
{
	if (st == NULL)
		return;
	/* The error, if any, was reported by the step that failed. */
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

int
db_begin(struct db *db)
{
	return db_exec(db, "BEGIN IMMEDIATE");
}

int
db_commit(struct db *db)
{
	return db_exec(db, "COMMIT");
}

void
db_rollback(struct db *db)
{
	/* Fails harmlessly when SQLite already rolled back (e.g. disk full). */
	sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
}

int
db_in_transaction(struct db *db)
{
	return !sqlite3_get_autocommit(db->h);
}

const char *
db_path(const struct db *db)
{
	return db->path;
}

sqlite3 *
db_handle(struct db *db)
{
	return db->h;
}

int
db_user_version(struct db *db)
{
	sqlite3_stmt *st = NULL;
	int v = -1;

	if (db_prepare(db, &st, "PRAGMA user_version") != 0)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Create the file ourselves so it is 0600 from its first byte. */
static int
prepare_file(const char *path)
{
	struct stat st;
	int fd;

	if (lstat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode)) {
			log_err("%s: not a regular file", path);
			return -1;
		}
		return 0;
	}
	if (errno != ENOENT) {
		log_err("%s: %s", path, strerror(errno));
		return -1;
	}
	fd = open(
	    path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST) /* another process was quicker */
		return lstat(path, &st) == 0 && S_ISREG(st.st_mode) ? 0 : -1;
	if (fd < 0) {
		log_err("%s: cannot create: %s", path, strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

static int
apply_key(struct db *db, const uint8_t key[DB_KEY_LEN])
{
	char *raw;
	int rc = -1;

	raw = sodium_malloc(DB_RAWKEY_LEN + 1);
	if (raw == NULL) {
		log_err("out of locked memory");
		return -1;
	}
	raw[0] = 'x';
	raw[1] = '\'';
	sodium_bin2hex(raw + 2, 2 * DB_KEY_LEN + 1, key, DB_KEY_LEN);
	raw[DB_RAWKEY_LEN - 1] = '\'';
	raw[DB_RAWKEY_LEN] = '\0';
	/* sqlite3_key rather than PRAGMA key: the key never becomes SQL
	 * text that the parser copies into its own heap. */
	if (sqlite3_key(db->h, raw, DB_RAWKEY_LEN) != SQLITE_OK) {
		log_err("%s: cannot set the database key", db->path);
		goto out;
	}
	rc = 0;
out:
	sodium_free(raw);
	return rc;
}

/* A wrong key (or page size) shows up at the first read, as "file is
 * not a database": SQLITE_NOTADB, SQLITE_ROW when it reads. */
static int
first_read(struct db *db)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(db->h, "SELECT count(*) FROM sqlite_master", -1,
		&st, NULL) != SQLITE_OK)
		return sqlite3_errcode(db->h);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc;
}

static int
set_page_size(struct db *db, int size)
{
	char sql[48];
	int n =
	    snprintf(sql, sizeof(sql), "PRAGMA cipher_page_size = %d", size);

	if (n < 0 || (size_t)n >= sizeof(sql))
		return -1;
	return db_exec(db, sql);
}

/*
 * Key the connection and prove the key by reading. New databases get
 * DB_PAGE_SIZE pages; one made before that (SQLCipher's 1024) does not
 * decrypt with them, so it is tried with 1024 before the key is called
 * wrong (raw keys: no KDF, so the second try costs one page read).
 */
static int
key_and_prove(struct db *db, const uint8_t key[DB_KEY_LEN])
{
	int rc;

	if (apply_key(db, key) != 0 || set_page_size(db, DB_PAGE_SIZE) != 0)
		return -1;
	rc = first_read(db);
	if (rc == SQLITE_NOTADB) {
		if (set_page_size(db, DB_PAGE_SIZE_LEGACY) != 0)
			return -1;
		rc = first_read(db);
	}
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_NOTADB)
		log_err("%s: wrong database key, or not a database of ours",
		    db->path);
	else
		log_err("%s: cannot read: %s", db->path, sqlite3_errmsg(db->h));
	return -1;
}

/* The version is read again under the write lock: another process may
 * have migrated since (two daemons starting at once). */
static int
migrate(struct db *db, const struct db_schema *schema)
{
	int v = db_user_version(db);

	while (v >= 0 && (size_t)v < schema->nsteps) {
		char pragma[64];
		int n;
		size_t i;

		if (db_begin(db) != 0)
			return -1;
		if ((v = db_user_version(db)) < 0 ||
		    (size_t)v >= schema->nsteps) {
			db_rollback(db);
			break;
		}
		i = (size_t)v;
		n = snprintf(
		    pragma, sizeof(pragma), "PRAGMA user_version = %zu", i + 1);
		if (n < 0 || (size_t)n >= sizeof(pragma)) {
			db_rollback(db);
			return -1;
		}
		if (db_exec(db, schema->steps[i]) != 0 ||
		    db_exec(db, pragma) != 0 || db_commit(db) != 0) {
			log_err("%s: %s migration %zu failed", db->path,
			    schema->name, i + 1);
			db_rollback(db);
			return -1;
		}
		log_info("%s: %s schema now at version %zu", db->path,
		    schema->name, i + 1);
		v = (int)i + 1;
	}
	if (v < 0)
		return -1;
	if ((size_t)v > schema->nsteps) {
		log_err("%s: schema version %d is newer than this program "
			"knows (%zu); refusing to touch it",
		    db->path, v, schema->nsteps);
		return -1;
	}
	return 0;
}

static struct db *
open_once(const char *path, const uint8_t key[DB_KEY_LEN],
    const struct db_schema *schema)
{
	struct db *db;

	db = calloc(1, sizeof(*db));
	if (db == NULL || (db->path = strdup(path)) == NULL) {
		log_err("out of memory");
		free(db);
		return NULL;
	}
	if (prepare_file(path) != 0)
		goto fail;
	if (sqlite3_open_v2(path, &db->h,
		SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX,
		NULL) != SQLITE_OK) {
		log_err("%s: cannot open: %s", path,
		    db->h != NULL ? sqlite3_errmsg(db->h) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(db->h, 0);
	/* Before the first read: proving the key, switching to WAL and
	 * migrating all wait for a lock that another connection (the
	 * forwarder, hubctl, a second daemon) may hold for a moment. Set
	 * after them, a device refused a referral with "database is
	 * locked" under load. */
	sqlite3_busy_timeout(db->h, DB_BUSY_TIMEOUT_MS);
	if (key_and_prove(db, key) != 0)
		goto fail;
	/* secure_delete overwrites freed pages (ciphertext of deleted
	 * referrals does not linger); FULL sync because a referral the
	 * victim was told is saved must survive a power cut. */
	if (db_exec(db, "PRAGMA journal_mode = WAL") != 0 ||
	    db_exec(db, "PRAGMA secure_delete = ON") != 0 ||
	    db_exec(db, "PRAGMA foreign_keys = ON") != 0 ||
	    db_exec(db, "PRAGMA synchronous = FULL") != 0)
		goto fail;
	if (migrate(db, schema) != 0)
		goto fail;
	return db;
fail:
	db_close(db);
	return NULL;
}

static int
is_empty(const char *path)
{
	struct stat st;

	return lstat(path, &st) != 0 || st.st_size == 0;
}

/*
 * SQLCipher picks a random salt when it opens an empty file and writes it
 * with the first page. Two processes creating the same database at once
 * (a daemon and its forwarder at a device's first start, hubctl and
 * hubd) each pick one; the one whose first write loses reads the other's
 * pages as "not a database". The file then exists with the winner's
 * salt: opening it again reads that salt. While the winner is still
 * setting up (WAL, migrations), a loser may also meet "database is
 * locked" where SQLite does not wait (a lock upgrade that could
 * deadlock), and in WAL mode the file itself may still be empty: so a
 * file that was empty when we came retries whatever the failure.
 */
struct db *
db_open(const char *path, const uint8_t key[DB_KEY_LEN],
    const struct db_schema *schema)
{
	int fresh = is_empty(path);
	struct db *db;

	for (int i = 0;; i++) {
		db = open_once(path, key, schema);
		if (db != NULL || !fresh || i == DB_CREATE_TRIES)
			return db;
		log_info("%s: being created by another process; opening it "
			 "again",
		    path);
		usleep(DB_CREATE_RETRY_US);
	}
}

struct db *
db_open_keyfile(
    const char *path, const char *keyfile, const struct db_schema *schema)
{
	uint8_t *key;
	struct db *db = NULL;

	key = sodium_malloc(DB_KEY_LEN);
	if (key == NULL) {
		log_err("out of locked memory");
		return NULL;
	}
	if (keys_load(keyfile, KEYS_SYMMETRIC, key, DB_KEY_LEN, NULL, 0) == 0)
		db = db_open(path, key, schema);
	sodium_free(key);
	return db;
}

void
db_close(struct db *db)
{
	if (db == NULL)
		return;
	for (size_t i = 0; i < db->ncache; i++)
		sqlite3_finalize(db->cache[i].st);
	if (db->h != NULL)
		sqlite3_close_v2(db->h);
	free(db->path);
	free(db);
}
