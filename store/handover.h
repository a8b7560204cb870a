#ifndef STORE_HANDOVER_H
#define STORE_HANDOVER_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/envelope.h"
#include "crypto/sig.h"
#include "store/db.h"
#include "store/inbox.h"

/*
 * Handing sealed envelopes from the hub server to the staff machine
 * (`hubctl pull`). On the server: which envelopes are still to be
 * handed over, marking them handed over (acknowledged), and forgetting
 * their bytes a set number of days later. On the staff machine: keeping
 * a copy once, whatever number of times it is pulled.
 */

struct handover_env {
	uint8_t envelope_id[ENVELOPE_ID_LEN];
	uint8_t device_id[ENVELOPE_ID_LEN];
	int64_t received_at;
	const uint8_t *envelope; /* valid during the callback only */
	size_t len;
	const uint8_t *receipt; /* SIG_RECEIPT_LEN bytes, likewise */
};

/*
 * Server: envelopes not yet acknowledged, oldest first. fn returns 0 to
 * go on, 1 to stop (page full), -1 on error. *more is set when fn
 * stopped the walk before the end.
 */
int handover_each_pending(struct db *db,
    int (*fn)(void *arg, const struct handover_env *e), void *arg, int *more);

/* Server: mark these envelopes handed over at now; *n gets how many
 * were newly marked. */
int handover_ack(struct db *db, const uint8_t (*ids)[ENVELOPE_ID_LEN],
    size_t nids, int64_t now_ms, int64_t *n);

/*
 * Server: delete the bytes of envelopes acknowledged before cutoff_ms.
 * The row (id, digest, receipt) stays, so a device that sends the same
 * envelope again gets its first receipt back and it is not pulled twice.
 */
int handover_expire(struct db *db, int64_t cutoff_ms, int64_t *n);

/* Server: envelopes still held (not yet acknowledged; acknowledged and
 * not yet expired). */
int handover_counts(struct db *db, int64_t *pending, int64_t *held);

/*
 * Staff machine: the device that sent pulled envelopes (its public key
 * checks their signatures); added, or its revocation time updated.
 */
int handover_device(struct db *db, const struct inbox_device *dev);

/* Staff machine: keep a pulled envelope. INBOX_NEW, INBOX_DUPLICATE
 * (already kept, or kept and since shredded), INBOX_CONFLICT, or -1. */
int handover_keep(struct db *db, const struct envelope_hdr *hdr,
    const uint8_t *env, size_t len, int64_t received_at,
    const uint8_t receipt[SIG_RECEIPT_LEN]);

#endif
