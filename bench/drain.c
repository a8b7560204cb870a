/*
 * drain: how long the real forwarder takes to empty a device outbox into
 * a real hubd (bench/delivery.sh starts the hub).
 *
 *   drain BUNDLE DIR N
 *
 * Queues N sealed envelopes through the project's own store
 * (sealer_outbox, in one transaction: the queueing is not what is
 * measured), then starts the clock and calls forwarder_run_once, the pass
 * the forwarder's thread makes, back to back until the outbox is empty:
 * every envelope posted, its signed receipt verified, then deleted.
 * Nothing sleeps between passes. Prints queued, delivered, retried,
 * dead, seconds and per_s.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto/bundle.h"
#include "net/forwarder.h"
#include "store/db.h"
#include "store/outbox.h"
#include "store/schema.h"
#include "store/sealer.h"
#include "util/log.h"

#define PATH_MAX_LEN 512
/* Give up after this long: a hub that stopped answering. */
#define DRAIN_MAX_S 60

static const char payload[] =
    "{\"schema\":1,\"kind\":\"referral\",\"ref\":\"K7QD-M2XA-9RTF-C\","
    "\"channel\":\"kiosk\",\"language\":\"en\",\"contact\":{\"name\":"
    "\"Bench Person\",\"phone\":\"+447700900123\"}}";

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
queue(struct db *db, const struct bundle *b, long n)
{
	struct sealer s = {db, b->device_id, b->sign_sk, b->hub_box_pk, NULL};
	long i;

	if (db_begin(db) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (sealer_outbox(&s, ENVELOPE_REFERRAL, payload,
			sizeof(payload) - 1) != 0) {
			db_rollback(db);
			return -1;
		}
	}
	return db_commit(db);
}

int
main(int argc, char **argv)
{
	struct forwarder_config fc;
	struct forwarder_stats st;
	struct forwarder *fw = NULL;
	struct bundle *b = NULL;
	struct db *db = NULL;
	uint8_t *key = NULL;
	char path[PATH_MAX_LEN];
	int64_t pending = 0;
	double t0, t1;
	long n;
	int r, rc = 1;

	log_init("drain");
	if (argc != 4 || sodium_init() < 0 || (n = atol(argv[3])) < 1) {
		fprintf(stderr, "usage: drain BUNDLE DIR N\n");
		return 2;
	}
	r = snprintf(path, sizeof(path), "%s/drain.db", argv[2]);
	if (r < 0 || (size_t)r >= sizeof(path))
		return 2;
	unlink(path);
	if ((key = sodium_malloc(DB_KEY_LEN)) == NULL ||
	    (b = bundle_load(argv[1])) == NULL)
		goto out;
	randombytes_buf(key, DB_KEY_LEN);
	if ((db = db_open(path, key, &schema_device)) == NULL ||
	    queue(db, b, n) != 0)
		goto out;
	memset(&fc, 0, sizeof(fc));
	fc.db_path = path;
	fc.db_key = key;
	fc.bundle = b;
	fc.policy = (struct outbox_policy){200, 1000};
	fc.connect_timeout_ms = 2000;
	fc.total_timeout_ms = 10000;
	if ((fw = forwarder_new(&fc)) == NULL)
		goto out;
	memset(&st, 0, sizeof(st));
	t0 = now_s();
	do {
		if (forwarder_run_once(fw, &st) < 0 ||
		    outbox_count(db, &pending, NULL) != 0)
			break;
	} while (pending > 0 && now_s() - t0 < DRAIN_MAX_S);
	t1 = now_s();
	printf("queued=%ld delivered=%zu retried=%zu dead=%zu pending=%lld "
	       "seconds=%.2f per_s=%.1f\n",
	    n, st.delivered, st.retried, st.dead, (long long)pending, t1 - t0,
	    (double)st.delivered / (t1 - t0));
	rc = pending == 0 ? 0 : 1;
out:
	forwarder_free(fw);
	db_close(db);
	bundle_free(b);
	sodium_free(key);
	return rc;
}
