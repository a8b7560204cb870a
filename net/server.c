#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "net/server.h"
#include "util/file.h"
#include "util/log.h"

/* Bytes read from a connection at once. */
#define READ_BUF 16384
/* Connections taken from the listen queue per wake-up. */
#define MAX_ACCEPT_BURST 64
/* Kernel listen backlog. */
#define LISTEN_BACKLOG 128
/* Characters of a path a log line shows. */
#define LOG_PATH_MAX 64
/* Pause after running out of descriptors, so accept does not spin. */
#define ACCEPT_PAUSE_MS 100
/* The most busy-refusal log lines per second. */
#define BUSY_LOG_MS 1000
/* Writing an error answer, or a close_notify, to a client we drop. */
#define GOODBYE_MS 1000
/* Reading what a refused client still sends, so it sees our answer. */
#define LINGER_MS 500
#define LINGER_MAX (64 * 1024)

/* ECDHE key exchange, AEAD only; the certificate's key picks the half. */
static const int tls_suites[] = {
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    0,
};

/* Key exchange groups: the defaults still offer P-192 and P-224. */
static const mbedtls_ecp_group_id tls_curves[] = {
    MBEDTLS_ECP_DP_CURVE25519,
    MBEDTLS_ECP_DP_SECP256R1,
    MBEDTLS_ECP_DP_SECP384R1,
    MBEDTLS_ECP_DP_NONE,
};

struct worker {
	struct server *srv;
	pthread_t thread;
	int started;
	mbedtls_ssl_context ssl;
	uint8_t *rbuf;
	uint8_t *body;
	uint8_t *resp_body;
	uint8_t *out;
	size_t out_cap;
	struct http_req req;
	struct http_resp resp;
};

struct server {
	struct server_config cfg;
	int tls;
	int lfd;
	int stop_r;
	int stop_w;
	uint16_t port;

	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_x509_crt crt;
	mbedtls_pk_context key;
	mbedtls_ssl_config conf;

	struct worker *workers;
	int nworkers;

	/* Accepted connections waiting for a worker. */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int *queue;
	int qhead;
	int qlen;
	atomic_int stopping;

	atomic_ullong next_conn;
	/* Used by the accepting thread only. */
	unsigned long busy_refused;
	int64_t busy_logged;
};

/* One connection as a worker sees it. */
struct conn {
	struct server *srv;
	int fd;
	mbedtls_ssl_context *ssl;
	int64_t deadline; /* monotonic ms: the current phase must end by then */
	int watch_stop; /* only between requests: never cut one short */
	int timed_out;
	int stopped;
	int said_goodbye; /* close_notify sent, or the socket shut */
	char peer[HTTP_MAX_PEER];
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Wait until fd is ready, at most idle_ms and never past the deadline:
 * each byte must come soon after the last one, and the whole phase in
 * time.
 */
static int
conn_wait(struct conn *c, short events)
{
	struct pollfd pfd[2];
	int64_t left;
	int n, timeout;

	for (;;) {
		left = c->deadline - now_ms();
		if (left <= 0) {
			c->timed_out = 1;
			return -1;
		}
		timeout = left < c->srv->cfg.idle_ms ? (int)left
						     : c->srv->cfg.idle_ms;
		pfd[0].fd = c->fd;
		pfd[0].events = events;
		pfd[0].revents = 0;
		pfd[1].fd = c->srv->stop_r;
		pfd[1].events = POLLIN;
		pfd[1].revents = 0;
		n = poll(pfd, c->watch_stop ? 2 : 1, timeout);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			c->timed_out = 1;
			return -1;
		}
		if (c->watch_stop && pfd[1].revents != 0) {
			c->stopped = 1;
			return -1;
		}
		/* Errors and hang-ups are left for recv/send to report. */
		if (pfd[0].revents != 0)
			return 0;
	}
}

static ssize_t
raw_recv(struct conn *c, void *buf, size_t len)
{
	ssize_t n;

	for (;;) {
		n = recv(c->fd, buf, len, 0);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		if (conn_wait(c, POLLIN) != 0)
			return -1;
	}
}

