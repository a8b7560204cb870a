#ifndef NET_HEARTBEAT_H
#define NET_HEARTBEAT_H

#include <stdint.h>

#include "crypto/bundle.h"
#include "util/periodic.h"

/*
 * A device's heartbeat to hubd (crypto/hbeat.h): every interval_s its
 * outbox length, dead letters, version and (kiosk) printer status,
 * signed with the device key and posted to /v1/heartbeat over the
 * bundle's pinned TLS. Nothing about a person. The first one goes a
 * second after start, so the hub sees a device as soon as it runs.
 */
#define HEARTBEAT_DEFAULT_S 300
#define HEARTBEAT_MAX_S 86400

struct heartbeat_config {
	const char *db_path; /* NULL: no outbox yet, counts are 0 */
	const uint8_t *db_key; /* DB_KEY_LEN bytes; used at once, not kept */
	const struct bundle *bundle; /* must outlive the heartbeat */
	const char *role; /* "kiosk", "sms" */
	int interval_s;
	const char *printer; /* printer spec (receipt/printer.h), or NULL */
};

/* What the hub said to one heartbeat. */
struct heartbeat_answer {
	long status; /* HTTP status; 0 when none came back */
	char error[48]; /* the hub's error code, "" on success */
	int64_t hub_now_ms; /* the hub's clock, on success */
	int64_t sent_at_ms; /* ours, when it was sent */
};

struct heartbeat;

/* Opens its own database connection and HTTPS client. */
struct heartbeat *heartbeat_new(const struct heartbeat_config *cfg);
/* One heartbeat now: 0 when the hub took it, -1 otherwise (ans says). */
int heartbeat_send(struct heartbeat *hb, struct heartbeat_answer *ans);
int heartbeat_start(struct heartbeat *hb);
/* Stops the thread (if started), closes everything. */
void heartbeat_free(struct heartbeat *hb);

#endif
