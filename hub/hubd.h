#ifndef HUB_HUBD_H
#define HUB_HUBD_H

#include <pthread.h>
#include <stdint.h>

#include "hub/admit.h"
#include "net/http.h"
#include "store/db.h"
#include "store/inbox.h"

/* Largest answer hubd gives: a page of envelopes for a staff pull. */
#define HUBD_MAX_RESP (512 * 1024)
/* Days an envelope stays on the server after a staff machine took it. */
#define HUBD_KEEP_DAYS_DEFAULT 7
#define HUBD_KEEP_DAYS_MAX 3650

struct hubd {
	struct db *db;
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

/* POST /v1/staff/pull and /v1/staff/ack (hubd_pull.c). */
int hubd_staff_request(
    struct hubd *hd, const struct http_req *req, struct http_resp *resp);

#endif
