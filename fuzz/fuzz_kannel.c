/*
 * libFuzzer target for sms/kannel: Kannel's sms-service request (GET or
 * POST), in the text form of fuzz/fuzz_sms.h, from a peer checked against
 * an allow list the input may give (":allow:" lines, each also checked
 * with kannel_allow_entry_ok as the configuration loader does). Unless
 * the query already names a token, the harness puts the configured one
 * first in the query, so the fields behind the token check are reached.
 * Also fuzzed: kannel_parse_time on the X-Kannel-Time header.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "fuzz/fuzz_sms.h"
#include "net/http.h"
#include "sms/kannel.h"
#include "util/log.h"

#define TOKEN "fuzz-kannel-token"

static struct fuzz_sms_req req;
static struct sms_inbound in;
static char query[HTTP_MAX_FORM + 64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const loopback[] = {"127.0.0.1", "::1"};
	static int ready;
	struct sms_provider_cfg cfg = {
	    NULL, TOKEN, strlen(TOKEN), loopback, 2, 0};
	const char *allow[SMS_MAX_ALLOW];
	const char *when;
	size_t nallow = 0;
	int64_t t;
	int rc, allowed;

	if (!ready) {
		CHECK(sodium_init() >= 0);
		log_quiet(1);
		ready = 1;
	}
	if (fuzz_sms_split(&req, data, size) != 0)
		return 0;
	for (size_t i = 0; i < req.nallow; i++)
		if (kannel_allow_entry_ok(req.allow[i]))
			allow[nallow++] = req.allow[i];
	if (req.nallow > 0) {
		cfg.allow = allow;
		cfg.nallow = nallow;
	}
	if (req.query == NULL || strstr(req.query, "token=") == NULL) {
		int n = snprintf(query, sizeof(query), "token=%s%s%s", TOKEN,
		    req.query != NULL ? "&" : "",
		    req.query != NULL ? req.query : "");
		if (n > 0 && (size_t)n < sizeof(query))
			req.http.query = query;
	}
	when = fuzz_sms_header(&req, "X-Kannel-Time");
	if (when != NULL && kannel_parse_time(when, &t) == 0)
		CHECK(t >= 0);
	allowed = cfg.nallow > 0 &&
		  kannel_peer_allowed(cfg.allow, cfg.nallow, req.peer);
	rc = kannel_provider.verify_and_parse(&cfg, &req.http, &in);
	fuzz_sms_status(rc, &in);
	if (!allowed)
		CHECK(rc != 0);
	if (rc == 0)
		fuzz_sms_accepted(&kannel_provider, &in);
	sms_inbound_wipe(&in);
	return 0;
}
