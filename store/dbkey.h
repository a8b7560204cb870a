#ifndef STORE_DBKEY_H
#define STORE_DBKEY_H

#include <stdint.h>

#include "store/db.h"

/*
 * A device database's key file: created on first start (no database yet)
 * so an operator never handles the key; with a database present, a
 * missing key is an error, never a reason to make a new one (that would
 * strand whatever the outbox still holds). key is DB_KEY_LEN bytes of
 * the caller's locked memory.
 */
int dbkey_load_or_create(const char *db_path, const char *key_path,
    uint8_t key[DB_KEY_LEN]) __attribute__((warn_unused_result));

#endif
