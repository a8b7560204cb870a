/*
 * loadgen: the HTTPS load generator `make bench` drives hubd and smsd
 * with (and nginx, so the references see the same client). OpenSSL on
 * the client side: its X25519 and P-256 are several times faster than
 * mbedTLS's, so on a shared machine the cores go to the server measured.
 * Certificates are not verified (loopback, a benchmark).
 *
 *   loadgen full HOST PORT THREADS SECONDS PATH
 *       new connection, full handshake, GET PATH, close; conns/s
 *   loadgen resume HOST PORT THREADS SECONDS PATH
 *       the same, each thread resuming its first session (tickets)
 *   loadgen rps HOST PORT CONNS SECONDS GEN [ARGS]
 *       keep-alive connections, requests back to back; req/s
 *   loadgen paced HOST PORT CONNS SECONDS RATE GEN [ARGS]
 *       RATE req/s in all, each request sent at its scheduled time;
 *       latency counted from that time (no coordinated omission)
 *
 * GEN: get PATH | twilio TOKEN URL (signed webhooks, unique MessageSid
 * and From each) | envelope BUNDLE (sealed, signed envelopes, built
 * before the clock starts).
 *
 * Prints one line of key=value pairs: ok (2xx answers), other, errors,
 * seconds, rate, and for paced p50_ms p99_ms max_ms; resume adds reused.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/ssl.h>
#include <sodium.h>

#include "crypto/bundle.h"
#include "crypto/envelope.h"

#define MAX_THREADS 512
#define REQ_MAX (ENVELOPE_MAX + 1024)
#define RESP_MAX (256 * 1024)
/* Envelopes built ahead: more than any run here can send. */
#define ENV_POOL 40000
#define LAT_MAX 200000

enum mode { M_FULL, M_RESUME, M_RPS, M_PACED };
enum gen { G_GET, G_TWILIO, G_ENVELOPE };

struct shared {
	enum mode mode;
	enum gen gen;
	struct sockaddr_in sa;
	const char *host;
	const char *path;
	const char *token;
	const char *url;
	SSL_CTX *ctx;
	double seconds;
	double rate;
	int nthreads;
	double t_start;
	atomic_long seq;
	uint8_t **envs;
	size_t *env_lens;
	long nenvs;
	atomic_long ok, other, errors, reused;
	pthread_mutex_t mu;
	double *lat;
	long nlat;
};

struct conn {
	int fd;
	SSL *ssl;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
conn_close(struct conn *c)
{
	if (c->ssl != NULL) {
		(void)SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	if (c->fd >= 0)
		close(c->fd);
	c->ssl = NULL;
	c->fd = -1;
}

static int
conn_open(struct shared *sh, struct conn *c, SSL_SESSION *sess)
{
	int one = 1;

	c->ssl = NULL;
	c->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (c->fd < 0)
		return -1;
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, (struct sockaddr *)&sh->sa, sizeof(sh->sa)) != 0)
		goto fail;
	if ((c->ssl = SSL_new(sh->ctx)) == NULL)
		goto fail;
	SSL_set_fd(c->ssl, c->fd);
	if (sess != NULL)
		SSL_set_session(c->ssl, sess);
	if (SSL_connect(c->ssl) != 1)
		goto fail;
	return 0;
fail:
	conn_close(c);
	return -1;
}

/* One HTTP answer; its status, or -1. */
static int
read_answer(struct conn *c, char *buf, size_t cap)
{
	size_t have = 0, need = 0;
	char *end = NULL, *cl;
	int n, status;

	for (;;) {
		if (have == cap - 1)
			return -1;
		n = SSL_read(c->ssl, buf + have, (int)(cap - 1 - have));
		if (n <= 0)
			return -1;
		have += (size_t)n;
		buf[have] = '\0';
		if (end == NULL && (end = strstr(buf, "\r\n\r\n")) != NULL) {
			cl = strcasestr(buf, "\r\ncontent-length:");
			need =
			    (size_t)(end - buf) + 4 +
			    (cl != NULL && cl < end ? strtoul(cl + 17, NULL, 10)
						    : 0);
		}
		if (end != NULL && have >= need)
			break;
	}
	if (sscanf(buf, "HTTP/1.1 %d", &status) != 1)
		return -1;
	return status;
}

