#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mbedtls/ecdsa.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/rsa.h>

#include "net/srv_int.h"
#include "util/file.h"
#include "util/log.h"

/* Sessions the cache keeps for resumption by session id. */
#define TLS_CACHE_MAX 1024

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

/*
 * Key exchange groups, the server's preference first (mbedTLS picks the
 * first of these the client offers). X25519 stays first: measured in
 * mbedTLS 2.28 on this project's machines it takes half the time of
 * P-256 (see docs/net.md). The defaults would still offer P-192/P-224.
 */
static const mbedtls_ecp_group_id tls_curves[] = {
    MBEDTLS_ECP_DP_CURVE25519,
    MBEDTLS_ECP_DP_SECP256R1,
    MBEDTLS_ECP_DP_SECP384R1,
    MBEDTLS_ECP_DP_NONE,
};

static int
tls_err(const char *what, int ret)
{
	char err[128];

	mbedtls_strerror(ret, err, sizeof(err));
	log_err("server: %s: %s", what, err);
	return -1;
}

static int
load_key(struct server *srv)
{
	const struct server_config *cfg = &srv->cfg;
	unsigned char *pem;
	char err[128];
	size_t len;
	int ret, rc = -1;

	if ((pem = malloc(SERVER_MAX_KEY_PEM + 1)) == NULL) {
		log_err("server: out of memory");
		return -1;
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
	rc = 0;
out:
	mbedtls_platform_zeroize(pem, SERVER_MAX_KEY_PEM + 1);
	free(pem);
	return rc;
}

/*
 * Resumption: stateless tickets sealed with AES-256-GCM under a key that
 * only ever exists in this process's memory, drawn from the DRBG and
 * replaced every ticket_s seconds (a ticket stays good for ticket_s, so
 * the previous key is kept one more period); and a session cache for
 * clients that resume by id. Both are used by the loop thread only.
 */
static int
resumption_setup(struct server *srv)
{
	int ret;

	ret = mbedtls_ssl_ticket_setup(&srv->ticket, mbedtls_ctr_drbg_random,
	    &srv->drbg, MBEDTLS_CIPHER_AES_256_GCM,
	    (uint32_t)srv->cfg.ticket_s);
	if (ret != 0)
		return tls_err("TLS session tickets", ret);
	mbedtls_ssl_conf_session_tickets_cb(&srv->conf,
	    mbedtls_ssl_ticket_write, mbedtls_ssl_ticket_parse, &srv->ticket);
	mbedtls_ssl_cache_set_timeout(&srv->cache, srv->cfg.ticket_s);
	mbedtls_ssl_cache_set_max_entries(&srv->cache, TLS_CACHE_MAX);
	mbedtls_ssl_conf_session_cache(&srv->conf, &srv->cache,
	    mbedtls_ssl_cache_get, mbedtls_ssl_cache_set);
	return 0;
}

/*
 * An EC key parsed from PEM signs through a fresh copy of itself each
 * time (pk_wrap's eckey_sign_wrap), which recomputes the table of
 * multiples of the base point for every ServerKeyExchange: half of each
 * signature's cost. An ECDSA context keeps that table in its group once
 * computed, so one is made from the key and signs once here, before any
 * handshake thread exists; from then on handshakes only read the group
 * (mbedTLS 2.28's ecp_mul_comb writes grp->T only while it is NULL), so
 * the threads can share it. The parsed key is freed (mbedTLS wipes it).
 */
static int
ecdsa_ready(struct server *srv)
{
	unsigned char hash[32], sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
	mbedtls_pk_context ec;
	size_t siglen;
	int ret;

	if (mbedtls_pk_get_type(&srv->key) != MBEDTLS_PK_ECKEY)
		return 0;
	memset(hash, 0x5a, sizeof(hash));
	mbedtls_pk_init(&ec);
	if ((ret = mbedtls_pk_setup(
		 &ec, mbedtls_pk_info_from_type(MBEDTLS_PK_ECDSA))) != 0 ||
	    (ret = mbedtls_ecdsa_from_keypair(
		 mbedtls_pk_ec(ec), mbedtls_pk_ec(srv->key))) != 0 ||
	    (ret = mbedtls_pk_sign(&ec, MBEDTLS_MD_SHA256, hash, sizeof(hash),
		 sig, &siglen, mbedtls_ctr_drbg_random, &srv->drbg)) != 0) {
		mbedtls_pk_free(&ec);
		return tls_err("the TLS key", ret);
	}
	mbedtls_pk_free(&srv->key);
	srv->key = ec;
	return 0;
}

/* Keep the pages that hold a big number out of swap (mbedTLS allocates
 * it on the ordinary heap: see docs/net.md). */
static int
lock_mpi(const mbedtls_mpi *x)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), a, b;

	if (x->p == NULL || x->n == 0)
		return 0;
	a = (uintptr_t)x->p & ~(page - 1);
	b = ((uintptr_t)(x->p + x->n) + page - 1) & ~(page - 1);
	return mlock((void *)a, b - a);
}

