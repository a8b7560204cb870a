#include <stdlib.h>
#include <string.h>

#include "hub/staffauth.h"
#include "util/log.h"

#define MAGIC_LEN 4

/* The signed message, in a malloc'd buffer (nothing in it is secret). */
static uint8_t *
message(const char *path, const uint8_t id[STAFF_ID_LEN], const uint8_t *json,
    size_t jlen, size_t *mlen)
{
	size_t plen = strlen(path);
	uint8_t *m, *p;

	if (plen == 0 || plen > STAFFAUTH_PATH_MAX ||
	    jlen > STAFFAUTH_JSON_MAX) {
		log_err("staffauth: path or request too long");
		return NULL;
	}
	*mlen = MAGIC_LEN + plen + 1 + STAFF_ID_LEN + jlen;
	m = malloc(*mlen);
	if (m == NULL) {
		log_err("out of memory");
		return NULL;
	}
	p = m;
	memcpy(p, STAFFAUTH_MAGIC, MAGIC_LEN);
	p += MAGIC_LEN;
	memcpy(p, path, plen + 1);
	p += plen + 1;
	memcpy(p, id, STAFF_ID_LEN);
	p += STAFF_ID_LEN;
	if (jlen > 0)
		memcpy(p, json, jlen);
	return m;
}

int
staffauth_sign(uint8_t *out, size_t cap, size_t *len, const char *path,
    const uint8_t id[STAFF_ID_LEN],
    const uint8_t sk[crypto_sign_SECRETKEYBYTES], const char *json, size_t jlen)
{
	uint8_t *m;
	size_t mlen = 0;

	if (cap < STAFFAUTH_HDR_LEN || jlen > cap - STAFFAUTH_HDR_LEN) {
		log_err("staffauth: request too long");
		return -1;
	}
	m = message(path, id, (const uint8_t *)json, jlen, &mlen);
	if (m == NULL)
		return -1;
	memcpy(out, STAFFAUTH_MAGIC, MAGIC_LEN);
	memcpy(out + MAGIC_LEN, id, STAFF_ID_LEN);
	crypto_sign_detached(out + MAGIC_LEN + STAFF_ID_LEN, NULL, m, mlen, sk);
	memcpy(out + STAFFAUTH_HDR_LEN, json, jlen);
	*len = STAFFAUTH_HDR_LEN + jlen;
	free(m);
	return 0;
}

int
staffauth_claimed(uint8_t id[STAFF_ID_LEN], const uint8_t *body, size_t len)
{
	if (len < STAFFAUTH_HDR_LEN || len > STAFFAUTH_BODY_MAX ||
	    memcmp(body, STAFFAUTH_MAGIC, MAGIC_LEN) != 0)
		return -1;
	memcpy(id, body + MAGIC_LEN, STAFF_ID_LEN);
	return 0;
}

int
staffauth_verify(const uint8_t *body, size_t len, const char *path,
    const uint8_t pk[crypto_sign_PUBLICKEYBYTES], const uint8_t **json,
    size_t *jlen)
{
	uint8_t id[STAFF_ID_LEN], *m;
	size_t mlen = 0;
	int rc;

	if (staffauth_claimed(id, body, len) != 0)
		return -1;
	m = message(
	    path, id, body + STAFFAUTH_HDR_LEN, len - STAFFAUTH_HDR_LEN, &mlen);
	if (m == NULL)
		return -1;
	rc = crypto_sign_verify_detached(
	    body + MAGIC_LEN + STAFF_ID_LEN, m, mlen, pk);
	free(m);
	if (rc != 0)
		return -1;
	*json = body + STAFFAUTH_HDR_LEN;
	*jlen = len - STAFFAUTH_HDR_LEN;
	return 0;
}
