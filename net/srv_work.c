#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include <mbedtls/net_sockets.h>

#include "net/srv_int.h"
#include "util/log.h"

/* Characters of a path a log line shows. */
#define LOG_PATH_MAX 64

int64_t
srv_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
srv_queue_push(struct srv_queue *q, struct srv_conn *c)
{
	c->next = NULL;
	if (q->tail != NULL)
		q->tail->next = c;
	else
		q->head = c;
	q->tail = c;
}

struct srv_conn *
srv_queue_pop(struct srv_queue *q)
{
	struct srv_conn *c = q->head;

	if (c == NULL)
		return NULL;
	q->head = c->next;
	if (q->head == NULL)
		q->tail = NULL;
	c->next = NULL;
	return c;
}

void
srv_queue_remove(struct srv_queue *q, struct srv_conn *c)
{
	struct srv_conn *p = NULL, *it;

	for (it = q->head; it != NULL; p = it, it = it->next) {
		if (it != c)
			continue;
		if (p != NULL)
			p->next = c->next;
		else
			q->head = c->next;
		if (q->tail == c)
			q->tail = p;
		c->next = NULL;
		return;
	}
}

void
srv_log_request(const struct http_req *req, int status, size_t bytes,
    int64_t t0, unsigned long long conn_no, int nreq, const char *err)
{
	const char *method = "-", *path = "-";
	size_t plen;
	int show;

	if (req != NULL && req->method_name != NULL)
		method = req->method_name;
	if (req != NULL && req->path != NULL)
		path = req->path;
	plen = strlen(path);
	show = plen > LOG_PATH_MAX ? LOG_PATH_MAX : (int)plen;
	/*
	 * The path holds only RFC 3986 characters (the parser checked), so
	 * it cannot forge a log line; the query string may hold personal
	 * data and is never logged.
	 */
	log_info("%s %.*s%s %d %zuB %lldms conn=%llu req=%d%s%s", method, show,
	    path, plen > LOG_PATH_MAX ? "..." : "", status, bytes,
	    (long long)(srv_now_ms() - t0), conn_no, nreq,
	    err != NULL ? " err=" : "", err != NULL ? err : "");
}

/*
 * Run the handler and write the whole answer into the connection's
 * request buffer (its body is no longer needed: a handler copies what it
 * answers into resp).
 */
/*
 * After the handler (or a continuation) returned: 1 when it will answer
 * later (the connection stays in SRV_WORK and no worker holds it), 0 to
 * answer now. A resume that came while it still ran is run here at once.
 */
static int
answered_later(struct srv_worker *w, struct srv_conn *c, int *rc)
{
	struct server *srv = w->srv;
	struct http_req *req = &c->rb->req;
	server_handler fn;
	void *arg;

	for (;;) {
		pthread_mutex_lock(&srv->mu);
		if (c->later == SRV_LATER_ASKED) {
			c->later = SRV_LATER_OUT;
			pthread_mutex_unlock(&srv->mu);
			sodium_memzero(w->resp_body, srv->cfg.max_resp);
			sodium_memzero(&w->resp, sizeof(w->resp));
			return 1;
		}
		if (c->later != SRV_LATER_EARLY) {
			pthread_mutex_unlock(&srv->mu);
			return 0;
		}
		c->later = SRV_LATER_NONE;
		if (--srv->later == 0 && atomic_load(&srv->stopping))
			pthread_cond_broadcast(&srv->cv);
		fn = c->cont;
		arg = c->cont_arg;
		c->cont = NULL;
		pthread_mutex_unlock(&srv->mu);
		http_resp_init(&w->resp, w->resp_body, srv->cfg.max_resp);
		*rc = fn(arg, req, &w->resp);
	}
}

/* 0, or 1 when the request is answered later (server_later). */
static int
serve(struct srv_worker *w, struct srv_conn *c)
{
	struct server *srv = w->srv;
	struct http_req *req = &c->rb->req;
	server_handler fn = srv->cfg.handler;
	void *arg = srv->cfg.ctx;
	size_t len = 0;
	int keep, rc;

	if (c->cont != NULL) {
		/* Resumed: the continuation answers, not the handler. */
		fn = c->cont;
		arg = c->cont_arg;
		c->cont = NULL;
	}
	http_resp_init(&w->resp, w->resp_body, srv->cfg.max_resp);
	rc = fn(arg, req, &w->resp);
	if (answered_later(w, c, &rc))
		return 1;
	if (rc != 0 || w->resp.status == 0) {
		http_resp_init(&w->resp, w->resp_body, srv->cfg.max_resp);
		(void)http_error_json(&w->resp, 500, "internal");
	}
	keep = req->keep_alive && c->nreq < srv->cfg.max_requests &&
	       !atomic_load(&srv->stopping) &&
	       srv_now_ms() - c->born < srv->cfg.lifetime_ms;
	if (http_respond(&w->resp, keep, req->method == HTTP_HEAD, c->buf,
		srv->buf_size, &len) != 0) {
		http_resp_init(&w->resp, w->resp_body, srv->cfg.max_resp);
		keep = 0;
		if (http_error_json(&w->resp, 500, "internal") != 0 ||
		    http_respond(&w->resp, 0, 0, c->buf, srv->buf_size, &len) !=
			0)
			len = 0;
	}
	srv_log_request(req, w->resp.status, len, c->t0, c->no, c->nreq, NULL);
	c->keep = keep;
	c->wbuf = c->buf;
	c->wlen = len;
	c->woff = 0;
	/* What the handler wrote may run past body_len. */
	sodium_memzero(w->resp_body, srv->cfg.max_resp);
	sodium_memzero(&w->resp, sizeof(w->resp));
	return 0;
}

