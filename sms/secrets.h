#ifndef SMS_SECRETS_H
#define SMS_SECRETS_H

#include <stddef.h>
#include <stdint.h>

/*
 * smsd's secrets file: mode 0600 (a group- or other-readable file is
 * refused), one "name = value" a line, '#' starts a comment line. Names
 * are [a-z0-9_]; a value is the rest of the line without surrounding
 * blanks. A name given twice is an error. For example:
 *
 *   twilio_auth_token = 0123456789abcdef0123456789abcdef
 *   kannel_token = 9c1d...
 *   json_secret = 5f0e...
 *   state_key = <64 hex digits: openssl rand -hex 32>
 *
 * The whole file lives in one sodium_malloc buffer, read-only once
 * parsed and wiped when freed.
 */
#define SECRETS_FILE_MAX 8192
#define SECRETS_MAX 16
#define SECRETS_NAME_MAX 32

struct secrets;

struct secrets *secrets_load(const char *path);
void secrets_free(struct secrets *s);

/* The value (NUL-terminated, in locked memory) or NULL if absent; *len
 * may be NULL. */
const char *secrets_get(const struct secrets *s, const char *name, size_t *len);

/* A value written as exactly 2*outlen hex digits, decoded into out (the
 * caller's locked memory). */
int secrets_get_key(const struct secrets *s, const char *name, uint8_t *out,
    size_t outlen) __attribute__((warn_unused_result));

#endif
