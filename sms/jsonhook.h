#ifndef SMS_JSONHOOK_H
#define SMS_JSONHOOK_H

#include <stddef.h>
#include <stdint.h>

#include "sms/provider.h"

/*
 * A generic JSON webhook, for a provider or a bridge of our own. The
 * provider object is jsonhook_provider in sms/provider.h.
 *
 *   POST, Content-Type: application/json
 *   X-Timestamp: <Unix seconds, decimal>
 *   X-Signature: <hex of HMAC-SHA256(secret, X-Timestamp value + body)>
 *   {"from": "+447700900123", "to": "+447700900000", "text": "HELLO",
 *    "id": "msg-123", "timestamp": 1700000000}
 *
 * The signature is lowercase or uppercase hex (64 digits), over the
 * timestamp exactly as sent followed by the raw body bytes. A timestamp
 * more than SMS_MAX_SKEW seconds (or the configured max_skew) away from
 * our clock, in the past or the future, is refused, so a captured request
 * cannot be replayed later; within that window the message id catches a
 * replay. "to" may be left out; "timestamp" in the body must equal the
 * header.
 *
 * The answer is application/json: {"reply": "text"} or {"reply": null}.
 */
#define JSONHOOK_SIG_HEX 64
#define JSONHOOK_TS_MAX 12 /* digits */

int jsonhook_signature(const char *secret, size_t secretlen,
    const char *timestamp, const uint8_t *body, size_t bodylen,
    char out[JSONHOOK_SIG_HEX + 1]);

#endif
