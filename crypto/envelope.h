#ifndef CRYPTO_ENVELOPE_H
#define CRYPTO_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

/*
 * "RJE1" | kind u8 | flags u8 | reserved u16 | device_id[16] |
 * envelope_id[16] | created_at u64 BE | sealed_len u32 BE |
 * crypto_box_seal(payload, hub_box_pk) | Ed25519 signature by the device
 * over every byte before it.
 */
#define ENVELOPE_MAGIC "RJE1"
#define ENVELOPE_ID_LEN 16
#define ENVELOPE_HDR_LEN 52
#define ENVELOPE_SIG_LEN crypto_sign_BYTES
#define ENVELOPE_MAX 65536
#define ENVELOPE_OVERHEAD                                                      \
	(ENVELOPE_HDR_LEN + crypto_box_SEALBYTES + ENVELOPE_SIG_LEN)
#define ENVELOPE_PAYLOAD_MAX (ENVELOPE_MAX - ENVELOPE_OVERHEAD)
#define ENVELOPE_MIN (ENVELOPE_OVERHEAD + 1)

enum envelope_kind {
	ENVELOPE_REFERRAL = 1,
	ENVELOPE_WITHDRAWAL = 2,
	ENVELOPE_FOLLOWUP = 3,
};

struct envelope_hdr {
	uint8_t kind;
	uint8_t flags;
	uint8_t device_id[ENVELOPE_ID_LEN];
	uint8_t envelope_id[ENVELOPE_ID_LEN];
	uint64_t created_at;
	uint32_t sealed_len;
};

/*
 * Seal payload to the hub and sign the whole with the device key. A new
 * random envelope id is chosen and returned in hdr (may be NULL).
 */
int envelope_build(uint8_t *out, size_t outlen, size_t *written,
    struct envelope_hdr *hdr, enum envelope_kind kind,
    const uint8_t device_id[ENVELOPE_ID_LEN], uint64_t created_at,
    const uint8_t *payload, size_t payloadlen,
    const uint8_t hub_box_pk[crypto_box_PUBLICKEYBYTES],
    const uint8_t device_sk[crypto_sign_SECRETKEYBYTES]);

/*
 * Which device claims to have sent this? Only the framing (magic, length,
 * version) is checked: the answer is untrusted until envelope_verify
 * succeeds with that device's key.
 */
int envelope_claimed_device(uint8_t device_id[ENVELOPE_ID_LEN],
    const uint8_t *in, size_t inlen) __attribute__((warn_unused_result));

/*
 * Check limits and the device signature first; only then parse and fill
 * hdr. Returns 0 when the envelope is well formed and signed by device_pk.
 */
int envelope_verify(struct envelope_hdr *hdr, const uint8_t *in, size_t inlen,
    const uint8_t device_pk[crypto_sign_PUBLICKEYBYTES])
    __attribute__((warn_unused_result));

/*
 * Verify, then unseal with the hub's box keypair into out (a sodium_malloc
 * buffer of at least ENVELOPE_PAYLOAD_MAX bytes is always enough).
 */
int envelope_open(uint8_t *out, size_t outlen, size_t *plainlen,
    struct envelope_hdr *hdr, const uint8_t *in, size_t inlen,
    const uint8_t device_pk[crypto_sign_PUBLICKEYBYTES],
    const uint8_t hub_box_pk[crypto_box_PUBLICKEYBYTES],
    const uint8_t hub_box_sk[crypto_box_SECRETKEYBYTES])
    __attribute__((warn_unused_result));

/* Hex form of an envelope id (32 chars + NUL) for logs and the API. */
void envelope_id_hex(
    char out[2 * ENVELOPE_ID_LEN + 1], const uint8_t id[ENVELOPE_ID_LEN]);

#endif
