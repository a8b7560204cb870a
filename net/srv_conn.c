#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include <mbedtls/error.h>

#include "net/srv_int.h"
#include "util/log.h"

/* Writing a last answer, or a close_notify, to a client we drop. */
#define GOODBYE_MS 1000
/* Reading what a client still sends after our last answer, so that the
 * kernel does not reset the connection under it. */
#define LINGER_MS 500
#define LINGER_MAX (64 * 1024)
/* Seconds a client refused for load is asked to wait. */
#define RETRY_AFTER "1"

static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";

static void read_some(struct srv_conn *c);
static void got_buf(struct srv_conn *c, uint8_t *buf);
static void write_some(struct srv_conn *c);

static int64_t
min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static void
drop_reqbuf(struct srv_conn *c)
{
	if (c->rb == NULL)
		return;
	sodium_memzero(c->rb, sizeof(*c->rb));
	lpool_put(c->srv->reqbufs, c->rb);
	c->rb = NULL;
}

static void
grant_bufs(struct server *srv)
{
	struct srv_conn *c;
	uint8_t *buf;

	while (srv->buf_wait.head != NULL) {
		if ((buf = lpool_get(srv->bufs)) == NULL)
			return;
		c = srv_queue_pop(&srv->buf_wait);
		got_buf(c, buf);
	}
}

/* The body and then the answer were in it: wipe what was used. */
static void
drop_buf(struct srv_conn *c)
{
	size_t used = c->wbuf == c->buf ? c->wlen : 0;

	if (c->buf == NULL)
		return;
	if (c->rb != NULL && c->rb->req.body_len > used)
		used = c->rb->req.body_len;
	if (used > c->srv->buf_size)
		used = c->srv->buf_size;
	sodium_memzero(c->buf, used);
	lpool_put(c->srv->bufs, c->buf);
	if (c->wbuf == c->buf)
		c->wbuf = NULL;
	c->buf = NULL;
	grant_bufs(c->srv);
}

void
srv_conn_close(struct srv_conn *c)
{
	struct server *srv = c->srv;

	if (c->state == SRV_WAIT_BUF)
		srv_queue_remove(&srv->buf_wait, c);
	drop_buf(c);
	drop_reqbuf(c);
	free(c->pend);
	c->pend = NULL;
	srv_loop_watch(c, 0);
	srv_tls_put(srv, c->ssl);
	c->ssl = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	sodium_memzero(c->small, sizeof(c->small));
	srv_loop_release(c);
}

static void
linger_read(struct srv_conn *c)
{
	uint8_t tmp[4096];
	ssize_t n;

	for (;;) {
		n = recv(c->fd, tmp, sizeof(tmp), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			srv_loop_watch(c, EPOLLIN);
			break;
		}
		if (n <= 0 || (c->lingered += (size_t)n) > LINGER_MAX) {
			srv_conn_close(c);
			break;
		}
	}
	sodium_memzero(tmp, sizeof(tmp));
}

/*
 * The last answer is out. Closing with unread input makes the kernel send
 * a reset, which can destroy that answer before the client reads it; so
 * say close_notify, stop writing, and read what still comes for a while.
 */
static void
goodbye(struct srv_conn *c)
{
	drop_buf(c);
	drop_reqbuf(c);
	if (c->ssl != NULL)
		(void)mbedtls_ssl_close_notify(c->ssl);
	if (shutdown(c->fd, SHUT_WR) != 0) {
		srv_conn_close(c);
		return;
	}
	c->state = SRV_LINGER;
	c->lingered = 0;
	c->deadline = srv_now_ms() + LINGER_MS;
	linger_read(c);
}

