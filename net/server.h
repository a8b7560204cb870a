#ifndef NET_SERVER_H
#define NET_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "net/http.h"

/*
 * An HTTP/1.1 listener: one accepting thread (the caller of server_run)
 * and a fixed pool of workers fed through a bounded queue. Over TLS 1.2
 * only (mbedTLS, ECDHE with AEAD suites), or plain TCP on a loopback
 * address only.
 *
 * Slow clients cannot hold a worker: a connection is dropped when no byte
 * arrives for idle_ms, and a request (or the TLS handshake) that is not
 * read and answered within request_ms gets 408 and is closed. When every
 * worker is busy and the queue is full, a new connection is answered 503
 * and closed (over TLS it is only closed: answering would mean a
 * handshake on the accepting thread).
 *
 * One log line per request: method, path without the query, status,
 * bytes, milliseconds, connection and request numbers. Nothing else from
 * the request and nothing about the peer is logged. A worker's buffers are
 * wiped when each connection ends.
 */

#define SERVER_DEF_WORKERS 4
#define SERVER_MAX_WORKERS 64
#define SERVER_DEF_QUEUE 64
#define SERVER_MAX_QUEUE 4096
#define SERVER_DEF_IDLE_MS 10000
#define SERVER_DEF_REQUEST_MS 30000
#define SERVER_DEF_MAX_REQUESTS 100
#define SERVER_DEF_MAX_BODY (64 * 1024)
#define SERVER_DEF_MAX_RESP (64 * 1024)
/* Room for any {"error":"<code>"} answer. */
#define SERVER_MIN_RESP (HTTP_MAX_CODE + 16)
/* Largest PEM private key file we read. */
#define SERVER_MAX_KEY_PEM 16384

/*
 * A handler fills resp (http_resp_body, http_error_json, ...) and returns
 * 0, or -1 to have the server answer 500. It runs on a worker thread, so
 * ctx must be safe to use from several threads at once.
 */
typedef int (*server_handler)(
    void *ctx, const struct http_req *req, struct http_resp *resp);

struct server_config {
	const char *addr; /* numeric: "127.0.0.1", "::1", "0.0.0.0", ... */
	uint16_t port; /* 0: the kernel picks; see server_port */
	const char *cert_path; /* PEM chain; NULL: plain, loopback only */
	const char *key_path; /* PEM key, mode 0600 */
	server_handler handler;
	void *ctx;
	/* Zero means the SERVER_DEF_ value. */
	int workers;
	int queue_len;
	int idle_ms;
	int request_ms;
	int max_requests; /* per keep-alive connection */
	size_t max_body;
	size_t max_resp;
};

struct server;

/*
 * Check the configuration, load the certificate and key, seed the DRBG,
 * bind and listen. Plain HTTP on a non-loopback address is refused.
 */
struct server *server_new(const struct server_config *cfg);

/* The bound port (the real one when port 0 was asked). */
uint16_t server_port(const struct server *srv);

/*
 * Start the workers and accept until server_stop; then finish the
 * requests in progress, close idle connections, join the workers and
 * return 0 (-1 if the workers could not be started).
 */
int server_run(struct server *srv);

/* Ask server_run to return. Async-signal-safe: one write(2) to a pipe. */
void server_stop(struct server *srv);

void server_free(struct server *srv);

#endif
