#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "net/server.h"
#include "net/srv_int.h"
#include "util/log.h"

/* Kernel listen backlog: a burst of clients waits here, not in SYN
 * retries (the kernel caps it at net.core.somaxconn). */
#define LISTEN_BACKLOG 1024
/* Descriptors kept for everything but connections (databases, logs). */
#define FD_SPARE 64
/* Request buffers sodium_malloc'd at once, as the pools first grow. */
#define POOL_CHUNK 16

void
server_stop(struct server *srv)
{
	ssize_t n;

	/* The byte stays unread, so the loop sees it however late. */
	n = write(srv->stop_w, "x", 1);
	(void)n;
}

uint16_t
server_port(const struct server *srv)
{
	return srv->port;
}

int
server_run(struct server *srv)
{
	int i, rc = -1;

	if (srv_work_start(srv) != 0)
		goto out;
	log_info("server: listening on port %u (%s, %d workers, %d "
		 "handshake threads, %d connections)",
	    (unsigned)srv->port, srv->tls ? "TLS 1.2" : "plain, loopback",
	    srv->nworkers, srv->ntls_workers, srv->cfg.max_conns);
	rc = srv_loop_run(srv);
out:
	srv_work_stop(srv);
	/* What the workers finished after the loop ended is dropped. */
	(void)srv_work_take_done(srv);
	for (i = 0; i < srv->nconns; i++)
		if (srv->conns[i].state != SRV_FREE)
			srv_conn_close(&srv->conns[i]);
	log_info("server: stopped");
	return rc;
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
online_cores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > SERVER_MAX_WORKERS ? SERVER_MAX_WORKERS : (int)n;
}

static void
defaults(struct server_config *cfg)
{
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
	if (cfg->max_conns == 0)
		cfg->max_conns = SERVER_DEF_MAX_CONNS;
	if (cfg->max_per_addr == 0)
		cfg->max_per_addr = SERVER_DEF_MAX_PER_ADDR;
	if (cfg->handshake_ms == 0)
		cfg->handshake_ms = SERVER_DEF_HANDSHAKE_MS;
	if (cfg->lifetime_ms == 0)
		cfg->lifetime_ms = SERVER_DEF_LIFETIME_MS;
	if (cfg->ticket_s == 0)
		cfg->ticket_s = SERVER_DEF_TICKET_S;
	if (cfg->tls_workers == 0)
		cfg->tls_workers = online_cores();
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
	defaults(cfg);
	if (cfg->workers < 0 || cfg->workers > SERVER_MAX_WORKERS ||
	    cfg->tls_workers < 0 || cfg->tls_workers > SERVER_MAX_WORKERS ||
	    cfg->queue_len < 0 || cfg->queue_len > SERVER_MAX_QUEUE ||
	    cfg->idle_ms < 0 || cfg->request_ms < 0 || cfg->max_requests < 0 ||
	    cfg->max_resp < SERVER_MIN_RESP || cfg->max_conns < 0 ||
	    cfg->max_conns > SERVER_MAX_CONNS || cfg->max_per_addr < 0 ||
	    cfg->handshake_ms < 0 || cfg->lifetime_ms < 0 ||
	    cfg->ticket_s < 0 || cfg->ticket_s > SERVER_MAX_TICKET_S) {
		log_err("server: workers 1-%d, queue 1-%d, connections 1-%d, "
			"positive timeouts, limits and request counts, "
			"tickets up to %d s, max_resp at least %d",
		    SERVER_MAX_WORKERS, SERVER_MAX_QUEUE, SERVER_MAX_CONNS,
		    SERVER_MAX_TICKET_S, SERVER_MIN_RESP);
		return -1;
	}
	return 0;
}

/*
 * Every connection is a descriptor: raise the soft limit as far as the
 * hard one allows, and serve fewer connections if even that is short.
 */
static int
fit_fd_limit(struct server_config *cfg)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)cfg->max_conns + SRV_REFUSE_RESERVE + FD_SPARE;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
		log_err("server: getrlimit: %s", strerror(errno));
		return -1;
	}
	if (rl.rlim_cur >= need)
		return 0;
	rl.rlim_cur = rl.rlim_max < need ? rl.rlim_max : need;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0 &&
	    getrlimit(RLIMIT_NOFILE, &rl) != 0) {
		log_err("server: setrlimit: %s", strerror(errno));
		return -1;
	}
	if (rl.rlim_cur >= need)
		return 0;
	if (rl.rlim_cur <= SRV_REFUSE_RESERVE + FD_SPARE) {
		log_err("server: the descriptor limit (%llu) is too low",
		    (unsigned long long)rl.rlim_cur);
		return -1;
	}
	cfg->max_conns = (int)(rl.rlim_cur - SRV_REFUSE_RESERVE - FD_SPARE);
	log_warn("server: the descriptor limit allows only %d connections",
	    cfg->max_conns);
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

