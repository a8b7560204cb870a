#include <stdio.h>
#include <string.h>

#include "crypto/hbeat.h"
#include "hub/hubd_heartbeat.h"
#include "store/devstate.h"
#include "store/inbox.h"
#include "util/log.h"

#define ANSWER_MAX 96

int
hubd_heartbeat(
    struct hubd *hd, const struct http_req *req, struct http_resp *resp)
{
	struct inbox_device dev;
	struct devstate s;
	uint8_t claimed[ENVELOPE_ID_LEN];
	const char *ct = http_header(req, "content-type");
	uint64_t sent_at;
	char json[ANSWER_MAX];
	int rc, n;

	if (req->method != HTTP_POST) {
		http_resp_header(resp, "Allow", "POST");
		return http_error_json(resp, 405, "method_not_allowed");
	}
	if (ct == NULL || strcmp(ct, "application/octet-stream") != 0)
		return http_error_json(resp, 415, "unsupported_media_type");
	if (req->body_len > HBEAT_MAX)
		return http_error_json(resp, 413, "too_large");
	if (hbeat_claimed_device(claimed, req->body, req->body_len) != 0)
		return http_error_json(resp, 400, "malformed_heartbeat");
	if ((rc = hubd_device(hd, claimed, "heartbeat", &dev, resp)) != 0)
		return rc > 0 ? 0 : -1;
	memset(&s, 0, sizeof(s));
	if (hbeat_verify(
		req->body, req->body_len, dev.sign_pk, &sent_at, &s.f) != 0) {
		log_warn("heartbeat with a bad signature or figures claiming "
			 "device %s",
		    dev.name);
		return http_error_json(resp, 403, "bad_signature");
	}
	s.sent_at = (int64_t)sent_at;
	s.seen_at = db_now_ms();
	pthread_mutex_lock(&hd->lock);
	rc = devstate_record(hd->db, dev.device_id, &s);
	pthread_mutex_unlock(&hd->lock);
	if (rc < 0)
		return http_error_json(resp, 503, "store_unavailable");
	if (rc == DEVSTATE_STALE) {
		log_warn("heartbeat from %s no newer than the last: refused",
		    dev.name);
		return http_error_json(resp, 409, "stale_heartbeat");
	}
	n = snprintf(json, sizeof(json), "{\"status\":\"ok\",\"now\":%lld}",
	    (long long)s.seen_at);
	if (n < 0 || (size_t)n >= sizeof(json))
		return -1;
	return http_resp_body(resp, 200, "application/json", json, (size_t)n);
}
