#ifndef TESTS_SMS_TESTUTIL_H
#define TESTS_SMS_TESTUTIL_H

/* Request views for the SMS provider tests; include testutil.h first. */
#include <strings.h>

#include "sms/provider.h"

#define SMST_MAX_HEADERS 8

struct smst_req {
	const char *hname[SMST_MAX_HEADERS];
	const char *hvalue[SMST_MAX_HEADERS];
	size_t nh;
	struct sms_http http;
};

static inline const char *
smst_header(void *hctx, const char *name)
{
	struct smst_req *r = hctx;
	const char *v = NULL;

	for (size_t i = 0; i < r->nh; i++) {
		if (strcasecmp(r->hname[i], name) != 0)
			continue;
		if (v != NULL)
			return NULL; /* repeated: treated as absent */
		v = r->hvalue[i];
	}
	return v;
}

static inline void
smst_init(struct smst_req *r, const char *method, const char *query,
    const char *body, const char *peer)
{
	memset(r, 0, sizeof(*r));
	r->http.method = method;
	r->http.path = "/sms";
	r->http.query = query;
	r->http.header = smst_header;
	r->http.hctx = r;
	r->http.body = (const uint8_t *)body;
	r->http.bodylen = body != NULL ? strlen(body) : 0;
	r->http.peer_addr = peer;
	r->http.now = 1700000000;
}

static inline void
smst_add(struct smst_req *r, const char *name, const char *value)
{
	assert_true(r->nh < SMST_MAX_HEADERS);
	r->hname[r->nh] = name;
	r->hvalue[r->nh] = value;
	r->nh++;
}

#endif
