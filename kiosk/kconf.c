#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "kiosk/kconf.h"
#include "net/heartbeat.h"
#include "util/conf.h"
#include "util/log.h"

#define IDLE_WARN_MIN 5
#define IDLE_WARN_MAX 600
/* The issue and the safety rules: at least 20 seconds to carry on. */
#define IDLE_GRACE_MIN 20
#define IDLE_GRACE_MAX 120

static const char *const kconf_sections[] = {"kioskd", NULL};

static int
handler(void *user, const char *section, const char *name, const char *value)
{
	struct kconf *c = user;
	int rc;

	/* conf_parse_sections named it, with its line. */
	if (strcmp(section, "kioskd") != 0)
		return 1;
	if (netconf_set(&c->net, name, value, &c->bad))
		return !c->bad;
#define IS(n) (strcmp(name, n) == 0)
#define STR(f) conf_str(c->f, sizeof(c->f), value)
	if (IS("venue_name"))
		rc = STR(venue_name);
	else if (IS("venue_code"))
		rc = STR(venue_code);
	else if (IS("device_bundle"))
		rc = STR(bundle);
	else if (IS("database"))
		rc = STR(database);
	else if (IS("database_key"))
		rc = STR(database_key);
	else if (IS("content"))
		rc = STR(content);
	else if (IS("templates"))
		rc = STR(templates);
	else if (IS("static"))
		rc = STR(static_dir);
	else if (IS("languages"))
		rc = STR(languages);
	else if (IS("allow_drafts"))
		rc = conf_bool(&c->allow_drafts, value);
	else if (IS("easy_read"))
		rc = conf_bool(&c->easy_read, value);
	else if (IS("service_number"))
		rc = STR(service_number);
	else if (IS("service_number_display"))
		rc = STR(service_number_display);
	else if (IS("printer"))
		rc = STR(printer);
	else if (IS("paper_width"))
		rc = conf_int(&c->paper_width, value, 256, 832);
	else if (IS("idle_warning_seconds"))
		rc = conf_int(
		    &c->idle_warning_s, value, IDLE_WARN_MIN, IDLE_WARN_MAX);
	else if (IS("heartbeat_seconds"))
		rc = conf_int(&c->heartbeat_s, value, 1, HEARTBEAT_MAX_S);
	else if (IS("idle_grace_seconds"))
		rc = conf_int(
		    &c->idle_grace_s, value, IDLE_GRACE_MIN, IDLE_GRACE_MAX);
	else {
		log_err("config: unknown setting %s in [kioskd]", name);
		c->bad = 1;
		return 0;
	}
#undef STR
#undef IS
	if (rc != 0) {
		log_err("config: bad value for %s", name);
		c->bad = 1;
		return 0;
	}
	return 1;
}

static int
loopback(const char *addr)
{
	struct in_addr a4;
	struct in6_addr a6;

	/* Exactly the addresses pages may name in Host (kiosk.c). */
	if (inet_pton(AF_INET, addr, &a4) == 1)
		return ntohl(a4.s_addr) == INADDR_LOOPBACK;
	if (inet_pton(AF_INET6, addr, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return 0;
}

static int
venue_code_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 2 || n > 32)
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
			*s == '-'))
			return 0;
	return 1;
}

static int
number_ok(const char *s)
{
	size_t n = 0;

	if (*s++ != '+')
		return 0;
	for (; *s != '\0'; s++, n++)
		if (*s < '0' || *s > '9')
			return 0;
	return n >= 7 && n <= 15;
}

int
kconf_load(const char *path, struct kconf *c)
{
	int bad = 0;

	memset(c, 0, sizeof(*c));
	netconf_defaults(&c->net, KCONF_PORT);
	/* One visitor at a time, but Chromium opens several connections
	 * and keeps them alive: enough workers that its idle ones never
	 * hold up the next page, and a short keep-alive. */
	c->net.workers = 6;
	c->net.read_timeout_ms = 3000;
	snprintf(c->languages, sizeof(c->languages), "en");
	c->paper_width = 384;
	c->idle_warning_s = 90;
	c->idle_grace_s = 30;
	c->heartbeat_s = HEARTBEAT_DEFAULT_S;
	if (conf_parse_sections(path, kconf_sections, handler, c, &c->bad) != 0)
		bad = 1;
#define NEED(f, n)                                                             \
	do {                                                                   \
		if (c->f[0] == '\0') {                                         \
			log_err("%s: [kioskd] needs %s", path, n);             \
			bad = 1;                                               \
		}                                                              \
	} while (0)
	NEED(venue_name, "venue_name");
	NEED(venue_code, "venue_code");
	NEED(bundle, "device_bundle");
	NEED(database, "database");
	NEED(database_key, "database_key");
	NEED(content, "content");
	NEED(templates, "templates");
	NEED(static_dir, "static");
	NEED(service_number, "service_number");
	NEED(printer, "printer");
#undef NEED
	if (c->venue_code[0] != '\0' && !venue_code_ok(c->venue_code)) {
		log_err("%s: venue_code must be 2-32 of A-Z, 0-9 and -", path);
		bad = 1;
	}
	if (c->service_number[0] != '\0' && !number_ok(c->service_number)) {
		log_err("%s: service_number must be + and 7-15 digits", path);
		bad = 1;
	}
	if (c->service_number_display[0] == '\0')
		snprintf(c->service_number_display,
		    sizeof(c->service_number_display), "%s", c->service_number);
	if (!loopback(c->net.listen)) {
		log_err("%s: listen = %s: the kiosk serves loopback only "
			"(127.0.0.1 or ::1)",
		    path, c->net.listen);
		bad = 1;
	}
	if (c->net.tls_cert[0] != '\0' || c->net.tls_key[0] != '\0') {
		log_err("%s: tls_cert and tls_key do not apply: pages never "
			"leave this machine",
		    path);
		bad = 1;
	}
	if (c->paper_width % 8 != 0) {
		log_err("%s: paper_width must be a multiple of 8 (384 for "
			"58 mm, 576 for 80 mm)",
		    path);
		bad = 1;
	}
	return bad || c->bad ? -1 : 0;
}
