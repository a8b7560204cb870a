/*
 * The cost of the operations every referral goes through: sealing and
 * signing an envelope (device), verifying it (hubd), opening it
 * (hubctl), and the outbox's durable put and delete (SQLCipher with
 * synchronous=FULL, so fsync-bound). Prints one table row per operation.
 *
 * usage: core_bench [ROUNDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto/envelope.h"
#include "crypto/refcode.h"
#include "store/outbox.h"
#include "store/schema.h"
#include "util/log.h"

#define ROUNDS_DEFAULT 200
#define ROUNDS_MAX 100000
#define PAYLOAD_LEN 1500 /* a generous referral */

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
row(const char *name, double *t, int n, const char *target)
{
	double sum = 0;

	for (int i = 0; i < n; i++)
		sum += t[i];
	qsort(t, (size_t)n, sizeof(*t), cmp);
	printf("| %-28s | %10.1f | %10.1f | %-14s |\n", name, sum / n,
	    t[(n * 95) / 100], target);
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : ROUNDS_DEFAULT;
	uint8_t dpk[crypto_sign_PUBLICKEYBYTES],
	    dsk[crypto_sign_SECRETKEYBYTES];
	uint8_t hpk[crypto_box_PUBLICKEYBYTES], hsk[crypto_box_SECRETKEYBYTES];
	uint8_t id[ENVELOPE_ID_LEN], payload[PAYLOAD_LEN], key[DB_KEY_LEN];
	uint8_t *env, *plain, (*ids)[ENVELOPE_ID_LEN];
	struct envelope_hdr hdr;
	struct outbox_item it;
	struct rusage ru;
	char dir[] = "/tmp/rj-bench.XXXXXX", path[64], code[REFCODE_BUFLEN];
	double *t;
	size_t len = 0, plen, got;
	struct db *db;
	int rc = 1;

	if (n < 10 || n > ROUNDS_MAX || sodium_init() < 0 ||
	    mkdtemp(dir) == NULL)
		return 2;
	log_quiet(1);
	t = calloc((size_t)n, sizeof(*t));
	ids = calloc((size_t)n, ENVELOPE_ID_LEN);
	env = malloc(ENVELOPE_MAX);
	plain = malloc(ENVELOPE_PAYLOAD_MAX);
	if (t == NULL || ids == NULL || env == NULL || plain == NULL)
		return 2;
	crypto_sign_keypair(dpk, dsk);
	crypto_box_keypair(hpk, hsk);
	randombytes_buf(id, sizeof(id));
	memset(payload, 'x', sizeof(payload));

	printf("| %-28s | %10s | %10s | %-14s |\n", "operation", "mean us",
	    "p95 us", "target");
	printf("|------------------------------|------------|------------|"
	       "----------------|\n");
	for (int i = 0; i < n; i++) {
		double t0 = now_us();
		if (envelope_build(env, ENVELOPE_MAX, &len, &hdr,
			ENVELOPE_REFERRAL, id, 1, payload, sizeof(payload), hpk,
			dsk) != 0)
			goto out;
		t[i] = now_us() - t0;
	}
	row("envelope seal + sign", t, n, "< 1000 us");
	for (int i = 0; i < n; i++) {
		double t0 = now_us();
		if (envelope_verify(&hdr, env, len, dpk) != 0)
			goto out;
		t[i] = now_us() - t0;
	}
	row("envelope verify (hubd)", t, n, "< 1000 us");
	for (int i = 0; i < n; i++) {
		double t0 = now_us();
		if (envelope_open(plain, ENVELOPE_PAYLOAD_MAX, &plen, &hdr, env,
			len, dpk, hpk, hsk) != 0)
			goto out;
		t[i] = now_us() - t0;
	}
	row("envelope verify + open", t, n, "< 1000 us");
	for (int i = 0; i < n; i++) {
		double t0 = now_us();
		if (refcode_generate(code, sizeof(code)) != 0)
			goto out;
		t[i] = now_us() - t0;
	}
	row("reference code", t, n, "< 100 us");

	snprintf(path, sizeof(path), "%s/outbox.db", dir);
	randombytes_buf(key, sizeof(key));
	db = db_open(path, key, &schema_device);
	if (db == NULL)
		goto out;
	for (int i = 0; i < n; i++) {
		double t0;
		randombytes_buf(ids[i], ENVELOPE_ID_LEN);
		t0 = now_us();
		if (outbox_put(db, ids[i], env, len, i) != 0)
			goto close;
		t[i] = now_us() - t0;
	}
	row("outbox put (durable)", t, n, "< 50000 us");
	for (int i = 0; i < n; i++) {
		double t0 = now_us();
		if (outbox_take_due(db, INT64_MAX, &it, 1, &got) != 0 ||
		    got != 1 || outbox_delete(db, it.id) != 0)
			goto close;
		outbox_items_free(&it, got);
		t[i] = now_us() - t0;
	}
	row("outbox take + delete", t, n, "< 50000 us");
	getrusage(RUSAGE_SELF, &ru);
	printf("| %-28s | %10ld | %10s | %-14s |\n", "peak RSS (KiB)",
	    ru.ru_maxrss, "", "< 32768 KiB");
	rc = 0;
close:
	db_close(db);
out:
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	if (system(path) != 0)
		rc = 1;
	free(plain);
	free(env);
	free(ids);
	free(t);
	return rc;
}
