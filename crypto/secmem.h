#ifndef CRYPTO_SECMEM_H
#define CRYPTO_SECMEM_H

#include <stddef.h>

/*
 * Process set-up for anything that holds secrets: libsodium initialised,
 * core dumps off and the process not dumpable (no ptrace by other users,
 * no /proc/PID/mem reads). Call first thing in main().
 */
int secmem_init(void);

/* sodium_malloc that logs on failure; free with secmem_free. */
void *secmem_alloc(size_t len);
void secmem_free(void *p);

#endif
