#ifndef NET_DEVCHECK_H
#define NET_DEVCHECK_H

#include "util/check.h"

/*
 * The checks a device (kioskd, smsd) shares for --check-config, each a
 * line with how to fix it (util/check.h): the device bundle (mode, the
 * loader's own checks), the hub's certificate in it, the database key
 * (the database opens with it; nothing is created), the printer (kiosk),
 * a signed heartbeat to the hub over the bundle's pinned TLS, and the
 * clock against the hub's.
 *
 * A hub that cannot be reached is a warning, not an error: deliveries
 * wait in the outbox until it is back, so a network outage must not
 * stop a device from starting. A hub that answers and refuses this
 * device is an error.
 */
struct devcheck_in {
	const char *bundle;
	const char *database;
	const char *database_key;
	const char *role; /* "kiosk", "sms" */
	int interval_s;
	const char *printer; /* kiosk only; NULL otherwise */
	const char *user; /* the daemon's user= (file owners) */
};

void devcheck_run(struct check *c, const struct devcheck_in *in);

#endif
