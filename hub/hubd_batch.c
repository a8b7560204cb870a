/*
 * hubd's batch endpoint and its group-committed inbox writes.
 *
 *   POST /v1/envelopes/batch   Content-Type: application/vnd.rj.batch
 *     body: up to HUBD_BATCH_MAX of (length u32 BE | sealed envelope)
 *   200 {"results":[R, ...]}   one R per envelope, in the same order:
 *     {"envelope_id":HEX,"status":201|200,"received_at":MS,"receipt":B64}
 *     {"envelope_id":HEX,"status":4xx|503,"error":CODE}
 *     {"status":400,"error":"malformed_envelope"}   (no id to name)
 *
 * Each envelope gets exactly the answer POST /v1/envelopes would give it
 * (same checks, same receipt, same status), so a device treats each
 * result as it treats a single answer. All of a batch's envelopes go to
 * the inbox in one group-commit operation, each inside a savepoint of
 * its own: one that cannot be stored is answered 503 alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "crypto/envelope.h"
#include "crypto/sig.h"
#include "hub/admit.h"
#include "hub/hubd.h"
#include "store/gcommit.h"
#include "store/inbox.h"
#include "util/log.h"

#define PATH_BATCH "/v1/envelopes/batch"
/* One result: the id, a status, a time and a base64 signature. */
#define RESULT_MAX 200

struct keep {
	const struct envelope_hdr *hdr;
	const uint8_t *env;
	size_t len;
	int64_t received_at;
	const uint8_t *receipt;
	uint8_t *stored;
	int64_t *stored_at;
};

static int
keep_op(struct db *db, void *arg)
{
	struct keep *k = arg;

	return inbox_keep(db, k->hdr, k->env, k->len, k->received_at,
	    k->receipt, k->stored, k->stored_at);
}

int
hubd_store(struct hubd *hd, const struct envelope_hdr *hdr, const uint8_t *env,
    size_t len, int64_t received_at, const uint8_t receipt[SIG_RECEIPT_LEN],
    uint8_t stored_receipt[SIG_RECEIPT_LEN], int64_t *stored_received_at)
{
	struct keep k = {hdr, env, len, received_at, receipt, stored_receipt,
	    stored_received_at};

	return gcommit_run(hd->gc, keep_op, &k);
}

/* One envelope of a batch, from framing to its answer. */
struct item {
	const uint8_t *env;
	size_t len;
	struct envelope_hdr hdr;
	int have_id;
	int checked; /* verified and signed: to be stored */
	int status;
	const char *error;
	int64_t received_at;
	uint8_t sig[SIG_RECEIPT_LEN];
	/* A duplicate's first receipt and time, answered instead. */
	uint8_t stored[SIG_RECEIPT_LEN];
	int64_t stored_at;
};

struct batch {
	struct item *items;
	size_t n;
};

/* The last device looked up: a batch comes from one device. */
struct seen_dev {
	int found; /* inbox_device_get's answer; -2 before the first */
	struct inbox_device dev;
};

/* The checks of POST /v1/envelopes, answered into it->status. */
static void
check_one(struct hubd *hd, struct item *it, int64_t now, struct seen_dev *sd)
{
	struct inbox_device dev;
	uint8_t claimed[ENVELOPE_ID_LEN];
	int found, v, retry_s;

	it->status = 403;
	if (it->len > ENVELOPE_MAX ||
	    envelope_claimed_device(claimed, it->env, it->len) != 0) {
		it->status = 400;
		it->error = "malformed_envelope";
		return;
	}
	if (sd->found == 0 &&
	    memcmp(sd->dev.device_id, claimed, ENVELOPE_ID_LEN) == 0) {
		found = 0;
		dev = sd->dev;
	} else {
		pthread_mutex_lock(&hd->lock);
		found = inbox_device_get(hd->db, claimed, &dev);
		pthread_mutex_unlock(&hd->lock);
		if (found == 0) {
			sd->found = 0;
			sd->dev = dev;
		}
	}
	if (found < 0) {
		it->status = 503;
		it->error = "store_unavailable";
	} else if (found == 1) {
		log_warn("envelope from a device that is not enrolled");
		it->error = "unknown_device";
	} else if (dev.revoked_at != 0) {
		log_warn("envelope from revoked device %s", dev.name);
		it->error = "revoked_device";
	} else if (envelope_verify(&it->hdr, it->env, it->len, dev.sign_pk) !=
		   0) {
		log_warn("envelope with a bad signature claiming device %s",
		    dev.name);
		it->error = "bad_signature";
	} else if ((v = hubd_admit_verdict(hd, &dev, &it->hdr, it->env, it->len,
			now, &retry_s)) != ADMIT_OK) {
		/* What POST /v1/envelopes would answer (4xx or 429). */
		it->have_id = 1;
		it->status = admit_status((enum admit_verdict)v);
		it->error = admit_code((enum admit_verdict)v);
	} else if (sig_receipt_sign(it->sig, it->hdr.envelope_id, (uint64_t)now,
		       hd->sign_sk) != 0) {
		it->status = 500;
		it->error = "internal";
	} else {
		it->have_id = 1;
		it->checked = 1;
		it->status = 503; /* until stored */
		it->error = "store_unavailable";
		it->received_at = now;
	}
}

/*
 * Every checked envelope of the batch. One that cannot be stored fails
 * the whole operation (all of this request is answered 503, kept by the
 * device for a retry); the group commit may run this again, so each
 * result is set afresh.
 */
