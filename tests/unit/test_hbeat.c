#include "tests/unit/testutil.h"

#include <sodium.h>

#include "crypto/hbeat.h"
#include "store/devstate.h"
#include "store/inbox.h"
#include "store/schema.h"
#include "util/jsonmem.h"
#include "util/log.h"

/*
 * Heartbeats: what is built verifies with the device's key and gives
 * back the same figures; any changed byte, another key, a cut or
 * lengthened message, or random bytes are refused; the hub keeps only a
 * newer heartbeat than the last.
 */
#define RUNS 2000

struct keys {
	uint8_t pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t sk[crypto_sign_SECRETKEYBYTES];
	uint8_t id[ENVELOPE_ID_LEN];
};

static void
random_word(char *out, size_t max)
{
	static const char chars[] = "abcxyz0189.-_+:ABC";
	size_t n = randombytes_uniform((uint32_t)max);

	for (size_t i = 0; i < n; i++)
		out[i] = chars[randombytes_uniform(sizeof(chars) - 1)];
	out[n] = '\0';
}

static void
random_figures(struct hbeat_figures *f)
{
	memset(f, 0, sizeof(*f));
	random_word(f->role, HBEAT_WORD_MAX);
	random_word(f->version, HBEAT_WORD_MAX);
	random_word(f->printer, HBEAT_WORD_MAX);
	f->interval_s = 1 + (int)randombytes_uniform(86400);
	f->outbox = randombytes_uniform(1000000);
	f->dead = randombytes_uniform(1000);
}

static void
round_trip_and_tamper(void **state)
{
	struct keys k, other;
	struct hbeat_figures f, got;
	uint8_t msg[HBEAT_MAX + 8], id[ENVELOPE_ID_LEN];
	uint64_t sent, at;
	size_t len;

	(void)state;
	crypto_sign_keypair(k.pk, k.sk);
	crypto_sign_keypair(other.pk, other.sk);
	randombytes_buf(k.id, sizeof(k.id));
	for (int r = 0; r < RUNS; r++) {
		random_figures(&f);
		sent = ((uint64_t)randombytes_random() << 20) | r;
		assert_int_equal(
		    hbeat_build(msg, sizeof(msg), &len, k.id, sent, &f, k.sk),
		    0);
		assert_true(len <= HBEAT_MAX);
		assert_int_equal(hbeat_claimed_device(id, msg, len), 0);
		assert_memory_equal(id, k.id, ENVELOPE_ID_LEN);
		assert_int_equal(hbeat_verify(msg, len, k.pk, &at, &got), 0);
		assert_true(at == sent);
		assert_string_equal(got.role, f.role);
		assert_string_equal(got.version, f.version);
		assert_string_equal(got.printer, f.printer);
		assert_int_equal(got.interval_s, f.interval_s);
		assert_true(got.outbox == f.outbox && got.dead == f.dead);
		assert_int_not_equal(
		    hbeat_verify(msg, len, other.pk, &at, &got), 0);
		{
			size_t i = randombytes_uniform((uint32_t)len);
			uint8_t bit = (uint8_t)(1u << randombytes_uniform(8));

			msg[i] ^= bit;
			assert_int_not_equal(
			    hbeat_verify(msg, len, k.pk, &at, &got), 0);
			msg[i] ^= bit;
		}
		assert_int_not_equal(
		    hbeat_verify(msg, randombytes_uniform((uint32_t)len), k.pk,
			&at, &got),
		    0);
		msg[len] = 0;
		assert_int_not_equal(
		    hbeat_verify(msg, len + 1, k.pk, &at, &got), 0);
	}
}

static void
random_bytes_refused(void **state)
{
	uint8_t msg[HBEAT_MAX], pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t sk[crypto_sign_SECRETKEYBYTES], id[ENVELOPE_ID_LEN];
	struct hbeat_figures got;
	uint64_t at;

	(void)state;
	crypto_sign_keypair(pk, sk);
	for (int r = 0; r < RUNS; r++) {
		size_t len = randombytes_uniform(sizeof(msg) + 1);

		randombytes_buf(msg, len);
		if (r % 2 == 0 && len >= 4)
			memcpy(msg, HBEAT_MAGIC, 4);
		/* Framing may pass by chance; the signature never does. */
		if (hbeat_claimed_device(id, msg, len) == 0)
			assert_true(len >= HBEAT_HDR_LEN + crypto_sign_BYTES);
		assert_int_not_equal(hbeat_verify(msg, len, pk, &at, &got), 0);
	}
}

