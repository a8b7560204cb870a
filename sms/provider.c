#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "sms/provider.h"
#include "net/http.h"
#include "sms/segments.h"
#include "util/utf8.h"

static const struct sms_provider *const providers[] = {
    &twilio_provider,
    &kannel_provider,
    &jsonhook_provider,
};

const struct sms_provider *
sms_provider_find(const char *name)
{
	for (size_t i = 0; i < sizeof(providers) / sizeof(providers[0]); i++)
		if (strcmp(providers[i]->name, name) == 0)
			return providers[i];
	return NULL;
}

const char *
sms_error_code(int err)
{
	switch (err) {
	case 0:
		return "ok";
	case SMS_EBADREQ:
		return "bad_request";
	case SMS_EFORBIDDEN:
		return "forbidden";
	case SMS_EMETHOD:
		return "method_not_allowed";
	case SMS_ETOOBIG:
		return "too_large";
	case SMS_EMEDIA:
		return "unsupported_media_type";
	default:
		return "internal_error";
	}
}

void
sms_inbound_wipe(struct sms_inbound *in)
{
	sodium_memzero(in, sizeof(*in));
}

struct http_form *
sms_form_get(const struct sms_http *req)
{
	return req->form != NULL ? req->form
				 : sodium_malloc(sizeof(*req->form));
}

void
sms_form_put(const struct sms_http *req, struct http_form *form)
{
	if (form == NULL)
		return;
	if (form == req->form)
		sodium_memzero(form, sizeof(*form));
	else
		sodium_free(form); /* wipes */
}

int64_t
sms_now(const struct sms_http *req)
{
	return req->now != 0 ? req->now : (int64_t)time(NULL);
}

int
sms_set_number(char out[SMS_MAX_NUMBER + 1], const char *in)
{
	size_t n = 0, i;

	out[0] = '\0';
	/* Kannel may pass the international prefix as "00" (%p); a number
	 * in national form is kept as it came, without inventing a '+'. */
	if (in[0] == '+') {
		in++;
		out[n++] = '+';
	} else if (in[0] == '0' && in[1] == '0') {
		in += 2;
		out[n++] = '+';
	}
	for (i = 0; in[i] != '\0'; i++) {
		if (in[i] < '0' || in[i] > '9' || n + i >= SMS_MAX_NUMBER)
			return -1;
	}
	if (i < SMS_MIN_NUMBER)
		return -1;
	memcpy(out + n, in, i);
	out[n + i] = '\0';
	return 0;
}

int
sms_number_international(char num[SMS_MAX_NUMBER + 1], const char *country_code)
{
	char tmp[SMS_MAX_NUMBER + 1];
	int n;

	if (country_code == NULL || country_code[0] == '\0' || num[0] != '0' ||
	    num[1] == '0')
		return 0;
	n = snprintf(tmp, sizeof(tmp), "+%s%s", country_code, num + 1);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -1;
	memcpy(num, tmp, (size_t)n + 1);
	sodium_memzero(tmp, sizeof(tmp));
	return 0;
}

int
sms_set_text(char out[SMS_MAX_TEXT_BYTES + 1], const char *in, size_t len)
{
	out[0] = '\0';
	if (len > SMS_MAX_TEXT_BYTES)
		return SMS_ETOOBIG;
	if (!utf8_valid(in, len))
		return SMS_EBADREQ;
	/* Providers count characters, not bytes: 1600 emoji are a valid
	 * Twilio message. */
	if (sms_segments_chars(in, len) > SMS_MAX_TEXT)
		return SMS_ETOOBIG;
	memcpy(out, in, len);
	out[len] = '\0';
	return 0;
}

int
sms_set_id(char out[SMS_MAX_ID + 1], const char *in)
{
	size_t i;

	out[0] = '\0';
	for (i = 0; in[i] != '\0'; i++) {
		char c = in[i];

		if (i >= SMS_MAX_ID)
			return -1;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') || c == '.' || c == '_' ||
			c == ':' || c == '-'))
			return -1;
	}
	if (i == 0)
		return -1;
	memcpy(out, in, i + 1);
	return 0;
}

int
sms_media_type_is(const char *content_type, const char *type)
{
	size_t n = strlen(type);

	if (content_type == NULL || strncasecmp(content_type, type, n) != 0)
		return 0;
	content_type += n;
	while (*content_type == ' ' || *content_type == '\t')
		content_type++;
	return *content_type == '\0' || *content_type == ';';
}
