/*
 * hubd's staff endpoints: a staff machine, holding a staff credential,
 * pulls sealed envelopes and acknowledges them. hubd cannot open what it
 * hands over; it keeps each envelope's bytes for keep_days after it was
 * acknowledged, then deletes them.
 *
 *   POST /v1/staff/pull  {"at":MS, "max":N}   -> {"envelopes":[...],
 *                                               "devices":[...],
 *                                               "more":BOOL}
 *   POST /v1/staff/ack   {"at":MS, "ids":[HEX,...]} -> {"acked":N}
 *
 * Bodies are signed (hub/staffauth.h); a revoked, unknown or forged
 * credential, or a replayed request, gets 403 and nothing else.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "hub/hubd.h"
#include "hub/staffauth.h"
#include "store/handover.h"
#include "store/inbox.h"
#include "store/staff.h"
#include "util/jsonmem.h"
#include "util/log.h"

#define PATH_PULL "/v1/staff/pull"
#define PATH_ACK "/v1/staff/ack"
#define PAGE_MAX 256
#define MS_PER_DAY (86400LL * 1000)
/* Room kept for the JSON around the envelopes and the device list. */
#define PAGE_SLACK (32 * 1024)

struct page {
	json_t *envs;
	size_t bytes, max;
	uint8_t (*devs)[ENVELOPE_ID_LEN];
	size_t ndevs;
};

static json_t *
b64(const uint8_t *p, size_t len)
{
	size_t cap =
	    sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	char *s = malloc(cap);
	json_t *v;

	if (s == NULL)
		return NULL;
	sodium_bin2base64(s, cap, p, len, sodium_base64_VARIANT_ORIGINAL);
	v = json_string(s);
	free(s);
	return v;
}

static json_t *
hex(const uint8_t id[ENVELOPE_ID_LEN])
{
	char h[2 * ENVELOPE_ID_LEN + 1];

	envelope_id_hex(h, id);
	return json_string(h);
}

static int
add_env(void *arg, const struct handover_env *e)
{
	struct page *pg = arg;
	size_t cost =
	    sodium_base64_ENCODED_LEN(e->len, sodium_base64_VARIANT_ORIGINAL) +
	    256;
	json_t *o;
	size_t i;

	if (json_array_size(pg->envs) >= pg->max ||
	    (json_array_size(pg->envs) > 0 &&
		pg->bytes + cost > HUBD_MAX_RESP - PAGE_SLACK))
		return 1;
	o = json_pack("{s:o, s:o, s:I, s:o, s:o}", "id", hex(e->envelope_id),
	    "device", hex(e->device_id), "received_at",
	    (json_int_t)e->received_at, "envelope", b64(e->envelope, e->len),
	    "receipt", b64(e->receipt, SIG_RECEIPT_LEN));
	if (o == NULL || json_array_append_new(pg->envs, o) != 0)
		return -1;
	pg->bytes += cost;
	for (i = 0; i < pg->ndevs; i++)
		if (memcmp(pg->devs[i], e->device_id, ENVELOPE_ID_LEN) == 0)
			return 0;
	memcpy(pg->devs[pg->ndevs++], e->device_id, ENVELOPE_ID_LEN);
	return 0;
}

static json_t *
devices_json(struct hubd *hd, const struct page *pg)
{
	json_t *arr = json_array();
	struct inbox_device d;

	for (size_t i = 0; arr != NULL && i < pg->ndevs; i++) {
		json_t *o;

		if (inbox_device_get(hd->db, pg->devs[i], &d) != 0)
			goto fail;
		o = json_pack("{s:o, s:s, s:o, s:I, s:I}", "id",
		    hex(d.device_id), "name", d.name, "sign_pk",
		    b64(d.sign_pk, sizeof(d.sign_pk)), "enrolled_at",
		    (json_int_t)d.enrolled_at, "revoked_at",
		    (json_int_t)d.revoked_at);
		if (o == NULL || json_array_append_new(arr, o) != 0)
			goto fail;
	}
	return arr;
fail:
	log_err("pull: cannot list the devices of a page");
	json_decref(arr);
	return NULL;
}

static int
answer(struct http_resp *resp, json_t *o)
{
	char *text = json_dumps(o, JSON_COMPACT);
	int rc;

	json_decref(o);
	if (text == NULL)
		return -1;
	rc = http_resp_body(resp, 200, "application/json", text, strlen(text));
	jsonmem_free(text);
	return rc;
}

static int
expire(struct hubd *hd, int64_t now)
{
	int64_t n = 0;

	if (handover_expire(hd->db, now - hd->keep_days * MS_PER_DAY, &n) != 0)
		return -1;
	if (n > 0)
		log_info("deleted %lld envelope(s) handed over more than %d "
			 "day(s) ago",
		    (long long)n, hd->keep_days);
	return 0;
}

/* Called with the lock held. */
static int
do_pull(struct hubd *hd, const struct staff_member *m, json_t *req,
    struct http_resp *resp, int64_t now)
{
	struct page pg;
	json_t *max = json_object_get(req, "max"), *devs = NULL;
	int more = 0;

