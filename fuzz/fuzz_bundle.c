/*
 * libFuzzer target for the device bundle (crypto/bundle): the input is
 * written as a 0600 bundle file and loaded. A bundle that loads has
 * every field NUL-terminated within its size, a valid device name, an
 * https:// hub URL and a sha256// pin, and saving it and loading it
 * again gives the same bundle.
 */
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "crypto/bundle.h"
#include "fuzz/fuzz_check.h"
#include "util/log.h"

#define TERMINATED(f) CHECK(memchr((f), '\0', sizeof(f)) != NULL)

static int
same(const struct bundle *a, const struct bundle *b)
{
	return strcmp(a->name, b->name) == 0 &&
	       memcmp(a->device_id, b->device_id, sizeof(a->device_id)) == 0 &&
	       sodium_memcmp(
		   a->sign_sk, b->sign_sk, crypto_sign_SECRETKEYBYTES) == 0 &&
	       strcmp(a->hub_url, b->hub_url) == 0 &&
	       memcmp(a->hub_box_pk, b->hub_box_pk, sizeof(a->hub_box_pk)) ==
		   0 &&
	       memcmp(a->hub_sign_pk, b->hub_sign_pk, sizeof(a->hub_sign_pk)) ==
		   0 &&
	       strcmp(a->hub_pin, b->hub_pin) == 0 &&
	       strcmp(a->hub_cert, b->hub_cert) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct bundle *b, *again;
	char path[256], copy[256];

	if (!ready) {
		CHECK(sodium_init() >= 0);
		log_quiet(1);
		ready = 1;
	}
	fuzz_write(path, sizeof(path), "device.bundle", data, size, 0600);
	if ((b = bundle_load(path)) == NULL)
		return 0;
	TERMINATED(b->name);
	TERMINATED(b->hub_url);
	TERMINATED(b->hub_pin);
	TERMINATED(b->hub_cert);
	CHECK(bundle_name_valid(b->name));
	CHECK(strncmp(b->hub_url, "https://", 8) == 0);
	CHECK(strncmp(b->hub_pin, "sha256//", 8) == 0);
	fuzz_write(copy, sizeof(copy), "copy.bundle", NULL, 0, 0600);
	CHECK(unlink(copy) == 0);
	CHECK(bundle_save(b, copy) == 0);
	CHECK((again = bundle_load(copy)) != NULL);
	CHECK(same(b, again));
	bundle_free(again);
	bundle_free(b);
	return 0;
}
