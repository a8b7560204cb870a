#ifndef NET_SRV_INT_H
#define NET_SRV_INT_H

/*
 * net/server's parts, private to net/srv_*.c and net/server.c:
 *   srv_loop  the epoll loop: accepting, limits, deadlines, stopping
 *   srv_conn  one connection's states: handshake, read, write, close
 *   srv_tls   mbedTLS: configuration, tickets, contexts, socket I/O
 *   srv_work  the worker threads and the queues to and from them
 */

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_cache.h>
#include <mbedtls/ssl_ticket.h>
#include <mbedtls/x509_crt.h>

#include "net/http.h"
#include "net/lpool.h"
#include "net/server.h"

/* Bytes read from a connection at once (the rest waits in the kernel or
 * in mbedTLS's record buffer). */
#define SRV_RBUF 4096
/* Room for an error answer or a 100 Continue: status line, headers and
 * {"error":"<code>"}; these never carry request bytes. */
#define SRV_SMALL_OUT 512
/* A handshake worker holds a step's output here and sends it once the
 * step is over (see srv_work.c's tls_step). Certificates and key shares:
 * public bytes. */
#define SRV_HS_OUT (32 * 1024)
/* Extra connections, beyond max_conns, kept only to answer 503. */
#define SRV_REFUSE_RESERVE 256

enum srv_state {
	SRV_FREE = 0,
	SRV_HANDSHAKE, /* TLS handshake under way, waiting for the peer */
	SRV_HS_WORK, /* a handshake worker runs a step: the loop keeps off */
	SRV_IDLE, /* between requests: nothing of the next one read */
	SRV_READ, /* a request begun */
	SRV_WAIT_BUF, /* header block read, waiting for a request buffer */
	SRV_WORK, /* with a worker: the loop does not touch it */
	SRV_WRITE, /* writing an answer */
	SRV_GOODBYE, /* writing a last answer (an error, a refusal) */
	SRV_LINGER, /* reading what the client still sends, then close */
};

/*
 * A request answered later: its handler called server_later and returned
 * (OUT); server_resume queues it for a worker again. A resume that comes
 * before the handler has returned (EARLY) is run by that same worker
 * when it does.
 */
enum srv_later {
	SRV_LATER_NONE = 0,
	SRV_LATER_ASKED, /* the handler called server_later, still runs */
	SRV_LATER_OUT, /* the handler returned; no worker has it */
	SRV_LATER_EARLY, /* resumed while the handler still ran */
};

/* A request being read: locked, one per connection with bytes pending. */
struct srv_reqbuf {
	struct http_req req;
	struct srv_conn *conn; /* whose it is: server_later finds it so */
	size_t off;
	size_t have;
	uint8_t rbuf[SRV_RBUF];
};

struct srv_conn {
	struct server *srv;
	int fd;
	enum srv_state state;
	uint32_t events; /* what epoll watches now */
	mbedtls_ssl_context *ssl; /* NULL for plain */
	unsigned long long no;
	int nreq;
	int refuse; /* over a limit: answer 503 as soon as we can */
	int keep; /* the answer being written leaves it open */
	int started; /* a byte of the current request was read */
	int parsed; /* the parser's last word, while waiting for a buffer */
	int hs_ret; /* what the handshake worker's step returned */
	struct srv_worker *hold; /* during a step: output goes to its hs_out */
	uint8_t *pend; /* a step's output the socket did not take at once */
	size_t pend_len;
	size_t pend_off;
	int64_t born;
	int64_t t0; /* the current request's first byte */
	int64_t deadline; /* the current state must end by then */
	int addr_family;
	uint8_t addr[8]; /* IPv4, or the /64 of IPv6: max_per_addr's key */
	char peer[HTTP_MAX_PEER];
	struct srv_reqbuf *rb;
	uint8_t *buf; /* request body, then the answer (locked) */
	const uint8_t *wbuf;
	size_t wlen;
	size_t woff;
	size_t lingered;
	uint8_t small[SRV_SMALL_OUT];
	/* Answering later (server_later), under the server's mu. */
	enum srv_later later;
	server_handler cont; /* what server_resume asked to run */
	void *cont_arg;
	struct srv_conn *next; /* in one queue or list at a time */
};

/* A FIFO of connections linked through next. */
struct srv_queue {
	struct srv_conn *head;
	struct srv_conn *tail;
};

struct srv_worker {
	struct server *srv;
	pthread_t thread;
	int started;
	int tls; /* runs TLS handshake steps, not requests */
	uint8_t *hs_out; /* SRV_HS_OUT: a step's output, held */
	size_t hs_len;
	uint8_t *resp_body; /* locked */
	struct http_resp resp;
};

