/* refgen: prints one new reference code (tests use it to build payloads). */
#include <stdio.h>

#include <sodium.h>

#include "crypto/refcode.h"

int
main(void)
{
	char code[REFCODE_BUFLEN];

	if (sodium_init() < 0 || refcode_generate(code, sizeof(code)) != 0)
		return 1;
	puts(code);
	return 0;
}
