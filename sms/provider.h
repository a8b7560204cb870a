#ifndef SMS_PROVIDER_H
#define SMS_PROVIDER_H

#include <stddef.h>
#include <stdint.h>

/*
 * One interface for every SMS provider's webhook. smsd turns its HTTP
 * request into a struct sms_http, asks the provider for the route to
 * check the request and fill a struct sms_inbound, runs the conversation,
 * and formats the answer with the same provider.
 *
 * Every verify_and_parse authenticates the request (signature, token,
 * source address) before it looks at any message field, and answers with
 * 0 or with the HTTP status to send (SMS_E*). A failure is logged once,
 * at the point it is found, with a stable reason and never with the
 * message text, the numbers or a secret.
 *
 * Text is UTF-8: a message whose text is not valid UTF-8 (or holds a NUL)
 * is refused with 400 rather than repaired, because every provider we
 * speak to sends UTF-8 and anything else is a broken or forged request.
 */

/* Message text in characters (Unicode code points), as Twilio counts
 * its own limit of 1600; a character is at most 4 bytes of UTF-8. */
#define SMS_MAX_TEXT 1600
#define SMS_MAX_TEXT_BYTES (4 * SMS_MAX_TEXT)
/* A request body (form, JSON or plain text): room for SMS_MAX_TEXT
 * characters of 4 bytes each, percent- or \u-escaped (3 bytes a byte),
 * and the provider's other fields. */
#define SMS_MAX_BODY 24576
/* A phone number: '+' and up to 19 digits (E.164 allows 15). */
#define SMS_MAX_NUMBER 20
/* Shortest number accepted: short codes have 3 or more digits. */
#define SMS_MIN_NUMBER 3
/* A provider's message id (Twilio: 34 chars, Kannel: a UUID). */
#define SMS_MAX_ID 64
/* A reply's text, and the formatted body that carries it (XML escaping
 * can grow each byte to six). */
#define SMS_MAX_REPLY 1024
#define SMS_MAX_REPLY_BODY (6 * SMS_MAX_REPLY + 128)
/* Kannel: source addresses allowed to call. */
#define SMS_MAX_ALLOW 16
/* JSON hook: largest accepted clock difference, either way. */
#define SMS_MAX_SKEW 300

/* verify_and_parse failures: the HTTP status to answer with. */
#define SMS_EBADREQ 400
#define SMS_EFORBIDDEN 403
#define SMS_EMETHOD 405
#define SMS_ETOOBIG 413
#define SMS_EMEDIA 415
#define SMS_EINTERNAL 500

/*
 * The request as the provider modules see it, independent of net/: the
 * server fills this from its own request struct.
 */
struct http_form;

struct sms_http {
	const char *method; /* "GET", "POST", ... */
	const char *path; /* routing only; never part of a signature */
	const char *query; /* raw text after '?', NULL when there is none */
	/* A header's value by case-insensitive name, NULL when it is
	 * absent or repeated. */
	const char *(*header)(void *hctx, const char *name);
	void *hctx;
	const uint8_t *body;
	size_t bodylen;
	const char *peer_addr; /* numeric address of the TCP peer */
	int64_t now; /* arrival, seconds since 1970; 0 = time() */
	/* Optional locked scratch for the decoded form (smsd lends one per
	 * request from a pool); NULL: the provider allocates its own. */
	struct http_form *form;
};

/*
 * One inbound message. It holds a phone number and what the person
 * wrote: keep it in sodium_malloc memory or wipe it with
 * sms_inbound_wipe when done.
 */
struct sms_inbound {
	char from[SMS_MAX_NUMBER + 1]; /* "+447700900123" form when known */
	char to[SMS_MAX_NUMBER + 1]; /* "" when the provider gave none */
	char text[SMS_MAX_TEXT_BYTES + 1];
	char id[SMS_MAX_ID + 1];
	int64_t timestamp; /* seconds since 1970 */
};

/* Per-provider settings. The secret lives in sodium_malloc memory. */
struct sms_provider_cfg {
	/* Twilio: the exact URL configured in the Twilio console (with any
	 * query string). Never taken from the Host header. */
	const char *public_url;
	/* Twilio auth token, Kannel URL token or JSON hook secret. */
	const char *secret;
	size_t secretlen;
	/* Kannel: allowed peers, "192.0.2.7", "::1" or "10.0.0.0/8". */
	const char *const *allow;
	size_t nallow;
	/* JSON hook: seconds of clock difference allowed; 0 = SMS_MAX_SKEW. */
	int64_t max_skew;
};

struct sms_provider {
	const char *name; /* "twilio", "kannel", "json" */
	int (*verify_and_parse)(const struct sms_provider_cfg *cfg,
	    const struct sms_http *req, struct sms_inbound *in);
	/* The HTTP body answering the provider: text is the reply, or
	 * NULL for none. out is NUL-terminated; *content_type is static. */
	int (*format_reply)(
	    const char *text, char *out, size_t cap, const char **content_type);
	/* Optional: a response header the provider needs to send this
	 * reply as it is (Kannel: the coding); *name NULL for none. Both
	 * strings are static. */
	void (*reply_header)(
	    const char *text, const char **name, const char **value);
};

extern const struct sms_provider twilio_provider;
extern const struct sms_provider kannel_provider;
extern const struct sms_provider jsonhook_provider;

/* The provider called name, or NULL. */
const struct sms_provider *sms_provider_find(const char *name);

/* A stable code for an SMS_E* status, for logs and error bodies. */
const char *sms_error_code(int err);

void sms_inbound_wipe(struct sms_inbound *in);

/* The form scratch for one request: req->form, or a sodium_malloc'd one;
 * sms_form_put wipes it and frees it if it was allocated here. */
struct http_form *sms_form_get(const struct sms_http *req);
void sms_form_put(const struct sms_http *req, struct http_form *form);

/*
 * Helpers shared by the provider modules (not for smsd).
 */

/* Store a sender or receiver number: an optional '+' (a leading "00"
 * becomes '+') and at least SMS_MIN_NUMBER digits, SMS_MAX_NUMBER
 * characters in all. */
int sms_set_number(char out[SMS_MAX_NUMBER + 1], const char *in);
/*
 * A number in national form ("07700900123") rewritten in international
 * form with the country code ("44" gives "+447700900123"), so one phone
 * has one conversation whichever provider carried its message (Kannel
 * passes what the network gave, Twilio always E.164). International
 * numbers and short codes are left as they are. -1 if it would not fit.
 */
int sms_number_international(
    char num[SMS_MAX_NUMBER + 1], const char *country_code);
/* Valid UTF-8 without NUL, at most SMS_MAX_TEXT characters: 0, else
 * SMS_EBADREQ or SMS_ETOOBIG. */
int sms_set_text(char out[SMS_MAX_TEXT_BYTES + 1], const char *in, size_t len);
/* 1..SMS_MAX_ID of [A-Za-z0-9._:-]. */
int sms_set_id(char out[SMS_MAX_ID + 1], const char *in);
/* Does a Content-Type name this media type (parameters ignored)? */
int sms_media_type_is(const char *content_type, const char *type);
int64_t sms_now(const struct sms_http *req);

#endif
