#include "tests/unit/testutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net/netconf.h"
#include "net/server.h"
#include "util/log.h"

#define RESP_MAX 65536
/* How long a test client waits for an answer before giving up. */
#define CLIENT_WAIT_MS 5000
/* The crowd: slow clients, idle keep-alive ones, and how long the real
 * client's requests may take at most (generous: the old design took 20 s). */
#define CROWD_SLOW 500
#define CROWD_IDLE 50
#define CROWD_REQUESTS 15
#define CROWD_WAIT_MS 3000
#define BURST 300

struct running {
	struct server *srv;
	pthread_t thread;
	int rc;
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
handler(void *ctx, const struct http_req *req, struct http_resp *resp)
{
	int *calls = ctx;

	if (calls != NULL)
		__atomic_add_fetch(calls, 1, __ATOMIC_SEQ_CST);
	if (strcmp(req->path, "/fail") == 0)
		return -1;
	if (strcmp(req->path, "/big") == 0) {
		/* Too big for a small max_resp: the server must answer 500. */
		if (resp->body_cap >= 100)
			return http_resp_body(
			    resp, 200, "text/plain", resp->body, 100);
		resp->status = 200;
		resp->body_len = resp->body_cap + 1;
		return 0;
	}
	if (strcmp(req->path, "/echo") == 0)
		return http_resp_body(resp, 200, "application/octet-stream",
		    req->body, req->body_len);
	if (strcmp(req->path, "/sleep") == 0)
		usleep(300 * 1000);
	return http_resp_body(resp, 200, "text/plain", "hello\n", 6);
}

static void *
run_thread(void *arg)
{
	struct running *r = arg;

	r->rc = server_run(r->srv);
	return NULL;
}

static struct running *
start(struct server_config *cfg)
{
	struct running *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	if (cfg->handler == NULL)
		cfg->handler = handler;
	if (cfg->addr == NULL)
		cfg->addr = "127.0.0.1";
	r->srv = server_new(cfg);
	assert_non_null(r->srv);
	assert_true(server_port(r->srv) != 0);
	assert_int_equal(pthread_create(&r->thread, NULL, run_thread, r), 0);
	return r;
}

static void
stop(struct running *r)
{
	int64_t t0 = now_ms();

	server_stop(r->srv);
	assert_int_equal(pthread_join(r->thread, NULL), 0);
	/* Stopping never waits for idle connections. */
	assert_true(now_ms() - t0 < 2000);
	assert_int_equal(r->rc, 0);
	server_free(r->srv);
	free(r);
}

static int
dial(struct running *r)
{
	struct sockaddr_in sin;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(server_port(r->srv));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

static void
send_str(int fd, const char *s)
{
	size_t len = strlen(s);

	assert_int_equal(send(fd, s, len, MSG_NOSIGNAL), (ssize_t)len);
}

/*
 * Read until the server closes or nothing comes for wait_ms; returns the
 * bytes read (NUL-terminated in buf) and sets *closed.
 */
static size_t
read_all(int fd, char *buf, size_t cap, int wait_ms, int *closed)
{
	struct pollfd pfd;
	size_t len = 0;
	ssize_t n;

	*closed = 0;
	while (len + 1 < cap) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, wait_ms) <= 0)
			break;
		n = recv(fd, buf + len, cap - 1 - len, 0);
		if (n <= 0) {
			*closed = 1;
			break;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	return len;
}

static int
count_str(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

static void
test_plain_refused_off_loopback(void **state)
{
	struct server_config cfg;
	struct server *srv;
	const char *bad[] = {"0.0.0.0", "::", "192.0.2.1", "10.0.0.1",
	    "::ffff:127.0.0.1", "localhost", "127.0.0.1.example", ""};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&cfg, 0, sizeof(cfg));
		cfg.addr = bad[i];
		cfg.handler = handler;
		srv = server_new(&cfg);
		if (srv != NULL)
			fail_msg("plain HTTP allowed on '%s'", bad[i]);
	}
	/* Other loopback addresses are fine. */
	memset(&cfg, 0, sizeof(cfg));
	cfg.addr = "127.0.0.2";
	cfg.handler = handler;
	srv = server_new(&cfg);
	assert_non_null(srv);
	server_free(srv);
	cfg.addr = "::1";
	srv = server_new(&cfg);
	/* Not every test machine has IPv6 loopback; when it has, it works. */
	server_free(srv);
}

