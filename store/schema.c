#include "store/schema.h"

static const char *const device_steps[] = {
	/* 1: outbox and dead letters. Times are milliseconds since 1970. */
	"CREATE TABLE outbox ("
	"  envelope_id BLOB PRIMARY KEY CHECK (length(envelope_id) = 16),"
	"  envelope BLOB NOT NULL,"
	"  queued_at INTEGER NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt_at INTEGER NOT NULL,"
	"  last_error TEXT"
	");"
	"CREATE INDEX outbox_due ON outbox (next_attempt_at);"
	"CREATE TABLE dead_letter ("
	"  envelope_id BLOB PRIMARY KEY,"
	"  envelope BLOB NOT NULL,"
	"  queued_at INTEGER NOT NULL,"
	"  attempts INTEGER NOT NULL,"
	"  dead_at INTEGER NOT NULL,"
	"  reason TEXT NOT NULL"
	");",
};

const struct db_schema schema_device = {
	"device",
	device_steps,
	sizeof(device_steps) / sizeof(device_steps[0]),
};
