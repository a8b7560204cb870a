#include <string.h>

#include "crypto/envelope.h"
#include "util/log.h"

_Static_assert(
    ENVELOPE_HDR_LEN == 4 + 1 + 1 + 2 + 16 + 16 + 8 + 4, "header layout");
_Static_assert(ENVELOPE_PAYLOAD_MAX > 0, "payload room");

static void
put_be(uint8_t *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static uint64_t
get_be(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

static int
kind_known(uint8_t kind)
{
	return kind == ENVELOPE_REFERRAL || kind == ENVELOPE_WITHDRAWAL ||
	       kind == ENVELOPE_FOLLOWUP;
}

int
envelope_build(uint8_t *out, size_t outlen, size_t *written,
    struct envelope_hdr *hdr, enum envelope_kind kind,
    const uint8_t device_id[ENVELOPE_ID_LEN], uint64_t created_at,
    const uint8_t *payload, size_t payloadlen,
    const uint8_t hub_box_pk[crypto_box_PUBLICKEYBYTES],
    const uint8_t device_sk[crypto_sign_SECRETKEYBYTES])
{
	size_t sealed_len, total;
	uint8_t *p = out;

	if (payloadlen == 0 || payloadlen > ENVELOPE_PAYLOAD_MAX ||
	    !kind_known((uint8_t)kind)) {
		log_err("envelope: payload of %zu bytes or kind %d refused",
		    payloadlen, (int)kind);
		return -1;
	}
	sealed_len = payloadlen + crypto_box_SEALBYTES;
	total = ENVELOPE_HDR_LEN + sealed_len + ENVELOPE_SIG_LEN;
	if (outlen < total) {
		log_err("envelope: output buffer too small");
		return -1;
	}
	memcpy(p, ENVELOPE_MAGIC, 4);
	p[4] = (uint8_t)kind;
	p[5] = 0;
	p[6] = 0;
	p[7] = 0;
	memcpy(p + 8, device_id, ENVELOPE_ID_LEN);
	randombytes_buf(p + 24, ENVELOPE_ID_LEN);
	put_be(p + 40, created_at, 8);
	put_be(p + 48, sealed_len, 4);
	if (crypto_box_seal(
		p + ENVELOPE_HDR_LEN, payload, payloadlen, hub_box_pk) != 0) {
		log_err("envelope: sealing failed");
		goto fail;
	}
	if (crypto_sign_detached(p + ENVELOPE_HDR_LEN + sealed_len, NULL, p,
		ENVELOPE_HDR_LEN + sealed_len, device_sk) != 0) {
		log_err("envelope: signing failed");
		goto fail;
	}
	if (hdr != NULL) {
		hdr->kind = (uint8_t)kind;
		hdr->flags = 0;
		memcpy(hdr->device_id, device_id, ENVELOPE_ID_LEN);
		memcpy(hdr->envelope_id, p + 24, ENVELOPE_ID_LEN);
		hdr->created_at = created_at;
		hdr->sealed_len = (uint32_t)sealed_len;
	}
	*written = total;
	return 0;
fail:
	sodium_memzero(out, total);
	return -1;
}

/* Framing only: magic and the total length implied by sealed_len. */
static int
check_frame(const uint8_t *in, size_t inlen)
{
	uint64_t sealed_len;

	if (inlen < ENVELOPE_MIN || inlen > ENVELOPE_MAX)
		return -1;
	if (memcmp(in, ENVELOPE_MAGIC, 4) != 0)
		return -1;
	sealed_len = get_be(in + 48, 4);
	if (sealed_len <= crypto_box_SEALBYTES ||
	    ENVELOPE_HDR_LEN + sealed_len + ENVELOPE_SIG_LEN != inlen)
		return -1;
	return 0;
}

int
envelope_claimed_device(
    uint8_t device_id[ENVELOPE_ID_LEN], const uint8_t *in, size_t inlen)
{
	if (check_frame(in, inlen) != 0)
		return -1;
	memcpy(device_id, in + 8, ENVELOPE_ID_LEN);
	return 0;
}

int
envelope_verify(struct envelope_hdr *hdr, const uint8_t *in, size_t inlen,
    const uint8_t device_pk[crypto_sign_PUBLICKEYBYTES])
{
	size_t signed_len;

	if (check_frame(in, inlen) != 0) {
		log_warn("envelope: malformed framing or size");
		return -1;
	}
	signed_len = inlen - ENVELOPE_SIG_LEN;
	if (crypto_sign_verify_detached(
		in + signed_len, in, signed_len, device_pk) != 0) {
		log_warn("envelope: bad device signature");
		return -1;
	}
	/* Signed by the device, but a newer or broken device may still
	 * send a kind or flag this version does not understand. */
	if (!kind_known(in[4]) || in[5] != 0 || in[6] != 0 || in[7] != 0) {
		log_warn("envelope: unknown kind or flags");
		return -1;
	}
	hdr->kind = in[4];
	hdr->flags = in[5];
	memcpy(hdr->device_id, in + 8, ENVELOPE_ID_LEN);
	memcpy(hdr->envelope_id, in + 24, ENVELOPE_ID_LEN);
	hdr->created_at = get_be(in + 40, 8);
	hdr->sealed_len = (uint32_t)get_be(in + 48, 4);
	return 0;
}

int
envelope_open(uint8_t *out, size_t outlen, size_t *plainlen,
    struct envelope_hdr *hdr, const uint8_t *in, size_t inlen,
    const uint8_t device_pk[crypto_sign_PUBLICKEYBYTES],
    const uint8_t hub_box_pk[crypto_box_PUBLICKEYBYTES],
    const uint8_t hub_box_sk[crypto_box_SECRETKEYBYTES])
{
	size_t len;

	if (envelope_verify(hdr, in, inlen, device_pk) != 0)
		return -1;
	len = hdr->sealed_len - crypto_box_SEALBYTES;
	if (outlen < len) {
		log_err("envelope: output buffer too small");
		return -1;
	}
	if (crypto_box_seal_open(out, in + ENVELOPE_HDR_LEN, hdr->sealed_len,
		hub_box_pk, hub_box_sk) != 0) {
		log_warn("envelope: cannot open (not sealed to this hub)");
		return -1;
	}
	*plainlen = len;
	return 0;
}

void
envelope_id_hex(
    char out[2 * ENVELOPE_ID_LEN + 1], const uint8_t id[ENVELOPE_ID_LEN])
{
	sodium_bin2hex(out, 2 * ENVELOPE_ID_LEN + 1, id, ENVELOPE_ID_LEN);
}
