#ifndef HUB_ADMIT_H
#define HUB_ADMIT_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/envelope.h"

/*
 * What hubd stores, beyond a valid signature by an enrolled device
 * (docs/hub.md, "What hubd refuses"): a seal that could have come from
 * crypto_box_seal, a time no device clock could give refused for good
 * (a 4xx the forwarder dead-letters), and per-device quotas (envelopes a
 * minute, sealed bytes kept on the server) answered with 429 and
 * Retry-After, which the forwarder retries. hubd cannot open a seal, so
 * what is inside it (JSON or not) is the staff machine's to check.
 */

/* The smallest payload a device seals: JSON with a schema, a kind and a
 * reference code is far longer. */
#define ADMIT_PAYLOAD_MIN 16
/* Devices whose allowance is tracked at once (only enrolled devices with
 * a valid signature are ever counted). */
#define ADMIT_DEVICES_MAX 4096
/* How long a device's stored total from the database is trusted before
 * it is read again (envelopes pulled and purged free their bytes). */
#define ADMIT_BYTES_REFRESH_MS 60000
/* Retry-After when a device's stored bytes are over its quota: they only
 * shrink once staff pull and keep_days pass. */
#define ADMIT_FULL_RETRY_S 600

#define ADMIT_MAX_AGE_DAYS_DEFAULT 365
#define ADMIT_MAX_AGE_DAYS_MAX 3650
#define ADMIT_CLOCK_SKEW_S_DEFAULT 86400
#define ADMIT_CLOCK_SKEW_S_MAX (7 * 86400)
#define ADMIT_PER_MINUTE_DEFAULT 600
#define ADMIT_PER_MINUTE_MAX 100000
#define ADMIT_QUOTA_MIB_DEFAULT 256
#define ADMIT_QUOTA_MIB_MAX (1024 * 1024)

struct admit_conf {
	int max_age_days; /* created_at at most this far behind now */
	int clock_skew_s; /* ... or this far ahead */
	int per_minute; /* envelopes a device may store a minute */
	int quota_mib; /* sealed MiB a device may keep on the server */
};

enum admit_verdict {
	ADMIT_OK = 0,
	ADMIT_BAD_SEAL, /* 400: no crypto_box_seal looks like this */
	ADMIT_TOO_OLD, /* 422: older than max_age_days */
	ADMIT_TOO_NEW, /* 422: further ahead than clock_skew_s */
	ADMIT_RATE, /* 429: more than per_minute */
	ADMIT_FULL, /* 429: quota_mib reached */
};

void admit_conf_defaults(struct admit_conf *c);
/* 1 when name is one of these settings (*bad set on a bad value), else 0. */
int admit_conf_set(
    struct admit_conf *c, const char *name, const char *value, int *bad);

int admit_status(enum admit_verdict v);
/* The stable error code in the JSON answer. */
const char *admit_code(enum admit_verdict v);

/* The seal of a verified envelope: long enough for a payload, and its
 * ephemeral key not a point of small order. */
enum admit_verdict admit_seal(
    const struct envelope_hdr *hdr, const uint8_t *env, size_t len);

/* created_at against now (both ms since 1970). */
enum admit_verdict admit_time(
    const struct admit_conf *c, uint64_t created_at, int64_t now);

/* Per-device counters; the caller serialises calls. */
struct admit *admit_new(const struct admit_conf *c);
void admit_free(struct admit *a);

/* One envelope from the device's allowance (a bucket of per_minute that
 * refills continuously): ADMIT_OK, or ADMIT_RATE with *retry_s. */
enum admit_verdict admit_take(struct admit *a,
    const uint8_t id[ENVELOPE_ID_LEN], int64_t now, int *retry_s);

/*
 * The device's sealed bytes on the server: admit_bytes_known is 1 with
 * *bytes when a recent total is held, else 0 and the caller reads it
 * from the database and gives it with admit_bytes_set.
 */
int admit_bytes_known(struct admit *a, const uint8_t id[ENVELOPE_ID_LEN],
    int64_t now, int64_t *bytes);
void admit_bytes_set(struct admit *a, const uint8_t id[ENVELOPE_ID_LEN],
    int64_t now, int64_t bytes);
/* ADMIT_OK, or ADMIT_FULL with *retry_s, for len more bytes. */
enum admit_verdict admit_bytes_check(
    const struct admit_conf *c, int64_t bytes, size_t len, int *retry_s);
/* An envelope of len bytes was stored. */
void admit_bytes_add(
    struct admit *a, const uint8_t id[ENVELOPE_ID_LEN], size_t len);

#endif
