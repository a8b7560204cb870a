/*
 * hubd: the hub queue. Receives sealed envelopes over TLS, checks that
 * the sending device is enrolled and signed them, stores them still
 * sealed, and answers with a receipt the hub signs. It never holds the
 * key that opens a referral.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "crypto/envelope.h"
#include "crypto/keys.h"
#include "crypto/secmem.h"
#include "crypto/sig.h"
#include "crypto/tlscert.h"
#include "hub/hubd.h"
#include "hub/hubcheck.h"
#include "hub/hubd_heartbeat.h"
#include "net/http.h"
#include "net/netconf.h"
#include "net/server.h"
#include "store/gcommit.h"
#include "store/inbox.h"
#include "store/schema.h"
#include "util/conf.h"
#include "util/daemon.h"
#include "util/jsonmem.h"
#include "util/log.h"
#include "util/sandbox.h"

#define CONF_STR 512
#define RESP_JSON_MAX 256
#define HUBD_PORT 8443

struct hubd_conf {
	struct netconf net;
	char sign_key[CONF_STR];
	char inbox[CONF_STR];
	char inbox_key[CONF_STR];
	int keep_days;
	struct admit_conf admit;
	int bad;
};

static int
conf_handler(
    void *user, const char *section, const char *name, const char *value)
{
	struct hubd_conf *c = user;
	int rc = 0;

	if (strcmp(section, "hubd") != 0)
		return 1; /* other programs' sections */
	if (netconf_set(&c->net, name, value, &c->bad) ||
	    admit_conf_set(&c->admit, name, value, &c->bad))
		return !c->bad;
	if (strcmp(name, "sign_key") == 0)
		rc = conf_str(c->sign_key, sizeof(c->sign_key), value);
	else if (strcmp(name, "inbox") == 0)
		rc = conf_str(c->inbox, sizeof(c->inbox), value);
	else if (strcmp(name, "inbox_key") == 0)
		rc = conf_str(c->inbox_key, sizeof(c->inbox_key), value);
	else if (strcmp(name, "keep_days") == 0)
		rc = conf_int(&c->keep_days, value, 0, HUBD_KEEP_DAYS_MAX);
	else {
		log_err("config: unknown setting [hubd] %s", name);
		c->bad = 1;
		return 0;
	}
	if (rc != 0) {
		log_err("config: bad value for %s", name);
		c->bad = 1;
		return 0;
	}
	return 1;
}

static int
load_conf(const char *path, struct hubd_conf *c)
{
	static const char *const sections[] = {"hubd", "hubctl", NULL};
	int need = 0;

	memset(c, 0, sizeof(*c));
	netconf_defaults(&c->net, HUBD_PORT);
	/* A worker waits in the group commit: more of them, bigger batches
	 * (docs/storage.md). */
	c->net.workers = GCOMMIT_WORKERS_DEFAULT;
	c->keep_days = HUBD_KEEP_DAYS_DEFAULT;
	admit_conf_defaults(&c->admit);
	if (conf_parse_sections(path, sections, conf_handler, c, &c->bad) != 0)
		return -1;
	need |= conf_need(path, "hubd", "sign_key", c->sign_key,
	    "the hub's signing key (hub.sign.key, made by hubctl init)");
	need |= conf_need(path, "hubd", "inbox", c->inbox,
	    "the inbox database (inbox.db in the hub folder)");
	need |= conf_need(path, "hubd", "inbox_key", c->inbox_key,
	    "the inbox's key file (inbox.key in the hub folder)");
	return need != 0 ? -1 : netconf_check(&c->net, path);
}

static int
respond_json(struct http_resp *resp, int status, const char *json)
{
	return http_resp_body(
	    resp, status, "application/json", json, strlen(json));
}

static int
answer_receipt(struct http_resp *resp, int status,
    const uint8_t id[ENVELOPE_ID_LEN], int64_t received_at,
    const uint8_t sig[SIG_RECEIPT_LEN])
{
	char idhex[2 * ENVELOPE_ID_LEN + 1], json[RESP_JSON_MAX];
	char b64[sodium_base64_ENCODED_LEN(
	    SIG_RECEIPT_LEN, sodium_base64_VARIANT_ORIGINAL)];
	int n;

	envelope_id_hex(idhex, id);
	sodium_bin2base64(b64, sizeof(b64), sig, SIG_RECEIPT_LEN,
	    sodium_base64_VARIANT_ORIGINAL);
	n = snprintf(json, sizeof(json),
	    "{\"envelope_id\":\"%s\",\"received_at\":%lld,\"receipt\":\"%s\"}",
	    idhex, (long long)received_at, b64);
	if (n < 0 || (size_t)n >= sizeof(json))
		return -1;
	return respond_json(resp, status, json);
}

