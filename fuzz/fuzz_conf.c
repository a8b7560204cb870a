/*
 * libFuzzer target for configuration files: util/conf (inih with our
 * comment rule and value checks) and the handlers in librj, kioskd's
 * kiosk/kconf and the listener settings every daemon shares
 * (net/netconf). The input is written to a 0600 file and parsed.
 *
 * What conf_parse hands a handler never holds a comment (" #", " ;") or
 * ends in a space or tab, and fits CONF_VALUE_MAX; each value is also
 * fed to the conf_* value checks, which must agree with their contract.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz/fuzz_check.h"
#include "kiosk/kconf.h"
#include "net/netconf.h"
#include "util/conf.h"
#include "util/log.h"

static struct kconf kc;

struct seen {
	struct netconf net;
	int bad;
	int calls;
};

static int
record(void *user, const char *section, const char *name, const char *value)
{
	struct seen *s = user;
	size_t n = strlen(value);
	char small[8], digits[16];
	int i, b;

	s->calls++;
	CHECK(section != NULL && name != NULL);
	CHECK(n < 1024);
	CHECK(n == 0 || (value[n - 1] != ' ' && value[n - 1] != '\t'));
	for (size_t k = 1; k < n; k++)
		CHECK(!((value[k] == '#' || value[k] == ';') &&
			(value[k - 1] == ' ' || value[k - 1] == '\t')));
	if (conf_str(small, sizeof(small), value) == 0)
		CHECK(n < sizeof(small) && strcmp(small, value) == 0);
	else
		CHECK(n >= sizeof(small));
	if (conf_digits(digits, sizeof(digits), value) == 0)
		CHECK(strspn(value, "0123456789") == n && n < sizeof(digits));
	if (conf_int(&i, value, -5, 70000) == 0)
		CHECK(i >= -5 && i <= 70000);
	if (conf_bool(&b, value) == 0)
		CHECK(b == 0 || b == 1);
	/* Every name is offered to the shared listener settings. */
	(void)netconf_set(&s->net, name, value, &s->bad);
	/* Keep going after a bad value: reach every line. */
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct seen s;
	char path[256];

	if (!ready) {
		log_quiet(1);
		ready = 1;
	}
	fuzz_write(path, sizeof(path), "fuzz.conf", data, size, 0600);
	memset(&s, 0, sizeof(s));
	netconf_defaults(&s.net, 8443);
	if (conf_parse(path, record, &s, &s.bad) == 0) {
		CHECK(!s.bad);
		(void)netconf_check(&s.net, path);
	}
	memset(&kc, 0, sizeof(kc));
	if (kconf_load(path, &kc) == 0) {
		CHECK(!kc.bad);
		CHECK(kc.bundle[0] != '\0');
		CHECK(memchr(kc.venue_code, '\0', sizeof(kc.venue_code)));
		CHECK(
		    memchr(kc.service_number, '\0', sizeof(kc.service_number)));
		CHECK(kc.paper_width % 8 == 0);
	}
	return 0;
}
