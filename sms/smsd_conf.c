/* smsd.conf: its settings handler, defaults and checks. */
#include <stdio.h>
#include <string.h>

#include "net/heartbeat.h"
#include "sms/smsd_conf.h"
#include "util/conf.h"
#include "util/log.h"

#define SMSD_PORT 8444

static int
conf_handler(
    void *user, const char *section, const char *name, const char *value)
{
	struct smsd_conf *c = user;
	int rc = -1;

#define IS(s, n) (strcmp(section, s) == 0 && strcmp(name, n) == 0)
	if (strcmp(section, "smsd") == 0 &&
	    netconf_set(&c->net, name, value, &c->bad))
		return !c->bad;
	if (IS("smsd", "device_bundle"))
		rc = conf_str(c->bundle, sizeof(c->bundle), value);
	else if (IS("smsd", "database"))
		rc = conf_str(c->database, sizeof(c->database), value);
	else if (IS("smsd", "database_key"))
		rc = conf_str(c->database_key, sizeof(c->database_key), value);
	else if (IS("smsd", "secrets"))
		rc = conf_str(c->secrets, sizeof(c->secrets), value);
	else if (IS("smsd", "content"))
		rc = conf_str(c->content, sizeof(c->content), value);
	else if (IS("smsd", "language"))
		rc = conf_str(c->language, sizeof(c->language), value);
	else if (IS("smsd", "country_code"))
		rc = conf_digits(
		    c->country_code, sizeof(c->country_code), value);
	else if (IS("smsd", "consent_words"))
		rc =
		    conf_str(c->consent_words, sizeof(c->consent_words), value);
	else if (IS("smsd", "exit_word"))
		rc = conf_str(c->exit_word, sizeof(c->exit_word), value);
	else if (IS("smsd", "idle_timeout_hours"))
		rc = conf_int(&c->idle_hours, value, 1, 24 * 30);
	else if (IS("smsd", "link_keep_days"))
		rc = conf_int(&c->link_keep_days, value, 1, 3650);
	else if (IS("smsd", "sender_max_per_hour"))
		rc = conf_int(&c->sender_max, value, 1, 100000);
	else if (IS("smsd", "global_max_per_minute"))
		rc = conf_int(&c->global_max, value, 1, 1000000);
	else if (IS("smsd", "heartbeat_seconds"))
		rc = conf_int(&c->heartbeat_s, value, 1, HEARTBEAT_MAX_S);
	else if (IS("twilio", "enabled"))
		rc = conf_bool(&c->twilio, value);
	else if (IS("twilio", "public_url"))
		rc = conf_str(c->twilio_url, sizeof(c->twilio_url), value);
	else if (IS("kannel", "enabled"))
		rc = conf_bool(&c->kannel, value);
	else if (IS("kannel", "allow"))
		rc = conf_str(c->kannel_allow, sizeof(c->kannel_allow), value);
	else if (IS("json", "enabled"))
		rc = conf_bool(&c->json, value);
	else if (IS("json", "max_skew_seconds"))
		rc = conf_int(&c->json_max_skew, value, 1, 3600);
	else {
		log_err("config: unknown setting [%s] %s", section, name);
		c->bad = 1;
		return 0;
	}
#undef IS
	if (rc != 0) {
		log_err("config: bad value for [%s] %s", section, name);
		c->bad = 1;
		return 0;
	}
	return 1;
}

static int
url_ok(const char *u)
{
	if (strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0)
		return 0;
	for (; *u != '\0'; u++)
		if ((unsigned char)*u <= ' ' || (unsigned char)*u >= 0x7f)
			return 0;
	return 1;
}

static const char *const smsd_sections[] = {
    "smsd", "twilio", "kannel", "json", NULL};

int
smsd_conf_load(const char *path, struct smsd_conf *c)
{
	memset(c, 0, sizeof(*c));
	netconf_defaults(&c->net, SMSD_PORT);
	/* No worker waits for the group commit (a webhook is answered
	 * later, server_later): the server's default few are enough. */
	snprintf(c->language, sizeof(c->language), "en");
	/* A London service: numbers in national form are UK numbers. */
	snprintf(c->country_code, sizeof(c->country_code), "44");
	c->heartbeat_s = HEARTBEAT_DEFAULT_S;
	if (conf_parse_sections(
		path, smsd_sections, conf_handler, c, &c->bad) != 0)
		return -1;
	if ((conf_need(path, "smsd", "device_bundle", c->bundle,
		 "the file hubctl enroll wrote") |
		conf_need(path, "smsd", "database", c->database,
		    "a path (created on first start)") |
		conf_need(path, "smsd", "database_key", c->database_key,
		    "a path (created with the database)") |
		conf_need(path, "smsd", "secrets", c->secrets,
		    "the provider secrets file (docs/sms.md)") |
		conf_need(path, "smsd", "content", c->content,
		    "the content/ folder")) != 0)
		return -1;
	if (netconf_check(&c->net, path) != 0)
		return -1;
	if (!c->twilio && !c->kannel && !c->json) {
		log_err("%s: enable at least one of [twilio] [kannel] [json]",
		    path);
		return -1;
	}
	if (c->twilio && c->twilio_url[0] == '\0') {
		log_err("%s: [twilio] needs public_url, the exact URL set in "
			"the Twilio console",
		    path);
		return -1;
	}
	/* Twilio signs the exact URL: one with a space or a stray word in
	 * it would refuse every genuine request. */
	if (c->twilio_url[0] != '\0' && !url_ok(c->twilio_url)) {
		log_err("%s: [twilio] public_url must be one https:// URL "
			"with no spaces",
		    path);
		return -1;
	}
	return 0;
}
