#include <string.h>

#include <sodium.h>

#include "store/conversation.h"
#include "util/log.h"

static void
bind_opt_int(sqlite3_stmt *st, int i, int v)
{
	if (v < 0)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int(st, i, v);
}

static int
column_opt_int(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL
		   ? -1
		   : sqlite3_column_int(st, i);
}

void
conversation_init(struct conversation *c)
{
	memset(c, 0, sizeof(*c));
	c->offence_in_london = -1;
	c->lives_in_london = -1;
	c->method = -1;
	c->contact_time = -1;
	c->voicemail_ok = -1;
}

void
conversation_wipe(struct conversation *c)
{
	sodium_memzero(c, sizeof(*c));
}

int
conversation_get(struct db *db, const uint8_t key[CONVERSATION_KEY_LEN],
    struct conversation *c)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *name;
	int rc = -1, s, nlen;

	conversation_init(c);
	if ((st = db_cached(db,
		 "SELECT step, retries, updated_at, consent_version, "
		 "consent_sha256, consent_at, offence_in_london, "
		 "lives_in_london, name, method, contact_time, voicemail_ok "
		 "FROM sms_conversation WHERE sender_key = ?")) == NULL)
		return -1;
	sqlite3_bind_blob(st, 1, key, CONVERSATION_KEY_LEN, SQLITE_STATIC);
	s = sqlite3_step(st);
	if (s == SQLITE_DONE) {
		rc = 1;
		goto out;
	}
	if (s != SQLITE_ROW) {
		log_err("conversation: read failed: %s",
		    sqlite3_errmsg(db_handle(db)));
		goto out;
	}
	if (sqlite3_column_bytes(st, 4) != (int)sizeof(c->consent_sha256)) {
		log_err("conversation: damaged row");
		goto out;
	}
	c->step = sqlite3_column_int(st, 0);
	c->retries = sqlite3_column_int(st, 1);
	c->updated_at = sqlite3_column_int64(st, 2);
	c->consent_version = sqlite3_column_int(st, 3);
	memcpy(c->consent_sha256, sqlite3_column_blob(st, 4),
	    sizeof(c->consent_sha256));
	c->consent_at = sqlite3_column_int64(st, 5);
	c->offence_in_london = column_opt_int(st, 6);
	c->lives_in_london = column_opt_int(st, 7);
	if (sqlite3_column_type(st, 8) != SQLITE_NULL) {
		name = sqlite3_column_text(st, 8);
		nlen = sqlite3_column_bytes(st, 8);
		if (name == NULL || nlen < 0 || nlen > CONVERSATION_NAME_MAX) {
			log_err("conversation: damaged row");
			goto out;
		}
		memcpy(c->name, name, (size_t)nlen);
		c->name[nlen] = '\0';
		c->has_name = 1;
	}
	c->method = column_opt_int(st, 9);
	c->contact_time = column_opt_int(st, 10);
	c->voicemail_ok = column_opt_int(st, 11);
	rc = 0;
out:
	if (rc == -1)
		conversation_wipe(c);
	db_reset(st);
	return rc;
}

/* Parameters 1-12: the columns in the order of CONV_COLS; 13: the key. */
#define CONV_COLS                                                              \
	"step, retries, updated_at, consent_version, consent_sha256, "         \
	"consent_at, offence_in_london, lives_in_london, name, method, "       \
	"contact_time, voicemail_ok"

static int
put_stmt(struct db *db, sqlite3_stmt *st, const uint8_t *key,
    const struct conversation *c)
{
	sqlite3_bind_int(st, 1, c->step);
	sqlite3_bind_int(st, 2, c->retries);
	sqlite3_bind_int64(st, 3, c->updated_at);
	sqlite3_bind_int(st, 4, c->consent_version);
	sqlite3_bind_blob(
	    st, 5, c->consent_sha256, sizeof(c->consent_sha256), SQLITE_STATIC);
	if (c->consent_at > 0)
		sqlite3_bind_int64(st, 6, c->consent_at);
	bind_opt_int(st, 7, c->offence_in_london);
	bind_opt_int(st, 8, c->lives_in_london);
	if (c->has_name)
		sqlite3_bind_text(st, 9, c->name, -1, SQLITE_STATIC);
	bind_opt_int(st, 10, c->method);
	bind_opt_int(st, 11, c->contact_time);
	bind_opt_int(st, 12, c->voicemail_ok);
	sqlite3_bind_blob(st, 13, key, CONVERSATION_KEY_LEN, SQLITE_STATIC);
	return db_step_done(db, st, "save");
}