/* Send what a step wrote; what the socket does not take now waits in
 * c->pend for the loop. 0, or -1 when the connection failed. */
static int
flush_held(struct srv_worker *w, struct srv_conn *c)
{
	size_t off = 0;
	ssize_t n;

	while (off < w->hs_len) {
		n = send(c->fd, w->hs_out + off, w->hs_len - off,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		return -1;
	}
	if (off < w->hs_len) {
		if ((c->pend = malloc(w->hs_len - off)) == NULL) {
			log_err("server: out of memory");
			return -1;
		}
		memcpy(c->pend, w->hs_out + off, w->hs_len - off);
		c->pend_len = w->hs_len - off;
		c->pend_off = 0;
	}
	return 0;
}

int
srv_work_send_held(struct srv_conn *c)
{
	ssize_t n;

	while (c->pend_off < c->pend_len) {
		n = send(c->fd, c->pend + c->pend_off,
		    c->pend_len - c->pend_off, MSG_NOSIGNAL);
		if (n > 0) {
			c->pend_off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		return -1;
	}
	free(c->pend);
	c->pend = NULL;
	c->pend_len = c->pend_off = 0;
	return 1;
}

/*
 * A handshake step: mbedTLS reads what has arrived, does the public-key
 * work it allows (ECDHE, the signature, the shared secret) and writes
 * the next flight, then returns WANT_READ instead of waiting. The objects
 * it shares with other steps are safe from several threads in mbedTLS
 * 2.28 built with MBEDTLS_THREADING_C (Debian's is): the DRBG, the
 * ticket keys and the session cache take their own mutex; the
 * configuration is only read; the EC key's group got its table at start
 * (srv_tls.c's ecdsa_ready), so signing only reads it.
 *
 * The step's output is held until the step is over: mbedTLS sends its
 * Finished before it puts the new session in the cache, and a client
 * that reconnects at once would otherwise race another handshake thread
 * to it (and get a full handshake). It also makes a flight one send.
 */
static void
tls_step(struct srv_worker *w, struct srv_conn *c)
{
	c->hold = w;
	w->hs_len = 0;
	c->hs_ret = mbedtls_ssl_handshake(c->ssl);
	c->hold = NULL;
	if (w->hs_len > 0 && flush_held(w, c) != 0)
		c->hs_ret = MBEDTLS_ERR_NET_SEND_FAILED;
	w->hs_len = 0;
}

static void *
worker_main(void *arg)
{
	struct srv_worker *w = arg;
	struct server *srv = w->srv;
	struct srv_queue *q = w->tls ? &srv->tls_jobs : &srv->jobs;
	pthread_cond_t *cv = w->tls ? &srv->tls_cv : &srv->cv;
	struct srv_conn *c;
	uint64_t one = 1;
	ssize_t n;
	int wake;

	for (;;) {
		pthread_mutex_lock(&srv->mu);
		/* Stopping: the jobs still queued are served first, and
		 * request workers wait for those answered later. */
		while (q->head == NULL && (!atomic_load(&srv->stopping) ||
					      (!w->tls && srv->later > 0)))
			pthread_cond_wait(cv, &srv->mu);
		c = srv_queue_pop(q);
		pthread_mutex_unlock(&srv->mu);
		if (c == NULL)
			break;
		if (w->tls)
			tls_step(w, c);
		else if (serve(w, c))
			continue;
		/* The loop takes the whole list when it wakes: only the
		 * first connection on an empty list needs to wake it. */
		pthread_mutex_lock(&srv->done_mu);
		wake = srv->done.head == NULL;
		srv_queue_push(&srv->done, c);
		pthread_mutex_unlock(&srv->done_mu);
		if (wake) {
			n = write(srv->wake_fd, &one, sizeof(one));
			(void)n;
		}
	}
	return NULL;
}

struct server_later *
server_later(const struct http_req *req)
{
	/* req is the first member of the connection's request buffer. */
	struct srv_conn *c =
	    ((const struct srv_reqbuf *)(const void *)req)->conn;
	struct server *srv = c->srv;

	pthread_mutex_lock(&srv->mu);
	c->later = SRV_LATER_ASKED;
	srv->later++;
	pthread_mutex_unlock(&srv->mu);
	return (struct server_later *)c;
}

void
server_resume(struct server_later *l, server_handler fn, void *arg)
{
	struct srv_conn *c = (struct srv_conn *)l;
	struct server *srv = c->srv;

	pthread_mutex_lock(&srv->mu);
	c->cont = fn;
	c->cont_arg = arg;
	if (c->later == SRV_LATER_ASKED) {
		/* Its handler has not returned yet: that worker runs it. */
		c->later = SRV_LATER_EARLY;
		pthread_mutex_unlock(&srv->mu);
		return;
	}
	c->later = SRV_LATER_NONE;
	srv->later--;
	srv_queue_push(&srv->jobs, c);
	/* The last one while stopping: every worker may end now. */
	if (srv->later == 0 && atomic_load(&srv->stopping))
		pthread_cond_broadcast(&srv->cv);
	else
		pthread_cond_signal(&srv->cv);
	pthread_mutex_unlock(&srv->mu);
}

void
srv_work_submit(struct srv_conn *c)
{
	struct server *srv = c->srv;

	pthread_mutex_lock(&srv->mu);
	srv_queue_push(&srv->jobs, c);
	pthread_cond_signal(&srv->cv);
	pthread_mutex_unlock(&srv->mu);
}

void
srv_work_submit_tls(struct srv_conn *c)
{
	struct server *srv = c->srv;

	pthread_mutex_lock(&srv->mu);
	srv_queue_push(&srv->tls_jobs, c);
	pthread_cond_signal(&srv->tls_cv);
	pthread_mutex_unlock(&srv->mu);
}

struct srv_conn *
srv_work_take_done(struct server *srv)
{
	struct srv_conn *list;
	uint64_t v;
	ssize_t n;

	n = read(srv->wake_fd, &v, sizeof(v));
	(void)n;
	pthread_mutex_lock(&srv->done_mu);
	list = srv->done.head;
	srv->done.head = srv->done.tail = NULL;
	pthread_mutex_unlock(&srv->done_mu);
	return list;
}

int
srv_work_init(struct server *srv)
{
	struct srv_worker *w;
	int i;

	srv->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (srv->wake_fd < 0) {
		log_err("server: eventfd: %s", strerror(errno));
		return -1;
	}
	srv->ntls_workers = srv->tls ? srv->cfg.tls_workers : 0;
	srv->workers = calloc((size_t)(srv->cfg.workers + srv->ntls_workers),
	    sizeof(*srv->workers));
	if (srv->workers == NULL) {
		log_err("server: out of memory");
		return -1;
	}
	srv->nworkers = srv->cfg.workers;
	for (i = 0; i < srv->ntls_workers; i++) {
		w = &srv->workers[srv->nworkers + i];
		w->srv = srv;
		w->tls = 1;
		if ((w->hs_out = malloc(SRV_HS_OUT)) == NULL) {
			log_err("server: out of memory");
			return -1;
		}
	}
	for (i = 0; i < srv->nworkers; i++) {
		srv->workers[i].srv = srv;
		/* Answers carry what people typed and texted: locked memory
		 * that never reaches swap, wiped after every request. */
		srv->workers[i].resp_body = sodium_malloc(srv->cfg.max_resp);
		if (srv->workers[i].resp_body == NULL) {
			log_err("server: out of locked memory");
			return -1;
		}
	}
	return 0;
}

int
srv_work_start(struct server *srv)
{
	int i;

	for (i = 0; i < srv->nworkers + srv->ntls_workers; i++) {
		if (pthread_create(&srv->workers[i].thread, NULL, worker_main,
			&srv->workers[i]) != 0) {
			log_err("server: cannot start worker %d", i);
			return -1;
		}
		srv->workers[i].started = 1;
	}
	return 0;
}

/* After the loop: the workers finish what they hold, then end. */
void
srv_work_stop(struct server *srv)
{
	int i;

	pthread_mutex_lock(&srv->mu);
	atomic_store(&srv->stopping, 1);
	pthread_cond_broadcast(&srv->cv);
	pthread_cond_broadcast(&srv->tls_cv);
	pthread_mutex_unlock(&srv->mu);
	for (i = 0; i < srv->nworkers + srv->ntls_workers; i++) {
		if (srv->workers[i].started)
			pthread_join(srv->workers[i].thread, NULL);
		srv->workers[i].started = 0;
	}
}

void
srv_work_free(struct server *srv)
{
	int i;

	for (i = 0; i < srv->nworkers; i++)
		sodium_free(srv->workers[i].resp_body);
	for (i = 0; i < srv->ntls_workers; i++)
		free(srv->workers[srv->nworkers + i].hs_out);
	free(srv->workers);
	srv->workers = NULL;
	srv->nworkers = 0;
	srv->ntls_workers = 0;
	if (srv->wake_fd >= 0)
		close(srv->wake_fd);
	srv->wake_fd = -1;
}
