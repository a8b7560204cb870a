/*
 * libFuzzer target for hubd.conf: hubd's own handler and checks
 * (load_conf), which live in the program file, so it is included here
 * with its main renamed (fuzz.mk links the program's other files). The input is
 * written to a 0600 file and loaded as `hubd --config` would.
 */
#define main hubd_main_unused
#include "hub/hubd_main.c"
#undef main

#include "fuzz/fuzz_check.h"

static struct hubd_conf conf;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	char path[256];

	if (!ready) {
		log_quiet(1);
		ready = 1;
	}
	fuzz_write(path, sizeof(path), "hubd.conf", data, size, 0600);
	if (load_conf(path, &conf) != 0)
		return 0;
	CHECK(!conf.bad);
	CHECK(conf.sign_key[0] != '\0' && conf.inbox[0] != '\0' &&
	      conf.inbox_key[0] != '\0');
	CHECK(conf.keep_days >= 0 && conf.keep_days <= HUBD_KEEP_DAYS_MAX);
	return 0;
}