/*
 * UPDATE, then INSERT if there was no row: INSERT OR REPLACE needs a
 * statement journal inside a transaction, and SQLCipher encrypts every
 * page that journal keeps (a third of smsd's CPU went there). A plain
 * UPDATE needs one too, inside a transaction, whenever a constraint
 * could abort it (the NOT NULL and CHECK columns here); OR FAIL does
 * not, and for an UPDATE of one row by its key it loses nothing: the
 * constraints are checked before the row is written, and a failure
 * still fails the whole group-commit operation (perf: page encryption
 * inside the dialog fell from 32% of the writer thread to 2%).
 */
int
conversation_put(struct db *db, const uint8_t key[CONVERSATION_KEY_LEN],
    const struct conversation *c)
{
	sqlite3_stmt *st;
	int rc;

	if (c->has_name && strlen(c->name) > CONVERSATION_NAME_MAX) {
		log_err("conversation: name too long");
		return -1;
	}
	if ((st = db_cached(db,
		 "UPDATE OR FAIL sms_conversation SET step = ?1, retries = ?2, "
		 "updated_at = ?3, consent_version = ?4, consent_sha256 = ?5, "
		 "consent_at = ?6, offence_in_london = ?7, lives_in_london = "
		 "?8, name = ?9, method = ?10, contact_time = ?11, "
		 "voicemail_ok = ?12 WHERE sender_key = ?13")) == NULL)
		return -1;
	rc = put_stmt(db, st, key, c);
	db_reset(st);
	if (rc != 0 || sqlite3_changes(db_handle(db)) == 1)
		return rc;
	if ((st = db_cached(db,
		 "INSERT INTO sms_conversation (" CONV_COLS ", sender_key) "
		 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
		 "?13)")) == NULL)
		return -1;
	rc = put_stmt(db, st, key, c);
	db_reset(st);
	return rc;
}

static int
delete_by_key(
    struct db *db, const char *sql, const uint8_t *key, const char *ref)
{
	return ref != NULL
		   ? db_run(db, "delete", sql, "bt", key, CONVERSATION_KEY_LEN,
			 ref)
		   : db_run(db, "delete", sql, "b", key, CONVERSATION_KEY_LEN);
}

int
conversation_delete(struct db *db, const uint8_t key[CONVERSATION_KEY_LEN])
{
	return delete_by_key(
	    db, "DELETE FROM sms_conversation WHERE sender_key = ?", key, NULL);
}

int
conversation_link_add(struct db *db, const uint8_t key[CONVERSATION_KEY_LEN],
    const char *ref, int64_t now)
{
	if (strlen(ref) != REFCODE_LEN) {
		log_err("conversation: not a reference code");
		return -1;
	}
	if (db_run(db, "link",
		"INSERT OR IGNORE INTO sms_link (sender_key, ref, linked_at) "
		"VALUES (?, ?, ?)",
		"btI", key, CONVERSATION_KEY_LEN, ref, now) != 0)
		return -1;
	return sqlite3_changes(db_handle(db)) == 1 ? 0 : 1;
}