static void
test_bad_config(void **state)
{
	struct server_config cfg;
	struct server *srv;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.addr = "127.0.0.1";
	assert_null(server_new(&cfg)); /* no handler */
	cfg.handler = handler;
	cfg.cert_path = "/nonexistent/cert.pem";
	assert_null(server_new(&cfg)); /* a certificate without a key */
	cfg.key_path = "/nonexistent/key.pem";
	assert_null(server_new(&cfg)); /* files missing */
	cfg.cert_path = NULL;
	assert_null(server_new(&cfg)); /* a key without a certificate */
	cfg.key_path = NULL;
	cfg.workers = SERVER_MAX_WORKERS + 1;
	assert_null(server_new(&cfg));
	cfg.workers = 1;
	cfg.idle_ms = -1;
	assert_null(server_new(&cfg));
	cfg.idle_ms = 0;
	/* Too small even for an error answer. */
	cfg.max_resp = SERVER_MIN_RESP - 1;
	assert_null(server_new(&cfg));
	cfg.max_resp = SERVER_MIN_RESP;
	srv = server_new(&cfg);
	assert_non_null(srv);
	server_free(srv);
}

static void
test_basic_and_keepalive(void **state)
{
	struct server_config cfg;
	struct running *r;
	char buf[RESP_MAX];
	int fd, closed, calls = 0;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.ctx = &calls;
	r = start(&cfg);
	fd = dial(r);
	send_str(fd, "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
	read_all(fd, buf, sizeof(buf), 300, &closed);
	assert_false(closed);
	assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
	assert_non_null(strstr(buf, "Connection: keep-alive\r\n"));
	assert_non_null(strstr(buf, "Cache-Control: no-store\r\n"));
	assert_non_null(strstr(buf, "X-Content-Type-Options: nosniff\r\n"));
	assert_non_null(strstr(buf, "Content-Length: 6\r\n"));
	assert_non_null(strstr(buf, "\r\n\r\nhello\n"));
	/* Same connection, two pipelined requests, the last one closing. */
	send_str(fd, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n"
		     "\r\nabcGET / HTTP/1.1\r\nHost: t\r\n"
		     "Connection: close\r\n\r\n");
	read_all(fd, buf, sizeof(buf), CLIENT_WAIT_MS, &closed);
	assert_true(closed);
	assert_int_equal(count_str(buf, "HTTP/1.1 200 OK"), 2);
	assert_non_null(strstr(buf, "\r\n\r\nabcHTTP/1.1 200"));
	assert_non_null(strstr(buf, "Connection: close\r\n"));
	close(fd);
	/* HTTP/1.0: one request, then closed. */
	fd = dial(r);
	send_str(fd, "HEAD / HTTP/1.0\r\n\r\n");
	read_all(fd, buf, sizeof(buf), CLIENT_WAIT_MS, &closed);
	assert_true(closed);
	assert_non_null(strstr(buf, "Content-Length: 6\r\n"));
	assert_non_null(strstr(buf, "Connection: close\r\n"));
	assert_null(strstr(buf, "hello"));
	close(fd);
	stop(r);
	assert_int_equal(calls, 4);
}

static void
test_max_requests(void **state)
{
	struct server_config cfg;
	struct running *r;
	char buf[RESP_MAX];
	int fd, closed;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.max_requests = 2;
	r = start(&cfg);
	fd = dial(r);
	send_str(fd, "GET / HTTP/1.1\r\nHost: t\r\n\r\n"
		     "GET / HTTP/1.1\r\nHost: t\r\n\r\n"
		     "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
	read_all(fd, buf, sizeof(buf), CLIENT_WAIT_MS, &closed);
	assert_true(closed);
	assert_int_equal(count_str(buf, "HTTP/1.1 200 OK"), 2);
	assert_int_equal(count_str(buf, "Connection: keep-alive"), 1);
	assert_int_equal(count_str(buf, "Connection: close"), 1);
	close(fd);
	stop(r);
}

static void
test_errors_close(void **state)
{
	static const struct {
		const char *req;
		const char *want;
	} cases[] = {
	    {"GET / HTTP/1.1\nHost: t\n\n", "HTTP/1.1 400 Bad Request\r\n"},
	    {"GET / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n",
		"{\"error\":\"transfer_encoding_unsupported\"}"},
	    {"PUT / HTTP/1.1\r\nHost: t\r\n\r\n",
		"HTTP/1.1 501 Not Implemented\r\n"},
	    {"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 9999\r\n\r\n",
		"HTTP/1.1 413 Content Too Large\r\n"},
	    {"GET /fail HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
		"{\"error\":\"internal\"}"},
	    {"GET /big HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
		"HTTP/1.1 500 Internal Server Error\r\n"},
	    /* Request text never comes back in an error body. */
	    {"GET /<script> HTTP/1.1\r\nHost: t\r\n\r\n",
		"{\"error\":\"bad_target\"}"},
	};
	struct server_config cfg;
	struct running *r;
	char buf[RESP_MAX];
	size_t i;
	int fd, closed;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.max_body = 1024;
	cfg.max_resp = 64;
	r = start(&cfg);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fd = dial(r);
		send_str(fd, cases[i].req);
		/* Done sending: the server's lingering close ends at once. */
		shutdown(fd, SHUT_WR);
		read_all(fd, buf, sizeof(buf), CLIENT_WAIT_MS, &closed);
		if (strstr(buf, cases[i].want) == NULL)
			fail_msg("case %zu: got '%s'", i, buf);
		assert_null(strstr(buf, "<script>"));
		/* Parse errors end the connection (the others ask to). */
		assert_true(closed);
		assert_non_null(strstr(buf, "Connection: close\r\n"));
		close(fd);
	}
	/* Still serving. */
	fd = dial(r);
	send_str(fd, "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
	read_all(fd, buf, sizeof(buf), CLIENT_WAIT_MS, &closed);
	assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
	close(fd);
	stop(r);
}

static void
test_expect_continue(void **state)
{
	struct server_config cfg;
	struct running *r;
	char buf[RESP_MAX];
	int fd, closed;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	r = start(&cfg);
	fd = dial(r);
	send_str(fd, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n"
		     "Expect: 100-continue\r\nConnection: close\r\n\r\n");
	read_all(fd, buf, sizeof(buf), 300, &closed);
	assert_string_equal(buf, "HTTP/1.1 100 Continue\r\n\r\n");
	send_str(fd, "ping");
	read_all(fd, buf, sizeof(buf), CLIENT_WAIT_MS, &closed);
	assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
	assert_non_null(strstr(buf, "\r\n\r\nping"));
	close(fd);
	stop(r);
}

static void
test_deadlines(void **state)
{
	static const char loris[] =
	    "GET / HTTP/1.1\r\nX-Loris: aaaaaaaaaaaaaaa";
	struct server_config cfg;
	struct running *r;
	char buf[RESP_MAX];
	int64_t t0;
	int fd, closed, i;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.idle_ms = 300;
	cfg.request_ms = 800;
	cfg.workers = 1;
	r = start(&cfg);

	/* Silent client: closed after idle_ms, nothing said. */
	fd = dial(r);
	t0 = now_ms();
	read_all(fd, buf, sizeof(buf), CLIENT_WAIT_MS, &closed);
	assert_true(closed);
	assert_int_equal(strlen(buf), 0);
	assert_true(now_ms() - t0 < 1500);
	close(fd);

	/* A request that stalls half-way: 408 after idle_ms. */
	fd = dial(r);
	send_str(fd, "GET / HTTP/1.1\r\nHo");
	read_all(fd, buf, sizeof(buf), CLIENT_WAIT_MS, &closed);
	assert_true(closed);
	assert_non_null(strstr(buf, "HTTP/1.1 408 Request Timeout\r\n"));
	close(fd);

	/* Slow-loris: a byte every 150 ms beats idle, not the total. */
	fd = dial(r);
	assert_true(strlen(loris) >= 20);
	t0 = now_ms();
	closed = 0;
	for (i = 0; i < 20 && !closed; i++) {
		if (send(fd, loris + i, 1, MSG_NOSIGNAL) != 1)
			break;
		read_all(fd, buf, sizeof(buf), 150, &closed);
		if (strstr(buf, "408") != NULL)
			break;
	}
	assert_true(now_ms() - t0 < 2000);
	assert_true(i < 20);
	close(fd);

	/* The single worker is free again. */
	fd = dial(r);
	send_str(fd, "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
	read_all(fd, buf, sizeof(buf), 200, &closed);
	assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
	/* Keep-alive idle: the server closes quietly after idle_ms. */
	read_all(fd, buf, sizeof(buf), CLIENT_WAIT_MS, &closed);
	assert_true(closed);
	assert_int_equal(strlen(buf), 0);
	close(fd);
	stop(r);
}

/* A client socket from a chosen loopback address. */
static int
dial_from(struct running *r, const char *from)
{
	struct sockaddr_in sin;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, from, &sin.sin_addr), 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	sin.sin_port = htons(server_port(r->srv));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

static void
assert_busy(int fd)
{
	char buf[RESP_MAX];
	int closed;

	read_all(fd, buf, sizeof(buf), CLIENT_WAIT_MS, &closed);
	assert_true(closed);
	assert_non_null(strstr(buf, "HTTP/1.1 503 Service Unavailable\r\n"));
	assert_non_null(strstr(buf, "Retry-After: 1\r\n"));
	assert_non_null(strstr(buf, "{\"error\":\"busy\"}"));
}

static void
assert_hello(int fd)
{
	char buf[RESP_MAX];
	int closed;

	send_str(fd, "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
	read_all(fd, buf, sizeof(buf), CLIENT_WAIT_MS, &closed);
	assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
}

static void
test_conn_limits(void **state)
{
	struct server_config cfg;
	struct running *r;
	int a, b, c;

	(void)state;
	/* In all: the third connection is told to come back. */
	memset(&cfg, 0, sizeof(cfg));
	cfg.max_conns = 2;
	r = start(&cfg);
	a = dial(r);
	b = dial(r);
	usleep(100 * 1000);
	c = dial(r);
	assert_busy(c);
	close(c);
	assert_hello(a);
	close(a);
	usleep(100 * 1000);
	c = dial(r); /* room again */
	assert_hello(c);
	close(c);
	close(b);
	stop(r);

	/* Per address: 127.0.0.2 is another client. */
	memset(&cfg, 0, sizeof(cfg));
	cfg.max_per_addr = 1;
	r = start(&cfg);
	a = dial_from(r, "127.0.0.1");
	usleep(100 * 1000);
	b = dial_from(r, "127.0.0.1");
	assert_busy(b);
	close(b);
	c = dial_from(r, "127.0.0.2");
	assert_hello(c);
	close(c);
	assert_hello(a);
	close(a);
	stop(r);
}

/* queue_len request buffers: a request finding none waits for one, and is
 * answered 503 if none frees up within request_ms. */
static void
test_buffers_busy(void **state)
{
	struct server_config cfg;
	struct running *r;
	char buf[RESP_MAX];
	int a, b, closed;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.workers = 1;
	cfg.queue_len = 1;
	r = start(&cfg);
	a = dial(r);
	b = dial(r);
	send_str(
	    a, "GET /sleep HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
	usleep(50 * 1000);
	send_str(b, "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
	read_all(b, buf, sizeof(buf), CLIENT_WAIT_MS, &closed);
	assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
	read_all(a, buf, sizeof(buf), CLIENT_WAIT_MS, &closed);
	assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
	close(a);
	close(b);
	stop(r);

	memset(&cfg, 0, sizeof(cfg));
	cfg.workers = 1;
	cfg.queue_len = 1;
	cfg.request_ms = 150;
	r = start(&cfg);
	a = dial(r);
	b = dial(r);
	send_str(
	    a, "GET /sleep HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
	usleep(50 * 1000);
	send_str(b, "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
	assert_busy(b);
	read_all(a, buf, sizeof(buf), CLIENT_WAIT_MS, &closed);
	assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
	close(a);
	close(b);
	stop(r);
}

/* A keep-alive connection past lifetime_ms is told to close. */
static void
test_lifetime(void **state)
{
	struct server_config cfg;
	struct running *r;
	char buf[RESP_MAX];
	int fd, i, closed;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.lifetime_ms = 500;
	r = start(&cfg);
	fd = dial(r);
	/* Told to close in an answer, or (when the end comes between two
	 * requests) closed like any idle keep-alive connection. */
	for (i = 0, closed = 0; i < 10 && !closed; i++) {
		if (send(fd, "GET / HTTP/1.1\r\nHost: t\r\n\r\n", 27,
			MSG_NOSIGNAL) != 27)
			break;
		read_all(fd, buf, sizeof(buf), 150, &closed);
		if (strstr(buf, "Connection: close\r\n") != NULL) {
			read_all(fd, buf, sizeof(buf), CLIENT_WAIT_MS, &closed);
			break;
		}
	}
	assert_true(closed);
	assert_true(i >= 2 && i < 10);
	close(fd);
	stop(r);
}

static void
test_stop_with_clients(void **state)
{
	struct server_config cfg;
	struct running *r;
	char buf[RESP_MAX];
	int fd, idle, closed;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.workers = 2;
	r = start(&cfg);
	/* One keep-alive connection idle, one request in progress. */
	idle = dial(r);
	send_str(idle, "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
	read_all(idle, buf, sizeof(buf), 200, &closed);
	assert_non_null(strstr(buf, "200 OK"));
	fd = dial(r);
	send_str(fd, "GET /sleep HTTP/1.1\r\nHost: t\r\n\r\n");
	usleep(50 * 1000);
	stop(r);
	/* The request in progress was finished, and told to close. */
	read_all(fd, buf, sizeof(buf), CLIENT_WAIT_MS, &closed);
	assert_non_null(strstr(buf, "200 OK"));
	assert_non_null(strstr(buf, "Connection: close"));
	assert_true(closed);
	read_all(idle, buf, sizeof(buf), CLIENT_WAIT_MS, &closed);
	assert_true(closed);
	close(fd);
	close(idle);
}

static void
test_many_clients(void **state)
{
	struct server_config cfg;
	struct running *r;
	char buf[RESP_MAX];
	int fds[32], i, closed;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.workers = 4;
	cfg.queue_len = 64;
	r = start(&cfg);
	for (i = 0; i < 32; i++) {
		fds[i] = dial(r);
		send_str(fds[i], "GET / HTTP/1.1\r\nHost: t\r\n"
				 "Connection: close\r\n\r\n");
	}
	for (i = 0; i < 32; i++) {
		read_all(fds[i], buf, sizeof(buf), CLIENT_WAIT_MS, &closed);
		assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
		close(fds[i]);
	}
	stop(r);
}

/* Enough descriptors for a crowd on both ends of loopback. */
static void
raise_fd_limit(void)
{
	struct rlimit rl;

	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	rl.rlim_cur = rl.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur < 2 * (CROWD_SLOW + CROWD_IDLE) + 256)
		skip();
}

struct crowd {
	int fds[CROWD_SLOW];
	int n;
	atomic_int stop;
};

/* Each slow client sends the next byte of a request every second. */
static void *
slow_thread(void *arg)
{
	static const char msg[] = "GET / HTTP/1.1\r\nHost: t\r\nX-Slow: "
				  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	struct crowd *cr = arg;
	size_t pos = 0;
	int i;

	while (!atomic_load(&cr->stop) && pos < sizeof(msg) - 1) {
		for (i = 0; i < cr->n; i++)
			(void)send(cr->fds[i], msg + pos, 1, MSG_NOSIGNAL);
		pos++;
		usleep(1000 * 1000);
	}
	return NULL;
}

/*
 * 500 connections sending a byte a second and 50 idle keep-alive ones
 * must not delay a real client: each of its requests is answered within
 * CROWD_WAIT_MS (the thread-per-connection design took 20 s and more).
 */
static void
test_slow_crowd(void **state)
{
	struct server_config cfg;
	struct running *r;
	struct crowd cr;
	pthread_t th;
	char buf[RESP_MAX];
	int idle[CROWD_IDLE], i, fd, closed, open_slow = 0;
	int64_t t0, worst = 0;

	(void)state;
	raise_fd_limit();
	memset(&cfg, 0, sizeof(cfg));
	cfg.max_conns = 1024;
	cfg.max_per_addr = 1024; /* everyone here is 127.0.0.1 */
	cfg.request_ms = 60000; /* the slow ones stay for the whole test */
	cfg.idle_ms = 60000;
	r = start(&cfg);
	memset(&cr, 0, sizeof(cr));
	for (i = 0; i < CROWD_SLOW; i++)
		cr.fds[cr.n++] = dial(r);
	for (i = 0; i < CROWD_IDLE; i++) {
		idle[i] = dial(r);
		send_str(idle[i], "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
	}
	for (i = 0; i < CROWD_IDLE; i++) {
		read_all(idle[i], buf, sizeof(buf), 200, &closed);
		assert_non_null(strstr(buf, "Connection: keep-alive\r\n"));
	}
	assert_int_equal(pthread_create(&th, NULL, slow_thread, &cr), 0);
	for (i = 0; i < CROWD_REQUESTS; i++) {
		t0 = now_ms();
		fd = dial(r);
		send_str(fd, i % 2 == 0 ? "GET / HTTP/1.1\r\nHost: t\r\n"
					  "Connection: close\r\n\r\n"
					: "POST /echo HTTP/1.1\r\nHost: t\r\n"
					  "Content-Length: 4\r\n"
					  "Connection: close\r\n\r\nping");
		read_all(fd, buf, sizeof(buf), CROWD_WAIT_MS, &closed);
		close(fd);
		if (now_ms() - t0 > worst)
			worst = now_ms() - t0;
		if (strstr(buf, "HTTP/1.1 200 OK\r\n") == NULL || !closed)
			fail_msg("request %d not answered in %d ms", i,
			    CROWD_WAIT_MS);
		usleep(200 * 1000);
	}
	atomic_store(&cr.stop, 1);
	pthread_join(th, NULL);
	/* The slow ones were held, not dropped. */
	for (i = 0; i < cr.n; i++) {
		read_all(cr.fds[i], buf, sizeof(buf), 0, &closed);
		open_slow += !closed;
		close(cr.fds[i]);
	}
	for (i = 0; i < CROWD_IDLE; i++)
		close(idle[i]);
	print_message("crowd: worst answer %lld ms, %d slow clients held\n",
	    (long long)worst, open_slow);
	assert_int_equal(open_slow, CROWD_SLOW);
	stop(r);
}

/*
 * 300 requests at the same instant: every one gets an HTTP answer, 200
 * or 503 with Retry-After; none is closed unanswered.
 */
static void
test_burst(void **state)
{
	struct server_config cfg;
	struct running *r;
	char *buf;
	int fds[BURST], i, closed, ok = 0, busy = 0;
	static const char req[] = "POST /echo HTTP/1.1\r\nHost: t\r\n"
				  "Content-Length: 5\r\nConnection: close\r\n"
				  "\r\nhello";

	(void)state;
	raise_fd_limit();
	buf = malloc(RESP_MAX);
	assert_non_null(buf);
	memset(&cfg, 0, sizeof(cfg));
	cfg.max_per_addr = 1024;
	cfg.queue_len = 16; /* fewer buffers than requests: some wait */
	r = start(&cfg);
	for (i = 0; i < BURST; i++)
		fds[i] = dial(r);
	for (i = 0; i < BURST; i++)
		send_str(fds[i], req);
	for (i = 0; i < BURST; i++) {
		read_all(fds[i], buf, RESP_MAX, CLIENT_WAIT_MS, &closed);
		if (strstr(buf, "HTTP/1.1 200 OK\r\n") != NULL &&
		    strstr(buf, "\r\n\r\nhello") != NULL)
			ok++;
		else if (strstr(buf, "HTTP/1.1 503 ") != NULL &&
			 strstr(buf, "Retry-After: ") != NULL)
			busy++;
		else
			fail_msg("request %d: '%.40s'", i, buf);
		close(fds[i]);
	}
	print_message("burst: %d answered 200, %d answered 503\n", ok, busy);
	assert_int_equal(ok + busy, BURST);
	free(buf);
	stop(r);
}

/* The daemons' configuration names for the limits reach the server. */
/* Requests answered later: the handler parks them, a thread resumes. */
struct parked {
	pthread_mutex_t mu;
	struct server_later *l[16];
	int n, resumed;
	int want; /* resume once this many are parked */
	int delay_ms;
};

static int
answer_later(void *arg, const struct http_req *req, struct http_resp *resp)
{
	(void)arg;
	(void)req;
	return http_resp_body(resp, 200, "text/plain", "later\n", 6);
}

static int
later_handler(void *ctx, const struct http_req *req, struct http_resp *resp)
{
	struct parked *p = ctx;
	struct server_later *l;

	if (strcmp(req->path, "/early") == 0) {
		/* Resumed before the handler returns: answered all the same. */
		server_resume(server_later(req), answer_later, NULL);
		return 0;
	}
	if (strcmp(req->path, "/later") != 0)
		return handler(NULL, req, resp);
	l = server_later(req);
	pthread_mutex_lock(&p->mu);
	assert_true(p->n < 16);
	p->l[p->n++] = l;
	pthread_mutex_unlock(&p->mu);
	return 0;
}

static void *
resumer(void *arg)
{
	struct parked *p = arg;
	int64_t t0 = now_ms();

	for (;;) {
		pthread_mutex_lock(&p->mu);
		if (p->n >= p->want || now_ms() - t0 > CLIENT_WAIT_MS) {
			pthread_mutex_unlock(&p->mu);
			break;
		}
		pthread_mutex_unlock(&p->mu);
		usleep(5000);
	}
	usleep((useconds_t)p->delay_ms * 1000);
	pthread_mutex_lock(&p->mu);
	for (; p->resumed < p->n; p->resumed++)
		server_resume(p->l[p->resumed], answer_later, NULL);
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/*
 * A handler that answers later does not hold its worker: one worker takes
 * eight requests that are all answered only after the last has come
 * (the old blocking design would wait forever). A resume before the
 * handler returns is answered too, and the server does not stop before
 * a parked request is answered.
 */
static void
test_answer_later(void **state)
{
	struct server_config cfg;
	struct parked p;
	struct running *r;
	pthread_t th;
	char buf[RESP_MAX];
	int fds[8], fd, i, closed;

	(void)state;
	memset(&p, 0, sizeof(p));
	pthread_mutex_init(&p.mu, NULL);
	p.want = 8;
	memset(&cfg, 0, sizeof(cfg));
	cfg.workers = 1;
	cfg.handler = later_handler;
	cfg.ctx = &p;
	r = start(&cfg);
	assert_int_equal(pthread_create(&th, NULL, resumer, &p), 0);
	for (i = 0; i < 8; i++) {
		fds[i] = dial(r);
		send_str(fds[i], "GET /later HTTP/1.1\r\nHost: t\r\n\r\n");
	}
	for (i = 0; i < 8; i++) {
		read_all(fds[i], buf, sizeof(buf), 300, &closed);
		assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
		assert_non_null(strstr(buf, "\r\n\r\nlater\n"));
		/* Keep-alive goes on after an answer given later. */
		send_str(fds[i], "GET /early HTTP/1.1\r\nHost: t\r\n\r\n");
		read_all(fds[i], buf, sizeof(buf), 300, &closed);
		assert_non_null(strstr(buf, "\r\n\r\nlater\n"));
		close(fds[i]);
	}
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(p.resumed, 8);

	/* Stopping with a request parked: it is answered first. */
	p.want = 9;
	p.delay_ms = 300;
	assert_int_equal(pthread_create(&th, NULL, resumer, &p), 0);
	fd = dial(r);
	send_str(fd, "GET /later HTTP/1.1\r\nHost: t\r\n\r\n");
	usleep(100 * 1000);
	stop(r);
	assert_int_equal(pthread_join(th, NULL), 0);
	read_all(fd, buf, sizeof(buf), CLIENT_WAIT_MS, &closed);
	assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
	assert_non_null(strstr(buf, "Connection: close"));
	assert_true(closed);
	close(fd);
	pthread_mutex_destroy(&p.mu);
}

static void
test_netconf_limits(void **state)
{
	struct netconf nc;
	struct server_config sc;
	int bad = 0;

	(void)state;
	netconf_defaults(&nc, 8443);
	assert_int_equal(netconf_set(&nc, "max_connections", "900", &bad), 1);
	assert_int_equal(
	    netconf_set(&nc, "max_connections_per_address", "9", &bad), 1);
	assert_int_equal(
	    netconf_set(&nc, "handshake_timeout_ms", "2000", &bad), 1);
	assert_int_equal(
	    netconf_set(&nc, "connection_lifetime_ms", "60000", &bad), 1);
	assert_int_equal(
	    netconf_set(&nc, "max_requests_in_flight", "32", &bad), 1);
	assert_int_equal(
	    netconf_set(&nc, "tls_ticket_lifetime_s", "600", &bad), 1);
	assert_int_equal(bad, 0);
	assert_int_equal(netconf_set(&nc, "max_connections", "0", &bad), 1);
	assert_int_equal(bad, 1);
	assert_int_equal(netconf_set(&nc, "no_such_setting", "1", &bad), 0);
	memset(&sc, 0, sizeof(sc));
	netconf_server(&nc, &sc);
	assert_int_equal(sc.max_conns, 900);
	assert_int_equal(sc.max_per_addr, 9);
	assert_int_equal(sc.handshake_ms, 2000);
	assert_int_equal(sc.lifetime_ms, 60000);
	assert_int_equal(sc.queue_len, 32);
	assert_int_equal(sc.ticket_s, 600);
	/* Unset: zero, the server's safe default. */
	netconf_defaults(&nc, 8443);
	netconf_server(&nc, &sc);
	assert_int_equal(sc.max_conns, 0);
	assert_int_equal(sc.ticket_s, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain_refused_off_loopback),
	    cmocka_unit_test(test_bad_config),
	    cmocka_unit_test(test_basic_and_keepalive),
	    cmocka_unit_test(test_max_requests),
	    cmocka_unit_test(test_errors_close),
	    cmocka_unit_test(test_expect_continue),
	    cmocka_unit_test(test_deadlines),
	    cmocka_unit_test(test_conn_limits),
	    cmocka_unit_test(test_buffers_busy),
	    cmocka_unit_test(test_lifetime),
	    cmocka_unit_test(test_stop_with_clients),
	    cmocka_unit_test(test_many_clients),
	    cmocka_unit_test(test_slow_crowd),
	    cmocka_unit_test(test_burst),
	    cmocka_unit_test(test_answer_later),
	    cmocka_unit_test(test_netconf_limits),
	};

	log_quiet(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
