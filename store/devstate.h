#ifndef STORE_DEVSTATE_H
#define STORE_DEVSTATE_H

#include <stdint.h>

#include "crypto/envelope.h"
#include "crypto/hbeat.h"
#include "store/db.h"

/*
 * The hub's last word from each device (hub/hubd_heartbeat.c writes it,
 * `hubctl devices` reads it): when it was last seen and the figures its
 * heartbeat carried. Nothing about a person.
 */
struct devstate {
	int64_t seen_at; /* hub clock, ms */
	int64_t sent_at; /* device clock, ms: newer each time */
	struct hbeat_figures f;
};

#define DEVSTATE_STORED 0
#define DEVSTATE_STALE 1 /* not newer than the last one: a replay */
/* An older one is still taken within this much of the hub's clock. */
#define DEVSTATE_FRESH_MS (5 * 60 * 1000)

/* DEVSTATE_STORED, DEVSTATE_STALE, or -1. */
int devstate_record(
    struct db *db, const uint8_t id[ENVELOPE_ID_LEN], const struct devstate *s);
/* 0 found, 1 never heard from, -1 error. */
int devstate_get(
    struct db *db, const uint8_t id[ENVELOPE_ID_LEN], struct devstate *s);

#endif
