/*
 * libFuzzer target for crypto/refcode: what a person typed as a reference
 * code (on the kiosk, after REF or STOP by SMS). A parsed code is always
 * the canonical form, parses again to itself, and fits REFCODE_BUFLEN.
 */
#include <stdint.h>
#include <string.h>

#include "crypto/refcode.h"
#include "fuzz/fuzz_check.h"
#include "util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[REFCODE_INPUT_MAX * 2 + 1];
	char out[REFCODE_BUFLEN], again[REFCODE_BUFLEN];
	char small[REFCODE_BUFLEN - 1];

	log_quiet(1);
	if (size >= sizeof(in))
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	/* A buffer one byte short is refused whatever the input. */
	CHECK(refcode_parse(small, sizeof(small), in) != 0);
	memset(out, 0x55, sizeof(out));
	if (refcode_parse(out, sizeof(out), in) != 0)
		return 0;
	CHECK(strlen(in) <= REFCODE_INPUT_MAX);
	CHECK(strlen(out) == REFCODE_LEN);
	for (size_t i = 0; i < REFCODE_LEN; i++) {
		if (i == 4 || i == 9 || i == 14)
			CHECK(out[i] == '-');
		else
			CHECK(strchr("0123456789ABCDEFGHJKMNPQRSTVWXYZ",
				  out[i]) != NULL);
	}
	CHECK(refcode_parse(again, sizeof(again), out) == 0);
	CHECK(strcmp(again, out) == 0);
	return 0;
}