static ssize_t
raw_send(struct conn *c, const void *buf, size_t len)
{
	ssize_t n;

	for (;;) {
		n = send(c->fd, buf, len, MSG_NOSIGNAL);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		if (conn_wait(c, POLLOUT) != 0)
			return -1;
	}
}

/* mbedTLS I/O callbacks: the same deadlines apply to TLS records. */
static int
bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct conn *c = ctx;
	ssize_t n;

	n = raw_send(c, buf, len);
	if (n < 0)
		return c->timed_out ? MBEDTLS_ERR_SSL_TIMEOUT
				    : MBEDTLS_ERR_NET_SEND_FAILED;
	return (int)n;
}

static int
bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct conn *c = ctx;
	ssize_t n;

	n = raw_recv(c, buf, len);
	if (n < 0)
		return c->timed_out ? MBEDTLS_ERR_SSL_TIMEOUT
				    : MBEDTLS_ERR_NET_RECV_FAILED;
	return (int)n;
}

/* Bytes read (> 0), 0 at the end of the stream, -1 on error or timeout. */
static ssize_t
conn_read(struct conn *c, uint8_t *buf, size_t len)
{
	int n;

	if (c->ssl == NULL)
		return raw_recv(c, buf, len);
	for (;;) {
		n = mbedtls_ssl_read(c->ssl, buf, len);
		if (n > 0)
			return n;
		if (n == MBEDTLS_ERR_SSL_WANT_READ ||
		    n == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		if (n == 0 || n == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY ||
		    n == MBEDTLS_ERR_SSL_CONN_EOF)
			return 0;
		return -1;
	}
}

static int
conn_write(struct conn *c, const uint8_t *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if (c->ssl != NULL) {
			n = mbedtls_ssl_write(c->ssl, buf, len);
			if (n == MBEDTLS_ERR_SSL_WANT_READ ||
			    n == MBEDTLS_ERR_SSL_WANT_WRITE)
				continue;
		} else {
			n = raw_send(c, buf, len);
		}
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Closing with unread input makes the kernel send a reset, which can
 * destroy our error answer before the client reads it. So stop writing,
 * then read and drop what the client still sends, for a short while.
 */
static void
linger(struct conn *c)
{
	uint8_t buf[4096];
	size_t total = 0;
	ssize_t n;

	if (shutdown(c->fd, SHUT_WR) != 0)
		return;
	c->deadline = now_ms() + LINGER_MS;
	c->watch_stop = 1;
	while (total < LINGER_MAX) {
		n = raw_recv(c, buf, sizeof(buf));
		if (n <= 0)
			break;
		total += (size_t)n;
	}
	mbedtls_platform_zeroize(buf, sizeof(buf));
}

static void
log_request(const struct http_req *req, int status, size_t bytes, int64_t t0,
    unsigned long long conn_no, int nreq, const char *err)
{
	const char *method = req->method_name != NULL ? req->method_name : "-";
	const char *path = req->path != NULL ? req->path : "-";
	size_t plen = strlen(path);
	int show = plen > LOG_PATH_MAX ? LOG_PATH_MAX : (int)plen;

	/*
	 * The path holds only RFC 3986 characters (the parser checked), so
	 * it cannot forge a log line; the query string may hold personal
	 * data and is never logged.
	 */
	log_info("%s %.*s%s %d %zuB %lldms conn=%llu req=%d%s%s", method, show,
	    path, plen > LOG_PATH_MAX ? "..." : "", status, bytes,
	    (long long)(now_ms() - t0), conn_no, nreq,
	    err != NULL ? " err=" : "", err != NULL ? err : "");
}

/* Answer with a stable error code and no further request on this conn. */
static void
answer_error(struct worker *w, struct conn *c, int status, const char *code,
    int64_t t0, unsigned long long conn_no, int nreq)
{
	size_t len = 0;

	http_resp_init(&w->resp, w->resp_body, w->srv->cfg.max_resp);
	if (http_error_json(&w->resp, status, code) != 0 ||
	    http_respond(&w->resp, 0, w->req.method == HTTP_HEAD, w->out,
		w->out_cap, &len) != 0)
		return;
	c->deadline = now_ms() + GOODBYE_MS;
	c->watch_stop = 0;
	c->timed_out = 0;
	if (conn_write(c, w->out, len) == 0) {
		if (c->ssl != NULL)
			(void)mbedtls_ssl_close_notify(c->ssl);
		linger(c);
		c->said_goodbye = 1;
	}
	log_request(&w->req, status, len, t0, conn_no, nreq, code);
}

static int
stopping(struct server *srv)
{
	return atomic_load(&srv->stopping);
}

/*
 * Read one request into w->req. Returns HTTP_DONE or HTTP_ERROR (answer
 * it), or HTTP_NEED_MORE when the connection ended, timed out or the
 * server stops (*started says whether a request had begun).
 */
static int
read_request(struct worker *w, struct conn *c, size_t *off, size_t *have,
    int64_t *t0, int *started)
{
	struct server *srv = w->srv;
	struct http_req *req = &w->req;
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
	size_t used;
	ssize_t n;
	int r, sent_continue = 0;

	http_req_init(req, w->body, srv->cfg.max_body);
	memcpy(req->peer, c->peer, sizeof(req->peer));
	*started = 0;
	c->watch_stop = 1;
	c->timed_out = 0;
	c->deadline = now_ms() + srv->cfg.idle_ms;
	for (;;) {
		if (*off == *have) {
			n = conn_read(c, w->rbuf, READ_BUF);
			if (n <= 0)
				return HTTP_NEED_MORE;
			*off = 0;
			*have = (size_t)n;
		}
		if (!*started) {
			/* The request's own clock starts at its first byte. */
			*started = 1;
			*t0 = now_ms();
			c->deadline = *t0 + srv->cfg.request_ms;
			c->watch_stop = 0;
		}
		r = http_parse(req, w->rbuf + *off, *have - *off, &used);
		*off += used;
		if (r != HTTP_NEED_MORE)
			return r;
		if (req->headers_done && req->expect_continue &&
		    !sent_continue) {
			if (conn_write(c, (const uint8_t *)cont,
				sizeof(cont) - 1) != 0)
				return HTTP_NEED_MORE;
			sent_continue = 1;
		}
	}
}

/*
 * Requests and answers carry personal data (a visitor's answers, phone
 * numbers): none of it may outlive its connection in a worker's buffers.
 * mbedTLS decrypts records in place; a session reset zeroes its record
 * buffers and drops the session keys.
 */
static void
wipe_worker(struct worker *w)
{
	if (w->srv->tls && mbedtls_ssl_session_reset(&w->ssl) != 0)
		log_warn("server: TLS session reset failed");
	mbedtls_platform_zeroize(w->rbuf, READ_BUF);
	mbedtls_platform_zeroize(w->body, w->srv->cfg.max_body);
	mbedtls_platform_zeroize(w->resp_body, w->srv->cfg.max_resp);
	mbedtls_platform_zeroize(w->out, w->out_cap);
	mbedtls_platform_zeroize(&w->req, sizeof(w->req));
	mbedtls_platform_zeroize(&w->resp, sizeof(w->resp));
}

/* Handshake within request_ms; c->ssl is set only once it succeeded. */
static int
tls_start(struct worker *w, struct conn *c, unsigned long long conn_no)
{
	char err[128];
	int ret;

	if ((ret = mbedtls_ssl_session_reset(&w->ssl)) != 0) {
		mbedtls_strerror(ret, err, sizeof(err));
		log_err("server: TLS session reset: %s", err);
		return -1;
	}
	mbedtls_ssl_set_bio(&w->ssl, c, bio_send, bio_recv, NULL);
	c->deadline = now_ms() + w->srv->cfg.request_ms;
	while ((ret = mbedtls_ssl_handshake(&w->ssl)) != 0) {
		if (ret == MBEDTLS_ERR_SSL_WANT_READ ||
		    ret == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		mbedtls_strerror(ret, err, sizeof(err));
		log_info("conn=%llu TLS handshake failed: %s", conn_no, err);
		return -1;
	}
	c->ssl = &w->ssl;
	return 0;
}

/* The peer's numeric address; an IPv4-mapped IPv6 one as plain IPv4. */
static void
peer_address(int fd, char *out, size_t cap)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	const char *p = out;

	out[0] = '\0';
	if (getpeername(fd, (struct sockaddr *)&ss, &len) != 0 ||
	    getnameinfo((struct sockaddr *)&ss, len, out, (socklen_t)cap, NULL,
		0, NI_NUMERICHOST) != 0) {
		out[0] = '\0';
		return;
	}
	if (strncmp(out, "::ffff:", 7) == 0 && strchr(out + 7, '.') != NULL) {
		p = out + 7;
		memmove(out, p, strlen(p) + 1);
	}
}

static void
serve(struct worker *w, int fd)
{
	struct server *srv = w->srv;
	struct conn c;
	struct http_req *req = &w->req;
	unsigned long long conn_no;
	size_t off = 0, have = 0, len = 0;
	int64_t t0 = now_ms();
	int nreq, r, ret, keep = 1, started = 0;

	memset(&c, 0, sizeof(c));
	c.srv = srv;
	c.fd = fd;
	c.watch_stop = 1;
	peer_address(fd, c.peer, sizeof(c.peer));
	conn_no = atomic_fetch_add(&srv->next_conn, 1) + 1;
	if (srv->tls && tls_start(w, &c, conn_no) != 0)
		goto out;
	for (nreq = 1; keep; nreq++) {
		r = read_request(w, &c, &off, &have, &t0, &started);
		if (r == HTTP_NEED_MORE) {
			if (started && c.timed_out)
				answer_error(w, &c, 408, "request_timeout", t0,
				    conn_no, nreq);
			else if (started)
				log_info("conn=%llu req=%d: closed mid-request",
				    conn_no, nreq);
			break;
		}
		if (r == HTTP_ERROR) {
			answer_error(
			    w, &c, req->status, req->error, t0, conn_no, nreq);
			break;
		}
		http_resp_init(&w->resp, w->resp_body, srv->cfg.max_resp);
		if (srv->cfg.handler(srv->cfg.ctx, req, &w->resp) != 0 ||
		    w->resp.status == 0) {
			http_resp_init(
			    &w->resp, w->resp_body, srv->cfg.max_resp);
			(void)http_error_json(&w->resp, 500, "internal");
		}
		keep = req->keep_alive && nreq < srv->cfg.max_requests &&
		       !stopping(srv);
		if (http_respond(&w->resp, keep, req->method == HTTP_HEAD,
			w->out, w->out_cap, &len) != 0) {
			http_resp_init(
			    &w->resp, w->resp_body, srv->cfg.max_resp);
			keep = 0;
			if (http_error_json(&w->resp, 500, "internal") != 0 ||
			    http_respond(
				&w->resp, 0, 0, w->out, w->out_cap, &len) != 0)
				break;
		}
		/* A fresh deadline: a slow handler must not eat the write's. */
		c.deadline = now_ms() + srv->cfg.request_ms;
		c.timed_out = 0;
		ret = conn_write(&c, w->out, len);
		log_request(req, w->resp.status, len, t0, conn_no, nreq, NULL);
		if (ret != 0)
			break;
	}
	if (c.ssl != NULL && !c.said_goodbye) {
		c.deadline = now_ms() + GOODBYE_MS;
		c.watch_stop = 0;
		(void)mbedtls_ssl_close_notify(c.ssl);
	}
out:
	wipe_worker(w);
}

static int
queue_push(struct server *srv, int fd)
{
	int rc = -1;

	pthread_mutex_lock(&srv->mu);
	if (srv->qlen < srv->cfg.queue_len && !stopping(srv)) {
		srv->queue[(srv->qhead + srv->qlen) % srv->cfg.queue_len] = fd;
		srv->qlen++;
		pthread_cond_signal(&srv->cv);
		rc = 0;
	}
	pthread_mutex_unlock(&srv->mu);
	return rc;
}

/* The next connection, or -1 when the server stops. */
static int
queue_pop(struct server *srv)
{
	int fd = -1;

	pthread_mutex_lock(&srv->mu);
	while (srv->qlen == 0 && !stopping(srv))
		pthread_cond_wait(&srv->cv, &srv->mu);
	if (!stopping(srv)) {
		fd = srv->queue[srv->qhead];
		srv->qhead = (srv->qhead + 1) % srv->cfg.queue_len;
		srv->qlen--;
	}
	pthread_mutex_unlock(&srv->mu);
	return fd;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	int fd;

	while ((fd = queue_pop(w->srv)) >= 0) {
		serve(w, fd);
		close(fd);
	}
	return NULL;
}

/*
 * Every worker busy and the queue full: say so and close. Over TLS there
 * is nobody to say it to without a handshake on this thread.
 */
static void
refuse_busy(struct server *srv, int fd)
{
	uint8_t body[64], out[HTTP_MAX_RESP_HEAD + sizeof(body)];
	struct http_resp resp;
	size_t len;
	ssize_t n;
	int64_t now;

	if (!srv->tls) {
		http_resp_init(&resp, body, sizeof(body));
		if (http_error_json(&resp, 503, "busy") == 0 &&
		    http_resp_header(&resp, "Retry-After", "1") == 0 &&
		    http_respond(&resp, 0, 0, out, sizeof(out), &len) == 0) {
			n = send(fd, out, len, MSG_NOSIGNAL | MSG_DONTWAIT);
			(void)n;
		}
	}
	close(fd);
	srv->busy_refused++;
	now = now_ms();
	if (now - srv->busy_logged >= BUSY_LOG_MS) {
		log_warn("server: all workers busy and the queue full: "
			 "%lu connection(s) refused",
		    srv->busy_refused);
		srv->busy_refused = 0;
		srv->busy_logged = now;
	}
}

static void
accept_burst(struct server *srv)
{
	struct pollfd pfd;
	int i, fd, one = 1;

	for (i = 0; i < MAX_ACCEPT_BURST; i++) {
		fd =
		    accept4(srv->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			log_warn("server: accept: %s", strerror(errno));
			/* Out of descriptors or memory: let workers free some.
			 */
			pfd.fd = srv->stop_r;
			pfd.events = POLLIN;
			(void)poll(&pfd, 1, ACCEPT_PAUSE_MS);
			return;
		}
		/* Answers go out in one write; do not hold their tail back. */
		(void)setsockopt(
		    fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (queue_push(srv, fd) != 0)
			refuse_busy(srv, fd);
	}
}

static void
stop_workers(struct server *srv)
{
	int i;

	pthread_mutex_lock(&srv->mu);
	atomic_store(&srv->stopping, 1);
	pthread_cond_broadcast(&srv->cv);
	pthread_mutex_unlock(&srv->mu);
	for (i = 0; i < srv->nworkers; i++) {
		if (srv->workers[i].started)
			pthread_join(srv->workers[i].thread, NULL);
		srv->workers[i].started = 0;
	}
	/* Connections still queued never reached a worker. */
	while (srv->qlen > 0) {
		close(srv->queue[srv->qhead]);
		srv->qhead = (srv->qhead + 1) % srv->cfg.queue_len;
		srv->qlen--;
	}
}

int
server_run(struct server *srv)
{
	struct pollfd pfd[2];
	int i, n, rc = -1;

	for (i = 0; i < srv->nworkers; i++) {
		if (pthread_create(&srv->workers[i].thread, NULL, worker_main,
			&srv->workers[i]) != 0) {
			log_err("server: cannot start worker %d", i);
			goto out;
		}
		srv->workers[i].started = 1;
	}
	log_info("server: listening on port %u (%s, %d workers)",
	    (unsigned)srv->port, srv->tls ? "TLS 1.2" : "plain, loopback",
	    srv->nworkers);
	for (;;) {
		pfd[0].fd = srv->lfd;
		pfd[0].events = POLLIN;
		pfd[0].revents = 0;
		pfd[1].fd = srv->stop_r;
		pfd[1].events = POLLIN;
		pfd[1].revents = 0;
		n = poll(pfd, 2, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			log_err("server: poll: %s", strerror(errno));
			goto out;
		}
		if (pfd[1].revents != 0)
			break;
		if (pfd[0].revents != 0)
			accept_burst(srv);
	}
	rc = 0;
out:
	stop_workers(srv);
	log_info("server: stopped");
	return rc;
}

void
server_stop(struct server *srv)
{
	ssize_t n;

	/* The byte stays unread, so every poll on stop_r sees it. */
	n = write(srv->stop_w, "x", 1);
	(void)n;
}

uint16_t
server_port(const struct server *srv)
{
	return srv->port;
}

static int
is_loopback(const struct sockaddr *sa)
{
	const struct sockaddr_in *sin;
	const struct sockaddr_in6 *sin6;

	if (sa->sa_family == AF_INET) {
		sin = (const struct sockaddr_in *)(const void *)sa;
		return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		return IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr);
	}
	return 0;
}

static int
tls_setup(struct server *srv)
{
	static const char pers[] = "rj net/server";
	const struct server_config *cfg = &srv->cfg;
	mbedtls_pk_type_t type;
	unsigned char *pem = NULL;
	char err[128];
	size_t len;
	int ret, rc = -1;

	ret = mbedtls_ctr_drbg_seed(&srv->drbg, mbedtls_entropy_func,
	    &srv->entropy, (const unsigned char *)pers, sizeof(pers) - 1);
	if (ret != 0) {
		mbedtls_strerror(ret, err, sizeof(err));
		log_err("server: seeding the random generator: %s", err);
		goto out;
	}
	ret = mbedtls_x509_crt_parse_file(&srv->crt, cfg->cert_path);
	if (ret != 0) {
		mbedtls_strerror(ret, err, sizeof(err));
		log_err("server: %s: cannot load the certificate: %s",
		    cfg->cert_path, err);
		goto out;
	}
	if ((pem = malloc(SERVER_MAX_KEY_PEM + 1)) == NULL) {
		log_err("server: out of memory");
		goto out;
	}
	if (file_read(
		cfg->key_path, pem, SERVER_MAX_KEY_PEM, &len, FILE_SECRET) != 0)
		goto out;
	/* mbedTLS wants PEM NUL-terminated, the NUL counted. */
	pem[len] = '\0';
	ret = mbedtls_pk_parse_key(&srv->key, pem, len + 1, NULL, 0);
	if (ret != 0) {
		mbedtls_strerror(ret, err, sizeof(err));
		log_err(
		    "server: %s: cannot load the key: %s", cfg->key_path, err);
		goto out;
	}
	if (mbedtls_pk_check_pair(&srv->crt.pk, &srv->key) != 0) {
		log_err("server: %s does not belong to %s", cfg->key_path,
		    cfg->cert_path);
		goto out;
	}
	type = mbedtls_pk_get_type(&srv->key);
	if (type != MBEDTLS_PK_ECKEY && type != MBEDTLS_PK_RSA) {
		log_err("server: %s: the key must be EC or RSA", cfg->key_path);
		goto out;
	}
	ret = mbedtls_ssl_config_defaults(&srv->conf, MBEDTLS_SSL_IS_SERVER,
	    MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
	if (ret != 0) {
		mbedtls_strerror(ret, err, sizeof(err));
		log_err("server: TLS configuration: %s", err);
		goto out;
	}
	/* TLS 1.2 only: 1.0 and 1.1 are obsolete, 1.3 is experimental here. */
	mbedtls_ssl_conf_min_version(&srv->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
	    MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_max_version(&srv->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
	    MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_ciphersuites(&srv->conf, tls_suites);
	mbedtls_ssl_conf_curves(&srv->conf, tls_curves);
	mbedtls_ssl_conf_renegotiation(
	    &srv->conf, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
	mbedtls_ssl_conf_rng(&srv->conf, mbedtls_ctr_drbg_random, &srv->drbg);
	ret = mbedtls_ssl_conf_own_cert(&srv->conf, &srv->crt, &srv->key);
	if (ret != 0) {
		mbedtls_strerror(ret, err, sizeof(err));
		log_err("server: TLS certificate: %s", err);
		goto out;
	}
	rc = 0;
out:
	if (pem != NULL) {
		mbedtls_platform_zeroize(pem, SERVER_MAX_KEY_PEM + 1);
		free(pem);
	}
	return rc;
}

static int
check_config(struct server_config *cfg)
{
	if (cfg->handler == NULL || cfg->addr == NULL) {
		log_err("server: a handler and an address are needed");
		return -1;
	}
	if ((cfg->cert_path == NULL) != (cfg->key_path == NULL)) {
		log_err("server: a TLS certificate needs its key, and the "
			"key its certificate");
		return -1;
	}
	if (cfg->workers == 0)
		cfg->workers = SERVER_DEF_WORKERS;
	if (cfg->queue_len == 0)
		cfg->queue_len = SERVER_DEF_QUEUE;
	if (cfg->idle_ms == 0)
		cfg->idle_ms = SERVER_DEF_IDLE_MS;
	if (cfg->request_ms == 0)
		cfg->request_ms = SERVER_DEF_REQUEST_MS;
	if (cfg->max_requests == 0)
		cfg->max_requests = SERVER_DEF_MAX_REQUESTS;
	if (cfg->max_body == 0)
		cfg->max_body = SERVER_DEF_MAX_BODY;
	if (cfg->max_resp == 0)
		cfg->max_resp = SERVER_DEF_MAX_RESP;
	if (cfg->workers < 0 || cfg->workers > SERVER_MAX_WORKERS ||
	    cfg->queue_len < 0 || cfg->queue_len > SERVER_MAX_QUEUE ||
	    cfg->idle_ms < 0 || cfg->request_ms < 0 || cfg->max_requests < 0 ||
	    cfg->max_resp < SERVER_MIN_RESP) {
		log_err("server: workers 1-%d, queue 1-%d, positive timeouts "
			"and request counts, max_resp at least %d",
		    SERVER_MAX_WORKERS, SERVER_MAX_QUEUE, SERVER_MIN_RESP);
		return -1;
	}
	return 0;
}

static int
worker_init(struct server *srv, struct worker *w)
{
	char err[128];
	int ret;

	w->srv = srv;
	w->out_cap = srv->cfg.max_resp + HTTP_MAX_RESP_HEAD;
	/* Requests and answers carry what people typed and texted: locked
	 * memory that never reaches swap, wiped after every connection. */
	w->rbuf = sodium_malloc(READ_BUF);
	w->body = sodium_malloc(srv->cfg.max_body);
	w->resp_body = sodium_malloc(srv->cfg.max_resp);
	w->out = sodium_malloc(w->out_cap);
	if (w->rbuf == NULL || w->body == NULL || w->resp_body == NULL ||
	    w->out == NULL) {
		log_err("server: out of locked memory");
		return -1;
	}
	if (srv->tls && (ret = mbedtls_ssl_setup(&w->ssl, &srv->conf)) != 0) {
		mbedtls_strerror(ret, err, sizeof(err));
		log_err("server: TLS context: %s", err);
		return -1;
	}
	return 0;
}

static int
listen_on(struct server *srv, const struct sockaddr *sa, socklen_t salen)
{
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	int one = 1;

	srv->lfd = socket(
	    sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (srv->lfd < 0) {
		log_err("server: socket: %s", strerror(errno));
		return -1;
	}
	(void)setsockopt(srv->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(srv->lfd, sa, salen) != 0) {
		log_err("server: bind %s port %u: %s", srv->cfg.addr,
		    (unsigned)srv->cfg.port, strerror(errno));
		return -1;
	}
	if (listen(srv->lfd, LISTEN_BACKLOG) != 0) {
		log_err("server: listen: %s", strerror(errno));
		return -1;
	}
	if (getsockname(srv->lfd, (struct sockaddr *)&ss, &sslen) != 0) {
		log_err("server: getsockname: %s", strerror(errno));
		return -1;
	}
	if (ss.ss_family == AF_INET)
		srv->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	else
		srv->port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return 0;
}

struct server *
server_new(const struct server_config *cfg)
{
	struct server *srv;
	struct addrinfo hints, *ai = NULL;
	char portstr[8];
	int i, n, pfd[2], ok = 0;

	/* The workers' buffers are sodium_malloc'd; safe to call again. */
	if (sodium_init() < 0) {
		log_err("server: cannot initialise libsodium");
		return NULL;
	}
	if ((srv = calloc(1, sizeof(*srv))) == NULL) {
		log_err("server: out of memory");
		return NULL;
	}
	srv->lfd = srv->stop_r = srv->stop_w = -1;
	pthread_mutex_init(&srv->mu, NULL);
	pthread_cond_init(&srv->cv, NULL);
	mbedtls_entropy_init(&srv->entropy);
	mbedtls_ctr_drbg_init(&srv->drbg);
	mbedtls_x509_crt_init(&srv->crt);
	mbedtls_pk_init(&srv->key);
	mbedtls_ssl_config_init(&srv->conf);
	srv->cfg = *cfg;
	if (check_config(&srv->cfg) != 0)
		goto out;
	srv->tls = srv->cfg.cert_path != NULL;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	n = snprintf(portstr, sizeof(portstr), "%u", (unsigned)cfg->port);
	if (n < 0 || (size_t)n >= sizeof(portstr))
		goto out;
	if (getaddrinfo(cfg->addr, portstr, &hints, &ai) != 0 || ai == NULL) {
		log_err("server: %s is not a numeric IPv4 or IPv6 address",
		    cfg->addr);
		goto out;
	}
	if (!srv->tls && !is_loopback(ai->ai_addr)) {
		log_err("server: refusing plain HTTP on %s: without TLS only "
			"a loopback address (127.0.0.0/8, ::1) may listen; "
			"give a certificate and a key",
		    cfg->addr);
		goto out;
	}
	if (srv->tls && tls_setup(srv) != 0)
		goto out;

	if ((srv->queue = calloc(
		 (size_t)srv->cfg.queue_len, sizeof(*srv->queue))) == NULL ||
	    (srv->workers = calloc(
		 (size_t)srv->cfg.workers, sizeof(*srv->workers))) == NULL) {
		log_err("server: out of memory");
		goto out;
	}
	srv->nworkers = srv->cfg.workers;
	for (i = 0; i < srv->nworkers; i++)
		mbedtls_ssl_init(&srv->workers[i].ssl);
	for (i = 0; i < srv->nworkers; i++)
		if (worker_init(srv, &srv->workers[i]) != 0)
			goto out;

	if (pipe2(pfd, O_CLOEXEC | O_NONBLOCK) != 0) {
		log_err("server: pipe: %s", strerror(errno));
		goto out;
	}
	srv->stop_r = pfd[0];
	srv->stop_w = pfd[1];
	if (listen_on(srv, ai->ai_addr, ai->ai_addrlen) != 0)
		goto out;
	ok = 1;
out:
	if (ai != NULL)
		freeaddrinfo(ai);
	if (!ok) {
		server_free(srv);
		srv = NULL;
	}
	return srv;
}

void
server_free(struct server *srv)
{
	struct worker *w;
	int i;

	if (srv == NULL)
		return;
	for (i = 0; i < srv->nworkers; i++) {
		w = &srv->workers[i];
		mbedtls_ssl_free(&w->ssl);
		/* serve() wipes these after every connection. */
		sodium_free(w->rbuf);
		sodium_free(w->body);
		sodium_free(w->resp_body);
		sodium_free(w->out);
	}
	free(srv->workers);
	free(srv->queue);
	if (srv->lfd >= 0)
		close(srv->lfd);
	if (srv->stop_r >= 0)
		close(srv->stop_r);
	if (srv->stop_w >= 0)
		close(srv->stop_w);
	mbedtls_ssl_config_free(&srv->conf);
	mbedtls_pk_free(&srv->key);
	mbedtls_x509_crt_free(&srv->crt);
	mbedtls_ctr_drbg_free(&srv->drbg);
	mbedtls_entropy_free(&srv->entropy);
	pthread_cond_destroy(&srv->cv);
	pthread_mutex_destroy(&srv->mu);
	free(srv);
}
