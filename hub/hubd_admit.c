/*
 * hubd's admission of a verified envelope (rules in hub/admit.c): what
 * is refused for good gets a 4xx the forwarder dead-letters; what is
 * over a quota gets 429 and Retry-After, which it retries.
 */
#include <stdio.h>

#include <sodium.h>

#include "hub/admit.h"
#include "hub/hubd.h"
#include "store/inbox.h"
#include "store/usage.h"
#include "util/log.h"

static int
refuse(struct http_resp *resp, enum admit_verdict v, int retry_s)
{
	char ra[16];
	int n;

	if (admit_status(v) == 429) {
		n = snprintf(ra, sizeof(ra), "%d", retry_s);
		if (n < 0 || (size_t)n >= sizeof(ra) ||
		    http_resp_header(resp, "Retry-After", ra) != 0)
			return -1;
	}
	return http_error_json(resp, admit_status(v), admit_code(v));
}

/* The quotas, for an envelope not stored yet; the caller holds hd->lock. */
static enum admit_verdict
quota(struct hubd *hd, const uint8_t id[ENVELOPE_ID_LEN], size_t len,
    int64_t now, int *retry_s)
{
	int64_t bytes = 0;
	enum admit_verdict v;

	if ((v = admit_take(hd->admit, id, now, retry_s)) != ADMIT_OK)
		return v;
	if (!admit_bytes_known(hd->admit, id, now, &bytes)) {
		if (usage_device_bytes(hd->db, id, &bytes) != 0)
			return ADMIT_OK; /* the store will say if it is ill */
		admit_bytes_set(hd->admit, id, now, bytes);
	}
	return admit_bytes_check(&hd->admit_conf, bytes, len, retry_s);
}

int
hubd_admit_verdict(struct hubd *hd, const struct inbox_device *dev,
    const struct envelope_hdr *hdr, const uint8_t *env, size_t len, int64_t now,
    int *retry_s)
{
	uint8_t digest[INBOX_DIGEST_LEN];
	enum admit_verdict v;
	int found;

	*retry_s = 0;
	v = admit_seal(hdr, env, len);
	if (v == ADMIT_OK)
		v = admit_time(&hd->admit_conf, hdr->created_at, now);
	if (v != ADMIT_OK) {
		log_warn("envelope from device %s refused: %s", dev->name,
		    admit_code(v));
		return (int)v;
	}
	/* A retry of a stored envelope gets its receipt again, whatever
	 * the quotas say: the device may have missed the first. */
	crypto_hash_sha256(digest, env, len);
	pthread_mutex_lock(&hd->lock);
	found = inbox_find(hd->db, hdr->envelope_id, digest, NULL, NULL);
	v = found == INBOX_NEW ? quota(hd, hdr->device_id, len, now, retry_s)
			       : ADMIT_OK;
	pthread_mutex_unlock(&hd->lock);
	if (v != ADMIT_OK)
		log_warn("envelope from device %s held back: %s (retry in "
			 "%d s)",
		    dev->name, admit_code(v), *retry_s);
	return (int)v;
}

int
hubd_admit(struct hubd *hd, const struct inbox_device *dev,
    const struct envelope_hdr *hdr, const uint8_t *env, size_t len, int64_t now,
    struct http_resp *resp)
{
	int retry_s, v;

	v = hubd_admit_verdict(hd, dev, hdr, env, len, now, &retry_s);
	if (v == ADMIT_OK)
		return 0;
	return refuse(resp, (enum admit_verdict)v, retry_s) == 0 ? 1 : -1;
}

void
hubd_admit_stored(
    struct hubd *hd, const uint8_t id[ENVELOPE_ID_LEN], size_t len)
{
	pthread_mutex_lock(&hd->lock);
	admit_bytes_add(hd->admit, id, len);
	pthread_mutex_unlock(&hd->lock);
}

int
hubd_device(struct hubd *hd, const uint8_t claimed[ENVELOPE_ID_LEN],
    const char *what, struct inbox_device *dev, struct http_resp *resp)
{
	int found;

	pthread_mutex_lock(&hd->lock);
	found = inbox_device_get(hd->db, claimed, dev);
	pthread_mutex_unlock(&hd->lock);
	if (found < 0)
		return http_error_json(resp, 503, "store_unavailable") == 0
			   ? 1
			   : -1;
	if (found == 1) {
		log_warn("%s from a device that is not enrolled", what);
		return http_error_json(resp, 403, "unknown_device") == 0 ? 1
									 : -1;
	}
	if (dev->revoked_at != 0) {
		log_warn("%s from revoked device %s", what, dev->name);
		return http_error_json(resp, 403, "revoked_device") == 0 ? 1
									 : -1;
	}
	return 0;
}