/* An error or a refusal, then close. Never a copy of request bytes. */
static void
answer_error(struct srv_conn *c, int status, const char *code, int retry)
{
	const struct http_req *req = c->rb != NULL ? &c->rb->req : NULL;
	struct http_resp resp;
	uint8_t body[HTTP_MAX_CODE + 16];
	size_t len = 0;

	if (c->state == SRV_WAIT_BUF)
		srv_queue_remove(&c->srv->buf_wait, c);
	http_resp_init(&resp, body, sizeof(body));
	if (http_error_json(&resp, status, code) != 0 ||
	    (retry &&
		http_resp_header(&resp, "Retry-After", RETRY_AFTER) != 0) ||
	    http_respond(&resp, 0, req != NULL && req->method == HTTP_HEAD,
		c->small, sizeof(c->small), &len) != 0) {
		srv_conn_close(c);
		return;
	}
	srv_log_request(req, status, len, c->started ? c->t0 : srv_now_ms(),
	    c->no, c->nreq + 1, code);
	drop_buf(c);
	drop_reqbuf(c);
	c->state = SRV_GOODBYE;
	c->wbuf = c->small;
	c->wlen = len;
	c->woff = 0;
	c->deadline = srv_now_ms() + GOODBYE_MS;
	write_some(c);
}

static void
enter_idle(struct srv_conn *c)
{
	struct server *srv = c->srv;

	c->state = SRV_IDLE;
	c->started = 0;
	c->deadline = min64(
	    srv_now_ms() + srv->cfg.idle_ms, c->born + srv->cfg.lifetime_ms);
}

/* Input for the handshake arrived (or its socket can take more): a
 * handshake worker runs the next step, off the loop. */
static void
handshake(struct srv_conn *c)
{
	c->state = SRV_HS_WORK;
	srv_loop_watch(c, 0);
	srv_work_submit_tls(c);
}

void
srv_conn_handshaken(struct srv_conn *c)
{
	char err[128];
	int ret = c->hs_ret;

	c->state = SRV_HANDSHAKE;
	if (atomic_load(&c->srv->stopping)) {
		srv_conn_close(c);
		return;
	}
	/* The step's output goes out before anything else happens. */
	if (c->pend != NULL) {
		srv_loop_watch(c, EPOLLOUT);
		return;
	}
	if (ret == MBEDTLS_ERR_SSL_WANT_READ) {
		srv_loop_watch(c, EPOLLIN);
		return;
	}
	if (ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
		srv_loop_watch(c, EPOLLOUT);
		return;
	}
	if (ret != 0) {
		mbedtls_strerror(ret, err, sizeof(err));
		log_info("conn=%llu TLS handshake failed: %s", c->no, err);
		srv_conn_close(c);
		return;
	}
	if (c->refuse) {
		answer_error(c, 503, "busy", 1);
		return;
	}
	enter_idle(c);
	read_some(c);
}

int
srv_conn_busy(const struct srv_conn *c)
{
	return c->state == SRV_WORK || c->state == SRV_HS_WORK;
}

void
srv_conn_start(struct srv_conn *c)
{
	struct server *srv = c->srv;

	if (srv->tls) {
		if ((c->ssl = srv_tls_get(c)) == NULL) {
			srv_conn_close(c);
			return;
		}
		/* The client speaks first: its hello wakes the loop. */
		c->state = SRV_HANDSHAKE;
		c->deadline = c->born + srv->cfg.handshake_ms;
		srv_loop_watch(c, EPOLLIN);
		return;
	}
	if (c->refuse) {
		answer_error(c, 503, "busy", 1);
		return;
	}
	enter_idle(c);
	read_some(c);
}

static int
take_reqbuf(struct srv_conn *c)
{
	struct srv_reqbuf *rb;

	if (c->rb != NULL)
		return 0;
	if ((rb = lpool_get(c->srv->reqbufs)) == NULL)
		return -1;
	rb->off = rb->have = 0;
	http_req_init(&rb->req, NULL, 0);
	http_req_set_body(&rb->req, NULL, c->srv->cfg.max_body);
	memcpy(rb->req.peer, c->peer, sizeof(rb->req.peer));
	rb->conn = c;
	c->rb = rb;
	return 0;
}

/*
 * Parse what is buffered. The header block goes in a byte at a time, so
 * that parsing stops where it ends: its body needs a request buffer
 * first, and one is lent only to a request whose header block is read.
 */
