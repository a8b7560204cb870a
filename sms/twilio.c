#include <stdlib.h>
#include <string.h>

#include <mbedtls/base64.h>
#include <mbedtls/md.h>
#include <sodium.h>

#include "net/http.h"
#include "sms/provider.h"
#include "sms/twilio.h"
#include "util/log.h"
#include "util/escape.h"
#include "util/utf8.h"

#define TWILIO_MAC_LEN 20
#define TWILIO_FORM "application/x-www-form-urlencoded"
#define TWILIO_XML_HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"

static int
pair_cmp(const void *a, const void *b)
{
	const struct http_pair *x = *(const struct http_pair *const *)a;
	const struct http_pair *y = *(const struct http_pair *const *)b;
	int c = strcmp(x->name, y->name);

	return c != 0 ? c : strcmp(x->value, y->value);
}

int
twilio_signature(const char *token, size_t tokenlen, const char *url,
    const struct http_pair *pairs, size_t npairs, char out[TWILIO_SIG_LEN + 1])
{
	const struct http_pair *sorted[HTTP_MAX_FORM_PAIRS];
	const mbedtls_md_info_t *md;
	mbedtls_md_context_t ctx;
	unsigned char mac[TWILIO_MAC_LEN];
	size_t olen, i;
	int rc = -1;

	out[0] = '\0';
	if (npairs > HTTP_MAX_FORM_PAIRS) {
		log_err("twilio: too many parameters to sign");
		return -1;
	}
	for (i = 0; i < npairs; i++)
		sorted[i] = &pairs[i];
	qsort(sorted, npairs, sizeof(sorted[0]), pair_cmp);
	mbedtls_md_init(&ctx);
	md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA1);
	if (md == NULL || mbedtls_md_setup(&ctx, md, 1) != 0 ||
	    mbedtls_md_hmac_starts(
		&ctx, (const unsigned char *)token, tokenlen) != 0 ||
	    mbedtls_md_hmac_update(
		&ctx, (const unsigned char *)url, strlen(url)) != 0) {
		log_err("twilio: HMAC-SHA1 set-up failed");
		goto out;
	}
	for (i = 0; i < npairs; i++) {
		if (i > 0 && pair_cmp(&sorted[i - 1], &sorted[i]) == 0)
			continue;
		if (mbedtls_md_hmac_update(&ctx,
			(const unsigned char *)sorted[i]->name,
			strlen(sorted[i]->name)) != 0 ||
		    mbedtls_md_hmac_update(&ctx,
			(const unsigned char *)sorted[i]->value,
			strlen(sorted[i]->value)) != 0) {
			log_err("twilio: HMAC-SHA1 failed");
			goto out;
		}
	}
	if (mbedtls_md_hmac_finish(&ctx, mac) != 0 ||
	    mbedtls_base64_encode((unsigned char *)out, TWILIO_SIG_LEN + 1,
		&olen, mac, sizeof(mac)) != 0 ||
	    olen != TWILIO_SIG_LEN) {
		log_err("twilio: HMAC-SHA1 failed");
		goto out;
	}
	rc = 0;
out:
	/* mbedtls_md_free wipes the keyed HMAC state. */
	mbedtls_md_free(&ctx);
	sodium_memzero(mac, sizeof(mac));
	return rc;
}

static const char *
header(const struct sms_http *req, const char *name)
{
	return req->header != NULL ? req->header(req->hctx, name) : NULL;
}

static int
verify_and_parse(const struct sms_provider_cfg *cfg, const struct sms_http *req,
    struct sms_inbound *in)
{
	struct http_form *form = NULL;
	const char *sig, *sid, *from, *to, *body;
	char want[TWILIO_SIG_LEN + 1];
	int rc = SMS_EINTERNAL, r;

