#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "hub/admit.h"
#include "util/conf.h"
#include "util/log.h"

#define DAY_MS (86400LL * 1000)
/* Allowance in thousandths of an envelope, so refills need no floats. */
#define MILLI 1000LL

struct slot {
	uint8_t id[ENVELOPE_ID_LEN];
	int used;
	int64_t tokens; /* thousandths of an envelope */
	int64_t refilled_at;
	int64_t seen_at;
	int64_t bytes;
	int64_t bytes_at; /* 0: not known */
};

struct admit {
	struct admit_conf conf;
	struct slot slots[ADMIT_DEVICES_MAX];
};

void
admit_conf_defaults(struct admit_conf *c)
{
	c->max_age_days = ADMIT_MAX_AGE_DAYS_DEFAULT;
	c->clock_skew_s = ADMIT_CLOCK_SKEW_S_DEFAULT;
	c->per_minute = ADMIT_PER_MINUTE_DEFAULT;
	c->quota_mib = ADMIT_QUOTA_MIB_DEFAULT;
}

int
admit_conf_set(
    struct admit_conf *c, const char *name, const char *value, int *bad)
{
	int rc;

	if (strcmp(name, "max_age_days") == 0)
		rc = conf_int(
		    &c->max_age_days, value, 1, ADMIT_MAX_AGE_DAYS_MAX);
	else if (strcmp(name, "clock_skew_s") == 0)
		rc = conf_int(
		    &c->clock_skew_s, value, 60, ADMIT_CLOCK_SKEW_S_MAX);
	else if (strcmp(name, "quota_per_minute") == 0)
		rc = conf_int(&c->per_minute, value, 1, ADMIT_PER_MINUTE_MAX);
	else if (strcmp(name, "quota_mib") == 0)
		rc = conf_int(&c->quota_mib, value, 1, ADMIT_QUOTA_MIB_MAX);
	else
		return 0;
	if (rc != 0) {
		log_err("config: bad value for %s", name);
		*bad = 1;
	}
	return 1;
}

int
admit_status(enum admit_verdict v)
{
	switch (v) {
	case ADMIT_OK:
		return 200;
	case ADMIT_BAD_SEAL:
		return 400;
	case ADMIT_TOO_OLD:
	case ADMIT_TOO_NEW:
		return 422;
	case ADMIT_RATE:
	case ADMIT_FULL:
		return 429;
	}
	return 500;
}

const char *
admit_code(enum admit_verdict v)
{
	switch (v) {
	case ADMIT_OK:
		return "ok";
	case ADMIT_BAD_SEAL:
		return "bad_seal";
	case ADMIT_TOO_OLD:
		return "too_old";
	case ADMIT_TOO_NEW:
		return "created_in_future";
	case ADMIT_RATE:
		return "rate_limited";
	case ADMIT_FULL:
		return "quota_full";
	}
	return "internal";
}

enum admit_verdict
admit_seal(const struct envelope_hdr *hdr, const uint8_t *env, size_t len)
{
	static const uint8_t scalar[crypto_scalarmult_SCALARBYTES] = {9};
	uint8_t q[crypto_scalarmult_BYTES];
	const uint8_t *epk = env + ENVELOPE_HDR_LEN;

	if (hdr->sealed_len < crypto_box_SEALBYTES + ADMIT_PAYLOAD_MIN ||
	    len < ENVELOPE_HDR_LEN + crypto_scalarmult_BYTES)
		return ADMIT_BAD_SEAL;
	/* crypto_box_seal's ephemeral key is a fresh X25519 public key; a
	 * point of small order (all zeros, say) makes libsodium refuse. */
	if (crypto_scalarmult(q, scalar, epk) != 0)
		return ADMIT_BAD_SEAL;
	return ADMIT_OK;
}

/*
 * Only against now: a bound from the device's enrolment would also refuse
 * the referrals of a device whose clock came up behind (no battery clock,
 * before its first time sync), and a refusal here is for good.
 */
enum admit_verdict
admit_time(const struct admit_conf *c, uint64_t created_at, int64_t now)
{
	int64_t skew = (int64_t)c->clock_skew_s * 1000;
	int64_t low = now - (int64_t)c->max_age_days * DAY_MS;

	if (low < 0)
		low = 0;
	if (created_at > (uint64_t)(now + skew))
		return ADMIT_TOO_NEW;
	if (created_at < (uint64_t)low)
		return ADMIT_TOO_OLD;
	return ADMIT_OK;
}