int
conversation_link_list(struct db *db, const uint8_t key[CONVERSATION_KEY_LEN],
    char (*refs)[REFCODE_BUFLEN], size_t max, size_t *n)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *r;
	int rc = -1, s;

	*n = 0;
	if ((st = db_cached(db, "SELECT ref FROM sms_link WHERE sender_key = ? "
				"ORDER BY linked_at DESC, ref LIMIT ?")) ==
	    NULL)
		return -1;
	sqlite3_bind_blob(st, 1, key, CONVERSATION_KEY_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		r = sqlite3_column_text(st, 0);
		if (r == NULL || sqlite3_column_bytes(st, 0) != REFCODE_LEN) {
			log_err("conversation: damaged link skipped");
			continue;
		}
		memcpy(refs[*n], r, REFCODE_BUFLEN);
		(*n)++;
	}
	if (s != SQLITE_DONE) {
		log_err("conversation: read failed: %s",
		    sqlite3_errmsg(db_handle(db)));
		*n = 0;
		goto out;
	}
	rc = 0;
out:
	db_reset(st);
	return rc;
}

int
conversation_link_delete(
    struct db *db, const uint8_t key[CONVERSATION_KEY_LEN], const char *ref)
{
	return delete_by_key(db,
	    "DELETE FROM sms_link WHERE sender_key = ? AND ref = ?", key, ref);
}

int
conversation_link_delete_all(
    struct db *db, const uint8_t key[CONVERSATION_KEY_LEN])
{
	return delete_by_key(
	    db, "DELETE FROM sms_link WHERE sender_key = ?", key, NULL);
}

int
conversation_seen_get(struct db *db,
    const uint8_t msg_key[CONVERSATION_KEY_LEN], char *reply, size_t cap,
    int *has_reply)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *r;
	int rc = -1, s, len;

	*has_reply = 0;
	if (cap > 0)
		reply[0] = '\0';
	if ((st = db_cached(
		 db, "SELECT reply FROM sms_seen WHERE msg_key = ?")) == NULL)
		return -1;
	sqlite3_bind_blob(st, 1, msg_key, CONVERSATION_KEY_LEN, SQLITE_STATIC);
	s = sqlite3_step(st);
	if (s == SQLITE_DONE) {
		rc = 1;
		goto out;
	}
	if (s != SQLITE_ROW) {
		log_err("conversation: read failed: %s",
		    sqlite3_errmsg(db_handle(db)));
		goto out;
	}
	if (sqlite3_column_type(st, 0) != SQLITE_NULL) {
		r = sqlite3_column_text(st, 0);
		len = sqlite3_column_bytes(st, 0);
		if (r == NULL || len < 0 || (size_t)len >= cap) {
			log_err("conversation: stored reply does not fit");
			goto out;
		}
		memcpy(reply, r, (size_t)len);
		reply[len] = '\0';
		*has_reply = 1;
	}
	rc = 0;
out:
	db_reset(st);
	return rc;
}

int
conversation_seen_put(struct db *db,
    const uint8_t msg_key[CONVERSATION_KEY_LEN], int64_t now, const char *reply)
{
	if (reply != NULL && strlen(reply) > CONVERSATION_REPLY_MAX) {
		log_err("conversation: reply too long to keep");
		return -1;
	}
	return db_run(db, "record message id",
	    "INSERT INTO sms_seen (msg_key, seen_at, reply) VALUES (?, ?, ?)",
	    "bIt", msg_key, CONVERSATION_KEY_LEN, now, reply);
}

static int
purge_one(struct db *db, const char *sql, int64_t cutoff, int64_t *n)
{
	if (n != NULL)
		*n = 0;
	if (cutoff <= 0)
		return 0;
	if (db_run(db, "purge", sql, "I", cutoff) != 0)
		return -1;
	if (n != NULL)
		*n = sqlite3_changes(db_handle(db));
	return 0;
}

int
conversation_purge(
    struct db *db, const struct conversation_cutoffs *cut, int64_t *n)
{
	if (purge_one(db, "DELETE FROM sms_conversation WHERE updated_at < ?",
		cut->idle, n) != 0 ||
	    purge_one(db, "DELETE FROM sms_seen WHERE seen_at < ?", cut->seen,
		NULL) != 0 ||
	    purge_one(db, "DELETE FROM sms_link WHERE linked_at < ?", cut->link,
		NULL) != 0)
		return -1;
	return 0;
}
