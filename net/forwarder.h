#ifndef NET_FORWARDER_H
#define NET_FORWARDER_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/bundle.h"
#include "store/db.h"
#include "store/outbox.h"

/*
 * The forwarder: a background thread that posts due envelopes from a
 * device's outbox to hubd, verifies the hub's signed receipt for each,
 * and only then deletes it (in batches: see FORWARDER_BATCH). Network errors,
 * 5xx, TLS or pin failures and bad receipts keep the envelope and back off
 * (exponential with jitter, capped). A 4xx other than 409 moves it to the
 * dead-letter table, loudly. Nothing is dropped.
 */
/* Envelopes taken a pass, and sent in one request where the hub has
 * POST /v1/envelopes/batch (docs/hub.md): each result is judged as a
 * single answer would be, and the delivered ones are deleted in one
 * transaction. A hub without the endpoint (404) gets one envelope a
 * request, as before. */
#define FORWARDER_BATCH 256
#define FORWARDER_BATCH_PATH "/v1/envelopes/batch"
#define FORWARDER_BATCH_CTYPE "application/vnd.rj.batch"
/* hubd's HUBD_BATCH_BODY_MAX: length-prefixed envelopes a request. */
#define FORWARDER_BATCH_BODY (8 * ENVELOPE_MAX)
#define FORWARDER_BATCH_RESP_MAX (FORWARDER_BATCH * 256 + 64)
#define FORWARDER_RESP_MAX 1024
/* Even with nothing due, look again this often (another process may
 * have queued something). */
#define FORWARDER_IDLE_MS 30000

struct forwarder_config {
	const char *db_path;
	const uint8_t *db_key; /* DB_KEY_LEN bytes; copied */
	const struct bundle *bundle; /* must outlive the forwarder */
	struct outbox_policy policy;
	long connect_timeout_ms;
	long total_timeout_ms;
};

struct forwarder_stats {
	size_t delivered;
	size_t retried;
	size_t dead;
};

struct forwarder;

/* Opens its own database connection and HTTPS client. */
struct forwarder *forwarder_new(const struct forwarder_config *cfg);
/* One pass over what is due now; used by the thread and by tools. */
int forwarder_run_once(struct forwarder *fw, struct forwarder_stats *st);
/* Start the background thread. */
int forwarder_start(struct forwarder *fw);
/* Something was queued: look now rather than at the next timer. */
void forwarder_wake(struct forwarder *fw);
/* Stop the thread (if started), close everything. */
void forwarder_free(struct forwarder *fw);

#endif
