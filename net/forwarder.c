#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "crypto/sig.h"
#include "net/client.h"
#include "net/forwarder.h"
#include "store/schema.h"
#include "util/log.h"

#define REASON_MAX 96

struct forwarder {
	struct db *db;
	struct client *client;
	const struct bundle *bundle;
	struct outbox_policy policy;
	pthread_t thread;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int wake;
	int stop;
	int no_batch; /* the hub answered the batch path 404 */
	/* Reused by every pass (sealed bytes and receipts: not secret). */
	uint8_t *body; /* FORWARDER_BATCH_BODY */
	uint8_t *bresp; /* FORWARDER_BATCH_RESP_MAX */
	uint8_t resp[FORWARDER_RESP_MAX];
	uint8_t done[FORWARDER_BATCH][ENVELOPE_ID_LEN];
	size_t ndone;
};

struct forwarder *
forwarder_new(const struct forwarder_config *cfg)
{
	struct forwarder *fw = calloc(1, sizeof(*fw));
	pthread_condattr_t ca;

	if (fw == NULL) {
		log_err("out of memory");
		return NULL;
	}
	pthread_mutex_init(&fw->mu, NULL);
	/*
	 * The waits are timed on the monotonic clock: a wall clock set back
	 * (NTP correcting a device without a battery clock) must not hold
	 * retries for as long as it jumped.
	 */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&fw->cv, &ca);
	pthread_condattr_destroy(&ca);
	fw->bundle = cfg->bundle;
	fw->policy = cfg->policy;
	fw->body = malloc(FORWARDER_BATCH_BODY);
	fw->bresp = malloc(FORWARDER_BATCH_RESP_MAX);
	if (fw->body == NULL || fw->bresp == NULL) {
		log_err("out of memory");
		goto fail;
	}
	fw->db = db_open(cfg->db_path, cfg->db_key, &schema_device);
	if (fw->db == NULL)
		goto fail;
	fw->client = client_new_pem(cfg->bundle->hub_url, cfg->bundle->hub_cert,
	    cfg->bundle->hub_pin, cfg->connect_timeout_ms,
	    cfg->total_timeout_ms);
	if (fw->client == NULL)
		goto fail;
	return fw;
fail:
	forwarder_free(fw);
	return NULL;
}

/*
 * The receipt must name this envelope and carry the hub's signature over
 * its id and the time the hub stored it.
 */