struct admit *
admit_new(const struct admit_conf *c)
{
	struct admit *a = calloc(1, sizeof(*a));

	if (a == NULL) {
		log_err("out of memory");
		return NULL;
	}
	a->conf = *c;
	return a;
}

void
admit_free(struct admit *a)
{
	free(a);
}

/* The device's slot; a new one starts with a full allowance, taking the
 * place of the device seen longest ago when all are in use. */
static struct slot *
slot_for(struct admit *a, const uint8_t id[ENVELOPE_ID_LEN], int64_t now)
{
	struct slot *s, *free_slot = NULL, *oldest = NULL;

	for (size_t i = 0; i < ADMIT_DEVICES_MAX; i++) {
		s = &a->slots[i];
		if (!s->used) {
			if (free_slot == NULL)
				free_slot = s;
			continue;
		}
		if (memcmp(s->id, id, ENVELOPE_ID_LEN) == 0) {
			s->seen_at = now;
			return s;
		}
		if (oldest == NULL || s->seen_at < oldest->seen_at)
			oldest = s;
	}
	s = free_slot != NULL ? free_slot : oldest;
	memset(s, 0, sizeof(*s));
	memcpy(s->id, id, ENVELOPE_ID_LEN);
	s->used = 1;
	s->tokens = (int64_t)a->conf.per_minute * MILLI;
	s->refilled_at = now;
	s->seen_at = now;
	return s;
}

enum admit_verdict
admit_take(struct admit *a, const uint8_t id[ENVELOPE_ID_LEN], int64_t now,
    int *retry_s)
{
	struct slot *s = slot_for(a, id, now);
	int64_t cap = (int64_t)a->conf.per_minute * MILLI;
	int64_t elapsed = now - s->refilled_at, wait_ms;

	/* A clock set back refills nothing; a minute refills everything. */
	if (elapsed < 0)
		elapsed = 0;
	if (elapsed > 60000)
		elapsed = 60000;
	/* per_minute envelopes in 60000 ms: per_minute/60 thousandths a ms. */
	s->tokens += elapsed * a->conf.per_minute / 60;
	if (s->tokens > cap)
		s->tokens = cap;
	s->refilled_at = now;
	if (s->tokens >= MILLI) {
		s->tokens -= MILLI;
		return ADMIT_OK;
	}
	/* Whole seconds until one envelope's worth has refilled:
	 * (MILLI - tokens) * 60 / per_minute ms, rounded up. */
	wait_ms = ((MILLI - s->tokens) * 60 + a->conf.per_minute - 1) /
		  a->conf.per_minute;
	*retry_s = (int)((wait_ms + 999) / 1000);
	if (*retry_s < 1)
		*retry_s = 1;
	return ADMIT_RATE;
}

int
admit_bytes_known(struct admit *a, const uint8_t id[ENVELOPE_ID_LEN],
    int64_t now, int64_t *bytes)
{
	struct slot *s = slot_for(a, id, now);

	if (s->bytes_at == 0 || now - s->bytes_at >= ADMIT_BYTES_REFRESH_MS ||
	    now < s->bytes_at)
		return 0;
	*bytes = s->bytes;
	return 1;
}

void
admit_bytes_set(struct admit *a, const uint8_t id[ENVELOPE_ID_LEN], int64_t now,
    int64_t bytes)
{
	struct slot *s = slot_for(a, id, now);

	s->bytes = bytes;
	s->bytes_at = now > 0 ? now : 1;
}

enum admit_verdict
admit_bytes_check(
    const struct admit_conf *c, int64_t bytes, size_t len, int *retry_s)
{
	if (bytes + (int64_t)len > (int64_t)c->quota_mib * 1024 * 1024) {
		*retry_s = ADMIT_FULL_RETRY_S;
		return ADMIT_FULL;
	}
	return ADMIT_OK;
}

void
admit_bytes_add(struct admit *a, const uint8_t id[ENVELOPE_ID_LEN], size_t len)
{
	for (size_t i = 0; i < ADMIT_DEVICES_MAX; i++) {
		struct slot *s = &a->slots[i];

		if (s->used && memcmp(s->id, id, ENVELOPE_ID_LEN) == 0) {
			s->bytes += (int64_t)len;
			return;
		}
	}
}
