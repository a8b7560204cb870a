/* hubd's admission rules (hub/admit.c): seals, times and quotas. */
#include "tests/unit/testutil.h"

#include <sodium.h>

#include "crypto/envelope.h"
#include "hub/admit.h"
#include "util/log.h"

#define MIN_MS 60000LL
#define DAY_MS (86400LL * 1000)
/* 2026-01-01 in ms: a "now" far from every edge. */
#define NOW 1767225600000LL

static struct admit_conf
defaults(void)
{
	struct admit_conf c;

	admit_conf_defaults(&c);
	return c;
}

static void
conf_settings(void **state)
{
	struct admit_conf c = defaults();
	int bad = 0;

	(void)state;
	assert_int_equal(c.max_age_days, 365);
	assert_int_equal(c.clock_skew_s, 86400);
	assert_int_equal(c.per_minute, 600);
	assert_int_equal(c.quota_mib, 256);
	assert_int_equal(admit_conf_set(&c, "max_age_days", "30", &bad), 1);
	assert_int_equal(admit_conf_set(&c, "clock_skew_s", "600", &bad), 1);
	assert_int_equal(admit_conf_set(&c, "quota_per_minute", "5", &bad), 1);
	assert_int_equal(admit_conf_set(&c, "quota_mib", "2", &bad), 1);
	assert_int_equal(bad, 0);
	assert_int_equal(c.max_age_days, 30);
	assert_int_equal(c.clock_skew_s, 600);
	assert_int_equal(c.per_minute, 5);
	assert_int_equal(c.quota_mib, 2);
	assert_int_equal(admit_conf_set(&c, "keep_days", "3", &bad), 0);
	assert_int_equal(bad, 0);
	/* Out of range, or not a number: a configuration error. */
	static const char *const wrong[][2] = {{"max_age_days", "0"},
	    {"clock_skew_s", "59"}, {"quota_per_minute", "0"},
	    {"quota_mib", "-1"}, {"quota_mib", "lots"},
	    {"max_age_days", "99999"}};
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		bad = 0;
		assert_int_equal(
		    admit_conf_set(&c, wrong[i][0], wrong[i][1], &bad), 1);
		assert_int_equal(bad, 1);
	}
}

/* Refused for good is a 4xx the forwarder dead-letters (not 408, 409 or
 * 429); a quota is 429, which it retries. */
static void
statuses(void **state)
{
	(void)state;
	assert_int_equal(admit_status(ADMIT_BAD_SEAL), 400);
	assert_int_equal(admit_status(ADMIT_TOO_OLD), 422);
	assert_int_equal(admit_status(ADMIT_TOO_NEW), 422);
	assert_int_equal(admit_status(ADMIT_RATE), 429);
	assert_int_equal(admit_status(ADMIT_FULL), 429);
	assert_string_equal(admit_code(ADMIT_BAD_SEAL), "bad_seal");
	assert_string_equal(admit_code(ADMIT_TOO_OLD), "too_old");
	assert_string_equal(admit_code(ADMIT_TOO_NEW), "created_in_future");
	assert_string_equal(admit_code(ADMIT_RATE), "rate_limited");
	assert_string_equal(admit_code(ADMIT_FULL), "quota_full");
}

/* The rule written out again in 128-bit arithmetic. */
static enum admit_verdict
reference(const struct admit_conf *c, uint64_t at, int64_t now)
{
	__int128 skew = (__int128)c->clock_skew_s * 1000;
	__int128 low = (__int128)now - (__int128)c->max_age_days * DAY_MS;

	if ((__int128)at > (__int128)now + skew)
		return ADMIT_TOO_NEW;
	if ((__int128)at < low)
		return ADMIT_TOO_OLD;
	return ADMIT_OK;
}