static int
feed(struct srv_conn *c)
{
	struct srv_reqbuf *rb = c->rb;
	struct http_req *req = &rb->req;
	size_t used, len;
	int r;

	while (rb->off < rb->have) {
		if (!req->headers_done)
			len = 1;
		else if (c->buf == NULL)
			break;
		else
			len = rb->have - rb->off;
		r = http_parse(req, rb->rbuf + rb->off, len, &used);
		rb->off += used;
		if (r != HTTP_NEED_MORE)
			return r;
	}
	return HTTP_NEED_MORE;
}

static void
dispatch(struct srv_conn *c)
{
	c->state = SRV_WORK;
	c->nreq++;
	srv_loop_watch(c, 0);
	srv_work_submit(c);
}

/* Continue 100: tiny, on a connection that has sent us only a request
 * head, so it goes out at once or the connection is dropped. */
static int
send_continue(struct srv_conn *c)
{
	int n;

	n = srv_tls_send(c, (const uint8_t *)cont, sizeof(cont) - 1);
	return n == (int)(sizeof(cont) - 1) ? 0 : -1;
}

/*
 * The header block is read (r: what parsing said last): the request
 * needs its buffer before any body byte, or before it can be answered.
 * 0 to read on, 1 when the connection went elsewhere (a worker, the wait
 * list, closed).
 */
/* Lend the request its buffer; 1 when the connection was closed. */
static int
attach_buf(struct srv_conn *c, int r, uint8_t *buf)
{
	struct http_req *req = &c->rb->req;

	c->buf = buf;
	http_req_set_body(req, buf, c->srv->cfg.max_body);
	if (r == HTTP_NEED_MORE && req->expect_continue &&
	    send_continue(c) != 0) {
		srv_conn_close(c);
		return 1;
	}
	return 0;
}

/*
 * The header block is read (r: what parsing said last): the request
 * needs its buffer before any body byte, or before it can be answered.
 * 0 to read on, 1 when the connection went elsewhere (a worker, the wait
 * list, closed).
 */
static int
headers_read(struct srv_conn *c, int r)
{
	struct server *srv = c->srv;
	uint8_t *buf;

	if (c->buf == NULL) {
		if ((buf = lpool_get(srv->bufs)) == NULL) {
			c->parsed = r;
			c->state = SRV_WAIT_BUF;
			c->deadline = c->t0 + srv->cfg.request_ms;
			srv_loop_watch(c, 0);
			srv_queue_push(&srv->buf_wait, c);
			return 1;
		}
		if (attach_buf(c, r, buf) != 0)
			return 1;
	}
	if (r == HTTP_DONE) {
		dispatch(c);
		return 1;
	}
	return 0;
}

static void
read_some(struct srv_conn *c)
{
	struct server *srv = c->srv;
	struct http_req *req;
	int64_t now;
	int n, r;

	for (;;) {
		if (take_reqbuf(c) != 0) {
			answer_error(c, 503, "busy", 1);
			return;
		}
		req = &c->rb->req;
		if (c->rb->off == c->rb->have) {
			n = srv_tls_recv(c, c->rb->rbuf, SRV_RBUF);
			if (n == MBEDTLS_ERR_SSL_WANT_READ ||
			    n == MBEDTLS_ERR_SSL_WANT_WRITE) {
				if (!c->started)
					drop_reqbuf(c);
				srv_loop_watch(c, n == MBEDTLS_ERR_SSL_WANT_READ
						      ? EPOLLIN
						      : EPOLLOUT);
				return;
			}
			if (n <= 0) {
				if (c->started)
					log_info("conn=%llu req=%d: closed "
						 "mid-request",
					    c->no, c->nreq + 1);
				srv_conn_close(c);
				return;
			}
			c->rb->off = 0;
			c->rb->have = (size_t)n;
		}
		now = srv_now_ms();
		if (!c->started) {
			/* The request's own clock starts at its first byte. */
			c->started = 1;
			c->t0 = now;
			c->state = SRV_READ;
		}
		c->deadline =
		    min64(c->t0 + srv->cfg.request_ms, now + srv->cfg.idle_ms);
		r = feed(c);
		if (r == HTTP_ERROR) {
			answer_error(c, req->status, req->error, 0);
			return;
		}
		if (req->headers_done && headers_read(c, r) != 0)
			return;
	}
}

