#ifndef KIOSK_FLOW_H
#define KIOSK_FLOW_H

#include <stdint.h>

#include "kiosk/kiosk.h"
#include "net/http.h"

/*
 * The visitor's way through the pages (docs/kiosk.md): one handler a
 * route. kiosk.c has already checked Host, Origin, the cookie, the form
 * and its CSRF token; a handler fills resp.
 */
struct flow_req {
	struct kiosk *k;
	const struct http_req *http;
	const struct http_form *form; /* POST only */
	int64_t now_ms; /* wall clock: times written into a referral */
	int64_t clock_ms; /* monotonic (kiosk_clock_ms): idle time */
	struct http_resp *resp;
	int owned; /* the request carries the live session's cookie */
	uint8_t *job; /* a slip to print once the lock is released */
	size_t job_len;
	int fresh; /* kiosk.c started the session for this request */
};

/* Answer the request; -1 makes it a 500. */
int flow_dispatch(struct flow_req *r);

/* Is GET /NAME open to this request now (the flow's order)? */
int flow_page_open(struct flow_req *r, const char *name);

#endif
