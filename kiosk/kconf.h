#ifndef KIOSK_KCONF_H
#define KIOSK_KCONF_H

#include <stddef.h>

#include "net/netconf.h"

/* kioskd.conf (docs/kiosk.md): one [kioskd] section. */
#define KCONF_STR 512
#define KCONF_PORT 8080

struct kconf {
	struct netconf net;
	char venue_name[128];
	char venue_code[33];
	char bundle[KCONF_STR];
	char database[KCONF_STR];
	char database_key[KCONF_STR];
	char content[KCONF_STR];
	char templates[KCONF_STR];
	char static_dir[KCONF_STR];
	char languages[KCONF_STR];
	int allow_drafts;
	int easy_read;
	char service_number[20];
	char service_number_display[32];
	char printer[KCONF_STR];
	int paper_width;
	int idle_warning_s;
	int idle_grace_s;
	int heartbeat_s; /* net/heartbeat.h */
	int bad;
};

/*
 * Read and check path. Every mistake is logged (not only the first),
 * each naming the setting and what it must be; -1 if there was one.
 */
int kconf_load(const char *path, struct kconf *c);

#endif
