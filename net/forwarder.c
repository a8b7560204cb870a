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
receipt_ok(const struct forwarder *fw, const uint8_t id[ENVELOPE_ID_LEN],
    const uint8_t *resp, size_t len)
{
	char want[2 * ENVELOPE_ID_LEN + 1];
	uint8_t sig[SIG_RECEIPT_LEN];
	json_t *o, *jid, *jat, *jrc;
	size_t siglen = 0;
	int ok = 0;

	o = json_loadb((const char *)resp, len, JSON_REJECT_DUPLICATES, NULL);
	jid = json_object_get(o, "envelope_id");
	jat = json_object_get(o, "received_at");
	jrc = json_object_get(o, "receipt");
	envelope_id_hex(want, id);
	if (!json_is_string(jid) || !json_is_integer(jat) ||
	    !json_is_string(jrc) || json_integer_value(jat) < 0 ||
	    strcmp(json_string_value(jid), want) != 0)
		goto out;
	if (sodium_base642bin(sig, sizeof(sig), json_string_value(jrc),
		json_string_length(jrc), NULL, &siglen, NULL,
		sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    siglen != sizeof(sig))
		goto out;
	if (sig_receipt_verify(sig, id, (uint64_t)json_integer_value(jat),
		fw->bundle->hub_sign_pk) != 0)
		goto out;
	ok = 1;
out:
	json_decref(o);
	return ok;
}

/* Error code from a hub's {"error":"..."} body, for the dead-letter note. */
static void
hub_error(const uint8_t *resp, size_t len, long status, char *out, size_t cap)
{
	json_t *o = json_loadb((const char *)resp, len, 0, NULL);
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
	json_decref(o);
}

int
forwarder_run_once(struct forwarder *fw, struct forwarder_stats *st)
{
	struct outbox_item items[FORWARDER_BATCH];
	uint8_t resp[FORWARDER_RESP_MAX];
	char reason[REASON_MAX], idhex[2 * ENVELOPE_ID_LEN + 1];
	size_t n = 0, i, rlen;
	int rc = 0, unreachable = 0;
	long status;

	if (outbox_take_due(fw->db, db_now_ms(), items, FORWARDER_BATCH, &n) !=
	    0)
		return -1;
	for (i = 0; i < n; i++) {
		struct outbox_item *it = &items[i];

		envelope_id_hex(idhex, it->id);
		/* Once the hub is unreachable, the rest of the batch waits
		 * its turn without a connection attempt each. */
		if (unreachable ||
		    client_post(fw->client, "/v1/envelopes", it->envelope,
			it->len, "application/octet-stream", &status, resp,
			sizeof(resp), &rlen) != 0) {
			unreachable = 1;
			if (outbox_fail(fw->db, it->id, db_now_ms(),
				&fw->policy, "hub unreachable", NULL) != 0)
				rc = -1;
			st->retried++;
			continue;
		}
		if (status == 200 || status == 201) {
			if (!receipt_ok(fw, it->id, resp, rlen)) {
				log_err("envelope %s: hub receipt did not "
					"verify; kept",
				    idhex);
				if (outbox_fail(fw->db, it->id, db_now_ms(),
					&fw->policy, "bad receipt", NULL) != 0)
					rc = -1;
				st->retried++;
				continue;
			}
			if (outbox_delete(fw->db, it->id) != 0) {
				rc = -1;
				continue;
			}
			log_info("envelope %s delivered", idhex);
			st->delivered++;
		} else if (status >= 400 && status < 500 && status != 409 &&
			   status != 408 && status != 429) {
			hub_error(resp, rlen, status, reason, sizeof(reason));
			log_err("envelope %s REFUSED by the hub (%s); moved to "
				"the dead-letter table for an operator",
			    idhex, reason);
			if (outbox_dead_letter(
				fw->db, it->id, db_now_ms(), reason) != 0)
				rc = -1;
			st->dead++;
		} else {
			hub_error(resp, rlen, status, reason, sizeof(reason));
			log_warn("envelope %s: %s; will retry", idhex, reason);
			if (outbox_fail(fw->db, it->id, db_now_ms(),
				&fw->policy, reason, NULL) != 0)
				rc = -1;
			st->retried++;
		}
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
	pthread_cond_destroy(&fw->cv);
	pthread_mutex_destroy(&fw->mu);
	free(fw);
}
