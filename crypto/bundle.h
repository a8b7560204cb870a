#ifndef CRYPTO_BUNDLE_H
#define CRYPTO_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "crypto/envelope.h"

/*
 * A device bundle, written by `hubctl enroll` and installed on one kiosk
 * or SMS gateway: who the device is (id, signing key) and how it finds
 * and trusts the hub (URL, box and signing public keys, TLS certificate
 * and its public-key pin). JSON, mode 0600.
 */
#define BUNDLE_NAME_MAX 64
#define BUNDLE_URL_MAX 256
#define BUNDLE_PIN_MAX 128
#define BUNDLE_CERT_MAX 8192
#define BUNDLE_FILE_MAX 16384

struct bundle {
	char name[BUNDLE_NAME_MAX];
	uint8_t device_id[ENVELOPE_ID_LEN];
	uint8_t *sign_sk; /* sodium_malloc'd, crypto_sign_SECRETKEYBYTES */
	char hub_url[BUNDLE_URL_MAX];
	uint8_t hub_box_pk[crypto_box_PUBLICKEYBYTES];
	uint8_t hub_sign_pk[crypto_sign_PUBLICKEYBYTES];
	char hub_pin[BUNDLE_PIN_MAX]; /* "sha256//<base64>" */
	char hub_cert[BUNDLE_CERT_MAX]; /* PEM */
};

/* Allocates the locked key buffer; free with bundle_free. */
struct bundle *bundle_new(void);
void bundle_free(struct bundle *b);

/* Device names: 1-63 of [a-z0-9-], not starting with '-'. */
int bundle_name_valid(const char *name);

int bundle_save(const struct bundle *b, const char *path);
/* Secret file: refused if group or others may read it. */
struct bundle *bundle_load(const char *path);

#endif
