#ifndef HUB_HUBD_H
#define HUB_HUBD_H

#include <pthread.h>
#include <stdint.h>

#include "crypto/envelope.h"
#include "crypto/sig.h"
#include "net/http.h"
#include "store/db.h"

/* Largest answer hubd gives: a page of envelopes for a staff pull. */
#define HUBD_MAX_RESP (512 * 1024)
/* Days an envelope stays on the server after a staff machine took it. */
#define HUBD_KEEP_DAYS_DEFAULT 7
#define HUBD_KEEP_DAYS_MAX 3650

/* POST /v1/envelopes/batch (hubd_batch.c): envelopes a request. */
#define HUBD_BATCH_MAX 256
#define HUBD_BATCH_BODY_MAX (8 * ENVELOPE_MAX)
#define HUBD_BATCH_CTYPE "application/vnd.rj.batch"
#define HUBD_BATCH_PATH "/v1/envelopes/batch"

struct gcommit;

struct hubd {
	struct db *db;
	/* The inbox writes: group commit over a connection of its own. */
	struct db *wdb;
	struct gcommit *gc;
	/* One SQLite connection: a transaction must not interleave with
	 * another worker's statements. */
	pthread_mutex_t lock;
	uint8_t *sign_sk;
	int keep_days;
};

/* Store a verified envelope (inbox_store's answers) in the next group
 * commit; returns once it is durable. */
int hubd_store(struct hubd *hd, const struct envelope_hdr *hdr,
    const uint8_t *env, size_t len, int64_t received_at,
    const uint8_t receipt[SIG_RECEIPT_LEN],
    uint8_t stored_receipt[SIG_RECEIPT_LEN], int64_t *stored_received_at);

/* POST /v1/envelopes/batch (hubd_batch.c). */
int hubd_batch_request(
    struct hubd *hd, const struct http_req *req, struct http_resp *resp);

/* POST /v1/staff/pull and /v1/staff/ack (hubd_pull.c). */
int hubd_staff_request(
    struct hubd *hd, const struct http_req *req, struct http_resp *resp);

#endif
