/*
 * libFuzzer target for smsd.conf: smsd's own handler and checks
 * (smsd_conf_load and its url_ok, and split_allow on the Kannel allow
 * list), which live in the program's files, so they are included here
 * with main renamed. The
 * input is written to a 0600 file and loaded as `smsd --config` would.
 */
#define main smsd_main_unused
#include "sms/smsd_conf.c"
#include "sms/smsd_main.c"
#undef main

#include "fuzz/fuzz_check.h"

static struct smsd_conf conf;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	const char *allow[SMS_MAX_ALLOW];
	char path[256];
	size_t n;

	if (!ready) {
		log_quiet(1);
		ready = 1;
	}
	fuzz_write(path, sizeof(path), "smsd.conf", data, size, 0600);
	if (smsd_conf_load(path, &conf) != 0)
		return 0;
	CHECK(!conf.bad);
	CHECK(conf.twilio || conf.kannel || conf.json);
	CHECK(conf.twilio_url[0] == '\0' || url_ok(conf.twilio_url));
	CHECK(strspn(conf.country_code, "0123456789") ==
	      strlen(conf.country_code));
	if (split_allow(conf.kannel_allow, allow, SMS_MAX_ALLOW, &n) == 0) {
		CHECK(n <= SMS_MAX_ALLOW);
		for (size_t i = 0; i < n; i++)
			CHECK(kannel_allow_entry_ok(allow[i]));
	}
	return 0;
}
