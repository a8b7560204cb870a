#ifndef STORE_OUTBOX_H
#define STORE_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/envelope.h"
#include "store/db.h"

/*
 * Sealed envelopes waiting to reach the hub. An envelope leaves the outbox
 * only when the hub's signed receipt for it has been verified
 * (outbox_delete) or when the hub refused it for good (outbox_dead_letter,
 * which keeps it for an operator). Nothing is ever dropped silently.
 */
#define OUTBOX_TAKE_MAX 64
#define OUTBOX_REASON_MAX 200

struct outbox_item {
	uint8_t id[ENVELOPE_ID_LEN];
	uint8_t *envelope; /* malloc'd; sealed, so not secret */
	size_t len;
	int attempts;
	int64_t queued_at;
};

/* Exponential backoff with jitter: the n-th failure waits a random time
 * between half and all of min(cap, base * 2^(n-1)). */
struct outbox_policy {
	int64_t base_ms;
	int64_t cap_ms;
};
#define OUTBOX_POLICY_DEFAULT ((struct outbox_policy){2000, 3600 * 1000})

int outbox_put(struct db *db, const uint8_t id[ENVELOPE_ID_LEN],
    const uint8_t *envelope, size_t len, int64_t now_ms);

/* Up to max envelopes due at now_ms, oldest first. */
int outbox_take_due(struct db *db, int64_t now_ms, struct outbox_item *items,
    size_t max, size_t *n);
void outbox_items_free(struct outbox_item *items, size_t n);

/* Record a failed attempt; *next_ms (may be NULL) gets the new due time. */
int outbox_fail(struct db *db, const uint8_t id[ENVELOPE_ID_LEN],
    int64_t now_ms, const struct outbox_policy *policy, const char *reason,
    int64_t *next_ms);

int outbox_delete(struct db *db, const uint8_t id[ENVELOPE_ID_LEN]);
/* Delete n envelopes in one transaction (one fsync): all or none. */
int outbox_delete_many(
    struct db *db, const uint8_t (*ids)[ENVELOPE_ID_LEN], size_t n);

/* Move to the dead-letter table in one transaction. */
int outbox_dead_letter(struct db *db, const uint8_t id[ENVELOPE_ID_LEN],
    int64_t now_ms, const char *reason);

int outbox_count(struct db *db, int64_t *pending, int64_t *dead);

/* Earliest next_attempt_at, or -1 if the outbox is empty. */
int outbox_next_due(struct db *db, int64_t *due_ms);

/* The delay before attempt n+1 after n failures (exposed for tests). */
int64_t outbox_backoff_ms(
    const struct outbox_policy *policy, int failures, uint32_t random);

#endif
