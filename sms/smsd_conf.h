#ifndef SMS_SMSD_CONF_H
#define SMS_SMSD_CONF_H

#include "net/netconf.h"
#include "sms/dialog.h"

#define SMSD_CONF_STR 512
#define SMSD_ALLOW_TEXT_MAX 512

/* smsd.conf as read: [smsd], [twilio], [kannel], [json] (man smsd.conf). */
struct smsd_conf {
	struct netconf net;
	char bundle[SMSD_CONF_STR];
	char database[SMSD_CONF_STR];
	char database_key[SMSD_CONF_STR];
	char secrets[SMSD_CONF_STR];
	char content[SMSD_CONF_STR];
	char language[16];
	char country_code[4];
	char consent_words[DIALOG_WORDS_MAX];
	char exit_word[32];
	int idle_hours;
	int link_keep_days;
	int sender_max;
	int global_max;
	int heartbeat_s;
	/* Providers: enabled flags and their settings. */
	int twilio, kannel, json;
	char twilio_url[SMSD_CONF_STR];
	char kannel_allow[SMSD_ALLOW_TEXT_MAX];
	int json_max_skew;
	int bad;
};

/* Read and check path into c; -1 (logged) if it is not usable. */
int smsd_conf_load(const char *path, struct smsd_conf *c);

#endif
