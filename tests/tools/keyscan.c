/*
 * keyscan: can anything in these files open a referral sealed to the
 * hub? Tries every 32-byte window of every file as the X25519 secret
 * key of BOXPUB, and every key file with the passphrase (when given).
 * Prints what opened it and exits 1 if something did, 0 if nothing did.
 *
 *   keyscan BOXPUB PASSFILE|- FILE...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "crypto/keys.h"
#include "crypto/secmem.h"
#include "util/file.h"
#include "util/log.h"

#define SCAN_MAX (64 * 1024 * 1024)

static int
window_scan(const char *path, const uint8_t pk[crypto_box_PUBLICKEYBYTES])
{
	uint8_t *buf = NULL, derived[crypto_box_PUBLICKEYBYTES];
	size_t len = 0;
	int found = 0;

	if (file_read_alloc(path, SCAN_MAX, &buf, &len) != 0)
		return 0;
	for (size_t i = 0; !found && len >= crypto_box_SECRETKEYBYTES &&
			   i <= len - crypto_box_SECRETKEYBYTES;
	     i++) {
		crypto_scalarmult_base(derived, buf + i);
		if (sodium_memcmp(derived, pk, sizeof(derived)) == 0)
			found = 1;
	}
	sodium_memzero(buf, len);
	free(buf);
	return found;
}

static int
keyfile_scan(const char *path, const uint8_t pk[crypto_box_PUBLICKEYBYTES],
    const char *pass, size_t plen)
{
	uint8_t sk[crypto_box_SECRETKEYBYTES], derived[sizeof(sk)];
	int found = 0;

	log_quiet(1);
	if (keys_load(path, KEYS_BOX_SECRET, sk, sizeof(sk), pass, plen) == 0) {
		crypto_scalarmult_base(derived, sk);
		found = sodium_memcmp(derived, pk, sizeof(derived)) == 0;
	}
	sodium_memzero(sk, sizeof(sk));
	return found;
}

int
main(int argc, char **argv)
{
	uint8_t pk[crypto_box_PUBLICKEYBYTES];
	char *pass = NULL;
	size_t plen = 0;
	int any = 0;

	log_init("keyscan");
	if (argc < 3 || secmem_init() != 0) {
		fprintf(stderr, "usage: keyscan BOXPUB PASSFILE|- FILE...\n");
		return 2;
	}
	if (keys_load(argv[1], KEYS_BOX_PUBLIC, pk, sizeof(pk), NULL, 0) != 0)
		return 2;
	pass = sodium_malloc(KEYS_PASS_MAX);
	if (pass == NULL)
		return 2;
	if (strcmp(argv[2], "-") != 0 && keys_passphrase_read(NULL, argv[2],
					     pass, KEYS_PASS_MAX, &plen) != 0)
		return 2;
	for (int i = 3; i < argc; i++) {
		if (window_scan(argv[i], pk) ||
		    keyfile_scan(argv[i], pk, plen > 0 ? pass : NULL, plen)) {
			printf("OPENS REFERRALS: %s\n", argv[i]);
			any = 1;
		}
	}
	sodium_free(pass);
	return any;
}
