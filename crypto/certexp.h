#ifndef CRYPTO_CERTEXP_H
#define CRYPTO_CERTEXP_H

#include <stddef.h>
#include <stdint.h>

/*
 * When the first certificate in pem (NUL-terminated, len without the
 * NUL) stops being valid, in seconds since 1970 UTC. For the doctor's
 * "renew before it expires" warning.
 */
int certexp_not_after(const char *pem, size_t len, int64_t *not_after_s);

#endif