struct server {
	struct server_config cfg;
	int tls;
	int lfd;
	int stop_r;
	int stop_w;
	int epfd;
	int wake_fd; /* eventfd: a worker finished a request */
	uint16_t port;

	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_x509_crt crt;
	mbedtls_pk_context key;
	mbedtls_ssl_config conf;
	mbedtls_ssl_ticket_context ticket;
	mbedtls_ssl_cache_context cache;
	mbedtls_ssl_context **ssl_free; /* set-up contexts to reuse */
	int nssl_free;

	/* Connections: max_conns plus the refusal reserve. */
	struct srv_conn *conns;
	int nconns;
	int *conn_free; /* a stack of free indexes */
	int nconn_free;
	int active; /* connections within max_conns */
	int refusing; /* connections in the reserve */
	struct lpool *reqbufs;
	struct lpool *bufs;
	size_t buf_size;
	struct srv_queue buf_wait; /* SRV_WAIT_BUF, oldest first */

	struct srv_worker *workers; /* nworkers, then ntls_workers */
	int nworkers;
	int ntls_workers;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_cond_t tls_cv;
	struct srv_queue jobs; /* to the workers */
	struct srv_queue tls_jobs; /* to the handshake workers */
	/* Back from them, under a mutex of its own: every request passes
	 * both queues, and one mutex for both made workers wait for it. */
	pthread_mutex_t done_mu;
	struct srv_queue done;
	atomic_int stopping;
	/* Requests whose handler said "later" and that have not been
	 * resumed (under mu): the workers do not end while there are. */
	int later;

	unsigned long long next_conn;
	int64_t accept_paused_until;
	int accept_full; /* not accepting: every slot and the reserve taken */
	unsigned long refused; /* since the last log line about it */
	unsigned long dropped;
	int64_t refused_logged;
};

int64_t srv_now_ms(void);

void srv_queue_push(struct srv_queue *q, struct srv_conn *c);
struct srv_conn *srv_queue_pop(struct srv_queue *q);
void srv_queue_remove(struct srv_queue *q, struct srv_conn *c);

/* srv_loop */
int srv_loop_run(struct server *srv);
/* Watch fd for events (0: none) if not already. */
void srv_loop_watch(struct srv_conn *c, uint32_t events);
/* The connection ended: give its slot back. */
void srv_loop_release(struct srv_conn *c);

/* srv_conn */
void srv_conn_start(struct srv_conn *c);
void srv_conn_event(struct srv_conn *c);
void srv_conn_expired(struct srv_conn *c);
void srv_conn_answered(struct srv_conn *c);
/* A handshake worker ran a step (c->hs_ret has what it returned). */
void srv_conn_handshaken(struct srv_conn *c);
/* A worker holds it: no event, deadline or stop may touch it. */
int srv_conn_busy(const struct srv_conn *c);
/* Server stopping: end it now unless a request is in hand. */
void srv_conn_stop(struct srv_conn *c);
void srv_conn_close(struct srv_conn *c);

/* srv_tls */
int srv_tls_setup(struct server *srv);
void srv_tls_free(struct server *srv);
mbedtls_ssl_context *srv_tls_get(struct srv_conn *c);
void srv_tls_put(struct server *srv, mbedtls_ssl_context *ssl);
/* Bytes read or written (> 0), 0 at the end of the stream, or an
 * MBEDTLS_ERR_SSL_WANT_READ / _WANT_WRITE or other negative code. */
int srv_tls_recv(struct srv_conn *c, uint8_t *buf, size_t len);
int srv_tls_send(struct srv_conn *c, const uint8_t *buf, size_t len);

/* srv_work */
int srv_work_init(struct server *srv);
int srv_work_start(struct server *srv);
void srv_work_submit(struct srv_conn *c);
/* Run one handshake step of c (its input has arrived) on a handshake
 * worker. */
void srv_work_submit_tls(struct srv_conn *c);
/* The rest of a handshake step's output (c->pend), from the loop: 1 when
 * it is all out, 0 when the socket is full, -1 on error. */
int srv_work_send_held(struct srv_conn *c);
void srv_work_stop(struct server *srv);
void srv_work_free(struct server *srv);
/* The connections workers finished since the last call (the loop's). */
struct srv_conn *srv_work_take_done(struct server *srv);

void srv_log_request(const struct http_req *req, int status, size_t bytes,
    int64_t t0, unsigned long long conn_no, int nreq, const char *err);

#endif
