/*
 * The forwarder's batches against a fake hub over real TLS (pinned
 * certificate, the real net/server and net/client): a bad receipt for one
 * envelope of a batch keeps that one and deletes the others; a refusal
 * for one dead-letters that one; a hub without the batch endpoint gets
 * one envelope a request, as before.
 */
#include "tests/unit/testutil.h"

#include <pthread.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto/bundle.h"
#include "crypto/envelope.h"
#include "crypto/sig.h"
#include "crypto/tlscert.h"
#include "net/forwarder.h"
#include "net/server.h"
#include "store/outbox.h"
#include "store/schema.h"
#include "util/file.h"

#define QUEUED 12
#define BAD_RECEIPT 3 /* index in the batch */
#define REFUSED 7

enum mode { SIGN_ALL, BAD_ONE, REFUSE_ONE, NO_BATCH };

struct hub {
	enum mode mode;
	uint8_t sign_pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t sign_sk[crypto_sign_SECRETKEYBYTES];
	uint8_t dev_pk[crypto_sign_PUBLICKEYBYTES];
	pthread_mutex_t mu;
	int batches, singles;
	struct server *srv;
	pthread_t thread;
};

struct fixture {
	char *dir;
	char db_path[PATH_MAX];
	uint8_t key[DB_KEY_LEN];
	struct hub hub;
	struct bundle *b;
	struct db *db;
	uint8_t ids[QUEUED][ENVELOPE_ID_LEN];
};

/* One receipt object, as hubd writes it; a flipped bit when bad. */
static int
receipt_json(struct hub *h, const struct envelope_hdr *hdr, int bad, int status,
    char *out, size_t cap)
{
	char idhex[2 * ENVELOPE_ID_LEN + 1], b64[128];
	uint8_t sig[SIG_RECEIPT_LEN];
	int64_t now = db_now_ms();
	int n;

	envelope_id_hex(idhex, hdr->envelope_id);
	if (sig_receipt_sign(
		sig, hdr->envelope_id, (uint64_t)now, h->sign_sk) != 0)
		return -1;
	if (bad)
		sig[5] ^= 0x10;
	sodium_bin2base64(
	    b64, sizeof(b64), sig, sizeof(sig), sodium_base64_VARIANT_ORIGINAL);
	n = snprintf(out, cap,
	    "{\"envelope_id\":\"%s\",\"status\":%d,\"received_at\":%lld,"
	    "\"receipt\":\"%s\"}",
	    idhex, status, (long long)now, b64);
	return n > 0 && (size_t)n < cap ? n : -1;
}

static int
fake_hub(void *ctx, const struct http_req *req, struct http_resp *resp)
{
	struct hub *h = ctx;
	struct envelope_hdr hdr;
	static char out[64 * 1024];
	size_t used = 0, off = 0;
	int n, i = 0, rc;

	if (strcmp(req->path, "/v1/envelopes") == 0) {
		pthread_mutex_lock(&h->mu);
		h->singles++;
		pthread_mutex_unlock(&h->mu);
		if (envelope_verify(
			&hdr, req->body, req->body_len, h->dev_pk) != 0 ||
		    (n = receipt_json(h, &hdr, 0, 201, out, sizeof(out))) < 0)
			return http_error_json(resp, 403, "bad_signature");
		return http_resp_body(resp, 201, "application/json", out, n);
	}
	if (strcmp(req->path, "/v1/envelopes/batch") != 0)
		return http_error_json(resp, 404, "not_found");
	pthread_mutex_lock(&h->mu);
	h->batches++;
	pthread_mutex_unlock(&h->mu);
	if (h->mode == NO_BATCH)
		return http_error_json(resp, 404, "not_found");
	/* Only one batch request at a time reaches here in these tests. */
	used = (size_t)snprintf(out, sizeof(out), "{\"results\":[");
	while (off + 4 <= req->body_len) {
		uint32_t l = (uint32_t)req->body[off] << 24 |
			     (uint32_t)req->body[off + 1] << 16 |
			     (uint32_t)req->body[off + 2] << 8 |
			     req->body[off + 3];

		off += 4;
		if (l > req->body_len - off ||
		    envelope_verify(&hdr, req->body + off, l, h->dev_pk) != 0)
			return http_error_json(resp, 400, "malformed_batch");
		off += l;
		if (i > 0)
			out[used++] = ',';
		if (h->mode == REFUSE_ONE && i == REFUSED) {
			char idhex[2 * ENVELOPE_ID_LEN + 1];

			envelope_id_hex(idhex, hdr.envelope_id);
			rc = snprintf(out + used, sizeof(out) - used,
			    "{\"envelope_id\":\"%s\",\"status\":403,"
			    "\"error\":\"revoked_device\"}",
			    idhex);
		} else {
			rc = receipt_json(h, &hdr,
			    h->mode == BAD_ONE && i == BAD_RECEIPT, 201,
			    out + used, sizeof(out) - used);
		}
		if (rc < 0)
			return -1;
		used += (size_t)rc;
		i++;
	}
	used += (size_t)snprintf(out + used, sizeof(out) - used, "]}");
	return http_resp_body(resp, 200, "application/json", out, used);
}

