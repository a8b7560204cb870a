#ifndef HUB_HUBD_H
#define HUB_HUBD_H

#include <pthread.h>
#include <stdint.h>

#include "net/http.h"
#include "store/db.h"

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
};

/* POST /v1/staff/pull and /v1/staff/ack (hubd_pull.c). */
int hubd_staff_request(
    struct hubd *hd, const struct http_req *req, struct http_resp *resp);

#endif
