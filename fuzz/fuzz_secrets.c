/*
 * libFuzzer target for smsd's secrets file (sms/secrets): the input is
 * written to a 0600 file and loaded; every value found is read back
 * (and as a hex key where it could be one).
 */
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "fuzz/fuzz_check.h"
#include "sms/secrets.h"
#include "util/log.h"

static const char *const names[] = {"twilio_auth_token", "kannel_token",
    "json_secret", "state_key", "a", "_", ""};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct secrets *s;
	uint8_t key[32];
	char path[256];
	const char *v;
	size_t len;

	if (!ready) {
		CHECK(sodium_init() >= 0);
		log_quiet(1);
		ready = 1;
	}
	fuzz_write(path, sizeof(path), "secrets", data, size, 0600);
	if ((s = secrets_load(path)) == NULL)
		return 0;
	CHECK(size <= SECRETS_FILE_MAX);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if ((v = secrets_get(s, names[i], &len)) == NULL)
			continue;
		CHECK(strlen(v) == len);
		CHECK(len == 0 || (v[0] != ' ' && v[len - 1] != ' '));
		CHECK(strchr(v, '\n') == NULL);
		if (secrets_get_key(s, names[i], key, sizeof(key)) == 0)
			CHECK(len == 2 * sizeof(key));
	}
	secrets_free(s);
	return 0;
}