static int
receipt_ok_obj(
    const struct forwarder *fw, const uint8_t id[ENVELOPE_ID_LEN], json_t *o)
{
	char want[2 * ENVELOPE_ID_LEN + 1];
	uint8_t sig[SIG_RECEIPT_LEN];
	json_t *jid, *jat, *jrc;
	size_t siglen = 0;

	jid = json_object_get(o, "envelope_id");
	jat = json_object_get(o, "received_at");
	jrc = json_object_get(o, "receipt");
	envelope_id_hex(want, id);
	if (!json_is_string(jid) || !json_is_integer(jat) ||
	    !json_is_string(jrc) || json_integer_value(jat) < 0 ||
	    strcmp(json_string_value(jid), want) != 0)
		return 0;
	if (sodium_base642bin(sig, sizeof(sig), json_string_value(jrc),
		json_string_length(jrc), NULL, &siglen, NULL,
		sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    siglen != sizeof(sig))
		return 0;
	return sig_receipt_verify(sig, id, (uint64_t)json_integer_value(jat),
		   fw->bundle->hub_sign_pk) == 0;
}

/* Error code from a hub's {"error":"..."}, for the dead-letter note. */
static void
hub_error_obj(json_t *o, long status, char *out, size_t cap)
{
	json_t *e = json_object_get(o, "error");
	const char *code = json_is_string(e) ? json_string_value(e) : "?";
	size_t i;

	snprintf(out, cap, "hub answered %ld %s", status, code);
	/* Only the stable-code alphabet goes into our logs and database. */
	for (i = 0; out[i] != '\0'; i++)
		if (!((out[i] >= 'a' && out[i] <= 'z') ||
			(out[i] >= '0' && out[i] <= '9') || out[i] == ' ' ||
			out[i] == '_' || out[i] == '?'))
			out[i] = '?';
}

/* Where one envelope's answer sends it; the same rules for a single
 * answer and for one result of a batch. */
enum fate { KEEP_RETRY, DELIVERED, DEAD };

static enum fate
judge(const struct forwarder *fw, const struct outbox_item *it, long status,
    json_t *o, char *reason, size_t cap)
{
	char idhex[2 * ENVELOPE_ID_LEN + 1];

	envelope_id_hex(idhex, it->id);
	if (status == 200 || status == 201) {
		if (receipt_ok_obj(fw, it->id, o))
			return DELIVERED;
		log_err("envelope %s: hub receipt did not verify; kept", idhex);
		snprintf(reason, cap, "bad receipt");
		return KEEP_RETRY;
	}
	hub_error_obj(o, status, reason, cap);
	if (status >= 400 && status < 500 && status != 409 && status != 408 &&
	    status != 429) {
		log_err("envelope %s REFUSED by the hub (%s); moved to the "
			"dead-letter table for an operator",
		    idhex, reason);
		return DEAD;
	}
	log_warn("envelope %s: %s; will retry", idhex, reason);
	return KEEP_RETRY;
}

/* Record one fate; delivered ones are collected for one delete. */
static int
settle(struct forwarder *fw, const struct outbox_item *it, enum fate f,
    const char *reason, struct forwarder_stats *st)
{
	if (f == DELIVERED) {
		memcpy(fw->done[fw->ndone++], it->id, ENVELOPE_ID_LEN);
		return 0;
	}
	if (f == DEAD) {
		st->dead++;
		return outbox_dead_letter(fw->db, it->id, db_now_ms(), reason);
	}
	st->retried++;
	return outbox_fail(
	    fw->db, it->id, db_now_ms(), &fw->policy, reason, NULL);
}

/* The old way, one envelope a request: for a hub without the batch
 * endpoint, and for a batch the hub could not take as one. */
static int
post_one(struct forwarder *fw, const struct outbox_item *it, int *unreachable,
    struct forwarder_stats *st)
{
	char reason[REASON_MAX];
	size_t rlen;
	long status;
	json_t *o;
	enum fate f;
	int rc;

	/* Once the hub is unreachable, the rest wait their turn without
	 * a connection attempt each. */
	if (*unreachable ||
	    client_post(fw->client, "/v1/envelopes", it->envelope, it->len,
		"application/octet-stream", &status, fw->resp,
		FORWARDER_RESP_MAX, &rlen) != 0) {
		*unreachable = 1;
		return settle(fw, it, KEEP_RETRY, "hub unreachable", st);
	}
	o = json_loadb(
	    (const char *)fw->resp, rlen, JSON_REJECT_DUPLICATES, NULL);
	f = judge(fw, it, status, o, reason, sizeof(reason));
	rc = settle(fw, it, f, reason, st);
	json_decref(o);
	return rc;
}

/*
 * Up to FORWARDER_BATCH envelopes in one request. Returns how many it
 * settled (the rest go one by one), or -1 on a database error.
 */
static int
post_batch(struct forwarder *fw, struct outbox_item *items, size_t n,
    int *unreachable, struct forwarder_stats *st)
{
	char reason[REASON_MAX];
	size_t k = 0, blen = 0, rlen;
	long status;
	json_t *o = NULL, *res;
	int rc = 0;

	for (k = 0; k < n && items[k].len + 4 <= FORWARDER_BATCH_BODY - blen;
	     k++) {
		uint32_t l = (uint32_t)items[k].len;

		fw->body[blen++] = (uint8_t)(l >> 24);
		fw->body[blen++] = (uint8_t)(l >> 16);
		fw->body[blen++] = (uint8_t)(l >> 8);
		fw->body[blen++] = (uint8_t)l;
		memcpy(fw->body + blen, items[k].envelope, items[k].len);
		blen += items[k].len;
	}
	if (k < 2)
		return 0;
	if (client_post(fw->client, FORWARDER_BATCH_PATH, fw->body, blen,
		FORWARDER_BATCH_CTYPE, &status, fw->bresp,
		FORWARDER_BATCH_RESP_MAX, &rlen) != 0) {
		*unreachable = 1;
		for (size_t i = 0; i < k; i++)
			if (settle(fw, &items[i], KEEP_RETRY, "hub unreachable",
				st) != 0)
				rc = -1;
		return rc == 0 ? (int)k : -1;
	}
	if (status == 404 || status == 405 || status == 415) {
		log_info("the hub has no batch endpoint; one envelope a "
			 "request from now on");
		fw->no_batch = 1;
		return 0;
	}
	o = json_loadb(
	    (const char *)fw->bresp, rlen, JSON_REJECT_DUPLICATES, NULL);
	res = json_object_get(o, "results");
	if (status != 200 || !json_is_array(res) || json_array_size(res) != k) {
		/* The hub could not take it as a batch (busy, too large):
		 * each envelope then gets its own answer and its own rule. */
		log_warn(
		    "batch of %zu answered %ld; sending one by one", k, status);
		json_decref(o);
		return 0;
	}
	for (size_t i = 0; i < k; i++) {
		json_t *r = json_array_get(res, i),
		       *js = json_object_get(r, "status");
		long s =
		    json_is_integer(js) ? (long)json_integer_value(js) : 502;
		enum fate f =
		    judge(fw, &items[i], s, r, reason, sizeof(reason));

		if (settle(fw, &items[i], f, reason, st) != 0)
			rc = -1;
	}
	json_decref(o);
	return rc == 0 ? (int)k : -1;
}

int
forwarder_run_once(struct forwarder *fw, struct forwarder_stats *st)
{
	struct outbox_item items[FORWARDER_BATCH];
	size_t n = 0, i = 0;
	int rc = 0, unreachable = 0, sent;

	if (outbox_take_due(fw->db, db_now_ms(), items, FORWARDER_BATCH, &n) !=
	    0)
		return -1;
	fw->ndone = 0;
	if (!fw->no_batch && n > 1) {
		sent = post_batch(fw, items, n, &unreachable, st);
		if (sent < 0)
			rc = -1;
		else
			i = (size_t)sent;
	}
	for (; i < n; i++)
		if (post_one(fw, &items[i], &unreachable, st) != 0)
			rc = -1;
	/* Every verified receipt's envelope goes in one transaction. */
	if (outbox_delete_many(fw->db, fw->done, fw->ndone) != 0) {
		rc = -1;
	} else {
		for (i = 0; i < fw->ndone; i++) {
			char idhex[2 * ENVELOPE_ID_LEN + 1];

			envelope_id_hex(idhex, fw->done[i]);
			log_info("envelope %s delivered", idhex);
		}
		st->delivered += fw->ndone;
	}
	outbox_items_free(items, n);
	/* A full batch means more may be due right away. */
	if (rc == 0 && n == FORWARDER_BATCH && !unreachable)
		return 1;
	return rc;
}

static void *
run(void *arg)
{
	struct forwarder *fw = arg;
	struct forwarder_stats st;

	pthread_mutex_lock(&fw->mu);
	while (!fw->stop) {
		int64_t due = -1, now, wait_ms;
		struct timespec ts;
		int more;

		fw->wake = 0;
		pthread_mutex_unlock(&fw->mu);
		memset(&st, 0, sizeof(st));
		more = forwarder_run_once(fw, &st);
		now = db_now_ms();
		wait_ms = FORWARDER_IDLE_MS;
		if (more == 1)
			wait_ms = 0;
		else if (outbox_next_due(fw->db, &due) == 0 && due >= 0)
			wait_ms = due > now ? due - now : 0;
		if (wait_ms > FORWARDER_IDLE_MS)
			wait_ms = FORWARDER_IDLE_MS;
		if (more < 0)
			wait_ms = fw->policy.base_ms; /* database trouble */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += wait_ms / 1000;
		ts.tv_nsec += (wait_ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&fw->mu);
		while (!fw->stop && !fw->wake && wait_ms > 0) {
			if (pthread_cond_timedwait(&fw->cv, &fw->mu, &ts) ==
			    ETIMEDOUT)
				break;
		}
	}
	pthread_mutex_unlock(&fw->mu);
	return NULL;
}

int
forwarder_start(struct forwarder *fw)
{
	if (pthread_create(&fw->thread, NULL, run, fw) != 0) {
		log_err("cannot start the forwarder thread");
		return -1;
	}
	fw->started = 1;
	return 0;
}

void
forwarder_wake(struct forwarder *fw)
{
	pthread_mutex_lock(&fw->mu);
	fw->wake = 1;
	pthread_cond_signal(&fw->cv);
	pthread_mutex_unlock(&fw->mu);
}

void
forwarder_free(struct forwarder *fw)
{
	if (fw == NULL)
		return;
	if (fw->started) {
		pthread_mutex_lock(&fw->mu);
		fw->stop = 1;
		pthread_cond_signal(&fw->cv);
		pthread_mutex_unlock(&fw->mu);
		pthread_join(fw->thread, NULL);
	}
	client_free(fw->client);
	db_close(fw->db);
	free(fw->body);
	free(fw->bresp);
	pthread_cond_destroy(&fw->cv);
	pthread_mutex_destroy(&fw->mu);
	free(fw);
}