/*
 * The private key lives as long as the server: lock its pages, so it
 * never reaches swap (mbedTLS cannot be given a locked allocator; the
 * key is the one long-lived secret it holds). A failure (RLIMIT_MEMLOCK)
 * is logged, not fatal: the key is no worse off than before.
 */
static void
lock_key(struct server *srv)
{
	mbedtls_pk_type_t type = mbedtls_pk_get_type(&srv->key);
	const mbedtls_rsa_context *rsa;
	int rc = 0;

	if (type == MBEDTLS_PK_ECKEY || type == MBEDTLS_PK_ECDSA) {
		rc = lock_mpi(&mbedtls_pk_ec(srv->key)->d);
	} else if (type == MBEDTLS_PK_RSA) {
		rsa = mbedtls_pk_rsa(srv->key);
		rc = lock_mpi(&rsa->D) | lock_mpi(&rsa->P) | lock_mpi(&rsa->Q) |
		     lock_mpi(&rsa->DP) | lock_mpi(&rsa->DQ) |
		     lock_mpi(&rsa->QP);
	}
	if (rc != 0)
		log_warn("server: cannot lock the TLS key in memory: %s",
		    strerror(errno));
}

int
srv_tls_setup(struct server *srv)
{
	static const char pers[] = "rj net/server";
	const struct server_config *cfg = &srv->cfg;
	mbedtls_pk_type_t type;
	char err[128];
	int ret;

	ret = mbedtls_ctr_drbg_seed(&srv->drbg, mbedtls_entropy_func,
	    &srv->entropy, (const unsigned char *)pers, sizeof(pers) - 1);
	if (ret != 0)
		return tls_err("seeding the random generator", ret);
	ret = mbedtls_x509_crt_parse_file(&srv->crt, cfg->cert_path);
	if (ret != 0) {
		mbedtls_strerror(ret, err, sizeof(err));
		log_err("server: %s: cannot load the certificate: %s",
		    cfg->cert_path, err);
		return -1;
	}
	if (load_key(srv) != 0)
		return -1;
	if (mbedtls_pk_check_pair(&srv->crt.pk, &srv->key) != 0) {
		log_err("server: %s does not belong to %s", cfg->key_path,
		    cfg->cert_path);
		return -1;
	}
	type = mbedtls_pk_get_type(&srv->key);
	if (type != MBEDTLS_PK_ECKEY && type != MBEDTLS_PK_RSA) {
		log_err("server: %s: the key must be EC or RSA", cfg->key_path);
		return -1;
	}
	if (ecdsa_ready(srv) != 0)
		return -1;
	lock_key(srv);
	ret = mbedtls_ssl_config_defaults(&srv->conf, MBEDTLS_SSL_IS_SERVER,
	    MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
	if (ret != 0)
		return tls_err("TLS configuration", ret);
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
	if (ret != 0)
		return tls_err("TLS certificate", ret);
	if (resumption_setup(srv) != 0)
		return -1;
	if ((srv->ssl_free = calloc(
		 (size_t)srv->nconns, sizeof(*srv->ssl_free))) == NULL) {
		log_err("server: out of memory");
		return -1;
	}
	return 0;
}

void
srv_tls_free(struct server *srv)
{
	int i;

	for (i = 0; i < srv->nssl_free; i++) {
		mbedtls_ssl_free(srv->ssl_free[i]);
		free(srv->ssl_free[i]);
	}
	free(srv->ssl_free);
	srv->ssl_free = NULL;
	srv->nssl_free = 0;
}

static int
bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct srv_conn *c = ctx;
	struct srv_worker *w = c->hold;
	ssize_t n;

	/* In a handshake step: held, sent when the step is over. */
	if (w != NULL && len <= SRV_HS_OUT - w->hs_len) {
		memcpy(w->hs_out + w->hs_len, buf, len);
		w->hs_len += len;
		return (int)len;
	}
	if (w != NULL && w->hs_len > 0)
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	for (;;) {
		n = send(c->fd, buf, len, MSG_NOSIGNAL);
		if (n >= 0)
			return (int)n;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return MBEDTLS_ERR_SSL_WANT_WRITE;
		return MBEDTLS_ERR_NET_SEND_FAILED;
	}
}

