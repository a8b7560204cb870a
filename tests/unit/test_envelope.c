#include "tests/unit/testutil.h"

#include <sodium.h>

#include "crypto/envelope.h"
#include "crypto/sig.h"
#include "util/log.h"

struct fixture {
	uint8_t dev_pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t dev_sk[crypto_sign_SECRETKEYBYTES];
	uint8_t hub_pk[crypto_box_PUBLICKEYBYTES];
	uint8_t hub_sk[crypto_box_SECRETKEYBYTES];
	uint8_t dev_id[ENVELOPE_ID_LEN];
	uint8_t env[ENVELOPE_MAX + 64];
	size_t envlen;
	struct envelope_hdr hdr;
};

static const char payload[] =
    "{\"schema\":1,\"ref\":\"K7QD-M2XA-9RTF-C\",\"name\":\"PLANTED\"}";

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	crypto_sign_keypair(f->dev_pk, f->dev_sk);
	crypto_box_keypair(f->hub_pk, f->hub_sk);
	randombytes_buf(f->dev_id, sizeof(f->dev_id));
	if (envelope_build(f->env, sizeof(f->env), &f->envlen, &f->hdr,
		ENVELOPE_REFERRAL, f->dev_id, 1700000000123ULL,
		(const uint8_t *)payload, sizeof(payload) - 1, f->hub_pk,
		f->dev_sk) != 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	sodium_memzero(*state, sizeof(struct fixture));
	free(*state);
	return 0;
}

static void
round_trip(void **state)
{
	struct fixture *f = *state;
	struct envelope_hdr h;
	uint8_t out[ENVELOPE_PAYLOAD_MAX];
	size_t len = 0;
	uint8_t claimed[ENVELOPE_ID_LEN];

	assert_int_equal(f->envlen, ENVELOPE_OVERHEAD + sizeof(payload) - 1);
	assert_memory_equal(f->env, "RJE1", 4);
	assert_int_equal(
	    envelope_claimed_device(claimed, f->env, f->envlen), 0);
	assert_memory_equal(claimed, f->dev_id, ENVELOPE_ID_LEN);
	assert_int_equal(envelope_open(out, sizeof(out), &len, &h, f->env,
			     f->envlen, f->dev_pk, f->hub_pk, f->hub_sk),
	    0);
	assert_int_equal(len, sizeof(payload) - 1);
	assert_memory_equal(out, payload, len);
	assert_int_equal(h.kind, ENVELOPE_REFERRAL);
	assert_int_equal(h.created_at, 1700000000123ULL);
	assert_memory_equal(h.envelope_id, f->hdr.envelope_id, ENVELOPE_ID_LEN);
	assert_memory_equal(h.device_id, f->dev_id, ENVELOPE_ID_LEN);
	/* The plaintext must not be visible in the sealed bytes. */
	assert_null(memmem(f->env, f->envlen, "PLANTED", 7));
}

static void
every_flipped_byte_fails(void **state)
{
	struct fixture *f = *state;
	struct envelope_hdr h;

	for (size_t i = 0; i < f->envlen; i++) {
		for (int bit = 0; bit < 8; bit += 7) {
			f->env[i] ^= (uint8_t)(1u << bit);
			assert_int_not_equal(
			    envelope_verify(&h, f->env, f->envlen, f->dev_pk),
			    0);
			f->env[i] ^= (uint8_t)(1u << bit);
		}
	}
	assert_int_equal(envelope_verify(&h, f->env, f->envlen, f->dev_pk), 0);
}

static void
wrong_keys_fail(void **state)
{
	struct fixture *f = *state;
	struct envelope_hdr h;
	uint8_t pk[crypto_box_PUBLICKEYBYTES], sk[crypto_box_SECRETKEYBYTES];
	uint8_t spk[crypto_sign_PUBLICKEYBYTES],
	    ssk[crypto_sign_SECRETKEYBYTES];
	uint8_t out[ENVELOPE_PAYLOAD_MAX];
	size_t len;

	crypto_box_keypair(pk, sk);
	assert_int_not_equal(envelope_open(out, sizeof(out), &len, &h, f->env,
				 f->envlen, f->dev_pk, pk, sk),
	    0);
	crypto_sign_keypair(spk, ssk);
	assert_int_not_equal(envelope_verify(&h, f->env, f->envlen, spk), 0);
}

