#ifndef HUB_STAFFAUTH_H
#define HUB_STAFFAUTH_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "store/staff.h"

/*
 * A staff machine's request to hubd, signed with its staff credential:
 *
 *   "RJP1" | staff_id[16] | Ed25519 signature[64] | JSON
 *
 * The signature covers "RJP1" | path | NUL | staff_id | JSON, so a
 * request signed for one endpoint cannot be posted to another. hubd
 * checks it before the JSON is parsed; the JSON carries the time the
 * request was made ("at"), which hubd accepts once (store/staff.h).
 */
#define STAFFAUTH_MAGIC "RJP1"
#define STAFFAUTH_HDR_LEN (4 + STAFF_ID_LEN + crypto_sign_BYTES)
#define STAFFAUTH_JSON_MAX (32 * 1024)
#define STAFFAUTH_PATH_MAX 64
#define STAFFAUTH_BODY_MAX (STAFFAUTH_HDR_LEN + STAFFAUTH_JSON_MAX)

int staffauth_sign(uint8_t *out, size_t cap, size_t *len, const char *path,
    const uint8_t id[STAFF_ID_LEN],
    const uint8_t sk[crypto_sign_SECRETKEYBYTES], const char *json,
    size_t jlen);

/* Which credential claims to have signed this? Framing only: untrusted
 * until staffauth_verify succeeds with that credential's key. */
int staffauth_claimed(uint8_t id[STAFF_ID_LEN], const uint8_t *body, size_t len)
    __attribute__((warn_unused_result));

/* 0 when body is signed by pk for path; *json then points into body. */
int staffauth_verify(const uint8_t *body, size_t len, const char *path,
    const uint8_t pk[crypto_sign_PUBLICKEYBYTES], const uint8_t **json,
    size_t *jlen) __attribute__((warn_unused_result));

#endif