static void
got_buf(struct srv_conn *c, uint8_t *buf)
{
	struct server *srv = c->srv;

	c->state = SRV_READ;
	c->deadline =
	    min64(c->t0 + srv->cfg.request_ms, srv_now_ms() + srv->cfg.idle_ms);
	if (attach_buf(c, c->parsed, buf) != 0)
		return;
	if (c->parsed == HTTP_DONE)
		dispatch(c);
	else
		read_some(c);
}

static void
finish_request(struct srv_conn *c)
{
	struct srv_reqbuf *rb = c->rb;
	size_t left;

	drop_buf(c);
	if (!c->keep || atomic_load(&c->srv->stopping)) {
		goodbye(c);
		return;
	}
	/* Keep only the next request's bytes, at the start of rbuf. */
	left = rb->have - rb->off;
	memmove(rb->rbuf, rb->rbuf + rb->off, left);
	sodium_memzero(rb->rbuf + left, SRV_RBUF - left);
	sodium_memzero(&rb->req, sizeof(rb->req));
	rb->off = 0;
	rb->have = left;
	http_req_init(&rb->req, NULL, 0);
	http_req_set_body(&rb->req, NULL, c->srv->cfg.max_body);
	memcpy(rb->req.peer, c->peer, sizeof(rb->req.peer));
	if (left == 0)
		drop_reqbuf(c);
	enter_idle(c);
	read_some(c);
}

static void
write_some(struct srv_conn *c)
{
	int n;

	while (c->woff < c->wlen) {
		n = srv_tls_send(c, c->wbuf + c->woff, c->wlen - c->woff);
		if (n == MBEDTLS_ERR_SSL_WANT_WRITE) {
			srv_loop_watch(c, EPOLLOUT);
			return;
		}
		if (n == MBEDTLS_ERR_SSL_WANT_READ) {
			srv_loop_watch(c, EPOLLIN);
			return;
		}
		if (n <= 0) {
			srv_conn_close(c);
			return;
		}
		c->woff += (size_t)n;
	}
	if (c->state == SRV_GOODBYE)
		goodbye(c);
	else
		finish_request(c);
}

void
srv_conn_answered(struct srv_conn *c)
{
	c->state = SRV_WRITE;
	c->deadline = srv_now_ms() + c->srv->cfg.request_ms;
	write_some(c);
}

void
srv_conn_event(struct srv_conn *c)
{
	int r;

	switch (c->state) {
	case SRV_HANDSHAKE:
		if (c->pend == NULL)
			handshake(c);
		else if ((r = srv_work_send_held(c)) > 0)
			srv_conn_handshaken(c);
		else if (r < 0)
			srv_conn_close(c);
		break;
	case SRV_IDLE:
	case SRV_READ:
		read_some(c);
		break;
	case SRV_WRITE:
	case SRV_GOODBYE:
		write_some(c);
		break;
	case SRV_LINGER:
		linger_read(c);
		break;
	default:
		/* Not watched: an event from before it changed state. */
		break;
	}
}

void
srv_conn_expired(struct srv_conn *c)
{
	switch (c->state) {
	case SRV_HANDSHAKE:
		log_info("conn=%llu TLS handshake timed out", c->no);
		srv_conn_close(c);
		break;
	case SRV_READ:
		answer_error(c, 408, "request_timeout", 0);
		break;
	case SRV_WAIT_BUF:
		answer_error(c, 503, "busy", 1);
		break;
	case SRV_WORK:
	case SRV_HS_WORK:
	case SRV_FREE:
		break;
	default:
		/* Idle, or a client that does not read what we write. */
		srv_conn_close(c);
		break;
	}
}

void
srv_conn_stop(struct srv_conn *c)
{
	switch (c->state) {
	case SRV_HANDSHAKE:
	case SRV_IDLE:
		srv_conn_close(c);
		break;
	case SRV_READ:
	case SRV_WAIT_BUF:
		answer_error(c, 503, "stopping", 1);
		break;
	default:
		/* A request in hand is finished, and told to close; a
		 * handshake step in hand is closed when it comes back. */
		break;
	}
}