/* Words a terminal or log could be fooled by are never built or read. */
static void
figures_checked(void **state)
{
	struct keys k;
	struct hbeat_figures f;
	uint8_t msg[HBEAT_MAX];
	size_t len;

	(void)state;
	crypto_sign_keypair(k.pk, k.sk);
	memset(k.id, 1, sizeof(k.id));
	memset(&f, 0, sizeof(f));
	snprintf(f.role, sizeof(f.role), "kiosk\n");
	f.interval_s = 60;
	assert_int_not_equal(
	    hbeat_build(msg, sizeof(msg), &len, k.id, 1, &f, k.sk), 0);
	snprintf(f.role, sizeof(f.role), "a b");
	assert_int_not_equal(
	    hbeat_build(msg, sizeof(msg), &len, k.id, 1, &f, k.sk), 0);
	snprintf(f.role, sizeof(f.role), "kiosk");
	assert_int_equal(
	    hbeat_build(msg, sizeof(msg), &len, k.id, 1, &f, k.sk), 0);
}

static void
hub_keeps_newer_only(void **state)
{
	char *dir = testutil_tmpdir(), path[PATH_MAX];
	uint8_t key[DB_KEY_LEN];
	struct inbox_device dev;
	struct devstate s, got;
	struct db *db;

	(void)state;
	snprintf(path, sizeof(path), "%s/inbox.db", dir);
	randombytes_buf(key, sizeof(key));
	db = db_open(path, key, &schema_hub);
	assert_non_null(db);
	memset(&dev, 0, sizeof(dev));
	randombytes_buf(dev.device_id, sizeof(dev.device_id));
	snprintf(dev.name, sizeof(dev.name), "kiosk-1");
	dev.enrolled_at = 1;
	assert_int_equal(inbox_device_add(db, &dev), 0);
	assert_int_equal(devstate_get(db, dev.device_id, &got), 1);
	memset(&s, 0, sizeof(s));
	snprintf(s.f.role, sizeof(s.f.role), "kiosk");
	snprintf(s.f.printer, sizeof(s.f.printer), "ok");
	s.f.interval_s = 300;
	s.f.dead = 2;
	/* The hub's clock far from the device's: only newer is taken. */
	s.seen_at = 100000000;
	s.sent_at = 900;
	assert_int_equal(
	    devstate_record(db, dev.device_id, &s), DEVSTATE_STORED);
	assert_int_equal(
	    devstate_record(db, dev.device_id, &s), DEVSTATE_STALE);
	s.sent_at = 800;
	s.f.dead = 0;
	assert_int_equal(
	    devstate_record(db, dev.device_id, &s), DEVSTATE_STALE);
	assert_int_equal(devstate_get(db, dev.device_id, &got), 0);
	assert_true(
	    got.f.dead == 2 && got.sent_at == 900 && got.seen_at == 100000000);
	s.sent_at = 901;
	assert_int_equal(
	    devstate_record(db, dev.device_id, &s), DEVSTATE_STORED);
	assert_int_equal(devstate_get(db, dev.device_id, &got), 0);
	assert_true(got.f.dead == 0 && got.sent_at == 901);
	assert_string_equal(got.f.role, "kiosk");
	assert_int_equal(got.f.interval_s, 300);
	/* A device clock set back: older than the last, but fresh by the
	 * hub's clock, so taken; the very same time again is not. */
	s.sent_at = s.seen_at - 1000;
	assert_int_equal(
	    devstate_record(db, dev.device_id, &s), DEVSTATE_STORED);
	s.seen_at += 60000;
	s.sent_at -= 10;
	s.f.dead = 5;
	assert_int_equal(
	    devstate_record(db, dev.device_id, &s), DEVSTATE_STORED);
	assert_int_equal(
	    devstate_record(db, dev.device_id, &s), DEVSTATE_STALE);
	assert_int_equal(devstate_get(db, dev.device_id, &got), 0);
	assert_true(got.f.dead == 5);
	db_close(db);
	testutil_rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(round_trip_and_tamper),
	    cmocka_unit_test(random_bytes_refused),
	    cmocka_unit_test(figures_checked),
	    cmocka_unit_test(hub_keeps_newer_only),
	};

	log_init("test_hbeat");
	log_quiet(1);
	jsonmem_init();
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
