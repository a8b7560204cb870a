/*
 * libFuzzer target for crypto/envelope: what hubd reads from any device
 * (envelope_claimed_device, envelope_verify, envelope_open).
 *
 * The first input byte chooses what is done with the rest:
 *   bit 0: fix sealed_len to match the input's length, so the framing
 *          check passes and the signature check is reached;
 *   bit 1: sign the rest with the harness's fixed device key and append
 *          the signature, so the parser behind the signature is reached;
 *   bit 3: then also try to open it (a seal no device made must fail);
 *   bit 4: then flip one bit of it (it must no longer verify);
 *   bits 2 and 5: seal the rest as a payload with envelope_build and open
 *          it again (the round trip must give the payload back).
 * The public-key operations cost most of the time, so each extra one
 * runs only when its bit is set.
 * The raw input is always tried as it is too. A signed envelope must
 * verify exactly when its framing, kind and flags are valid, the header
 * must say what the bytes say, and one flipped byte must break it.
 */
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "crypto/envelope.h"
#include "fuzz/fuzz_check.h"
#include "util/log.h"

static uint8_t dev_pk[crypto_sign_PUBLICKEYBYTES];
static uint8_t dev_sk[crypto_sign_SECRETKEYBYTES];
static uint8_t box_pk[crypto_box_PUBLICKEYBYTES];
static uint8_t box_sk[crypto_box_SECRETKEYBYTES];
static uint8_t buf[ENVELOPE_MAX + 1];
static uint8_t plain[ENVELOPE_PAYLOAD_MAX];

static void
setup(void)
{
	uint8_t seed[crypto_sign_SEEDBYTES];

	CHECK(sodium_init() >= 0);
	log_quiet(1);
	/* Fixed test keys: a crash must reproduce from its input alone. */
	memset(seed, 0x42, sizeof(seed));
	CHECK(crypto_sign_seed_keypair(dev_pk, dev_sk, seed) == 0);
	memset(seed, 0x24, sizeof(seed));
	CHECK(crypto_box_seed_keypair(box_pk, box_sk, seed) == 0);
}

static uint64_t
be(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

static void
signed_path(const uint8_t *in, size_t len, uint8_t mode)
{
	struct envelope_hdr hdr;
	uint8_t id[ENVELOPE_ID_LEN];
	size_t total = len + ENVELOPE_SIG_LEN, plainlen, flip;
	uint64_t sealed;
	int framed, valid;

	if (total > ENVELOPE_MAX + 1)
		return;
	memcpy(buf, in, len);
	if ((mode & 1) && len >= ENVELOPE_HDR_LEN) {
		sealed = len - ENVELOPE_HDR_LEN;
		for (int i = 3; i >= 0; i--) {
			buf[48 + i] = (uint8_t)sealed;
			sealed >>= 8;
		}
	}
	crypto_sign_detached(buf + len, NULL, buf, len, dev_sk);
	framed = total >= ENVELOPE_MIN && total <= ENVELOPE_MAX &&
		 memcmp(buf, ENVELOPE_MAGIC, 4) == 0 &&
		 be(buf + 48, 4) > crypto_box_SEALBYTES &&
		 ENVELOPE_HDR_LEN + be(buf + 48, 4) + ENVELOPE_SIG_LEN == total;
	valid = framed && buf[4] >= ENVELOPE_REFERRAL &&
		buf[4] <= ENVELOPE_FOLLOWUP && buf[5] == 0 && buf[6] == 0 &&
		buf[7] == 0;
	CHECK((envelope_claimed_device(id, buf, total) == 0) == framed);
	if (framed)
		CHECK(memcmp(id, buf + 8, ENVELOPE_ID_LEN) == 0);
	CHECK((envelope_verify(&hdr, buf, total, dev_pk) == 0) == valid);
	if (!valid)
		return;
	CHECK(hdr.kind == buf[4] && hdr.flags == 0);
	CHECK(memcmp(hdr.device_id, buf + 8, ENVELOPE_ID_LEN) == 0);
	CHECK(memcmp(hdr.envelope_id, buf + 24, ENVELOPE_ID_LEN) == 0);
	CHECK(hdr.created_at == be(buf + 40, 8));
	CHECK(hdr.sealed_len == total - ENVELOPE_HDR_LEN - ENVELOPE_SIG_LEN);
	/* Not sealed by a real device: opening must fail cleanly. */
	if (mode & 8)
		CHECK(envelope_open(plain, sizeof(plain), &plainlen, &hdr, buf,
			  total, dev_pk, box_pk, box_sk) != 0);
	if (!(mode & 16))
		return;
	/* One flipped bit anywhere breaks the signature. */
	flip = be(buf + 40, 8) % total;
	buf[flip] ^= 0x01;
	CHECK(envelope_verify(&hdr, buf, total, dev_pk) != 0);
}

static void
round_trip(const uint8_t *in, size_t len)
{
	static const uint8_t dev_id[ENVELOPE_ID_LEN] = {1, 2, 3};
	struct envelope_hdr built, got;
	size_t written, plainlen;
	int kind = len > 0 ? 1 + in[0] % 3 : 1;

	if (envelope_build(buf, sizeof(buf), &written, &built,
		(enum envelope_kind)kind, dev_id, (uint64_t)len * 1000003, in,
		len, box_pk, dev_sk) != 0) {
		CHECK(len == 0 || len > ENVELOPE_PAYLOAD_MAX);
		return;
	}
	CHECK(written == len + ENVELOPE_OVERHEAD);
	CHECK(envelope_open(plain, sizeof(plain), &plainlen, &got, buf, written,
		  dev_pk, box_pk, box_sk) == 0);
	CHECK(plainlen == len && memcmp(plain, in, len) == 0);
	CHECK(
	    memcmp(&got.envelope_id, &built.envelope_id, ENVELOPE_ID_LEN) == 0);
	CHECK(got.kind == kind && got.created_at == (uint64_t)len * 1000003);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct envelope_hdr hdr;
	uint8_t id[ENVELOPE_ID_LEN];
	uint8_t mode;

	if (!ready) {
		setup();
		ready = 1;
	}
	if (size == 0)
		return 0;
	mode = data[0];
	data++;
	size--;
	if (envelope_claimed_device(id, data, size) == 0)
		CHECK(size >= ENVELOPE_MIN && size <= ENVELOPE_MAX);
	/* Nobody holds the fixed key's signature over fuzzed bytes. */
	CHECK(envelope_verify(&hdr, data, size, dev_pk) != 0);
	if (mode & 2)
		signed_path(data, size, mode);
	if ((mode & 0x24) == 0x24)
		round_trip(data, size);
	return 0;
}