static int
sign_twilio(struct shared *sh, char *out, size_t cap, const char *sid,
    const char *from, const char *body)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	char data[1024];
	int n;

	/* Twilio signs the URL and the parameters sorted by name, each
	 * name followed by its value. */
	n = snprintf(data, sizeof(data),
	    "%sAccountSidAC123Body%sFrom%sMessageSid%sNumMedia0To+447700900000",
	    sh->url, body, from, sid);
	if (n < 0 || (size_t)n >= sizeof(data))
		return -1;
	if (HMAC(EVP_sha1(), sh->token, (int)strlen(sh->token),
		(unsigned char *)data, (size_t)n, mac, &maclen) == NULL ||
	    cap < 4 * ((maclen + 2) / 3) + 1)
		return -1;
	EVP_EncodeBlock((unsigned char *)out, mac, (int)maclen);
	return 0;
}

/* The next request into buf; its length, or -1 when none is left. */
static int
make_request(struct shared *sh, char *buf, size_t cap, int close_after)
{
	char sid[64], from[32], sig[64], form[512];
	long i = atomic_fetch_add(&sh->seq, 1);
	const char *conn = close_after ? "close" : "keep-alive";
	int n, m;

	if (sh->gen == G_GET) {
		n = snprintf(buf, cap,
		    "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: %s\r\n\r\n",
		    sh->path, sh->host, conn);
	} else if (sh->gen == G_TWILIO) {
		n = snprintf(sid, sizeof(sid), "SM%08lx%08lx%012ld",
		    (unsigned long)getpid(), (unsigned long)time(NULL), i);
		m = snprintf(from, sizeof(from), "+447%09ld", 100000000 + i);
		if (n < 0 || (size_t)n >= sizeof(sid) || m < 0 ||
		    (size_t)m >= sizeof(from) ||
		    sign_twilio(sh, sig, sizeof(sig), sid, from, "Hello") != 0)
			return -1;
		/* '+' is a space in a form: sent as %2B. */
		m = snprintf(form, sizeof(form),
		    "MessageSid=%s&AccountSid=AC123&From=%%2B%s&To=%%"
		    "2B447700900000"
		    "&Body=Hello&NumMedia=0",
		    sid, from + 1);
		if (m < 0 || (size_t)m >= sizeof(form))
			return -1;
		n = snprintf(buf, cap,
		    "POST %s HTTP/1.1\r\nHost: %s\r\nConnection: %s\r\n"
		    "Content-Type: application/x-www-form-urlencoded\r\n"
		    "X-Twilio-Signature: %s\r\nContent-Length: %d\r\n\r\n%s",
		    sh->path, sh->host, conn, sig, m, form);
	} else {
		if (i >= sh->nenvs)
			return -1;
		n = snprintf(buf, cap,
		    "POST /v1/envelopes HTTP/1.1\r\nHost: %s\r\n"
		    "Connection: %s\r\n"
		    "Content-Type: application/octet-stream\r\n"
		    "Content-Length: %zu\r\n\r\n",
		    sh->host, conn, sh->env_lens[i]);
		if (n < 0 || (size_t)n + sh->env_lens[i] >= cap)
			return -1;
		memcpy(buf + n, sh->envs[i], sh->env_lens[i]);
		return n + (int)sh->env_lens[i];
	}
	if (n < 0 || (size_t)n >= cap)
		return -1;
	return n;
}

static void
count(struct shared *sh, int status)
{
	if (status >= 200 && status < 300)
		atomic_fetch_add(&sh->ok, 1);
	else if (status < 0)
		atomic_fetch_add(&sh->errors, 1);
	else
		atomic_fetch_add(&sh->other, 1);
}

/* full / resume: a new connection for every request. */
static void
run_handshakes(struct shared *sh, char *req, char *resp)
{
	SSL_SESSION *sess = NULL;
	struct conn c;
	int len, st;

	while (now_s() - sh->t_start < sh->seconds) {
		if (conn_open(sh, &c, sess) != 0) {
			atomic_fetch_add(&sh->errors, 1);
			continue;
		}
		if (sh->mode == M_RESUME) {
			if (sess == NULL)
				sess = SSL_get1_session(c.ssl);
			else if (SSL_session_reused(c.ssl))
				atomic_fetch_add(&sh->reused, 1);
		}
		len = make_request(sh, req, REQ_MAX, 1);
		st = len > 0 && SSL_write(c.ssl, req, len) == len
			 ? read_answer(&c, resp, RESP_MAX)
			 : -1;
		count(sh, st);
		conn_close(&c);
	}
	if (sess != NULL)
		SSL_SESSION_free(sess);
}

