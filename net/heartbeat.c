#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "crypto/hbeat.h"
#include "net/client.h"
#include "net/heartbeat.h"
#include "receipt/prprobe.h"
#include "store/outbox.h"
#include "store/schema.h"
#include "util/conf.h"
#include "util/log.h"
#include "util/version.h"

#define TICK_MS 1000
#define FIRST_AFTER_MS 1000
/* Short: stopping the daemon waits for a heartbeat under way. */
#define CONNECT_TIMEOUT_MS 3000
#define TOTAL_TIMEOUT_MS 5000
#define ANSWER_MAX 512

_Static_assert(sizeof(RJ_VERSION) <= HBEAT_WORD_MAX, "version fits");

struct heartbeat {
	const struct bundle *bundle;
	char role[HBEAT_WORD_MAX];
	int interval_s;
	const char *printer;
	struct db *db;
	struct client *client;
	struct periodic timer;
	int64_t next_ms; /* monotonic */
	int64_t last_sent_ms; /* wall clock: each one newer than the last */
};

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct heartbeat *
heartbeat_new(const struct heartbeat_config *cfg)
{
	struct heartbeat *hb = calloc(1, sizeof(*hb));

	if (hb == NULL) {
		log_err("out of memory");
		return NULL;
	}
	hb->bundle = cfg->bundle;
	if (conf_str(hb->role, sizeof(hb->role), cfg->role) != 0) {
		log_err("heartbeat: role too long");
		goto fail;
	}
	hb->interval_s = cfg->interval_s;
	hb->printer = cfg->printer;
	/* No database yet (a check before the first start): nothing
	 * queued, and nothing is created. */
	if (cfg->db_path != NULL && (hb->db = db_open(cfg->db_path, cfg->db_key,
					 &schema_device)) == NULL)
		goto fail;
	hb->client = client_new_pem(cfg->bundle->hub_url, cfg->bundle->hub_cert,
	    cfg->bundle->hub_pin, CONNECT_TIMEOUT_MS, TOTAL_TIMEOUT_MS);
	if (hb->client == NULL)
		goto fail;
	return hb;
fail:
	heartbeat_free(hb);
	return NULL;
}

static void
read_answer(struct heartbeat_answer *ans, const uint8_t *body, size_t len)
{
	json_t *o = json_loadb((const char *)body, len, 0, NULL);
	json_t *now = json_object_get(o, "now");
	json_t *err = json_object_get(o, "error");

	if (json_is_integer(now))
		ans->hub_now_ms = (int64_t)json_integer_value(now);
	if (json_is_string(err))
		snprintf(ans->error, sizeof(ans->error), "%s",
		    json_string_value(err));
	json_decref(o);
}

int
heartbeat_send(struct heartbeat *hb, struct heartbeat_answer *ans)
{
	struct hbeat_figures f;
	uint8_t msg[HBEAT_MAX], resp[ANSWER_MAX];
	size_t len, rlen = 0;
	int64_t now;

	memset(ans, 0, sizeof(*ans));
	memset(&f, 0, sizeof(f));
	memcpy(f.role, hb->role, sizeof(f.role));
	memcpy(f.version, RJ_VERSION, sizeof(RJ_VERSION));
	f.interval_s = hb->interval_s;
	if (hb->printer != NULL &&
	    conf_str(f.printer, sizeof(f.printer), prprobe(hb->printer)) != 0)
		return -1;
	if (hb->db != NULL && outbox_count(hb->db, &f.outbox, &f.dead) != 0)
		return -1;
	/* The hub refuses one no newer than the last, so a clock stepped
	 * back a little does not silence the device. */
	now = db_now_ms();
	if (now <= hb->last_sent_ms)
		now = hb->last_sent_ms + 1;
	if (hbeat_build(msg, sizeof(msg), &len, hb->bundle->device_id,
		(uint64_t)now, &f, hb->bundle->sign_sk) != 0)
		return -1;
	ans->sent_at_ms = now;
	if (client_post(hb->client, "/v1/heartbeat", msg, len,
		"application/octet-stream", &ans->status, resp,
		sizeof(resp) - 1, &rlen) != 0) {
		ans->status = 0;
		log_warn("heartbeat: the hub could not be reached");
		return -1;
	}
	hb->last_sent_ms = now;
	read_answer(ans, resp, rlen);
	if (ans->status != 200) {
		log_warn("heartbeat: the hub answered %ld %s", ans->status,
		    ans->error);
		return -1;
	}
	return 0;
}

static void
tick(void *arg)
{
	struct heartbeat *hb = arg;
	struct heartbeat_answer ans;

	if (mono_ms() < hb->next_ms)
		return;
	/* Failures are logged; the next one is tried on time regardless. */
	(void)heartbeat_send(hb, &ans);
	hb->next_ms = mono_ms() + (int64_t)hb->interval_s * 1000;
}

int
heartbeat_start(struct heartbeat *hb)
{
	hb->next_ms = mono_ms() + FIRST_AFTER_MS - TICK_MS;
	return periodic_start(&hb->timer, TICK_MS, tick, hb);
}

void
heartbeat_free(struct heartbeat *hb)
{
	if (hb == NULL)
		return;
	periodic_stop(&hb->timer);
	client_free(hb->client);
	db_close(hb->db);
	free(hb);
}