static void
times(void **state)
{
	struct admit_conf c = defaults();

	(void)state;
	/* The cases. */
	assert_int_equal(admit_time(&c, 0, NOW), ADMIT_TOO_OLD);
	assert_int_equal(admit_time(&c, 1ULL << 63, NOW), ADMIT_TOO_NEW);
	assert_int_equal(admit_time(&c, UINT64_MAX, NOW), ADMIT_TOO_NEW);
	/* A referral held 364 days while the hub was down is stored. */
	assert_int_equal(admit_time(&c, NOW - 364 * DAY_MS, NOW), ADMIT_OK);
	assert_int_equal(
	    admit_time(&c, NOW - 366 * DAY_MS, NOW), ADMIT_TOO_OLD);
	/* Clocks a little ahead, up to the skew. */
	assert_int_equal(admit_time(&c, NOW + 86400 * 1000LL, NOW), ADMIT_OK);
	assert_int_equal(
	    admit_time(&c, NOW + 86400 * 1000LL + 1, NOW), ADMIT_TOO_NEW);
	/* A device whose clock came up months behind (no battery clock,
	 * before its first time sync) is within the window. */
	assert_int_equal(admit_time(&c, NOW - 120 * DAY_MS, NOW), ADMIT_OK);
	/* Many random times and settings against the rule. */
	for (int i = 0; i < 200000; i++) {
		uint64_t at;
		int64_t now = NOW + (int64_t)randombytes_uniform(1000000);

		c.max_age_days = 1 + (int)randombytes_uniform(3650);
		c.clock_skew_s = 60 + (int)randombytes_uniform(7 * 86400 - 60);
		switch (i % 3) {
		case 0: /* anywhere in u64 */
			randombytes_buf(&at, sizeof(at));
			break;
		case 1: /* near now */
			at = (uint64_t)(now - 4000 * DAY_MS) +
			     ((uint64_t)randombytes_uniform(4100) * DAY_MS) +
			     randombytes_uniform(86400000);
			break;
		default: /* near an edge */
			at = (uint64_t)(now + (int64_t)c.clock_skew_s * 1000 -
					2 + randombytes_uniform(5));
			break;
		}
		assert_int_equal(
		    admit_time(&c, at, now), reference(&c, at, now));
	}
}

static void
seals(void **state)
{
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	uint8_t bpk[crypto_box_PUBLICKEYBYTES], bsk[crypto_box_SECRETKEYBYTES];
	uint8_t id[ENVELOPE_ID_LEN], env[ENVELOPE_MAX];
	static const char payload[] = "{\"schema\":1,\"kind\":\"referral\"}";
	/* X25519 points of small order (RFC 7748 and libsodium's list). */
	static const uint8_t small[][32] = {
	    {0},
	    {1},
	    {0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3,
		0xfa, 0xf1, 0x9f, 0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c,
		0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8,
		0x00},
	    {0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1,
		0x55, 0x9c, 0x83, 0xef, 0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58,
		0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f, 0x11,
		0x57},
	    {0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0x7f},
	};
	struct envelope_hdr hdr;
	size_t len;

	(void)state;
	crypto_sign_keypair(pk, sk);
	crypto_box_keypair(bpk, bsk);
	randombytes_buf(id, sizeof(id));
	/* Real seals, many of them, pass. */
	for (int i = 0; i < 200; i++) {
		assert_int_equal(
		    envelope_build(env, sizeof(env), &len, &hdr,
			ENVELOPE_REFERRAL, id, (uint64_t)NOW,
			(const uint8_t *)payload, sizeof(payload) - 1, bpk, sk),
		    0);
		assert_int_equal(admit_seal(&hdr, env, len), ADMIT_OK);
	}
	for (size_t i = 0; i < sizeof(small) / sizeof(small[0]); i++) {
		memcpy(env + ENVELOPE_HDR_LEN, small[i], 32);
		assert_int_equal(admit_seal(&hdr, env, len), ADMIT_BAD_SEAL);
	}
	/* Too short to hold any payload a device sends. */
	assert_int_equal(
	    envelope_build(env, sizeof(env), &len, &hdr, ENVELOPE_REFERRAL, id,
		(uint64_t)NOW, (const uint8_t *)"{}", 2, bpk, sk),
	    0);
	assert_int_equal(admit_seal(&hdr, env, len), ADMIT_BAD_SEAL);
}