static void
add_latency(struct shared *sh, double ms)
{
	pthread_mutex_lock(&sh->mu);
	if (sh->nlat < LAT_MAX)
		sh->lat[sh->nlat++] = ms;
	pthread_mutex_unlock(&sh->mu);
}

/* rps / paced: keep-alive, reconnecting when the server closes. */
static void
run_keepalive(struct shared *sh, int idx, char *req, char *resp)
{
	struct conn c = {-1, NULL};
	double interval = 0, next = sh->t_start, t;
	int len, st;

	if (sh->mode == M_PACED) {
		interval = sh->nthreads / sh->rate;
		next = sh->t_start + interval * idx / sh->nthreads;
	}
	while ((t = now_s()) - sh->t_start < sh->seconds) {
		if (sh->mode == M_PACED) {
			if (t < next) {
				usleep((useconds_t)((next - t) * 1e6));
				continue;
			}
		}
		if (c.ssl == NULL && conn_open(sh, &c, NULL) != 0) {
			atomic_fetch_add(&sh->errors, 1);
			usleep(1000);
			continue;
		}
		if ((len = make_request(sh, req, REQ_MAX, 0)) < 0)
			break;
		st = SSL_write(c.ssl, req, len) == len
			 ? read_answer(&c, resp, RESP_MAX)
			 : -1;
		count(sh, st);
		if (sh->mode == M_PACED) {
			add_latency(sh, (now_s() - next) * 1000.0);
			next += interval;
		}
		if (st < 0 || strcasestr(resp, "\r\nconnection: close") != NULL)
			conn_close(&c);
	}
	conn_close(&c);
}

struct targ {
	struct shared *sh;
	int idx;
};

static void *
thread_main(void *arg)
{
	struct targ *ta = arg;
	char *req = malloc(REQ_MAX), *resp = malloc(RESP_MAX);

	if (req != NULL && resp != NULL) {
		if (ta->sh->mode == M_FULL || ta->sh->mode == M_RESUME)
			run_handshakes(ta->sh, req, resp);
		else
			run_keepalive(ta->sh, ta->idx, req, resp);
	}
	free(req);
	free(resp);
	return NULL;
}

