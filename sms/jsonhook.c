#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <mbedtls/md.h>
#include <sodium.h>

#include "sms/jsonhook.h"
#include "sms/provider.h"
#include "util/log.h"

#define JSONHOOK_MAC_LEN 32

static int
hmac_sha256(const char *secret, size_t secretlen, const char *timestamp,
    const uint8_t *body, size_t bodylen, uint8_t mac[JSONHOOK_MAC_LEN])
{
	const mbedtls_md_info_t *md;
	mbedtls_md_context_t ctx;
	int rc = -1;

	mbedtls_md_init(&ctx);
	md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
	if (md == NULL || mbedtls_md_setup(&ctx, md, 1) != 0 ||
	    mbedtls_md_hmac_starts(
		&ctx, (const unsigned char *)secret, secretlen) != 0 ||
	    mbedtls_md_hmac_update(&ctx, (const unsigned char *)timestamp,
		strlen(timestamp)) != 0 ||
	    mbedtls_md_hmac_update(&ctx, body, bodylen) != 0 ||
	    mbedtls_md_hmac_finish(&ctx, mac) != 0) {
		log_err("jsonhook: HMAC-SHA256 failed");
		goto out;
	}
	rc = 0;
out:
	mbedtls_md_free(&ctx);
	return rc;
}

int
jsonhook_signature(const char *secret, size_t secretlen, const char *timestamp,
    const uint8_t *body, size_t bodylen, char out[JSONHOOK_SIG_HEX + 1])
{
	uint8_t mac[JSONHOOK_MAC_LEN];

	out[0] = '\0';
	if (hmac_sha256(secret, secretlen, timestamp, body, bodylen, mac) != 0)
		return -1;
	sodium_bin2hex(out, JSONHOOK_SIG_HEX + 1, mac, sizeof(mac));
	sodium_memzero(mac, sizeof(mac));
	return 0;
}

static const char *
header(const struct sms_http *req, const char *name)
{
	return req->header != NULL ? req->header(req->hctx, name) : NULL;
}

static int
parse_ts(const char *s, int64_t *t)
{
	size_t n = strlen(s);

	if (n == 0 || n > JSONHOOK_TS_MAX)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	*t = strtoll(s, NULL, 10);
	return 0;
}

static const char *
str_field(json_t *o, const char *name, size_t *len)
{
	json_t *v = json_object_get(o, name);

	if (!json_is_string(v))
		return NULL;
	*len = json_string_length(v);
	return json_string_value(v);
}

static int
verify_and_parse(const struct sms_provider_cfg *cfg, const struct sms_http *req,
    struct sms_inbound *in)
{
	uint8_t want[JSONHOOK_MAC_LEN], got[JSONHOOK_MAC_LEN];
	const char *ts, *sig, *from, *to, *text, *id;
	size_t binlen, flen = 0, tlen = 0, xlen = 0, ilen = 0;
	int64_t t, now, skew;
	json_error_t jerr;
	json_t *j = NULL, *jts;
	int rc = SMS_EINTERNAL, r;

	sms_inbound_wipe(in);
	if (cfg->secret == NULL || cfg->secretlen == 0) {
		log_err("jsonhook: secret not configured");
		return SMS_EINTERNAL;
	}
	if (req->method == NULL || strcmp(req->method, "POST") != 0) {
		log_warn("jsonhook: refused: method is not POST");
		return SMS_EMETHOD;
	}
	if (req->bodylen > SMS_MAX_BODY) {
		log_warn("jsonhook: refused: body of %zu bytes", req->bodylen);
		return SMS_ETOOBIG;
	}
	if (!sms_media_type_is(
		header(req, "Content-Type"), "application/json")) {
		log_warn("jsonhook: refused: not a JSON body");
		return SMS_EMEDIA;
	}
	ts = header(req, "X-Timestamp");
	sig = header(req, "X-Signature");
	if (ts == NULL || sig == NULL || parse_ts(ts, &t) != 0) {
		log_warn("jsonhook: refused: signature or timestamp missing "
			 "or malformed");
		return SMS_EFORBIDDEN;
	}
	if (strlen(sig) != JSONHOOK_SIG_HEX ||
	    sodium_hex2bin(got, sizeof(got), sig, JSONHOOK_SIG_HEX, NULL,
		&binlen, NULL) != 0 ||
	    binlen != sizeof(got)) {
		log_warn("jsonhook: refused: signature is not 64 hex digits");
		return SMS_EFORBIDDEN;
	}
	if (hmac_sha256(cfg->secret, cfg->secretlen, ts, req->body,
		req->bodylen, want) != 0)
		goto out;
	if (sodium_memcmp(want, got, sizeof(want)) != 0) {
		log_warn("jsonhook: refused: signature does not match");
		rc = SMS_EFORBIDDEN;
		goto out;
	}
	now = sms_now(req);
	skew = cfg->max_skew > 0 ? cfg->max_skew : SMS_MAX_SKEW;
	if (t < now - skew || t > now + skew) {
		log_warn("jsonhook: refused: timestamp %lld s from our clock",
		    (long long)(t - now));
		rc = SMS_EFORBIDDEN;
		goto out;
	}
	/* Only now, signed and fresh, is the body parsed. */
	rc = SMS_EBADREQ;
	j = json_loadb((const char *)req->body, req->bodylen,
	    JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(j)) {
		log_warn("jsonhook: refused: body is not a JSON object");
		goto out;
	}
	from = str_field(j, "from", &flen);
	text = str_field(j, "text", &xlen);
	id = str_field(j, "id", &ilen);
	to = str_field(j, "to", &tlen);
	jts = json_object_get(j, "timestamp");
	if (from == NULL || text == NULL || id == NULL ||
	    (json_object_get(j, "to") != NULL && to == NULL) ||
	    !json_is_integer(jts) || json_integer_value(jts) != t) {
		log_warn("jsonhook: refused: a field is missing, of the wrong "
			 "type, or the timestamps differ");
		goto out;
	}
	if (strlen(from) != flen || strlen(id) != ilen ||
	    (to != NULL && strlen(to) != tlen) ||
	    sms_set_number(in->from, from) != 0 ||
	    (to != NULL && sms_set_number(in->to, to) != 0) ||
	    sms_set_id(in->id, id) != 0) {
		log_warn("jsonhook: refused: malformed number or message id");
		goto out;
	}
	if ((r = sms_set_text(in->text, text, xlen)) != 0) {
		log_warn("jsonhook: refused: text is %s",
		    r == SMS_ETOOBIG ? "too long" : "not UTF-8");
		rc = r;
		goto out;
	}
	in->timestamp = t;
	rc = 0;
out:
	if (rc != 0)
		sms_inbound_wipe(in);
	json_decref(j);
	sodium_memzero(want, sizeof(want));
	return rc;
}

static int
format_reply(const char *text, char *out, size_t cap, const char **content_type)
{
	json_t *j;
	size_t n;

	*content_type = "application/json";
	if (cap == 0)
		return -1;
	out[0] = '\0';
	j = json_pack("{s:s?}", "reply", text);
	if (j == NULL) {
		log_err("jsonhook: cannot build the reply");
		return -1;
	}
	n = json_dumpb(j, out, cap - 1, JSON_COMPACT);
	json_decref(j);
	if (n == 0 || n >= cap) {
		log_err("jsonhook: reply does not fit");
		out[0] = '\0';
		return -1;
	}
	out[n] = '\0';
	return 0;
}

const struct sms_provider jsonhook_provider = {
    "json",
    verify_and_parse,
    format_reply,
    NULL,
};
