#ifndef STORE_STAFF_H
#define STORE_STAFF_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "store/db.h"

/*
 * Staff credentials on the hub server: who may pull sealed envelopes to
 * a staff machine (`hubctl enroll-staff`), and the log of every pull.
 * A credential is an Ed25519 key; the server holds only its public half.
 */
#define STAFF_ID_LEN 16
#define STAFF_NAME_MAX 64
/* How far a request's clock may be from the server's. */
#define STAFF_CLOCK_SKEW_MS (300LL * 1000)

struct staff_member {
	uint8_t staff_id[STAFF_ID_LEN];
	char name[STAFF_NAME_MAX];
	uint8_t sign_pk[crypto_sign_PUBLICKEYBYTES];
	int64_t enrolled_at;
	int64_t revoked_at; /* 0 when active */
	int64_t last_request_at;
};

struct staff_log_row {
	int64_t at;
	char name[STAFF_NAME_MAX];
	char action[16];
	int64_t count;
};

int staff_add(struct db *db, const struct staff_member *m);
/* 0 found, 1 unknown, -1 error. */
int staff_get(
    struct db *db, const uint8_t id[STAFF_ID_LEN], struct staff_member *m);
int staff_revoke(struct db *db, const char *name, int64_t now_ms);
int staff_each(struct db *db,
    int (*fn)(void *arg, const struct staff_member *m), void *arg);

/*
 * A signed request made at at_ms is accepted once: it must be within
 * STAFF_CLOCK_SKEW_MS of now and later than the last one accepted from
 * the same credential (so a recorded request cannot be replayed).
 * 0 accepted (and remembered), 1 refused, -1 error.
 */
int staff_accept_request(struct db *db, const uint8_t id[STAFF_ID_LEN],
    int64_t at_ms, int64_t now_ms);

int staff_log_add(struct db *db, int64_t at, const char *name,
    const char *action, int64_t count);
/* Oldest first. */
int staff_log_each(struct db *db,
    int (*fn)(void *arg, const struct staff_log_row *r), void *arg);

#endif
