#ifndef HUB_HUBD_H
#define HUB_HUBD_H

#include <pthread.h>
#include <stdint.h>

#include "hub/admit.h"
#include "crypto/envelope.h"
#include "crypto/sig.h"
#include "net/http.h"
#include "store/db.h"
#include "store/inbox.h"

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
	struct admit_conf admit_conf;
	struct admit *admit; /* used under lock */
};

/*
 * hub/hubd_admit.c: 0 when a verified envelope may be stored; else 1
 * with the refusal (4xx, or 429 with Retry-After) written to resp, or -1.
 * hubd_admit_stored counts what was stored.
 */
int hubd_admit(struct hubd *hd, const struct inbox_device *dev,
    const struct envelope_hdr *hdr, const uint8_t *env, size_t len, int64_t now,
    struct http_resp *resp);
void hubd_admit_stored(
    struct hubd *hd, const uint8_t id[ENVELOPE_ID_LEN], size_t len);
/*
 * The enrolled, unrevoked device that claims to have sent what (an
 * envelope, a heartbeat): 0 with *dev set; else 1 with the refusal (503,
 * 403 unknown_device or revoked_device) written to resp, or -1.
 */
int hubd_device(struct hubd *hd, const uint8_t claimed[ENVELOPE_ID_LEN],
    const char *what, struct inbox_device *dev, struct http_resp *resp);
/* The same rules for one envelope of a batch: ADMIT_OK (0), or the
 * enum admit_verdict refusing it (*retry_s set for a 429). */
int hubd_admit_verdict(struct hubd *hd, const struct inbox_device *dev,
    const struct envelope_hdr *hdr, const uint8_t *env, size_t len, int64_t now,
    int *retry_s);
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
