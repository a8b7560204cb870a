#ifndef CRYPTO_KEYS_H
#define CRYPTO_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

/*
 * Key files: "RJK1" | type u8 | protection u8 | flags u8 | reserved u8 |
 * keylen u16 BE, then either the raw key, or, when protected by a
 * passphrase, salt[16] | opslimit u64 BE | memlimit u64 BE | nonce[24] |
 * XChaCha20-Poly1305(key) with every header byte as associated data.
 * With flags bit 0 (every file written now) the file ends with
 * BLAKE2b-256("rj key file checksum v1" | every byte before it), so a
 * damaged file is refused as damaged, never used. Files without it
 * (written before) are still read, with a warning. Binary on purpose: a
 * secret never passes through a text parser's heap.
 */
enum keys_type {
	KEYS_SIGN_SECRET = 1, /* Ed25519 secret key (64 bytes) */
	KEYS_SIGN_PUBLIC = 2, /* Ed25519 public key (32) */
	KEYS_BOX_SECRET = 3, /* X25519 secret key (32) */
	KEYS_BOX_PUBLIC = 4, /* X25519 public key (32) */
	KEYS_SYMMETRIC = 5, /* 32 random bytes: database key, HMAC secret */
};

#define KEYS_MAX_LEN 64
#define KEYS_FILE_MAX 256
#define KEYS_PASS_MAX 1024

/* Returned by keys_load besides -1: the first two so a caller can ask
 * again, the last so it never does (asking cannot mend a file). */
#define KEYS_EPASS                                                             \
	(-2) /* wrong passphrase (or, without a checksum, damage)              \
	      */
#define KEYS_ENEEDPASS (-3) /* the file is protected, no passphrase given */
#define KEYS_EDAMAGED (-4) /* checksum, header or key halves do not match */

struct keys_kdf {
	unsigned long long opslimit;
	size_t memlimit;
};
/* For staff-machine keys: ~0.5-1 s and 256 MiB on a laptop. */
#define KEYS_KDF_MODERATE                                                      \
	((struct keys_kdf){                                                    \
	    crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE})
/* For tests and demos only. */
#define KEYS_KDF_INTERACTIVE                                                   \
	((struct keys_kdf){crypto_pwhash_OPSLIMIT_INTERACTIVE,                 \
	    crypto_pwhash_MEMLIMIT_INTERACTIVE})

size_t keys_len(enum keys_type type);
int keys_is_secret(enum keys_type type);

/*
 * Save a key. Secret types get mode 0600 and are never written over an
 * existing file. pass == NULL saves without passphrase protection.
 */
int keys_save(const char *path, enum keys_type type, const uint8_t *key,
    size_t keylen, const char *pass, size_t passlen,
    const struct keys_kdf *kdf);

/*
 * Load a key of the given type into out (outlen must be keys_len(type)).
 * Secret key files readable by group or others are refused; a damaged
 * file (checksum, or an Ed25519 secret key whose halves disagree) is
 * KEYS_EDAMAGED, with a message naming the file and what to do.
 */
int keys_load(const char *path, enum keys_type type, uint8_t *out,
    size_t outlen, const char *pass, size_t passlen)
    __attribute__((warn_unused_result));

/*
 * 0 when an Ed25519 secret key (seed | public key) holds the public key
 * its seed derives, -1 when a half is damaged.
 */
int keys_sign_sk_check(const uint8_t sk[crypto_sign_SECRETKEYBYTES])
    __attribute__((warn_unused_result));

/* 1 if the file is passphrase-protected, 0 if not, -1 on error. */
int keys_is_protected(const char *path);

/*
 * Read a passphrase into out (caller's sodium_malloc buffer): from file
 * when given (first line, mode 0600 required), else from the terminal
 * with echo off. *len excludes the NUL.
 */
int keys_passphrase_read(const char *prompt, const char *file, char *out,
    size_t cap, size_t *len) __attribute__((warn_unused_result));

#endif
