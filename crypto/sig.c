#include <string.h>

#include "crypto/sig.h"
#include "util/log.h"

static void
receipt_msg(uint8_t msg[SIG_RECEIPT_MSG_LEN],
    const uint8_t envelope_id[ENVELOPE_ID_LEN], uint64_t received_at)
{
	memcpy(msg, "RJR1", 4);
	memcpy(msg + 4, envelope_id, ENVELOPE_ID_LEN);
	for (int i = 7; i >= 0; i--) {
		msg[4 + ENVELOPE_ID_LEN + i] = (uint8_t)received_at;
		received_at >>= 8;
	}
}

int
sig_receipt_sign(uint8_t sig[SIG_RECEIPT_LEN],
    const uint8_t envelope_id[ENVELOPE_ID_LEN], uint64_t received_at,
    const uint8_t hub_sign_sk[crypto_sign_SECRETKEYBYTES])
{
	uint8_t msg[SIG_RECEIPT_MSG_LEN];

	receipt_msg(msg, envelope_id, received_at);
	if (crypto_sign_detached(sig, NULL, msg, sizeof(msg), hub_sign_sk) !=
	    0) {
		log_err("receipt: signing failed");
		return -1;
	}
	return 0;
}

int
sig_receipt_verify(const uint8_t sig[SIG_RECEIPT_LEN],
    const uint8_t envelope_id[ENVELOPE_ID_LEN], uint64_t received_at,
    const uint8_t hub_sign_pk[crypto_sign_PUBLICKEYBYTES])
{
	uint8_t msg[SIG_RECEIPT_MSG_LEN];

	receipt_msg(msg, envelope_id, received_at);
	if (crypto_sign_verify_detached(sig, msg, sizeof(msg), hub_sign_pk) !=
	    0) {
		log_warn("receipt: bad hub signature");
		return -1;
	}
	return 0;
}