static int
post_envelope(
    struct hubd *hd, const struct http_req *req, struct http_resp *resp)
{
	struct inbox_device dev;
	struct envelope_hdr hdr;
	uint8_t claimed[ENVELOPE_ID_LEN], sig[SIG_RECEIPT_LEN];
	uint8_t stored[SIG_RECEIPT_LEN];
	const char *ct = http_header(req, "content-type");
	int64_t now, stored_at = 0;
	int rc;

	if (ct == NULL || strcmp(ct, "application/octet-stream") != 0)
		return http_error_json(resp, 415, "unsupported_media_type");
	if (req->body_len > ENVELOPE_MAX)
		return http_error_json(resp, 413, "too_large");
	/* Framing only, to learn which key to check the signature with. */
	if (envelope_claimed_device(claimed, req->body, req->body_len) != 0)
		return http_error_json(resp, 400, "malformed_envelope");
	if ((rc = hubd_device(hd, claimed, "envelope", &dev, resp)) != 0)
		return rc > 0 ? 0 : -1;
	if (envelope_verify(&hdr, req->body, req->body_len, dev.sign_pk) != 0) {
		log_warn("envelope with a bad signature claiming device %s",
		    dev.name);
		return http_error_json(resp, 403, "bad_signature");
	}
	now = db_now_ms();
	if ((rc = hubd_admit(
		 hd, &dev, &hdr, req->body, req->body_len, now, resp)) != 0)
		return rc > 0 ? 0 : -1;
	if (sig_receipt_sign(
		sig, hdr.envelope_id, (uint64_t)now, hd->sign_sk) != 0)
		return -1;
	rc = hubd_store(
	    hd, &hdr, req->body, req->body_len, now, sig, stored, &stored_at);
	switch (rc) {
	case INBOX_NEW:
		hubd_admit_stored(hd, hdr.device_id, req->body_len);
		return answer_receipt(resp, 201, hdr.envelope_id, now, sig);
	case INBOX_DUPLICATE:
		/* The same receipt again: the device may have missed it. */
		return answer_receipt(
		    resp, 200, hdr.envelope_id, stored_at, stored);
	case INBOX_CONFLICT:
		log_err("envelope id reused with different content by %s",
		    dev.name);
		return http_error_json(resp, 409, "conflict");
	}
	/* Disk full or the database is locked: the device keeps it. */
	return http_error_json(resp, 503, "store_unavailable");
}

static int
handle(void *ctx, const struct http_req *req, struct http_resp *resp)
{
	struct hubd *hd = ctx;

	if (strcmp(req->path, "/v1/envelopes") == 0) {
		if (req->method != HTTP_POST) {
			http_resp_header(resp, "Allow", "POST");
			return http_error_json(resp, 405, "method_not_allowed");
		}
		return post_envelope(hd, req, resp);
	}
	if (strcmp(req->path, "/v1/heartbeat") == 0)
		return hubd_heartbeat(hd, req, resp);
	if (strcmp(req->path, HUBD_BATCH_PATH) == 0)
		return hubd_batch_request(hd, req, resp);
	if (strcmp(req->path, "/v1/staff/pull") == 0 ||
	    strcmp(req->path, "/v1/staff/ack") == 0)
		return hubd_staff_request(hd, req, resp);
	if (strcmp(req->path, "/v1/health") == 0) {
		if (req->method != HTTP_GET && req->method != HTTP_HEAD) {
			http_resp_header(resp, "Allow", "GET, HEAD");
			return http_error_json(resp, 405, "method_not_allowed");
		}
		return respond_json(resp, 200, "{\"status\":\"ok\"}");
	}
	return http_error_json(resp, 404, "not_found");
}

static const char hubd_about[] =
    "The hub queue (see docs/hub.md and hubd(8)). --check-config reads\n"
    "FILE and the keys it names, reports every mistake, and exits.\n";

/* Everything --check-config can prove without starting or creating
 * (hub/hubcheck.c). */
