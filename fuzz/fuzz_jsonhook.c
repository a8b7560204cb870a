/*
 * libFuzzer target for sms/jsonhook: the generic JSON webhook, request in
 * the text form of fuzz/fuzz_sms.h. Unless the input carries them, the
 * harness adds X-Timestamp (the fixed arrival time) and the valid
 * X-Signature over it and the body, so the JSON parser behind the
 * signature is reached. An accepted message keeps the provider's
 * promises; its time is the signed one and within the allowed skew.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "fuzz/fuzz_sms.h"
#include "sms/jsonhook.h"
#include "util/log.h"

#define SECRET "fuzz-jsonhook-secret"

static struct fuzz_sms_req req;
static struct sms_inbound in;
/* A second extra header: the timestamp (fuzz_sms_add keeps one). */
static char ts_value[32];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct sms_provider_cfg cfg = {
	    NULL, SECRET, strlen(SECRET), NULL, 0, 0};
	char sig[JSONHOOK_SIG_HEX + 1];
	const char *ts;
	int rc, signed_here = 0;

	if (!ready) {
		CHECK(sodium_init() >= 0);
		log_quiet(1);
		ready = 1;
	}
	if (fuzz_sms_split(&req, data, size) != 0)
		return 0;
	/* Odd body lengths get a skew limit of their own configured. */
	if (req.bodylen % 2 == 1)
		cfg.max_skew = (int64_t)(req.bodylen % 600);
	ts = fuzz_sms_header(&req, "X-Timestamp");
	if (fuzz_sms_count(&req, "X-Timestamp") == 0 &&
	    req.n < FUZZ_SMS_FIELDS - 1) {
		CHECK(snprintf(ts_value, sizeof(ts_value), "%d", FUZZ_SMS_NOW) <
		      (int)sizeof(ts_value));
		req.name[req.n] = "X-Timestamp";
		req.value[req.n] = ts_value;
		req.n++;
		ts = ts_value;
	}
	if (ts != NULL && jsonhook_signature(SECRET, strlen(SECRET), ts,
			      req.body, req.bodylen, sig) == 0)
		signed_here = fuzz_sms_add(&req, "X-Signature", sig) == 0;
	rc = jsonhook_provider.verify_and_parse(&cfg, &req.http, &in);
	fuzz_sms_status(rc, &in);
	if (signed_here && ts == ts_value && req.bodylen <= SMS_MAX_BODY &&
	    strcmp(req.method, "POST") == 0 &&
	    sms_media_type_is(
		fuzz_sms_header(&req, "Content-Type"), "application/json"))
		CHECK(rc != SMS_EFORBIDDEN);
	if (rc == 0) {
		int64_t skew = cfg.max_skew > 0 ? cfg.max_skew : SMS_MAX_SKEW;

		CHECK(in.timestamp >= FUZZ_SMS_NOW - skew &&
		      in.timestamp <= FUZZ_SMS_NOW + skew);
		fuzz_sms_accepted(&jsonhook_provider, &in);
	}
	sms_inbound_wipe(&in);
	return 0;
}
