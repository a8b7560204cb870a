#ifndef CRYPTO_TLSCERT_H
#define CRYPTO_TLSCERT_H

#include <stddef.h>

/*
 * The hub's TLS identity: an ECDSA P-256 key and a self-signed
 * certificate naming the hub's host names and addresses. Devices trust
 * it through the certificate and the public-key pin in their bundle, so
 * no public CA is involved.
 */
#define TLSCERT_MAX_NAMES 8
#define TLSCERT_PEM_MAX 4096
#define TLSCERT_PIN_MAX 128

int tlscert_generate(const char *key_path, const char *cert_path,
    const char *const *names, size_t nnames, int days);

/* "sha256//<base64 of SHA-256 of the DER public key>", as curl's
 * CURLOPT_PINNEDPUBLICKEY and `curl --pinnedpubkey` take it. */
int tlscert_pin(const char *cert_pem, size_t pemlen, char *pin, size_t cap);
int tlscert_pin_file(const char *cert_path, char *pin, size_t cap);

/*
 * A daemon's check at start: the key parses, belongs to the certificate,
 * and the certificate's signature verifies with its own key when it is
 * self-signed (self_signed = 1: it must be, as the hub's always is), so
 * a damaged byte in either file is an error naming it, not a TLS failure
 * at every device. An expired certificate is a warning. 0 or -1.
 */
int tlscert_check(const char *key_path, const char *cert_path, int self_signed)
    __attribute__((warn_unused_result));

#endif