static int
build_envelopes(struct shared *sh, const char *bundle_path)
{
	static const char payload[] =
	    "{\"schema\":1,\"kind\":\"referral\",\"ref\":\"K7QD-M2XA-9RTF-C\","
	    "\"channel\":\"kiosk\",\"language\":\"en\",\"contact\":{\"name\":"
	    "\"Bench Person\",\"phone\":\"+447700900123\"}}";
	struct bundle *b = bundle_load(bundle_path);
	uint8_t *buf = malloc(ENVELOPE_MAX);
	size_t len;
	long i;
	int rc = -1;

	sh->envs = calloc(ENV_POOL, sizeof(*sh->envs));
	sh->env_lens = calloc(ENV_POOL, sizeof(*sh->env_lens));
	if (b == NULL || buf == NULL || sh->envs == NULL ||
	    sh->env_lens == NULL)
		goto out;
	for (i = 0; i < ENV_POOL; i++) {
		if (envelope_build(buf, ENVELOPE_MAX, &len, NULL,
			ENVELOPE_REFERRAL, b->device_id,
			(uint64_t)time(NULL) * 1000, (const uint8_t *)payload,
			sizeof(payload) - 1, b->hub_box_pk, b->sign_sk) != 0 ||
		    (sh->envs[i] = malloc(len)) == NULL)
			goto out;
		memcpy(sh->envs[i], buf, len);
		sh->env_lens[i] = len;
	}
	sh->nenvs = ENV_POOL;
	rc = 0;
out:
	free(buf);
	bundle_free(b);
	return rc;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
parse_gen(struct shared *sh, int argc, char **argv, int i)
{
	if (i + 1 < argc && strcmp(argv[i], "get") == 0) {
		sh->gen = G_GET;
		sh->path = argv[i + 1];
		return 0;
	}
	if (i + 2 < argc && strcmp(argv[i], "twilio") == 0) {
		sh->gen = G_TWILIO;
		sh->token = argv[i + 1];
		sh->url = argv[i + 2];
		sh->path = strstr(sh->url + 8, "/");
		return sh->path != NULL ? 0 : -1;
	}
	if (i + 1 < argc && strcmp(argv[i], "envelope") == 0) {
		sh->gen = G_ENVELOPE;
		return build_envelopes(sh, argv[i + 1]);
	}
	return -1;
}

static void
report(struct shared *sh, double secs)
{
	long ok = atomic_load(&sh->ok);
	long p50 = sh->nlat / 2, p99 = (long)((double)sh->nlat * 0.99);

	printf("ok=%ld other=%ld errors=%ld seconds=%.3f rate=%.1f", ok,
	    atomic_load(&sh->other), atomic_load(&sh->errors), secs,
	    (double)ok / secs);
	if (sh->mode == M_RESUME)
		printf(" reused=%ld", atomic_load(&sh->reused));
	if (sh->mode == M_PACED && sh->nlat > 0) {
		qsort(sh->lat, (size_t)sh->nlat, sizeof(double), cmp_double);
		printf(" p50_ms=%.2f p99_ms=%.2f max_ms=%.2f", sh->lat[p50],
		    sh->lat[p99 < sh->nlat ? p99 : sh->nlat - 1],
		    sh->lat[sh->nlat - 1]);
	}
	printf("\n");
}

int
main(int argc, char **argv)
{
	static struct shared sh;
	static pthread_t th[MAX_THREADS];
	static struct targ ta[MAX_THREADS];
	double t1;
	int i, first_gen;

	if (argc < 7 || sodium_init() < 0) {
		fprintf(stderr, "usage: see bench/loadgen.c\n");
		return 2;
	}
	if (strcmp(argv[1], "full") == 0)
		sh.mode = M_FULL;
	else if (strcmp(argv[1], "resume") == 0)
		sh.mode = M_RESUME;
	else if (strcmp(argv[1], "rps") == 0)
		sh.mode = M_RPS;
	else if (strcmp(argv[1], "paced") == 0)
		sh.mode = M_PACED;
	else
		return 2;
	sh.host = argv[2];
	sh.sa.sin_family = AF_INET;
	sh.sa.sin_port = htons((uint16_t)atoi(argv[3]));
	if (inet_pton(AF_INET, argv[2], &sh.sa.sin_addr) != 1)
		return 2;
	sh.nthreads = atoi(argv[4]);
	sh.seconds = atof(argv[5]);
	if (sh.nthreads < 1 || sh.nthreads > MAX_THREADS || sh.seconds <= 0)
		return 2;
	first_gen = 6;
	if (sh.mode == M_PACED) {
		sh.rate = atof(argv[6]);
		first_gen = 7;
		if (sh.rate <= 0 ||
		    (sh.lat = calloc(LAT_MAX, sizeof(double))) == NULL)
			return 2;
	}
	if (sh.mode == M_FULL || sh.mode == M_RESUME) {
		sh.gen = G_GET;
		sh.path = argv[6];
	} else if (parse_gen(&sh, argc, argv, first_gen) != 0) {
		fprintf(stderr, "loadgen: bad request generator\n");
		return 2;
	}
	pthread_mutex_init(&sh.mu, NULL);
	sh.ctx = SSL_CTX_new(TLS_client_method());
	if (sh.ctx == NULL)
		return 1;
	/* What the daemons speak: TLS 1.2. */
	SSL_CTX_set_min_proto_version(sh.ctx, TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(sh.ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(sh.ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_session_cache_mode(sh.ctx, SSL_SESS_CACHE_CLIENT);
	sh.t_start = now_s();
	for (i = 0; i < sh.nthreads; i++) {
		ta[i].sh = &sh;
		ta[i].idx = i;
		if (pthread_create(&th[i], NULL, thread_main, &ta[i]) != 0)
			return 1;
	}
	for (i = 0; i < sh.nthreads; i++)
		pthread_join(th[i], NULL);
	t1 = now_s();
	report(&sh, t1 - sh.t_start);
	SSL_CTX_free(sh.ctx);
	return 0;
}