	sms_inbound_wipe(in);
	if (cfg->public_url == NULL || cfg->public_url[0] == '\0' ||
	    cfg->secret == NULL || cfg->secretlen == 0) {
		log_err("twilio: public URL or auth token not configured");
		return SMS_EINTERNAL;
	}
	if (req->method == NULL || strcmp(req->method, "POST") != 0) {
		log_warn("twilio: refused: method is not POST");
		return SMS_EMETHOD;
	}
	if (req->bodylen > SMS_MAX_BODY || req->bodylen > HTTP_MAX_FORM) {
		log_warn("twilio: refused: body of %zu bytes", req->bodylen);
		return SMS_ETOOBIG;
	}
	if (!sms_media_type_is(header(req, "Content-Type"), TWILIO_FORM)) {
		log_warn("twilio: refused: not a form body");
		return SMS_EMEDIA;
	}
	if ((sig = header(req, "X-Twilio-Signature")) == NULL) {
		log_warn("twilio: refused: no signature");
		return SMS_EFORBIDDEN;
	}
	/* The decoded parameters are what Twilio signs, so the form is
	 * split first; no field is looked at before the signature holds. */
	if ((form = sms_form_get(req)) == NULL) {
		log_err("twilio: out of memory");
		return SMS_EINTERNAL;
	}
	if (http_form_parse(form, (const char *)req->body, req->bodylen) != 0) {
		log_warn("twilio: refused: malformed form body");
		rc = SMS_EBADREQ;
		goto out;
	}
	if (twilio_signature(cfg->secret, cfg->secretlen, cfg->public_url,
		form->pairs, form->npairs, want) != 0)
		goto out;
	if (strlen(sig) != TWILIO_SIG_LEN ||
	    sodium_memcmp(sig, want, TWILIO_SIG_LEN) != 0) {
		log_warn("twilio: refused: signature does not match");
		rc = SMS_EFORBIDDEN;
		goto out;
	}
	rc = SMS_EBADREQ;
	sid = http_form_get(form, "MessageSid");
	from = http_form_get(form, "From");
	to = http_form_get(form, "To");
	body = http_form_get(form, "Body");
	if (sid == NULL || from == NULL || to == NULL || body == NULL) {
		log_warn("twilio: refused: a message field is missing or "
			 "repeated");
		goto out;
	}
	if (sms_set_id(in->id, sid) != 0 ||
	    sms_set_number(in->from, from) != 0 ||
	    sms_set_number(in->to, to) != 0) {
		log_warn("twilio: refused: malformed message id or number");
		goto out;
	}
	if ((r = sms_set_text(in->text, body, strlen(body))) != 0) {
		log_warn("twilio: refused: text is %s",
		    r == SMS_ETOOBIG ? "too long" : "not UTF-8");
		rc = r;
		goto out;
	}
	/* Twilio sends no time; the arrival time stands in. */
	in->timestamp = sms_now(req);
	rc = 0;
out:
	if (rc != 0)
		sms_inbound_wipe(in);
	sms_form_put(req, form);
	sodium_memzero(want, sizeof(want));
	return rc;
}

/* Escape for XML character data; control characters other than tab and
 * line ends are not allowed in XML 1.0 at all. */
static int
xml_escape(const char *s, char *out, size_t cap, size_t *len)
{
	size_t o = *len;
	const char *rep;
	size_t rlen;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		char one[2] = {(char)c, '\0'};

		if ((rep = escape_entity(c)) == NULL) {
			if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
				return -1;
			rep = one;
		}
		rlen = strlen(rep);
		if (rlen >= cap - o)
			return -1;
		memcpy(out + o, rep, rlen);
		o += rlen;
	}
	out[o] = '\0';
	*len = o;
	return 0;
}

static int
append(const char *s, char *out, size_t cap, size_t *len)
{
	size_t n = strlen(s);

	if (n >= cap - *len)
		return -1;
	memcpy(out + *len, s, n + 1);
	*len += n;
	return 0;
}

static int
format_reply(const char *text, char *out, size_t cap, const char **content_type)
{
	size_t len = 0;

	if (cap == 0)
		return -1;
	out[0] = '\0';
	*content_type = "text/xml; charset=utf-8";
	if (append(TWILIO_XML_HEAD, out, cap, &len) != 0)
		goto toolong;
	if (text == NULL) {
		/* An empty Response: Twilio sends nothing back. */
		if (append("<Response/>", out, cap, &len) != 0)
			goto toolong;
		return 0;
	}
	if (!utf8_valid(text, strlen(text))) {
		log_err("twilio: reply text is not UTF-8");
		return -1;
	}
	if (append("<Response><Message>", out, cap, &len) != 0 ||
	    xml_escape(text, out, cap, &len) != 0 ||
	    append("</Message></Response>", out, cap, &len) != 0)
		goto toolong;
	return 0;
toolong:
	log_err("twilio: reply does not fit or cannot be sent as XML");
	out[0] = '\0';
	return -1;
}

const struct sms_provider twilio_provider = {
    "twilio",
    verify_and_parse,
    format_reply,
    NULL,
};
