#ifndef STORE_DB_H
#define STORE_DB_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlcipher/sqlite3.h>

#define DB_KEY_LEN 32

/*
 * A database's schema is an ordered list of migration steps; step i (from
 * 1) brings PRAGMA user_version from i-1 to i. Steps are never edited once
 * shipped, only appended.
 */
struct db_schema {
	const char *name;
	const char *const *steps;
	size_t nsteps;
};

struct db;

/*
 * Open (creating with mode 0600 if missing) an SQLCipher database with a
 * raw 256-bit key, prove the key by reading sqlite_master, set WAL,
 * secure_delete, foreign_keys and synchronous=FULL, then migrate.
 * A wrong key is an error, never an empty database.
 */
struct db *db_open(const char *path, const uint8_t key[DB_KEY_LEN],
    const struct db_schema *schema);
/* The same, with the key read from a key file (crypto/keys.h). */
struct db *db_open_keyfile(
    const char *path, const char *keyfile, const struct db_schema *schema);
void db_close(struct db *db);

sqlite3 *db_handle(struct db *db);
int db_user_version(struct db *db);

/* Statements are prepared through here so every failure is logged. */
int db_prepare(struct db *db, sqlite3_stmt **stmt, const char *sql);
/*
 * The hot paths' statements, prepared once per connection and kept: sql
 * must be a string constant (its address is the key). Returned reset,
 * bindings cleared; the caller steps it and ends with db_reset (a SELECT
 * left unreset would hold its read snapshot). Like the connection's
 * transactions, not for two threads at once: the caller serialises
 * (a lock, or a group commit's writer thread). NULL on error (logged).
 */
sqlite3_stmt *db_cached(struct db *db, const char *sql);
void db_reset(sqlite3_stmt *st);

/*
 * Bind parameters 1, 2, ... by fmt, one letter each: 'b' a blob (const
 * void *, int length), 't' text (const char *, NULL binds NULL), 'i' an
 * int, 'I' an int64_t. Logged on failure.
 */
int db_bind(struct db *db, sqlite3_stmt *st, const char *fmt, ...);
int db_bindv(struct db *db, sqlite3_stmt *st, const char *fmt, va_list ap);
/* One statement that returns no rows, from its cached form (db_cached),
 * bound by fmt: the usual prepare-bind-step-reset in one line. */
int db_run(
    struct db *db, const char *what, const char *sql, const char *fmt, ...);
/* BEGIN IMMEDIATE: take the write lock now, not at the first write. */
int db_begin(struct db *db);
int db_commit(struct db *db);
void db_rollback(struct db *db);
/* 1 while a transaction is open (SQLite ends one itself on some
 * errors, such as a full disk). */
int db_in_transaction(struct db *db);
const char *db_path(const struct db *db);
/* Step a prepared statement that returns no rows; logs what failed. */
int db_step_done(struct db *db, sqlite3_stmt *st, const char *what);
/* Run a statement that returns no rows (schema, PRAGMA). */
int db_exec(struct db *db, const char *sql);

/* Wall-clock milliseconds, the unit of every time column. */
int64_t db_now_ms(void);

#endif
