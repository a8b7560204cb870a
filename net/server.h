#ifndef NET_SERVER_H
#define NET_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "net/http.h"

/*
 * An HTTP/1.1 listener. Over TLS 1.2 only (mbedTLS, ECDHE with AEAD
 * suites, session tickets and a session cache for resumption), or plain
 * TCP on a loopback address only.
 *
 * One thread (the caller of server_run) owns every socket in an epoll
 * loop: it accepts and reads without ever blocking, and hands a request
 * to the worker pool only once it is complete and parsed. A TLS
 * handshake step whose input has arrived goes to a pool of handshake
 * threads (one per core), so the public-key work of full handshakes uses
 * every core; a step never waits for the peer (the socket is
 * non-blocking), so no client can hold one of those threads either.
 * So idle, slow or half-open clients hold a few bytes of memory each,
 * never a worker. Limits (each configurable):
 *
 *   max_conns     open connections in all
 *   max_per_addr  connections from one client address (an IPv6 /64)
 *   handshake_ms  to finish the TLS handshake
 *   idle_ms       between two bytes of a request, and between requests
 *   request_ms    from a request's first byte until it is read (408)
 *   lifetime_ms   a connection's whole life: then it ends after its
 *                 current request
 *   queue_len     requests admitted at once (read, waiting for a worker,
 *                 in a handler or being written): each holds one locked
 *                 buffer; a request that finds none waits, and is
 *                 answered 503 if none frees up within request_ms
 *
 * Over max_conns or max_per_addr a connection is answered 503 with
 * Retry-After (over TLS once its handshake is done) and closed; only
 * when even the small reserve kept for saying so is full is a
 * connection closed unanswered (and that is logged).
 *
 * One log line per request: method, path without the query, status,
 * bytes, milliseconds, connection and request numbers. Nothing else from
 * the request and nothing about the peer is logged. Request and answer
 * bytes live in locked memory (sodium_malloc) and are wiped as soon as
 * the answer is written; mbedTLS's record buffers are wiped when the
 * connection ends.
 */

#define SERVER_DEF_WORKERS 4
#define SERVER_MAX_WORKERS 64
#define SERVER_DEF_QUEUE 64
#define SERVER_MAX_QUEUE 4096
#define SERVER_DEF_IDLE_MS 10000
#define SERVER_DEF_REQUEST_MS 30000
/* nginx's keepalive_requests default since 1.19.10: at 100, one request
 * in a hundred paid a new handshake, and it was the p99. */
#define SERVER_DEF_MAX_REQUESTS 1000
#define SERVER_DEF_MAX_BODY (64 * 1024)
#define SERVER_DEF_MAX_RESP (64 * 1024)
#define SERVER_DEF_MAX_CONNS 1024
#define SERVER_MAX_CONNS 65536
#define SERVER_DEF_MAX_PER_ADDR 64
#define SERVER_DEF_HANDSHAKE_MS 5000
#define SERVER_DEF_LIFETIME_MS (5 * 60 * 1000)
/* Session ticket lifetime; the ticket key is rotated as often. */
#define SERVER_DEF_TICKET_S 3600
#define SERVER_MAX_TICKET_S (7 * 24 * 3600)
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

/*
 * Answering later. A handler that would otherwise block its worker
 * waiting (for a group commit to be durable, say) calls server_later(req)
 * and returns 0 without an answer; the worker goes on to other requests.
 * Then any thread calls server_resume(l, fn, arg) exactly once, even if
 * the handler has not returned yet: fn(arg, req, resp) runs on a worker
 * like a handler (req is still valid) and its answer is sent. Until then
 * the connection waits, and server_run does not return.
 */
struct server_later;
struct server_later *server_later(const struct http_req *req);
void server_resume(struct server_later *l, server_handler fn, void *arg);

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
	int max_conns;
	int max_per_addr;
	int handshake_ms;
	int lifetime_ms;
	int ticket_s;
	/* Threads that run TLS handshake steps (0: one per online core). */
	int tls_workers;
};

struct server;

/*
 * Check the configuration, load the certificate and key, seed the DRBG,
 * bind and listen. Plain HTTP on a non-loopback address is refused.
 * Raises the soft descriptor limit if max_conns needs it (and lowers
 * max_conns, with a warning, if the hard limit is too low).
 */
struct server *server_new(const struct server_config *cfg);

/* The bound port (the real one when port 0 was asked). */
uint16_t server_port(const struct server *srv);

/*
 * Start the workers and serve until server_stop; then finish the
 * requests in progress (answering them with Connection: close), close
 * idle connections, join the workers and return 0 (-1 if the workers
 * could not be started).
 */
int server_run(struct server *srv);

/* Ask server_run to return. Async-signal-safe: one write(2) to a pipe. */
void server_stop(struct server *srv);

void server_free(struct server *srv);

#endif
