#include <sqlite3.h>

#include "store/usage.h"
#include "util/log.h"

int
usage_device_bytes(
    struct db *db, const uint8_t id[ENVELOPE_ID_LEN], int64_t *bytes)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	/* length() of a blob is read from the record header: the sealed
	 * bytes themselves are not loaded. */
	if (db_prepare(db, &st,
		"SELECT coalesce(sum(length(envelope)), 0) FROM envelopes "
		"WHERE device_id = ?") != 0)
		return -1;
	sqlite3_bind_blob(st, 1, id, ENVELOPE_ID_LEN, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*bytes = sqlite3_column_int64(st, 0);
		rc = 0;
	} else {
		log_err("inbox: cannot count a device's bytes: %s",
		    sqlite3_errmsg(db_handle(db)));
	}
	sqlite3_finalize(st);
	return rc;
}
