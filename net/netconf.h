#ifndef NET_NETCONF_H
#define NET_NETCONF_H

#include <stddef.h>

#include "net/server.h"

/*
 * The listener settings every daemon's configuration section shares:
 * listen, port, tls_cert, tls_key, user, workers, read_timeout_ms,
 * request_timeout_ms.
 */
#define NETCONF_PATH_MAX 512

struct netconf {
	char listen[64];
	int port;
	char tls_cert[NETCONF_PATH_MAX];
	char tls_key[NETCONF_PATH_MAX];
	char user[64];
	int workers;
	int read_timeout_ms;
	int request_timeout_ms;
};

void netconf_defaults(struct netconf *nc, int port);

/*
 * For an inih handler: 1 if name is one of these settings (stored, or
 * refused and logged with *bad set), 0 if it is not.
 */
int netconf_set(
    struct netconf *nc, const char *name, const char *value, int *bad);

/* After parsing: the settings that only make sense together. */
int netconf_check(const struct netconf *nc, const char *path);

/* Fill the listener part of a server configuration. */
void netconf_server(const struct netconf *nc, struct server_config *sc);

#endif