static int
check_config(const char *path)
{
	struct hubd_conf conf;
	struct check c = {0, 0};

	if (load_conf(path, &conf) != 0) {
		check_error(&c,
		    "configuration %s: the lines above say what is wrong; "
		    "fix them and run this again",
		    path);
		return check_done(&c, "hubd");
	}
	check_ok(&c,
	    "configuration %s: listen %s port %d, inbox %s, max_age_days %d, "
	    "clock_skew_s %d, quota_per_minute %d, quota_mib %d",
	    path, conf.net.listen, conf.net.port, conf.inbox,
	    conf.admit.max_age_days, conf.admit.clock_skew_s,
	    conf.admit.per_minute, conf.admit.quota_mib);
	hubcheck_server(
	    &c, &(struct hubcheck_in){conf.sign_key, conf.inbox, conf.inbox_key,
		    conf.net.tls_cert, conf.net.tls_key, conf.net.user});
	return check_done(&c, "hubd");
}

static void
stop_server(void *arg)
{
	server_stop(arg);
}

int
main(int argc, char **argv)
{
	struct hubd_conf conf;
	struct hubd hd;
	struct server_config sc;
	struct server *srv = NULL;
	struct daemon_opts opts;
	const char *config;
	uint8_t *dbkey = NULL;
	struct daemon_signals sigs;
	struct sandbox_policy sp;
	int rc = 1, c;

	log_init("hubd");
	jsonmem_init();
	if ((c = daemon_args(argc, argv, "hubd", hubd_about, &opts)) >= 0)
		return c;
	if (opts.check != NULL)
		return secmem_init() != 0 ? 1 : check_config(opts.check);
	config = opts.config;
	memset(&hd, 0, sizeof(hd));
	memset(&sigs, 0, sizeof(sigs));
	pthread_mutex_init(&hd.lock, NULL);
	if (secmem_init() != 0 || load_conf(config, &conf) != 0)
		goto out;
	daemon_block_signals();

	/* Read every secret while we may still be root. */
	hd.sign_sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	dbkey = sodium_malloc(DB_KEY_LEN);
	if (hd.sign_sk == NULL || dbkey == NULL) {
		log_err("out of locked memory");
		goto out;
	}
	if (keys_load(conf.sign_key, KEYS_SIGN_SECRET, hd.sign_sk,
		crypto_sign_SECRETKEYBYTES, NULL, 0) != 0 ||
	    keys_load(conf.inbox_key, KEYS_SYMMETRIC, dbkey, DB_KEY_LEN, NULL,
		0) != 0 ||
	    hubcheck_sign_pub(conf.sign_key, hd.sign_sk) != 0)
		goto out;
	/* A damaged TLS pair is named here, not left to every device's
	 * handshake. */
	if (conf.net.tls_cert[0] != '\0' &&
	    tlscert_check(conf.net.tls_key, conf.net.tls_cert, 1) != 0)
		goto out;
	memset(&sc, 0, sizeof(sc));
	netconf_server(&conf.net, &sc);
	sc.handler = handle;
	sc.ctx = &hd;
	sc.max_body = HUBD_BATCH_BODY_MAX;
	sc.max_resp = HUBD_MAX_RESP;
	hd.keep_days = conf.keep_days;
	hd.admit_conf = conf.admit;
	if ((hd.admit = admit_new(&conf.admit)) == NULL)
		goto out;
	srv = server_new(&sc);
	if (srv == NULL)
		goto out;
	if (daemon_drop_privileges(conf.net.user) != 0)
		goto out;
	hd.db = db_open(conf.inbox, dbkey, &schema_hub);
	if (hd.db != NULL)
		hd.wdb = db_open(conf.inbox, dbkey, &schema_hub);
	sodium_free(dbkey);
	dbkey = NULL;
	if (hd.wdb == NULL || (hd.gc = gcommit_new(&(struct gcommit_config){
				   .db = hd.wdb})) == NULL)
		goto out;
	sandbox_policy_init(&sp, SANDBOX_HUBD);
	if (sandbox_policy_allow_write(&sp, conf.inbox, 1) != 0 ||
	    sandbox_enter(&sp) != 0 || gcommit_start(hd.gc) != 0)
		goto out;
	if (daemon_signals_start(&sigs, stop_server, srv) != 0)
		goto out;
	log_info("listening on %s port %u (%s)", conf.net.listen,
	    (unsigned)server_port(srv), sc.cert_path != NULL ? "TLS" : "plain");
	rc = server_run(srv) == 0 ? 0 : 1;
out:
	daemon_signals_stop(&sigs);
	server_free(srv);
	gcommit_free(hd.gc);
	db_close(hd.wdb);
	db_close(hd.db);
	sodium_free(dbkey);
	sodium_free(hd.sign_sk);
	admit_free(hd.admit);
	pthread_mutex_destroy(&hd.lock);
	return rc;
}