static int
keep_batch_op(struct db *db, void *arg)
{
	struct batch *b = arg;

	for (size_t i = 0; i < b->n; i++) {
		struct item *it = &b->items[i];
		uint8_t stored[SIG_RECEIPT_LEN];
		int64_t at = 0;
		int rc;

		if (!it->checked)
			continue;
		rc = inbox_keep(db, &it->hdr, it->env, it->len, it->received_at,
		    it->sig, stored, &at);
		if (rc == INBOX_NEW) {
			it->status = 201;
		} else if (rc == INBOX_DUPLICATE) {
			/* The first receipt again: the device missed it. */
			it->status = 200;
			memcpy(it->stored, stored, SIG_RECEIPT_LEN);
			it->stored_at = at;
		} else if (rc == INBOX_CONFLICT) {
			log_err("envelope id reused with different content");
			it->status = 409;
			it->error = "conflict";
		} else {
			return -1;
		}
	}
	return 0;
}

static int
frame(const uint8_t *body, size_t len, struct item *items, size_t *n)
{
	size_t off = 0;

	*n = 0;
	while (off < len) {
		uint32_t l;

		if (*n == HUBD_BATCH_MAX || len - off < 4)
			return -1;
		l = (uint32_t)body[off] << 24 | (uint32_t)body[off + 1] << 16 |
		    (uint32_t)body[off + 2] << 8 | body[off + 3];
		off += 4;
		if (l == 0 || l > ENVELOPE_MAX || l > len - off)
			return -1;
		memset(&items[*n], 0, sizeof(items[*n]));
		items[*n].env = body + off;
		items[*n].len = l;
		(*n)++;
		off += l;
	}
	return *n > 0 ? 0 : -1;
}

static int
append(
    char *out, size_t cap, size_t *used, const struct item *it, const char *sep)
{
	char idhex[2 * ENVELOPE_ID_LEN + 1],
	    b64[sodium_base64_ENCODED_LEN(
		SIG_RECEIPT_LEN, sodium_base64_VARIANT_ORIGINAL)];
	int n;

	if (it->have_id)
		envelope_id_hex(idhex, it->hdr.envelope_id);
	if (it->status == 200 || it->status == 201) {
		int dup = it->status == 200;

		sodium_bin2base64(b64, sizeof(b64), dup ? it->stored : it->sig,
		    SIG_RECEIPT_LEN, sodium_base64_VARIANT_ORIGINAL);
		n = snprintf(out + *used, cap - *used,
		    "%s{\"envelope_id\":\"%s\",\"status\":%d,"
		    "\"received_at\":%lld,\"receipt\":\"%s\"}",
		    sep, idhex, it->status,
		    (long long)(dup ? it->stored_at : it->received_at), b64);
	} else if (it->have_id) {
		n = snprintf(out + *used, cap - *used,
		    "%s{\"envelope_id\":\"%s\",\"status\":%d,\"error\":\"%s\"}",
		    sep, idhex, it->status, it->error);
	} else {
		n = snprintf(out + *used, cap - *used,
		    "%s{\"status\":%d,\"error\":\"%s\"}", sep, it->status,
		    it->error);
	}
	if (n < 0 || (size_t)n >= cap - *used)
		return -1;
	*used += (size_t)n;
	return 0;
}

int
hubd_batch_request(
    struct hubd *hd, const struct http_req *req, struct http_resp *resp)
{
	const char *ct = http_header(req, "content-type");
	struct item *items = NULL;
	struct seen_dev sd = {-2, {{0}, {0}, {0}, 0, 0}};
	struct batch b;
	char *out = NULL;
	size_t n = 0, used, cap = 32 + HUBD_BATCH_MAX * RESULT_MAX;
	int64_t now;
	int rc = -1, checked = 0;

	if (req->method != HTTP_POST) {
		http_resp_header(resp, "Allow", "POST");
		return http_error_json(resp, 405, "method_not_allowed");
	}
	if (ct == NULL || strcmp(ct, HUBD_BATCH_CTYPE) != 0)
		return http_error_json(resp, 415, "unsupported_media_type");
	if (req->body_len > HUBD_BATCH_BODY_MAX)
		return http_error_json(resp, 413, "too_large");
	items = calloc(HUBD_BATCH_MAX, sizeof(*items));
	out = malloc(cap);
	if (items == NULL || out == NULL) {
		log_err("out of memory");
		goto out;
	}
	if (frame(req->body, req->body_len, items, &n) != 0) {
		rc = http_error_json(resp, 400, "malformed_batch");
		goto out;
	}
	now = db_now_ms();
	for (size_t i = 0; i < n; i++) {
		check_one(hd, &items[i], now, &sd);
		checked += items[i].checked;
	}
	b = (struct batch){items, n};
	if (checked > 0 && gcommit_run(hd->gc, keep_batch_op, &b) < 0) {
		/* Not committed: nothing of this request is stored. */
		for (size_t i = 0; i < n; i++)
			if (items[i].checked) {
				items[i].status = 503;
				items[i].error = "store_unavailable";
			}
	}
	for (size_t i = 0; i < n; i++)
		if (items[i].status == 201)
			hubd_admit_stored(
			    hd, items[i].hdr.device_id, items[i].len);
	used = (size_t)snprintf(out, cap, "{\"results\":[");
	for (size_t i = 0; i < n; i++)
		if (append(out, cap - 2, &used, &items[i], i ? "," : "") != 0)
			goto out;
	memcpy(out + used, "]}", 3);
	rc = http_resp_body(resp, 200, "application/json", out, used + 2);
out:
	free(items);
	free(out);
	return rc;
}
