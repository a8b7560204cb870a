#ifndef STORE_INBOX_H
#define STORE_INBOX_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "crypto/envelope.h"
#include "crypto/sig.h"
#include "store/db.h"

/*
 * The hub's side: enrolled devices and the sealed envelopes they sent.
 * hubd writes here without ever being able to open an envelope.
 */
#define INBOX_NEW 1
#define INBOX_DUPLICATE 2
#define INBOX_CONFLICT 3 /* same envelope id, different bytes */
#define INBOX_DIGEST_LEN 32 /* SHA-256 of the sealed envelope */

struct inbox_device {
	uint8_t device_id[ENVELOPE_ID_LEN];
	char name[64];
	uint8_t sign_pk[crypto_sign_PUBLICKEYBYTES];
	int64_t enrolled_at;
	int64_t revoked_at; /* 0 when active */
};

int inbox_device_add(struct db *db, const struct inbox_device *dev);
/* 0 found, 1 not enrolled, -1 error. */
int inbox_device_get(
    struct db *db, const uint8_t id[ENVELOPE_ID_LEN], struct inbox_device *dev);
int inbox_device_by_name(
    struct db *db, const char *name, struct inbox_device *dev);
int inbox_device_revoke(struct db *db, const char *name, int64_t now_ms);
/* Calls fn for every device, in enrolment order. */
int inbox_device_each(struct db *db,
    int (*fn)(void *arg, const struct inbox_device *dev), void *arg);

/*
 * Store a verified envelope with the receipt the hub signed for it.
 * Returns INBOX_NEW, or INBOX_DUPLICATE with the first receipt and time
 * copied out (so a retry gets exactly the same answer), INBOX_CONFLICT,
 * or -1.
 */
int inbox_store(struct db *db, const struct envelope_hdr *hdr,
    const uint8_t *env, size_t len, int64_t received_at,
    const uint8_t receipt[SIG_RECEIPT_LEN],
    uint8_t stored_receipt[SIG_RECEIPT_LEN], int64_t *stored_received_at);

/* inbox_store inside the caller's transaction (a group commit's
 * operation): the same answers, nothing begun or committed. */
int inbox_keep(struct db *db, const struct envelope_hdr *hdr,
    const uint8_t *env, size_t len, int64_t received_at,
    const uint8_t receipt[SIG_RECEIPT_LEN],
    uint8_t stored_receipt[SIG_RECEIPT_LEN], int64_t *stored_received_at);

/*
 * The two halves of inbox_store, for a caller with its own transaction
 * (the staff machine's pull, store/handover.c): is this envelope id
 * already kept (INBOX_NEW when not; INBOX_DUPLICATE with the same digest,
 * its receipt and time copied out where asked; INBOX_CONFLICT; -1), and
 * keep it.
 */
int inbox_find(struct db *db, const uint8_t id[ENVELOPE_ID_LEN],
    const uint8_t digest[INBOX_DIGEST_LEN],
    uint8_t stored_receipt[SIG_RECEIPT_LEN], int64_t *stored_received_at);
int inbox_insert(struct db *db, const struct envelope_hdr *hdr,
    const uint8_t *env, size_t len, const uint8_t digest[INBOX_DIGEST_LEN],
    int64_t received_at, const uint8_t receipt[SIG_RECEIPT_LEN]);

/* The envelope id and received time of an already-stored envelope. */
int inbox_lookup_receipt(struct db *db, const uint8_t id[ENVELOPE_ID_LEN],
    uint8_t receipt[SIG_RECEIPT_LEN], int64_t *received_at);

#endif
