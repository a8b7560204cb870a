/*
 * libFuzzer target for sms/twilio: Twilio's webhook, request in the text
 * form of fuzz/fuzz_sms.h. Unless the input carries its own
 * X-Twilio-Signature, the harness signs the form body with the configured
 * auth token and URL as Twilio would, so the fields behind the signature
 * are parsed. An accepted message keeps the provider's promises
 * (fuzz_sms_accepted); an input signed by the harness is never refused
 * with 403.
 */
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "fuzz/fuzz_sms.h"
#include "net/http.h"
#include "sms/twilio.h"
#include "util/log.h"

#define TOKEN "12345"
#define URL "https://mycompany.com/myapp.php?foo=1&bar=2"

static struct fuzz_sms_req req;
static struct http_form form;
static struct sms_inbound in;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct sms_provider_cfg cfg = {URL, TOKEN, strlen(TOKEN), NULL, 0, 0};
	char sig[TWILIO_SIG_LEN + 1];
	int rc, signed_here = 0;

	if (!ready) {
		CHECK(sodium_init() >= 0);
		log_quiet(1);
		ready = 1;
	}
	if (fuzz_sms_split(&req, data, size) != 0)
		return 0;
	if (req.bodylen <= HTTP_MAX_FORM &&
	    http_form_parse(&form, (const char *)req.body, req.bodylen) == 0 &&
	    twilio_signature(
		TOKEN, strlen(TOKEN), URL, form.pairs, form.npairs, sig) == 0)
		signed_here =
		    fuzz_sms_add(&req, "X-Twilio-Signature", sig) == 0;
	rc = twilio_provider.verify_and_parse(&cfg, &req.http, &in);
	fuzz_sms_status(rc, &in);
	if (signed_here && strcmp(req.method, "POST") == 0 &&
	    fuzz_sms_header(&req, "Content-Type") != NULL &&
	    sms_media_type_is(fuzz_sms_header(&req, "Content-Type"),
		"application/x-www-form-urlencoded"))
		CHECK(rc != SMS_EFORBIDDEN);
	if (rc == 0) {
		CHECK(in.timestamp == FUZZ_SMS_NOW);
		fuzz_sms_accepted(&twilio_provider, &in);
	}
	sms_inbound_wipe(&in);
	return 0;
}
