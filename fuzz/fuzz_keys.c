/*
 * libFuzzer target for key files (crypto/keys). The first input byte is
 * a mode, the second picks the key type; then
 *   mode bit 0 clear: the rest is a key file, loaded without a
 *     passphrase and, when it is protected with small enough KDF limits
 *     (so one run stays quick), with one;
 *   mode bit 0 set: the rest is key material, saved with keys_save
 *     (bit 1: protected by a passphrase, minimal KDF cost), then, with
 *     bit 2, one byte of the file changed (position and bits from the
 *     input), and loaded again. An unchanged file gives the key back; a
 *     changed protected file must never load.
 * keys_is_protected is asked about every file too.
 */
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "crypto/keys.h"
#include "fuzz/fuzz_check.h"
#include "util/log.h"

#define PASS "correct horse"

static uint8_t key[KEYS_MAX_LEN], got[KEYS_MAX_LEN];

static uint64_t
be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

static void
load_file(
    const char *path, enum keys_type type, const uint8_t *file, size_t len)
{
	size_t klen = keys_len(type);
	int rc;

	(void)keys_is_protected(path);
	rc = keys_load(path, type, got, klen, NULL, 0);
	/* An unprotected file of today's layout is its header and key. */
	if (rc == 0 && len == 10 + klen)
		CHECK(memcmp(got, file + 10, klen) == 0);
	/* Header 10, salt 16, the two KDF limits, nonce 24, sealed key and
	 * tag 16: only a file of that layout with small limits is tried with
	 * a passphrase, so one run stays quick (a file may ask for 1 GiB). */
	if (rc != KEYS_ENEEDPASS || len != 42 + 24 + klen + 16)
		return;
	if (be64(file + 26) > 4 || be64(file + 34) > 1024 * 1024)
		return;
	(void)keys_load(path, type, got, klen, PASS, strlen(PASS));
}

static void
save_and_load(const char *path, enum keys_type type, uint8_t mode,
    const uint8_t *in, size_t len)
{
	const struct keys_kdf kdf = {
	    crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};
	size_t klen = keys_len(type), flen = 0;
	int protect = (mode & 2) && keys_is_secret(type);
	uint8_t file[KEYS_FILE_MAX];
	int changed = 0, rc;
	FILE *f;

	memset(key, 0, sizeof(key));
	memcpy(key, in, len < klen ? len : klen);
	/* A signing key's halves must agree (keys_load checks): the input
	 * is its seed. */
	if (type == KEYS_SIGN_SECRET) {
		uint8_t seed[crypto_sign_SEEDBYTES],
		    pk[crypto_sign_PUBLICKEYBYTES];

		memcpy(seed, key, sizeof(seed));
		crypto_sign_seed_keypair(pk, key, seed);
	}
	(void)unlink(path);
	CHECK(keys_save(path, type, key, klen, protect ? PASS : NULL,
		  protect ? strlen(PASS) : 0, protect ? &kdf : NULL) == 0);
	if ((mode & 4) && len >= klen + 2) {
		CHECK((f = fopen(path, "r+b")) != NULL);
		flen = fread(file, 1, sizeof(file), f);
		CHECK(flen > 0);
		file[in[klen] % flen] ^= in[klen + 1];
		changed = in[klen + 1] != 0;
		rewind(f);
		CHECK(fwrite(file, 1, flen, f) == flen);
		CHECK(fclose(f) == 0);
	}
	CHECK(keys_is_protected(path) == protect || changed);
	/* A change may have raised the KDF limits up to what keys_load
	 * allows (16 passes over 1 GiB, many seconds): not with those. */
	if (changed && protect && flen == 42 + 24 + klen + 16 &&
	    (be64(file + 26) > 4 || be64(file + 34) > 1024 * 1024))
		return;
	rc = keys_load(path, type, got, klen, protect ? PASS : NULL,
	    protect ? strlen(PASS) : 0);
	if (!changed)
		CHECK(rc == 0 && memcmp(got, key, klen) == 0);
	else if (protect)
		CHECK(rc != 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	enum keys_type type;
	char path[256];
	uint8_t mode;

	if (!ready) {
		CHECK(sodium_init() >= 0);
		log_quiet(1);
		ready = 1;
	}
	if (size < 2 || size - 2 > KEYS_FILE_MAX)
		return 0;
	mode = data[0];
	type = (enum keys_type)(KEYS_SIGN_SECRET + data[1] % 5);
	if (mode & 1) {
		fuzz_write(path, sizeof(path), "key", NULL, 0, 0600);
		save_and_load(path, type, mode, data + 2, size - 2);
	} else {
		fuzz_write(path, sizeof(path), "key", data + 2, size - 2, 0600);
		load_file(path, type, data + 2, size - 2);
	}
	return 0;
}
