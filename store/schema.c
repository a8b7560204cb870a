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
    /* 2: the SMS gateway (store/conversation.c). Every sender_key is
     * HMAC-SHA256(number, device secret): the number itself is never
     * stored, only sealed into envelopes. */
    "CREATE TABLE sms_conversation ("
    "  sender_key BLOB PRIMARY KEY CHECK (length(sender_key) = 32),"
    "  step INTEGER NOT NULL,"
    "  retries INTEGER NOT NULL DEFAULT 0,"
    "  updated_at INTEGER NOT NULL,"
    "  consent_version INTEGER NOT NULL,"
    "  consent_sha256 BLOB NOT NULL CHECK (length(consent_sha256) = 32),"
    "  consent_at INTEGER,"
    "  offence_in_london INTEGER,"
    "  lives_in_london INTEGER,"
    "  name TEXT,"
    "  method INTEGER,"
    "  contact_time INTEGER,"
    "  voicemail_ok INTEGER"
    ");"
    "CREATE INDEX sms_conversation_idle ON sms_conversation (updated_at);"
    "CREATE TABLE sms_link ("
    "  sender_key BLOB NOT NULL CHECK (length(sender_key) = 32),"
    "  ref TEXT NOT NULL,"
    "  linked_at INTEGER NOT NULL,"
    "  PRIMARY KEY (sender_key, ref)"
    ");"
    "CREATE INDEX sms_link_age ON sms_link (linked_at);"
    "CREATE TABLE sms_seen ("
    "  msg_key BLOB PRIMARY KEY CHECK (length(msg_key) = 32),"
    "  seen_at INTEGER NOT NULL,"
    "  reply TEXT"
    ");"
    "CREATE INDEX sms_seen_age ON sms_seen (seen_at);"
    "CREATE TABLE sms_rate ("
    "  bucket BLOB PRIMARY KEY CHECK (length(bucket) = 32),"
    "  window_start INTEGER NOT NULL,"
    "  hits INTEGER NOT NULL"
    ");"
    "CREATE INDEX sms_rate_age ON sms_rate (window_start);",
    /* 3: the forwarder's "oldest due first" read from the index alone:
     * ordering by a column stored after the envelope made every pass
     * read (and decrypt) every queued envelope. */
    "CREATE INDEX outbox_queue ON outbox (queued_at, next_attempt_at);",
    /* 4: rate counters move to smsd's memory (sms/rate.h): a keyed hash
     * of each recent texter with their times is no longer on disk, and
     * a message no longer pays two statements and a page for it. */
    "DROP TABLE sms_rate;",
};

const struct db_schema schema_device = {
    "device",
    device_steps,
    sizeof(device_steps) / sizeof(device_steps[0]),
};

