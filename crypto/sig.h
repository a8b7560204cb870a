#ifndef CRYPTO_SIG_H
#define CRYPTO_SIG_H

#include <stdint.h>

#include <sodium.h>

#include "crypto/envelope.h"

/*
 * The hub's receipt: Ed25519 over "RJR1" | envelope_id | received_at u64 BE.
 * A device deletes an envelope only after this verifies with the hub
 * signing key from its bundle.
 */
#define SIG_RECEIPT_LEN crypto_sign_BYTES
#define SIG_RECEIPT_MSG_LEN (4 + ENVELOPE_ID_LEN + 8)

int sig_receipt_sign(uint8_t sig[SIG_RECEIPT_LEN],
    const uint8_t envelope_id[ENVELOPE_ID_LEN], uint64_t received_at,
    const uint8_t hub_sign_sk[crypto_sign_SECRETKEYBYTES]);

int sig_receipt_verify(const uint8_t sig[SIG_RECEIPT_LEN],
    const uint8_t envelope_id[ENVELOPE_ID_LEN], uint64_t received_at,
    const uint8_t hub_sign_pk[crypto_sign_PUBLICKEYBYTES])
    __attribute__((warn_unused_result));

#endif
