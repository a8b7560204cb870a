#ifndef STORE_SCHEMA_H
#define STORE_SCHEMA_H

#include "store/db.h"

/*
 * Every database's migration list in one place, so the order of steps is
 * visible and append-only. A device (kiosk or SMS gateway) has one
 * database; the hub has its inbox.
 */
extern const struct db_schema schema_device;
extern const struct db_schema schema_hub;

#endif