	memset(&pg, 0, sizeof(pg));
	pg.max = PAGE_MAX;
	if (json_is_integer(max) && json_integer_value(max) > 0 &&
	    json_integer_value(max) < PAGE_MAX)
		pg.max = (size_t)json_integer_value(max);
	pg.envs = json_array();
	pg.devs = malloc(PAGE_MAX * sizeof(*pg.devs));
	if (pg.envs == NULL || pg.devs == NULL)
		goto fail;
	if (expire(hd, now) != 0 ||
	    handover_each_pending(hd->db, add_env, &pg, &more) != 0)
		goto fail;
	devs = devices_json(hd, &pg);
	if (devs == NULL || staff_log_add(hd->db, now, m->name, "pull",
				(int64_t)json_array_size(pg.envs)) != 0)
		goto fail;
	log_info("staff %s pulled %zu envelope(s)%s", m->name,
	    json_array_size(pg.envs), more ? ", more waiting" : "");
	free(pg.devs);
	return answer(resp, json_pack("{s:o, s:o, s:b}", "envelopes", pg.envs,
				"devices", devs, "more", more));
fail:
	free(pg.devs);
	json_decref(pg.envs);
	json_decref(devs);
	return http_error_json(resp, 503, "store_unavailable");
}

static int
do_ack(struct hubd *hd, const struct staff_member *m, json_t *req,
    struct http_resp *resp, int64_t now)
{
	json_t *ids = json_object_get(req, "ids"), *v;
	uint8_t(*bin)[ENVELOPE_ID_LEN] = NULL;
	int64_t n = 0;
	size_t i, n_ids = json_array_size(ids);
	int rc;

	if (!json_is_array(ids) || n_ids == 0 || n_ids > PAGE_MAX)
		return http_error_json(resp, 400, "bad_request");
	bin = malloc(n_ids * sizeof(*bin));
	if (bin == NULL)
		return -1;
	json_array_foreach(ids, i, v)
	{
		size_t got = 0;

		if (!json_is_string(v) ||
		    sodium_hex2bin(bin[i], ENVELOPE_ID_LEN,
			json_string_value(v), json_string_length(v), NULL, &got,
			NULL) != 0 ||
		    got != ENVELOPE_ID_LEN) {
			free(bin);
			return http_error_json(resp, 400, "bad_request");
		}
	}
	if (handover_ack(hd->db, (const uint8_t(*)[ENVELOPE_ID_LEN])bin, n_ids,
		now, &n) != 0 ||
	    staff_log_add(hd->db, now, m->name, "ack", n) != 0 ||
	    expire(hd, now) != 0) {
		free(bin);
		return http_error_json(resp, 503, "store_unavailable");
	}
	free(bin);
	log_info(
	    "staff %s acknowledged %lld envelope(s)", m->name, (long long)n);
	rc = answer(resp, json_pack("{s:I}", "acked", (json_int_t)n));
	return rc;
}

int
hubd_staff_request(
    struct hubd *hd, const struct http_req *req, struct http_resp *resp)
{
	struct staff_member m;
	uint8_t id[STAFF_ID_LEN];
	const uint8_t *jtext = NULL;
	const char *ct = http_header(req, "content-type");
	int pull = strcmp(req->path, PATH_PULL) == 0;
	size_t jlen = 0;
	json_t *j = NULL;
	json_t *at;
	int64_t now;
	int found, rc = -1;

	if (req->method != HTTP_POST) {
		http_resp_header(resp, "Allow", "POST");
		return http_error_json(resp, 405, "method_not_allowed");
	}
	if (ct == NULL || strcmp(ct, "application/octet-stream") != 0)
		return http_error_json(resp, 415, "unsupported_media_type");
	if (staffauth_claimed(id, req->body, req->body_len) != 0)
		return http_error_json(resp, 400, "malformed_request");
	pthread_mutex_lock(&hd->lock);
	found = staff_get(hd->db, id, &m);
	pthread_mutex_unlock(&hd->lock);
	if (found < 0)
		return http_error_json(resp, 503, "store_unavailable");
	if (found == 1) {
		log_warn("staff request with an unknown credential");
		return http_error_json(resp, 403, "unknown_staff");
	}
	if (m.revoked_at != 0) {
		log_warn("staff request with revoked credential %s", m.name);
		return http_error_json(resp, 403, "revoked_staff");
	}
	if (staffauth_verify(req->body, req->body_len, req->path, m.sign_pk,
		&jtext, &jlen) != 0) {
		log_warn(
		    "staff request with a bad signature claiming %s", m.name);
		return http_error_json(resp, 403, "bad_signature");
	}
	/* Signed by an enrolled credential: now the JSON may be parsed. */
	j = json_loadb((const char *)jtext, jlen, JSON_REJECT_DUPLICATES, NULL);
	at = json_object_get(j, "at");
	if (!json_is_object(j) || !json_is_integer(at)) {
		json_decref(j);
		return http_error_json(resp, 400, "bad_request");
	}
	now = db_now_ms();
	pthread_mutex_lock(&hd->lock);
	found = staff_accept_request(hd->db, id, json_integer_value(at), now);
	if (found == 0)
		rc = pull ? do_pull(hd, &m, j, resp, now)
			  : do_ack(hd, &m, j, resp, now);
	pthread_mutex_unlock(&hd->lock);
	json_decref(j);
	if (found < 0)
		return http_error_json(resp, 503, "store_unavailable");
	if (found == 1) {
		log_warn("stale or replayed staff request from %s", m.name);
		return http_error_json(resp, 403, "stale_request");
	}
	return rc;
}
