/*
 * tls_ceiling: mbedTLS's own ceiling for full TLS handshakes on this
 * machine, the reference `make bench` holds the daemons' full
 * handshakes/s against.
 *
 *   tls_ceiling KEY.pem THREADS SECONDS
 *
 * One operation is exactly the public-key work a server does in one
 * full ECDHE-ECDSA handshake, through the same mbedTLS calls the TLS
 * code makes: ECDHE on X25519 (the group the server prefers and an
 * OpenSSL client offers first): generate the server's key share
 * (mbedtls_ecdh_make_params), read the client's (mbedtls_ecdh_read_public)
 * and compute the shared secret (mbedtls_ecdh_calc_secret); then sign
 * the ServerKeyExchange hash with the daemon's own key (mbedtls_pk_sign,
 * SHA-256) held as net/srv_tls.c holds it: an ECDSA context whose table
 * of base-point multiples is computed once, before the clock starts. No I/O, no
 * symmetric crypto, no handshake state machine, a DRBG per thread (the server
 * shares one): an upper bound. THREADS threads (one per core) run it for
 * SECONDS; prints ops_per_s, and ops_per_cpu_s (per second of CPU the process
 * used: what the machine's other load does not change).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecdh.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>

#define MAX_THREADS 64

static mbedtls_pk_context key;
static unsigned char client_pub[256];
static size_t client_pub_len;
static double seconds;
static atomic_long total;
static atomic_int failed;

static double
clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
now_s(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

/* One server-side handshake's public-key work; 0 or an mbedTLS error. */
static int
one_op(mbedtls_ctr_drbg_context *drbg)
{
	mbedtls_ecdh_context ecdh;
	unsigned char params[256], secret[64], hash[32],
	    sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
	size_t plen, slen, siglen;
	int ret;

	mbedtls_ecdh_init(&ecdh);
	if ((ret = mbedtls_ecdh_setup(&ecdh, MBEDTLS_ECP_DP_CURVE25519)) != 0 ||
	    (ret = mbedtls_ecdh_make_params(&ecdh, &plen, params,
		 sizeof(params), mbedtls_ctr_drbg_random, drbg)) != 0 ||
	    (ret = mbedtls_ecdh_read_public(
		 &ecdh, client_pub, client_pub_len)) != 0 ||
	    (ret = mbedtls_ecdh_calc_secret(&ecdh, &slen, secret,
		 sizeof(secret), mbedtls_ctr_drbg_random, drbg)) != 0)
		goto out;
	/* ServerKeyExchange: randoms and params hashed, then signed. */
	if ((ret = mbedtls_sha256_ret(params, plen, hash, 0)) != 0 ||
	    (ret = mbedtls_pk_sign(&key, MBEDTLS_MD_SHA256, hash, sizeof(hash),
		 sig, &siglen, mbedtls_ctr_drbg_random, drbg)) != 0)
		goto out;
out:
	mbedtls_ecdh_free(&ecdh);
	return ret;
}

static void *
worker(void *arg)
{
	mbedtls_entropy_context ent;
	mbedtls_ctr_drbg_context drbg;
	double t0;
	long n = 0;

	(void)arg;
	mbedtls_entropy_init(&ent);
	mbedtls_ctr_drbg_init(&drbg);
	if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &ent, NULL, 0) !=
	    0) {
		atomic_store(&failed, 1);
		goto out;
	}
	t0 = now_s();
	while (now_s() - t0 < seconds) {
		if (one_op(&drbg) != 0) {
			atomic_store(&failed, 1);
			break;
		}
		n++;
	}
out:
	atomic_fetch_add(&total, n);
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&ent);
	return NULL;
}

/* The key as the server holds it (net/srv_tls.c's ecdsa_ready): an
 * ECDSA context that has signed once, so its group keeps the table. */
static int
key_ready(mbedtls_ctr_drbg_context *drbg)
{
	unsigned char hash[32] = {0}, sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
	mbedtls_pk_context ec;
	size_t siglen;
	int ret;

	if (mbedtls_pk_get_type(&key) != MBEDTLS_PK_ECKEY)
		return 0;
	mbedtls_pk_init(&ec);
	if ((ret = mbedtls_pk_setup(
		 &ec, mbedtls_pk_info_from_type(MBEDTLS_PK_ECDSA))) != 0 ||
	    (ret = mbedtls_ecdsa_from_keypair(
		 mbedtls_pk_ec(ec), mbedtls_pk_ec(key))) != 0 ||
	    (ret = mbedtls_pk_sign(&ec, MBEDTLS_MD_SHA256, hash, sizeof(hash),
		 sig, &siglen, mbedtls_ctr_drbg_random, drbg)) != 0) {
		mbedtls_pk_free(&ec);
		return ret;
	}
	mbedtls_pk_free(&key);
	key = ec;
	return 0;
}

/* A client's X25519 key share, as it arrives in ClientKeyExchange; and
 * the key made ready. */
static int
make_client_share(void)
{
	mbedtls_entropy_context ent;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_ecdh_context ecdh;
	int ret;

	mbedtls_entropy_init(&ent);
	mbedtls_ctr_drbg_init(&drbg);
	mbedtls_ecdh_init(&ecdh);
	if ((ret = mbedtls_ctr_drbg_seed(
		 &drbg, mbedtls_entropy_func, &ent, NULL, 0)) == 0 &&
	    (ret = mbedtls_ecdh_setup(&ecdh, MBEDTLS_ECP_DP_CURVE25519)) == 0 &&
	    (ret = mbedtls_ecdh_make_public(&ecdh, &client_pub_len, client_pub,
		 sizeof(client_pub), mbedtls_ctr_drbg_random, &drbg)) == 0)
		ret = key_ready(&drbg);
	mbedtls_ecdh_free(&ecdh);
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&ent);
	return ret;
}

int
main(int argc, char **argv)
{
	pthread_t th[MAX_THREADS];
	double t0, t1, c0, c1;
	int i, n, ret;

	if (argc != 4) {
		fprintf(stderr, "usage: tls_ceiling KEY.pem THREADS SECONDS\n");
		return 2;
	}
	n = atoi(argv[2]);
	seconds = atof(argv[3]);
	if (n < 1 || n > MAX_THREADS || seconds <= 0)
		return 2;
	mbedtls_pk_init(&key);
	if ((ret = mbedtls_pk_parse_keyfile(&key, argv[1], NULL)) != 0) {
		fprintf(stderr, "tls_ceiling: cannot load %s (-0x%04x)\n",
		    argv[1], (unsigned)-ret);
		return 1;
	}
	if (make_client_share() != 0)
		return 1;
	t0 = now_s();
	c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	for (i = 0; i < n; i++)
		if (pthread_create(&th[i], NULL, worker, NULL) != 0)
			return 1;
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	t1 = now_s();
	c1 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	mbedtls_pk_free(&key);
	if (atomic_load(&failed)) {
		fprintf(stderr, "tls_ceiling: an operation failed\n");
		return 1;
	}
	printf("ops=%ld threads=%d seconds=%.3f cpu=%.3f ops_per_s=%.1f "
	       "ops_per_cpu_s=%.1f\n",
	    atomic_load(&total), n, t1 - t0, c1 - c0,
	    (double)atomic_load(&total) / (t1 - t0),
	    (double)atomic_load(&total) / (c1 - c0));
	return 0;
}