static void
truncated_and_oversized(void **state)
{
	struct fixture *f = *state;
	struct envelope_hdr h;
	static uint8_t big[ENVELOPE_MAX + 2];
	uint8_t sealed_big[ENVELOPE_PAYLOAD_MAX + 1];
	size_t len;

	for (size_t cut = 0; cut < f->envlen; cut++)
		assert_int_not_equal(
		    envelope_verify(&h, f->env, cut, f->dev_pk), 0);
	/* Trailing garbage is not tolerated either. */
	memcpy(big, f->env, f->envlen);
	assert_int_not_equal(
	    envelope_verify(&h, big, f->envlen + 1, f->dev_pk), 0);
	assert_int_not_equal(
	    envelope_verify(&h, big, sizeof(big), f->dev_pk), 0);
	/* Building one over the limit is refused, at the limit is fine. */
	memset(sealed_big, 'a', sizeof(sealed_big));
	assert_int_not_equal(envelope_build(big, sizeof(big), &len, NULL,
				 ENVELOPE_REFERRAL, f->dev_id, 1, sealed_big,
				 sizeof(sealed_big), f->hub_pk, f->dev_sk),
	    0);
	assert_int_equal(envelope_build(big, sizeof(big), &len, NULL,
			     ENVELOPE_REFERRAL, f->dev_id, 1, sealed_big,
			     ENVELOPE_PAYLOAD_MAX, f->hub_pk, f->dev_sk),
	    0);
	assert_int_equal(len, ENVELOPE_MAX);
	assert_int_equal(envelope_verify(&h, big, len, f->dev_pk), 0);
	/* An empty payload and a buffer too small are refused. */
	assert_int_not_equal(
	    envelope_build(big, sizeof(big), &len, NULL, ENVELOPE_REFERRAL,
		f->dev_id, 1, sealed_big, 0, f->hub_pk, f->dev_sk),
	    0);
	assert_int_not_equal(
	    envelope_build(big, 100, &len, NULL, ENVELOPE_REFERRAL, f->dev_id,
		1, sealed_big, 100, f->hub_pk, f->dev_sk),
	    0);
}

/* Re-sign a modified envelope so only the version/kind check can fail. */
static void
resign(struct fixture *f)
{
	size_t n = f->envlen - ENVELOPE_SIG_LEN;

	crypto_sign_detached(f->env + n, NULL, f->env, n, f->dev_sk);
}

static void
wrong_version_and_kind(void **state)
{
	struct fixture *f = *state;
	struct envelope_hdr h;
	uint8_t claimed[ENVELOPE_ID_LEN];

	f->env[3] = '2'; /* "RJE2" */
	resign(f);
	assert_int_not_equal(
	    envelope_verify(&h, f->env, f->envlen, f->dev_pk), 0);
	assert_int_not_equal(
	    envelope_claimed_device(claimed, f->env, f->envlen), 0);
	f->env[3] = '1';
	f->env[4] = 9; /* unknown kind */
	resign(f);
	assert_int_not_equal(
	    envelope_verify(&h, f->env, f->envlen, f->dev_pk), 0);
	f->env[4] = ENVELOPE_WITHDRAWAL;
	f->env[5] = 1; /* unknown flag */
	resign(f);
	assert_int_not_equal(
	    envelope_verify(&h, f->env, f->envlen, f->dev_pk), 0);
	f->env[5] = 0;
	resign(f);
	assert_int_equal(envelope_verify(&h, f->env, f->envlen, f->dev_pk), 0);
	assert_int_equal(h.kind, ENVELOPE_WITHDRAWAL);
	/* A sealed_len that disagrees with the size is refused. */
	f->env[51]++;
	resign(f);
	assert_int_not_equal(
	    envelope_verify(&h, f->env, f->envlen, f->dev_pk), 0);
}

static void
receipts(void **state)
{
	struct fixture *f = *state;
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	uint8_t sig[SIG_RECEIPT_LEN];

	crypto_sign_keypair(pk, sk);
	assert_int_equal(sig_receipt_sign(sig, f->hdr.envelope_id, 42, sk), 0);
	assert_int_equal(
	    sig_receipt_verify(sig, f->hdr.envelope_id, 42, pk), 0);
	assert_int_not_equal(
	    sig_receipt_verify(sig, f->hdr.envelope_id, 43, pk), 0);
	assert_int_not_equal(sig_receipt_verify(sig, f->dev_id, 42, pk), 0);
	/* A receipt signed by a device key is not the hub's receipt. */
	assert_int_not_equal(
	    sig_receipt_verify(sig, f->hdr.envelope_id, 42, f->dev_pk), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		every_flipped_byte_fails, setup, teardown),
	    cmocka_unit_test_setup_teardown(wrong_keys_fail, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		truncated_and_oversized, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		wrong_version_and_kind, setup, teardown),
	    cmocka_unit_test_setup_teardown(receipts, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	log_quiet(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
