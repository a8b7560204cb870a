#include <stdio.h>
#include <string.h>

#include "net/netconf.h"
#include "util/conf.h"
#include "util/log.h"

#define TIMEOUT_MIN_MS 100
#define TIMEOUT_MAX_MS 600000
/* A connection may live a day at most. */
#define LIFETIME_MAX_MS (24 * 3600 * 1000)

void
netconf_defaults(struct netconf *nc, int port)
{
	memset(nc, 0, sizeof(*nc));
	snprintf(nc->listen, sizeof(nc->listen), "127.0.0.1");
	nc->port = port;
	nc->workers = SERVER_DEF_WORKERS;
	nc->read_timeout_ms = 5000;
	nc->request_timeout_ms = 15000;
}

int
netconf_set(struct netconf *nc, const char *name, const char *value, int *bad)
{
	int rc;

	if (strcmp(name, "listen") == 0)
		rc = conf_str(nc->listen, sizeof(nc->listen), value);
	else if (strcmp(name, "port") == 0)
		rc = conf_int(&nc->port, value, 0, 65535);
	else if (strcmp(name, "tls_cert") == 0)
		rc = conf_str(nc->tls_cert, sizeof(nc->tls_cert), value);
	else if (strcmp(name, "tls_key") == 0)
		rc = conf_str(nc->tls_key, sizeof(nc->tls_key), value);
	else if (strcmp(name, "user") == 0)
		rc = conf_str(nc->user, sizeof(nc->user), value);
	else if (strcmp(name, "workers") == 0)
		rc = conf_int(&nc->workers, value, 1, SERVER_MAX_WORKERS);
	else if (strcmp(name, "read_timeout_ms") == 0)
		rc = conf_int(&nc->read_timeout_ms, value, TIMEOUT_MIN_MS,
		    TIMEOUT_MAX_MS);
	else if (strcmp(name, "request_timeout_ms") == 0)
		rc = conf_int(&nc->request_timeout_ms, value, TIMEOUT_MIN_MS,
		    TIMEOUT_MAX_MS);
	else if (strcmp(name, "max_connections") == 0)
		rc = conf_int(&nc->max_connections, value, 1, SERVER_MAX_CONNS);
	else if (strcmp(name, "max_connections_per_address") == 0)
		rc = conf_int(&nc->max_per_address, value, 1, SERVER_MAX_CONNS);
	else if (strcmp(name, "handshake_timeout_ms") == 0)
		rc = conf_int(&nc->handshake_timeout_ms, value, TIMEOUT_MIN_MS,
		    TIMEOUT_MAX_MS);
	else if (strcmp(name, "connection_lifetime_ms") == 0)
		rc = conf_int(
		    &nc->lifetime_ms, value, TIMEOUT_MIN_MS, LIFETIME_MAX_MS);
	else if (strcmp(name, "max_requests_in_flight") == 0)
		rc = conf_int(&nc->in_flight, value, 1, SERVER_MAX_QUEUE);
	else if (strcmp(name, "tls_ticket_lifetime_s") == 0)
		rc = conf_int(
		    &nc->ticket_lifetime_s, value, 1, SERVER_MAX_TICKET_S);
	else
		return 0;
	if (rc != 0) {
		log_err("config: bad value for %s", name);
		*bad = 1;
	}
	return 1;
}

int
netconf_check(const struct netconf *nc, const char *path)
{
	if ((nc->tls_cert[0] == '\0') != (nc->tls_key[0] == '\0')) {
		log_err("%s: tls_cert and tls_key go together", path);
		return -1;
	}
	return 0;
}

void
netconf_server(const struct netconf *nc, struct server_config *sc)
{
	sc->addr = nc->listen;
	sc->port = (uint16_t)nc->port;
	sc->cert_path = nc->tls_cert[0] != '\0' ? nc->tls_cert : NULL;
	sc->key_path = nc->tls_key[0] != '\0' ? nc->tls_key : NULL;
	sc->workers = nc->workers;
	sc->idle_ms = nc->read_timeout_ms;
	sc->request_ms = nc->request_timeout_ms;
	sc->max_conns = nc->max_connections;
	sc->max_per_addr = nc->max_per_address;
	sc->handshake_ms = nc->handshake_timeout_ms;
	sc->lifetime_ms = nc->lifetime_ms;
	sc->queue_len = nc->in_flight;
	sc->ticket_s = nc->ticket_lifetime_s;
}
