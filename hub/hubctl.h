#ifndef HUB_HUBCTL_H
#define HUB_HUBCTL_H

#include <limits.h>
#include <stdint.h>

#include <sodium.h>

#include "hub/routing.h"
#include "store/db.h"

/* Files in a hub directory, as `hubctl init` lays it out. */
#define HUB_BOX_PUB "hub.box.pub"
#define HUB_BOX_KEY "hub.box.key"
#define HUB_SIGN_PUB "hub.sign.pub"
#define HUB_SIGN_KEY "hub.sign.key"
#define HUB_TLS_CERT "tls.crt"
#define HUB_TLS_KEY "tls.key"
#define HUB_INBOX "inbox.db"
#define HUB_INBOX_KEY "inbox.key"
#define HUB_CONF "hubd.conf"
#define HUB_DEVICES "devices"

struct hubctl {
	const char *dir;
	const char *passfile;
	int kdf_interactive; /* faster passphrase hashing, tests only */
	struct db *db;
	uint8_t *box_sk; /* sodium_malloc'd once the passphrase is given */
	uint8_t box_pk[crypto_box_PUBLICKEYBYTES];
	struct routing routing;
	char spokes_path[PATH_MAX];
};

int hubctl_path(
    const struct hubctl *h, const char *name, char *out, size_t cap);
int hubctl_open_db(struct hubctl *h);
int hubctl_unlock(struct hubctl *h);

/* Staff commands (hubctl_staff.c); argv[0] is the command name. */
int hubctl_list(struct hubctl *h, int argc, char **argv);
int hubctl_show(struct hubctl *h, int argc, char **argv);
int hubctl_export(struct hubctl *h, int argc, char **argv);
int hubctl_withdraw(struct hubctl *h, int argc, char **argv);
int hubctl_assign(struct hubctl *h, int argc, char **argv);
int hubctl_purge(struct hubctl *h, int argc, char **argv);

#endif