static void
rate(void **state)
{
	struct admit_conf c = defaults();
	struct admit *a;
	uint8_t d1[ENVELOPE_ID_LEN], d2[ENVELOPE_ID_LEN];
	int retry = 0;

	(void)state;
	c.per_minute = 60;
	a = admit_new(&c);
	assert_non_null(a);
	randombytes_buf(d1, sizeof(d1));
	randombytes_buf(d2, sizeof(d2));
	/* A full minute's allowance at once, then one a second. */
	for (int i = 0; i < 60; i++)
		assert_int_equal(admit_take(a, d1, NOW, &retry), ADMIT_OK);
	assert_int_equal(admit_take(a, d1, NOW, &retry), ADMIT_RATE);
	assert_int_equal(retry, 1);
	assert_int_equal(admit_take(a, d1, NOW + 999, &retry), ADMIT_RATE);
	assert_int_equal(admit_take(a, d1, NOW + 1000, &retry), ADMIT_OK);
	/* Another device has its own allowance. */
	assert_int_equal(admit_take(a, d2, NOW, &retry), ADMIT_OK);
	/* A clock set back refills nothing. */
	assert_int_equal(
	    admit_take(a, d1, NOW - 3600 * 1000LL, &retry), ADMIT_RATE);
	/* A minute refills everything, and no more. */
	for (int i = 0; i < 60; i++)
		assert_int_equal(
		    admit_take(a, d1, NOW + 10 * MIN_MS, &retry), ADMIT_OK);
	assert_int_equal(
	    admit_take(a, d1, NOW + 10 * MIN_MS, &retry), ADMIT_RATE);
	admit_free(a);
	/* One a minute: the answer says a minute. */
	c.per_minute = 1;
	a = admit_new(&c);
	assert_int_equal(admit_take(a, d1, NOW, &retry), ADMIT_OK);
	assert_int_equal(admit_take(a, d1, NOW, &retry), ADMIT_RATE);
	assert_int_equal(retry, 60);
	assert_int_equal(admit_take(a, d1, NOW + 30000, &retry), ADMIT_RATE);
	assert_int_equal(retry, 30);
	admit_free(a);
}

/* More devices than slots: each new one still gets its allowance, and
 * over random bursts the count admitted never beats the bucket. */
static void
rate_many(void **state)
{
	struct admit_conf c = defaults();
	struct admit *a;
	uint8_t id[ENVELOPE_ID_LEN];
	int retry, ok = 0;
	int64_t t = NOW;

	(void)state;
	c.per_minute = 10;
	a = admit_new(&c);
	for (int i = 0; i < ADMIT_DEVICES_MAX + 100; i++) {
		randombytes_buf(id, sizeof(id));
		assert_int_equal(admit_take(a, id, NOW, &retry), ADMIT_OK);
	}
	randombytes_buf(id, sizeof(id));
	for (int i = 0; i < 20000; i++) {
		t += randombytes_uniform(200);
		if (admit_take(a, id, t, &retry) == ADMIT_OK)
			ok++;
		else
			assert_true(retry >= 1 && retry <= 6);
	}
	/* 10 at the start, then 10 a minute. */
	assert_true(ok <= 10 + (t - NOW) * 10 / MIN_MS + 1);
	assert_true(ok >= (t - NOW) * 10 / MIN_MS - 1);
	admit_free(a);
}

static void
bytes(void **state)
{
	struct admit_conf c = defaults();
	struct admit *a;
	uint8_t id[ENVELOPE_ID_LEN];
	int64_t b = -1;
	int retry = 0;

	(void)state;
	c.quota_mib = 1;
	a = admit_new(&c);
	randombytes_buf(id, sizeof(id));
	assert_int_equal(admit_bytes_known(a, id, NOW, &b), 0);
	admit_bytes_set(a, id, NOW, 1000);
	assert_int_equal(admit_bytes_known(a, id, NOW + 1, &b), 1);
	assert_int_equal(b, 1000);
	admit_bytes_add(a, id, 500);
	assert_int_equal(admit_bytes_known(a, id, NOW + 2, &b), 1);
	assert_int_equal(b, 1500);
	/* Read again from the database once in a while. */
	assert_int_equal(
	    admit_bytes_known(a, id, NOW + ADMIT_BYTES_REFRESH_MS, &b), 0);
	assert_int_equal(
	    admit_bytes_check(&c, 1024 * 1024 - 100, 100, &retry), ADMIT_OK);
	assert_int_equal(
	    admit_bytes_check(&c, 1024 * 1024 - 100, 101, &retry), ADMIT_FULL);
	assert_int_equal(retry, ADMIT_FULL_RETRY_S);
	admit_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(conf_settings),
	    cmocka_unit_test(statuses),
	    cmocka_unit_test(times),
	    cmocka_unit_test(seals),
	    cmocka_unit_test(rate),
	    cmocka_unit_test(rate_many),
	    cmocka_unit_test(bytes),
	};

	if (sodium_init() < 0)
		return 1;
	log_quiet(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
