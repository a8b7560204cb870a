#ifndef NET_NETCONF_H
#define NET_NETCONF_H

#include <stddef.h>

#include "net/server.h"

/*
 * The listener settings every daemon's configuration section shares:
 * listen, port, tls_cert, tls_key, user, workers, read_timeout_ms,
 * request_timeout_ms, and the connection limits max_connections,
 * max_connections_per_address, handshake_timeout_ms,
 * connection_lifetime_ms, max_requests_in_flight and
 * tls_ticket_lifetime_s (0 or absent: net/server.h's default).
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
	int max_connections;
	int max_per_address;
	int handshake_timeout_ms;
	int lifetime_ms;
	int in_flight;
	int ticket_lifetime_s;
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
