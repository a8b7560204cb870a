#ifndef CRYPTO_HBEAT_H
#define CRYPTO_HBEAT_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "crypto/envelope.h"

/*
 * A device's heartbeat to hubd: how it is doing, never anything about a
 * person. Signed with the device's key like an envelope, not sealed
 * (hubd, which cannot open envelopes, reads it):
 *
 *   "RJH1" | device_id[16] | sent_at u64 BE (ms) | len u16 BE |
 *   figures (JSON, len bytes) | Ed25519 signature over every byte before
 */
#define HBEAT_MAGIC "RJH1"
#define HBEAT_HDR_LEN 30
#define HBEAT_FIGURES_MAX 512
#define HBEAT_MAX (HBEAT_HDR_LEN + HBEAT_FIGURES_MAX + crypto_sign_BYTES)
#define HBEAT_WORD_MAX 32

struct hbeat_figures {
	char role[HBEAT_WORD_MAX]; /* "kiosk", "sms" */
	char version[HBEAT_WORD_MAX]; /* RJ_VERSION */
	int interval_s; /* how often the device says it will send */
	int64_t outbox; /* envelopes waiting */
	int64_t dead; /* dead letters */
	char printer[HBEAT_WORD_MAX]; /* "ok", a reason, or "" (none) */
};

/* 0 and *written bytes in out (HBEAT_MAX is always enough), or -1. */
int hbeat_build(uint8_t *out, size_t cap, size_t *written,
    const uint8_t device_id[ENVELOPE_ID_LEN], uint64_t sent_at_ms,
    const struct hbeat_figures *f,
    const uint8_t device_sk[crypto_sign_SECRETKEYBYTES]);

/* Who claims to have sent it: framing only, untrusted until verified. */
int hbeat_claimed_device(uint8_t device_id[ENVELOPE_ID_LEN], const uint8_t *in,
    size_t inlen) __attribute__((warn_unused_result));

/*
 * The signature first, with device_pk; only then the figures are read
 * (each word checked to be short, printable, no spaces or quotes).
 */
int hbeat_verify(const uint8_t *in, size_t inlen,
    const uint8_t device_pk[crypto_sign_PUBLICKEYBYTES], uint64_t *sent_at_ms,
    struct hbeat_figures *f) __attribute__((warn_unused_result));

#endif