static void *
serve(void *arg)
{
	struct hub *h = arg;

	server_run(h->srv);
	return NULL;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char cert[PATH_MAX], key[PATH_MAX];
	const char *names[] = {"127.0.0.1"};
	struct server_config sc;
	uint8_t box_sk[crypto_box_SECRETKEYBYTES];
	uint8_t *env = malloc(ENVELOPE_MAX);
	size_t pemlen = 0, n;
	struct envelope_hdr hdr;
	const char payload[] = "{\"schema\":1,\"kind\":\"referral\"}";

	assert_non_null(f);
	assert_non_null(env);
	f->dir = testutil_tmpdir();
	snprintf(cert, sizeof(cert), "%s/tls.crt", f->dir);
	snprintf(key, sizeof(key), "%s/tls.key", f->dir);
	assert_int_equal(tlscert_generate(key, cert, names, 1, 2), 0);
	crypto_sign_keypair(f->hub.sign_pk, f->hub.sign_sk);
	pthread_mutex_init(&f->hub.mu, NULL);

	memset(&sc, 0, sizeof(sc));
	sc.addr = "127.0.0.1";
	sc.cert_path = cert;
	sc.key_path = key;
	sc.handler = fake_hub;
	sc.ctx = &f->hub;
	sc.workers = 1;
	sc.max_body = FORWARDER_BATCH_BODY;
	sc.max_resp = 64 * 1024;
	f->hub.srv = server_new(&sc);
	assert_non_null(f->hub.srv);
	assert_int_equal(
	    pthread_create(&f->hub.thread, NULL, serve, &f->hub), 0);

	f->b = bundle_new();
	assert_non_null(f->b);
	snprintf(f->b->name, sizeof(f->b->name), "kiosk-t");
	randombytes_buf(f->b->device_id, ENVELOPE_ID_LEN);
	crypto_sign_keypair(f->hub.dev_pk, f->b->sign_sk);
	crypto_box_keypair(f->b->hub_box_pk, box_sk);
	memcpy(f->b->hub_sign_pk, f->hub.sign_pk, sizeof(f->hub.sign_pk));
	snprintf(f->b->hub_url, sizeof(f->b->hub_url), "https://127.0.0.1:%u",
	    (unsigned)server_port(f->hub.srv));
	assert_int_equal(
	    tlscert_pin_file(cert, f->b->hub_pin, sizeof(f->b->hub_pin)), 0);
	assert_int_equal(file_read(cert, f->b->hub_cert,
			     sizeof(f->b->hub_cert) - 1, &pemlen, 0),
	    0);
	f->b->hub_cert[pemlen] = '\0';

	snprintf(f->db_path, sizeof(f->db_path), "%s/dev.db", f->dir);
	randombytes_buf(f->key, sizeof(f->key));
	f->db = db_open(f->db_path, f->key, &schema_device);
	assert_non_null(f->db);
	for (int i = 0; i < QUEUED; i++) {
		assert_int_equal(
		    envelope_build(env, ENVELOPE_MAX, &n, &hdr,
			ENVELOPE_REFERRAL, f->b->device_id, 1,
			(const uint8_t *)payload, sizeof(payload) - 1,
			f->b->hub_box_pk, f->b->sign_sk),
		    0);
		/* Queued one millisecond apart: the batch keeps this order. */
		assert_int_equal(
		    outbox_put(f->db, hdr.envelope_id, env, n, 1000 + i), 0);
		memcpy(f->ids[i], hdr.envelope_id, ENVELOPE_ID_LEN);
	}
	free(env);
	sodium_memzero(box_sk, sizeof(box_sk));
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	server_stop(f->hub.srv);
	pthread_join(f->hub.thread, NULL);
	server_free(f->hub.srv);
	pthread_mutex_destroy(&f->hub.mu);
	db_close(f->db);
	bundle_free(f->b);
	sodium_memzero(f->hub.sign_sk, sizeof(f->hub.sign_sk));
	testutil_rmdir(f->dir);
	free(f);
	return 0;
}