static int
bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct srv_conn *c = ctx;
	ssize_t n;

	for (;;) {
		n = recv(c->fd, buf, len, 0);
		if (n >= 0)
			return (int)n;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return MBEDTLS_ERR_SSL_WANT_READ;
		return MBEDTLS_ERR_NET_RECV_FAILED;
	}
}

/*
 * A context for c, reused when one is free: setting one up allocates its
 * record buffers, and a reset (srv_tls_put) wipes them.
 */
mbedtls_ssl_context *
srv_tls_get(struct srv_conn *c)
{
	struct server *srv = c->srv;
	mbedtls_ssl_context *ssl;
	int ret;

	if (srv->nssl_free > 0) {
		ssl = srv->ssl_free[--srv->nssl_free];
	} else {
		if ((ssl = malloc(sizeof(*ssl))) == NULL) {
			log_err("server: out of memory");
			return NULL;
		}
		mbedtls_ssl_init(ssl);
		if ((ret = mbedtls_ssl_setup(ssl, &srv->conf)) != 0) {
			tls_err("TLS context", ret);
			mbedtls_ssl_free(ssl);
			free(ssl);
			return NULL;
		}
	}
	mbedtls_ssl_set_bio(ssl, c, bio_send, bio_recv, NULL);
	return ssl;
}

/*
 * The connection is over. mbedTLS decrypts records in place; a session
 * reset zeroes its record buffers and drops the session keys.
 */
void
srv_tls_put(struct server *srv, mbedtls_ssl_context *ssl)
{
	if (ssl == NULL)
		return;
	if (mbedtls_ssl_session_reset(ssl) != 0 ||
	    srv->nssl_free >= srv->nconns) {
		mbedtls_ssl_free(ssl);
		free(ssl);
		return;
	}
	mbedtls_ssl_set_bio(ssl, NULL, NULL, NULL, NULL);
	srv->ssl_free[srv->nssl_free++] = ssl;
}

int
srv_tls_recv(struct srv_conn *c, uint8_t *buf, size_t len)
{
	int n;

	if (c->ssl == NULL)
		return bio_recv(c, buf, len);
	n = mbedtls_ssl_read(c->ssl, buf, len);
	if (n == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY ||
	    n == MBEDTLS_ERR_SSL_CONN_EOF)
		return 0;
	return n;
}

int
srv_tls_send(struct srv_conn *c, const uint8_t *buf, size_t len)
{
	if (c->ssl == NULL)
		return bio_send(c, buf, len);
	return mbedtls_ssl_write(c->ssl, buf, len);
}