static const char *const hub_steps[] = {
    /* 1: enrolled devices, the sealed inbox, and what staff learned
     * from opening envelopes (no personal data outside "envelope"). */
    "CREATE TABLE devices ("
    "  device_id BLOB PRIMARY KEY CHECK (length(device_id) = 16),"
    "  name TEXT NOT NULL UNIQUE,"
    "  sign_pk BLOB NOT NULL CHECK (length(sign_pk) = 32),"
    "  enrolled_at INTEGER NOT NULL,"
    "  revoked_at INTEGER"
    ");"
    "CREATE TABLE envelopes ("
    "  envelope_id BLOB PRIMARY KEY CHECK (length(envelope_id) = 16),"
    "  device_id BLOB NOT NULL REFERENCES devices (device_id),"
    "  kind INTEGER NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  received_at INTEGER NOT NULL,"
    "  envelope BLOB," /* NULL once withdrawn or purged */
    "  digest BLOB NOT NULL," /* SHA-256 of the envelope as received */
    "  receipt BLOB NOT NULL,"
    "  opened INTEGER NOT NULL DEFAULT 0"
    ");"
    "CREATE INDEX envelopes_unopened ON envelopes (opened, received_at);"
    "CREATE TABLE referrals ("
    "  ref TEXT PRIMARY KEY,"
    "  envelope_id BLOB NOT NULL UNIQUE REFERENCES envelopes (envelope_id),"
    "  channel TEXT NOT NULL,"
    "  language TEXT NOT NULL,"
    "  spoke TEXT NOT NULL,"
    "  received_at INTEGER NOT NULL,"
    "  exported_at INTEGER"
    ");"
    "CREATE TABLE withdrawals ("
    "  ref TEXT PRIMARY KEY,"
    "  withdrawn_at INTEGER NOT NULL,"
    "  source TEXT NOT NULL"
    ");"
    "CREATE TABLE followups ("
    "  envelope_id BLOB PRIMARY KEY REFERENCES envelopes (envelope_id),"
    "  ref TEXT NOT NULL,"
    "  received_at INTEGER NOT NULL"
    ");"
    "CREATE INDEX followups_ref ON followups (ref);",
    /* 2: the opening key leaves the server (issue 11). On the server:
     * staff credentials that may pull envelopes, a log of every pull,
     * and when each envelope was handed over (acked_at). On the staff
     * machine, which keeps its own database of the same schema: the
     * case file, with only coarse categories outside the sealed
     * envelope (cleared again on withdrawal). */
    "ALTER TABLE envelopes ADD COLUMN acked_at INTEGER;"
    "CREATE INDEX envelopes_handover ON envelopes (acked_at);"
    "CREATE TABLE staff ("
    "  staff_id BLOB PRIMARY KEY CHECK (length(staff_id) = 16),"
    "  name TEXT NOT NULL UNIQUE,"
    "  sign_pk BLOB NOT NULL CHECK (length(sign_pk) = 32),"
    "  enrolled_at INTEGER NOT NULL,"
    "  revoked_at INTEGER,"
    "  last_request_at INTEGER NOT NULL DEFAULT 0"
    ");"
    "CREATE TABLE staff_log ("
    "  at INTEGER NOT NULL,"
    "  name TEXT NOT NULL,"
    "  action TEXT NOT NULL,"
    "  count INTEGER NOT NULL"
    ");"
    "ALTER TABLE referrals ADD COLUMN status TEXT NOT NULL DEFAULT "
    "'received';"
    "ALTER TABLE referrals ADD COLUMN risk INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE referrals ADD COLUMN venue TEXT;"
    "ALTER TABLE referrals ADD COLUMN borough TEXT;"
    "ALTER TABLE referrals ADD COLUMN crime TEXT;"
    "ALTER TABLE referrals ADD COLUMN stage TEXT;"
    "ALTER TABLE referrals ADD COLUMN risk_assessed_at INTEGER;"
    "ALTER TABLE referrals ADD COLUMN contacted_at INTEGER;"
    "ALTER TABLE referrals ADD COLUMN closed_at INTEGER;"
    "ALTER TABLE referrals ADD COLUMN outcome TEXT;"
    "CREATE TABLE case_events ("
    "  id INTEGER PRIMARY KEY,"
    "  ref TEXT NOT NULL,"
    "  at INTEGER NOT NULL,"
    "  staff TEXT NOT NULL,"
    "  event TEXT NOT NULL,"
    "  detail TEXT"
    ");"
    "CREATE INDEX case_events_ref ON case_events (ref, id);",
    /* 3: each device's last heartbeat (store/devstate.c): when the hub
     * last heard from it and how it was doing; no personal data. */
    "CREATE TABLE device_state ("
    "  device_id BLOB PRIMARY KEY REFERENCES devices (device_id),"
    "  seen_at INTEGER NOT NULL,"
    "  sent_at INTEGER NOT NULL,"
    "  role TEXT NOT NULL,"
    "  version TEXT NOT NULL,"
    "  interval_s INTEGER NOT NULL,"
    "  outbox INTEGER NOT NULL,"
    "  dead INTEGER NOT NULL,"
    "  printer TEXT NOT NULL"
    ");",
};

const struct db_schema schema_hub = {
    "hub",
    hub_steps,
    sizeof(hub_steps) / sizeof(hub_steps[0]),
};
