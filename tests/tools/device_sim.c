/*
 * device_sim: plays a device for end-to-end tests. It seals payloads
 * with a real device bundle into a real outbox and runs the real
 * forwarder against hubd.
 *
 *   device_sim BUNDLE DB DBKEY put PAYLOAD.json     queue; prints the id
 *   device_sim BUNDLE DB DBKEY fill N PAYLOAD.json  queue N (one commit)
 *   device_sim BUNDLE DB DBKEY build PAYLOAD.json OUT   envelope to a file
 *   device_sim BUNDLE DB DBKEY build PAYLOAD.json OUT N N envelopes in
 *                        one file, each as length u32 BE | envelope (the
 *                        body of POST /v1/envelopes/batch)
 *   device_sim BUNDLE DB DBKEY flush SECONDS        forward until empty
 *   device_sim BUNDLE DB DBKEY status               "pending N dead M"
 *   device_sim BUNDLE DB DBKEY thread SECONDS       the forwarder thread
 *
 * DBKEY is created (mode 0600) when missing. The payload's "kind" field
 * picks the envelope kind. flush also prints, on stderr, how long it
 * took and what it delivered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "crypto/bundle.h"
#include "crypto/envelope.h"
#include "crypto/keys.h"
#include "crypto/secmem.h"
#include "net/forwarder.h"
#include "store/outbox.h"
#include "store/schema.h"
#include "util/file.h"
#include "util/jsonmem.h"
#include "util/log.h"

static int
kind_of(const uint8_t *payload, size_t len)
{
	json_t *o = json_loadb((const char *)payload, len, 0, NULL);
	const char *k = json_string_value(json_object_get(o, "kind"));
	int kind = -1;

	if (k != NULL && strcmp(k, "referral") == 0)
		kind = ENVELOPE_REFERRAL;
	else if (k != NULL && strcmp(k, "withdrawal") == 0)
		kind = ENVELOPE_WITHDRAWAL;
	else if (k != NULL && strcmp(k, "followup") == 0)
		kind = ENVELOPE_FOLLOWUP;
	json_decref(o);
	return kind;
}

static int
seal(const struct bundle *b, const char *payload_path, uint8_t *env,
    size_t *envlen, struct envelope_hdr *hdr)
{
	uint8_t *payload = NULL;
	size_t plen = 0;
	int kind, rc = -1;

	if (file_read_alloc(
		payload_path, ENVELOPE_PAYLOAD_MAX, &payload, &plen) != 0)
		return -1;
	kind = kind_of(payload, plen);
	if (kind < 0) {
		log_err("payload has no known \"kind\"");
		goto out;
	}
	rc = envelope_build(env, ENVELOPE_MAX, envlen, hdr,
	    (enum envelope_kind)kind, b->device_id, (uint64_t)db_now_ms(),
	    payload, plen, b->hub_box_pk, b->sign_sk);
out:
	sodium_memzero(payload, plen);
	free(payload);
	return rc;
}

int
main(int argc, char **argv)
{
	struct bundle *b = NULL;
	struct db *db = NULL;
	struct forwarder *fw = NULL;
	struct forwarder_config fc;
	struct envelope_hdr hdr;
	uint8_t *key = NULL, *env = NULL;
	char idhex[33];
	size_t envlen;
	int64_t pending = 0, dead = 0;
	const char *cmd;
	int rc = 1;

	log_init("device_sim");
	jsonmem_init();
	if (argc < 5 || secmem_init() != 0) {
		fprintf(
		    stderr, "usage: device_sim BUNDLE DB DBKEY COMMAND ...\n");
		return 2;
	}
	cmd = argv[4];
	key = sodium_malloc(DB_KEY_LEN);
	env = malloc(ENVELOPE_MAX);
	if (key == NULL || env == NULL)
		goto out;
	if (access(argv[3], F_OK) != 0) {
		randombytes_buf(key, DB_KEY_LEN);
		if (keys_save(argv[3], KEYS_SYMMETRIC, key, DB_KEY_LEN, NULL, 0,
			NULL) != 0)
			goto out;
	}
	if (keys_load(argv[3], KEYS_SYMMETRIC, key, DB_KEY_LEN, NULL, 0) != 0)
		goto out;
	b = bundle_load(argv[1]);
	if (b == NULL)
		goto out;
	db = db_open(argv[2], key, &schema_device);
	if (db == NULL)
		goto out;

	if (strcmp(cmd, "put") == 0 && argc == 6) {
		if (seal(b, argv[5], env, &envlen, &hdr) != 0 ||
		    outbox_put(db, hdr.envelope_id, env, envlen, db_now_ms()) !=
			0)
			goto out;
		envelope_id_hex(idhex, hdr.envelope_id);
		printf("%s\n", idhex);
		rc = 0;
	} else if (strcmp(cmd, "fill") == 0 && argc == 7) {
		long n = atol(argv[5]);

		if (n <= 0 || n > 1000000 || db_begin(db) != 0)
			goto out;
		for (long i = 0; i < n; i++)
			if (seal(b, argv[6], env, &envlen, &hdr) != 0 ||
			    outbox_put(db, hdr.envelope_id, env, envlen,
				db_now_ms()) != 0) {
				db_rollback(db);
				goto out;
			}
		if (db_commit(db) != 0)
			goto out;
		rc = 0;
	} else if (strcmp(cmd, "build") == 0 && argc == 7) {
		if (seal(b, argv[5], env, &envlen, &hdr) != 0 ||
		    file_write_atomic(argv[6], env, envlen, 0600, 0) != 0)
			goto out;
		rc = 0;
	} else if (strcmp(cmd, "build") == 0 && argc == 8) {
		long n = atol(argv[7]);
		uint8_t *all = NULL;
		size_t used = 0;

		if (n <= 0 || n > 10000 ||
		    (all = malloc((size_t)n * (ENVELOPE_MAX + 4))) == NULL)
			goto out;
		for (long i = 0; i < n; i++) {
			if (seal(b, argv[5], env, &envlen, &hdr) != 0) {
				free(all);
				goto out;
			}
			all[used++] = (uint8_t)(envlen >> 24);
			all[used++] = (uint8_t)(envlen >> 16);
			all[used++] = (uint8_t)(envlen >> 8);
			all[used++] = (uint8_t)envlen;
			memcpy(all + used, env, envlen);
			used += envlen;
		}
		rc =
		    file_write_atomic(argv[6], all, used, 0600, 0) == 0 ? 0 : 1;
		free(all);
	} else if ((strcmp(cmd, "flush") == 0 || strcmp(cmd, "thread") == 0) &&
		   argc == 6) {
		struct forwarder_stats st;
		int64_t start = db_now_ms();
		int64_t deadline = start + atoi(argv[5]) * 1000LL;
		int more = 0;

		memset(&fc, 0, sizeof(fc));
		fc.db_path = argv[2];
		fc.db_key = key;
		fc.bundle = b;
		/* Short delays: a test waits seconds, not an hour. */
		fc.policy = (struct outbox_policy){200, 1000};
		fc.connect_timeout_ms = 2000;
		fc.total_timeout_ms = 5000;
		fw = forwarder_new(&fc);
		if (fw == NULL)
			goto out;
		if (strcmp(cmd, "thread") == 0 && forwarder_start(fw) != 0)
			goto out;
		memset(&st, 0, sizeof(st));
		while (db_now_ms() < deadline) {
			if (strcmp(cmd, "flush") == 0 &&
			    (more = forwarder_run_once(fw, &st)) < 0)
				break;
			if (outbox_count(db, &pending, NULL) != 0 ||
			    pending == 0)
				break;
			/* Wait only when nothing more was due at once. */
			if (more != 1)
				usleep(100000);
		}
		fprintf(stderr,
		    "device_sim: %lld ms, delivered %zu, retried %zu, "
		    "dead %zu\n",
		    (long long)(db_now_ms() - start), st.delivered, st.retried,
		    st.dead);
		forwarder_free(fw);
		fw = NULL;
		if (outbox_count(db, &pending, &dead) != 0)
			goto out;
		printf("pending %lld dead %lld\n", (long long)pending,
		    (long long)dead);
		rc = 0;
	} else if (strcmp(cmd, "status") == 0 && argc == 5) {
		if (outbox_count(db, &pending, &dead) != 0)
			goto out;
		printf("pending %lld dead %lld\n", (long long)pending,
		    (long long)dead);
		rc = 0;
	} else {
		fprintf(stderr, "device_sim: unknown command\n");
		rc = 2;
	}
out:
	forwarder_free(fw);
	db_close(db);
	bundle_free(b);
	free(env);
	sodium_free(key);
	return rc;
}