/* The connection table, its free list and the locked buffer pools. */
static int
tables_new(struct server *srv)
{
	size_t resp = srv->cfg.max_resp + HTTP_MAX_RESP_HEAD;
	int i;

	srv->nconns = srv->cfg.max_conns + SRV_REFUSE_RESERVE;
	srv->conns = calloc((size_t)srv->nconns, sizeof(*srv->conns));
	srv->conn_free = calloc((size_t)srv->nconns, sizeof(*srv->conn_free));
	if (srv->conns == NULL || srv->conn_free == NULL) {
		log_err("server: out of memory");
		return -1;
	}
	for (i = 0; i < srv->nconns; i++) {
		srv->conns[i].fd = -1;
		srv->conn_free[srv->nconn_free++] = srv->nconns - 1 - i;
	}
	/* Requests and answers carry what people typed and texted: locked
	 * memory that never reaches swap, wiped after every request. */
	srv->buf_size = srv->cfg.max_body > resp ? srv->cfg.max_body : resp;
	srv->reqbufs = lpool_new(
	    sizeof(struct srv_reqbuf), POOL_CHUNK, (size_t)srv->nconns);
	srv->bufs =
	    lpool_new(srv->buf_size, POOL_CHUNK, (size_t)srv->cfg.queue_len);
	if (srv->reqbufs == NULL || srv->bufs == NULL)
		return -1;
	return 0;
}

static struct server *
server_alloc(void)
{
	struct server *srv;

	if ((srv = calloc(1, sizeof(*srv))) == NULL) {
		log_err("server: out of memory");
		return NULL;
	}
	srv->lfd = srv->stop_r = srv->stop_w = srv->epfd = srv->wake_fd = -1;
	pthread_mutex_init(&srv->mu, NULL);
	pthread_mutex_init(&srv->done_mu, NULL);
	pthread_cond_init(&srv->cv, NULL);
	pthread_cond_init(&srv->tls_cv, NULL);
	mbedtls_entropy_init(&srv->entropy);
	mbedtls_ctr_drbg_init(&srv->drbg);
	mbedtls_x509_crt_init(&srv->crt);
	mbedtls_pk_init(&srv->key);
	mbedtls_ssl_config_init(&srv->conf);
	mbedtls_ssl_ticket_init(&srv->ticket);
	mbedtls_ssl_cache_init(&srv->cache);
	return srv;
}

struct server *
server_new(const struct server_config *cfg)
{
	struct server *srv;
	struct addrinfo hints, *ai = NULL;
	char portstr[8];
	int n, pfd[2], ok = 0;

	/* The request buffers are sodium_malloc'd; safe to call again. */
	if (sodium_init() < 0) {
		log_err("server: cannot initialise libsodium");
		return NULL;
	}
	if ((srv = server_alloc()) == NULL)
		return NULL;
	srv->cfg = *cfg;
	if (check_config(&srv->cfg) != 0 || fit_fd_limit(&srv->cfg) != 0)
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
	if (tables_new(srv) != 0 || srv_work_init(srv) != 0)
		goto out;
	if (srv->tls && srv_tls_setup(srv) != 0)
		goto out;
	if (pipe2(pfd, O_CLOEXEC | O_NONBLOCK) != 0) {
		log_err("server: pipe: %s", strerror(errno));
		goto out;
	}
	srv->stop_r = pfd[0];
	srv->stop_w = pfd[1];
	if ((srv->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		log_err("server: epoll: %s", strerror(errno));
		goto out;
	}
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
	if (srv == NULL)
		return;
	srv_work_free(srv);
	srv_tls_free(srv);
	lpool_free(srv->reqbufs);
	lpool_free(srv->bufs);
	free(srv->conns);
	free(srv->conn_free);
	if (srv->lfd >= 0)
		close(srv->lfd);
	if (srv->stop_r >= 0)
		close(srv->stop_r);
	if (srv->stop_w >= 0)
		close(srv->stop_w);
	if (srv->epfd >= 0)
		close(srv->epfd);
	mbedtls_ssl_cache_free(&srv->cache);
	mbedtls_ssl_ticket_free(&srv->ticket);
	mbedtls_ssl_config_free(&srv->conf);
	mbedtls_pk_free(&srv->key);
	mbedtls_x509_crt_free(&srv->crt);
	mbedtls_ctr_drbg_free(&srv->drbg);
	mbedtls_entropy_free(&srv->entropy);
	pthread_cond_destroy(&srv->cv);
	pthread_cond_destroy(&srv->tls_cv);
	pthread_mutex_destroy(&srv->mu);
	pthread_mutex_destroy(&srv->done_mu);
	free(srv);
}