static struct forwarder *
forwarder(struct fixture *f)
{
	struct forwarder_config fc;
	struct forwarder *fw;

	memset(&fc, 0, sizeof(fc));
	fc.db_path = f->db_path;
	fc.db_key = f->key;
	fc.bundle = f->b;
	fc.policy = (struct outbox_policy){60000, 120000};
	fc.connect_timeout_ms = 5000;
	fc.total_timeout_ms = 20000;
	fw = forwarder_new(&fc);
	assert_non_null(fw);
	return fw;
}

static int
queued(struct db *db, const uint8_t id[ENVELOPE_ID_LEN], const char *table)
{
	sqlite3_stmt *st = NULL;
	char sql[128];
	int found;

	snprintf(
	    sql, sizeof(sql), "SELECT 1 FROM %s WHERE envelope_id = ?", table);
	assert_int_equal(db_prepare(db, &st, sql), 0);
	sqlite3_bind_blob(st, 1, id, ENVELOPE_ID_LEN, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

static void
one_bad_receipt_keeps_only_that_one(void **state)
{
	struct fixture *f = *state;
	struct forwarder *fw = forwarder(f);
	struct forwarder_stats st;
	int64_t pending = -1, dead = -1;

	f->hub.mode = BAD_ONE;
	memset(&st, 0, sizeof(st));
	assert_int_equal(forwarder_run_once(fw, &st), 0);
	assert_int_equal(st.delivered, QUEUED - 1);
	assert_int_equal(st.retried, 1);
	assert_int_equal(st.dead, 0);
	assert_int_equal(f->hub.batches, 1);
	assert_int_equal(f->hub.singles, 0);
	assert_int_equal(outbox_count(f->db, &pending, &dead), 0);
	assert_int_equal(pending, 1);
	assert_int_equal(dead, 0);
	for (int i = 0; i < QUEUED; i++)
		assert_int_equal(
		    queued(f->db, f->ids[i], "outbox"), i == BAD_RECEIPT);
	/* Kept for a later try, with the backoff rule as before. */
	memset(&st, 0, sizeof(st));
	assert_int_equal(forwarder_run_once(fw, &st), 0);
	assert_int_equal(st.delivered + st.retried, 0);
	forwarder_free(fw);
}

static void
one_refusal_is_dead_lettered_alone(void **state)
{
	struct fixture *f = *state;
	struct forwarder *fw = forwarder(f);
	struct forwarder_stats st;
	int64_t pending = -1, dead = -1;

	f->hub.mode = REFUSE_ONE;
	memset(&st, 0, sizeof(st));
	assert_int_equal(forwarder_run_once(fw, &st), 0);
	assert_int_equal(st.delivered, QUEUED - 1);
	assert_int_equal(st.dead, 1);
	assert_int_equal(outbox_count(f->db, &pending, &dead), 0);
	assert_int_equal(pending, 0);
	assert_int_equal(dead, 1);
	assert_int_equal(queued(f->db, f->ids[REFUSED], "dead_letter"), 1);
	forwarder_free(fw);
}

static void
old_hub_gets_one_a_request(void **state)
{
	struct fixture *f = *state;
	struct forwarder *fw = forwarder(f);
	struct forwarder_stats st;
	int64_t pending = -1;

	f->hub.mode = NO_BATCH;
	memset(&st, 0, sizeof(st));
	assert_int_equal(forwarder_run_once(fw, &st), 0);
	assert_int_equal(st.delivered, QUEUED);
	assert_int_equal(f->hub.batches, 1);
	assert_int_equal(f->hub.singles, QUEUED);
	assert_int_equal(outbox_count(f->db, &pending, NULL), 0);
	assert_int_equal(pending, 0);
	forwarder_free(fw);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		one_bad_receipt_keeps_only_that_one, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		one_refusal_is_dead_lettered_alone, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		old_hub_gets_one_a_request, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
