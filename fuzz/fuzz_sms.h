/*
 * Shared by the SMS provider targets: an input is a small text form of
 * one webhook request, so seeds are easy to read and write:
 *
 *   Name: value            a request header (repeated: absent, as the
 *   ...                    server's lookup answers)
 *   :method: POST          pseudo-headers: method (default POST),
 *   :query: token=x&id=1   raw query, TCP peer address (default
 *   :peer: 127.0.0.1       127.0.0.1), a Kannel allow-list entry
 *   :allow: 10.0.0.0/8     (repeatable; default 127.0.0.1 and ::1)
 *                          an empty line, then
 *   body bytes             the raw body, to the end of the input
 *
 * Each target computes the provider's valid signature or token for the
 * request itself (unless the input already carries one), so the parser
 * behind the check is reached; the check itself is fuzzed whenever the
 * input carries its own.
 */
#ifndef FUZZ_SMS_H
#define FUZZ_SMS_H

#include <strings.h>

#include "fuzz/fuzz_check.h"
#include "sms/provider.h"
#include "util/utf8.h"

#define FUZZ_SMS_FIELDS 24
#define FUZZ_SMS_HEAD 4096
/* A fixed arrival time: a crash must reproduce from the input alone. */
#define FUZZ_SMS_NOW 1764775000

struct fuzz_sms_req {
	char head[FUZZ_SMS_HEAD + 64];
	const char *name[FUZZ_SMS_FIELDS];
	const char *value[FUZZ_SMS_FIELDS];
	size_t n;
	const char *method, *query, *peer;
	const char *allow[SMS_MAX_ALLOW];
	size_t nallow;
	const uint8_t *body;
	size_t bodylen;
	struct sms_http http;
	/* Room for a header the target adds (a computed signature). */
	char extra[128];
};

static inline const char *
fuzz_sms_header(void *ctx, const char *name)
{
	const struct fuzz_sms_req *r = ctx;
	const char *found = NULL;

	for (size_t i = 0; i < r->n; i++) {
		if (strcasecmp(r->name[i], name) != 0)
			continue;
		if (found != NULL)
			return NULL;
		found = r->value[i];
	}
	return found;
}

/* How many headers of that name the input has. */
static inline size_t
fuzz_sms_count(const struct fuzz_sms_req *r, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++)
		n += strcasecmp(r->name[i], name) == 0;
	return n;
}

/* Add a header if the input has none of that name; 0 if added. */
static inline int
fuzz_sms_add(struct fuzz_sms_req *r, const char *name, const char *value)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcasecmp(r->name[i], name) == 0)
			return -1;
	if (r->n == FUZZ_SMS_FIELDS)
		return -1;
	CHECK(strlen(value) < sizeof(r->extra));
	memcpy(r->extra, value, strlen(value) + 1);
	r->name[r->n] = name;
	r->value[r->n] = r->extra;
	r->n++;
	return 0;
}

/* Split an input into a request; -1 if it has no empty line. */
static inline int
fuzz_sms_split(struct fuzz_sms_req *r, const uint8_t *data, size_t size)
{
	const uint8_t *end = NULL;
	size_t hlen;
	char *line, *next, *colon;

	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i + 1 < size; i++)
		if (data[i] == '\n' && data[i + 1] == '\n') {
			end = data + i;
			break;
		}
	if (size >= 1 && data[0] == '\n')
		end = data;
	if (end == NULL)
		return -1;
	hlen = (size_t)(end - data);
	if (hlen > FUZZ_SMS_HEAD || memchr(data, '\0', hlen) != NULL)
		return -1;
	memcpy(r->head, data, hlen);
	r->head[hlen] = '\0';
	r->body = end + (end == data ? 1 : 2);
	r->bodylen = size - (size_t)(r->body - data);
	r->method = "POST";
	r->peer = "127.0.0.1";
	for (line = hlen > 0 ? r->head : NULL; line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if ((colon = strstr(line + (line[0] == ':'), ": ")) == NULL)
			continue;
		*colon = '\0';
		if (strcmp(line, ":method") == 0)
			r->method = colon + 2;
		else if (strcmp(line, ":query") == 0)
			r->query = colon + 2;
		else if (strcmp(line, ":peer") == 0)
			r->peer = colon + 2;
		else if (strcmp(line, ":allow") == 0) {
			if (r->nallow < SMS_MAX_ALLOW)
				r->allow[r->nallow++] = colon + 2;
		} else if (r->n < FUZZ_SMS_FIELDS - 1) {
			r->name[r->n] = line;
			r->value[r->n] = colon + 2;
			r->n++;
		}
	}
	r->http.method = r->method;
	r->http.path = "/sms";
	r->http.query = r->query;
	r->http.header = fuzz_sms_header;
	r->http.hctx = r;
	r->http.body = r->bodylen > 0 ? r->body : NULL;
	r->http.bodylen = r->bodylen;
	r->http.peer_addr = r->peer;
	r->http.now = FUZZ_SMS_NOW;
	return 0;
}

/* What every provider promises of a message it accepted, and the reply
 * formatted for it (its text as the reply, as an echo would). */
static inline void
fuzz_sms_accepted(const struct sms_provider *p, const struct sms_inbound *in)
{
	static char out[SMS_MAX_REPLY_BODY];
	const char *ctype = NULL, *hname = NULL, *hvalue = NULL;
	size_t n;

	n = strnlen(in->from, sizeof(in->from));
	CHECK(n >= SMS_MIN_NUMBER && n <= SMS_MAX_NUMBER);
	CHECK(strnlen(in->to, sizeof(in->to)) <= SMS_MAX_NUMBER);
	n = strnlen(in->id, sizeof(in->id));
	CHECK(n >= 1 && n <= SMS_MAX_ID);
	n = strnlen(in->text, sizeof(in->text));
	CHECK(n <= SMS_MAX_TEXT_BYTES && utf8_valid(in->text, n));
	if (n < SMS_MAX_REPLY) {
		if (p->format_reply(in->text, out, sizeof(out), &ctype) == 0)
			CHECK(strlen(out) < sizeof(out));
		CHECK(ctype != NULL);
		if (p->reply_header != NULL) {
			p->reply_header(in->text, &hname, &hvalue);
			CHECK((hname == NULL) == (hvalue == NULL));
		}
	}
	CHECK(p->format_reply(NULL, out, sizeof(out), &ctype) == 0);
}

/* Any refusal is one of the statuses the interface names. */
static inline void
fuzz_sms_status(int rc, const struct sms_inbound *in)
{
	CHECK(rc == 0 || rc == SMS_EBADREQ || rc == SMS_EFORBIDDEN ||
	      rc == SMS_EMETHOD || rc == SMS_ETOOBIG || rc == SMS_EMEDIA ||
	      rc == SMS_EINTERNAL);
	if (rc != 0)
		CHECK(in->from[0] == '\0' && in->text[0] == '\0' &&
		      in->id[0] == '\0');
}

#endif
