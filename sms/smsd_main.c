/*
 * smsd: the SMS gateway. Receives provider webhooks over TLS, checks
 * each provider's signature (or token and source address) before it
 * reads a field, runs the consent conversation, and answers in the
 * provider's reply format. Referrals and withdrawals leave only as
 * sealed envelopes through the outbox and the forwarder.
 */
#include <getopt.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto/bundle.h"
#include "crypto/keys.h"
#include "crypto/tlscert.h"
#include "crypto/secmem.h"
#include "net/forwarder.h"
#include "net/heartbeat.h"
#include "net/http.h"
#include "net/netconf.h"
#include "net/server.h"
#include "sms/dialog.h"
#include "sms/kannel.h"
#include "sms/provider.h"
#include "store/sealer.h"
#include "sms/secrets.h"
#include "sms/smsd_check.h"
#include "sms/smsd_conf.h"
#include "store/dbkey.h"
#include "store/gcommit.h"
#include "net/lpool.h"
#include "store/schema.h"
#include "util/daemon.h"
#include "util/jsonmem.h"
#include "util/log.h"
#include "util/periodic.h"
#include "util/sandbox.h"

#define NPROVIDERS 3
#define PURGE_EVERY_MS 60000
/* One locked buffer per webhook in progress (struct webhook). More at
 * once than the server admits cannot be. */
#define SMSD_BUF_SIZE sizeof(struct webhook)
#define SMSD_BUFS_MAX SERVER_MAX_QUEUE
/* The largest answer: a reply formatted for a provider (errors and the
 * health check are far smaller). The server keeps, and wipes after
 * every request, a locked buffer this size per worker: not its 64 KiB
 * default. */
#define SMSD_MAX_RESP SMS_MAX_REPLY_BODY

struct route {
	const char *path;
	const struct sms_provider *p;
	struct sms_provider_cfg cfg;
	int enabled;
};

struct smsd {
	struct route routes[NPROVIDERS];
	const char *country_code;
	struct dialog *dialog;
	/* The dialog's connection, written by its group commit alone. */
	struct gcommit *gc;
	/* Locked buffers for webhooks in progress, reused (bufs). */
	pthread_mutex_t lock;
	struct lpool *bufs;
	struct forwarder *fw;
	struct server *srv;
};

/*
 * A webhook from its signature check until it is answered, in one locked
 * buffer: the worker that checked it does not wait for the group commit
 * (server_later); the answer is written once the message is durable.
 */
struct webhook {
	struct smsd *sd;
	struct route *r;
	struct server_later *later;
	int rc; /* the dialog's */
	struct dialog_call call;
	struct sms_inbound in;
	char reply[SMS_MAX_REPLY + 1];
	char body[SMS_MAX_REPLY_BODY];
	struct http_form form;
};

static const char *
header_fn(void *hctx, const char *name)
{
	return http_header(hctx, name);
}

static void
webhook_free(struct webhook *wh)
{
	struct smsd *sd = wh->sd;

	/* The message, the number and the reply (the provider wiped the
	 * form it decoded into form). */
	sodium_memzero(wh, offsetof(struct webhook, form));
	pthread_mutex_lock(&sd->lock);
	lpool_put(sd->bufs, wh);
	pthread_mutex_unlock(&sd->lock);
}

/* The second half, on a worker once the message is durable (or not). */
static int
webhook_answer(void *arg, const struct http_req *req, struct http_resp *resp)
{
	struct webhook *wh = arg;
	struct route *r = wh->r;
	const char *ctype = NULL;
	int has_reply = wh->call.has_reply, ret;

	(void)req;
	if (wh->rc != 0) {
		/* Nothing was kept (the message's transaction rolled back,
		 * e.g. on a full disk): the provider may send it again. */
		ret = http_error_json(resp, 503, "unavailable");
		if (ret == 0)
			ret = http_resp_header(resp, "Retry-After", "30");
		goto out;
	}
	/* What was sealed is already committed: let the forwarder go (not
	 * for every message: each wake is a read of the outbox). */
	if (wh->call.queued)
		forwarder_wake(wh->sd->fw);
	if (r->p->format_reply(has_reply ? wh->reply : NULL, wh->body,
		SMS_MAX_REPLY_BODY, &ctype) != 0) {
		ret = http_error_json(resp, 500, "internal");
		goto out;
	}
	ret = http_resp_body(resp, 200, ctype, wh->body, strlen(wh->body));
	if (ret == 0 && has_reply && r->p->reply_header != NULL) {
		const char *hname, *hvalue;

		r->p->reply_header(wh->reply, &hname, &hvalue);
		if (hname != NULL)
			ret = http_resp_header(resp, hname, hvalue);
	}
out:
	webhook_free(wh);
	return ret;
}

/* On the group commit's answering thread: hand the answer to a worker. */
static void
webhook_stored(struct dialog_call *call, int rc, void *arg)
{
	struct webhook *wh = arg;

	(void)call;
	wh->rc = rc;
	server_resume(wh->later, webhook_answer, wh);
}

static int
handle_sms(struct smsd *sd, struct route *r, const struct http_req *req,
    struct http_resp *resp)
{
	struct sms_http h;
	struct webhook *wh;
	int rc, ret;

	memset(&h, 0, sizeof(h));
	h.method = req->method_name;
	h.path = req->path;
	h.query = req->query;
	h.header = header_fn;
	h.hctx = (void *)req;
	h.body = req->body;
	h.bodylen = req->body_len;
	h.peer_addr = req->peer;
	h.now = time(NULL);
	pthread_mutex_lock(&sd->lock);
	wh = lpool_get(sd->bufs);
	pthread_mutex_unlock(&sd->lock);
	if (wh == NULL) {
		log_err("out of locked memory");
		return http_error_json(resp, 503, "busy");
	}
	wh->sd = sd;
	wh->r = r;
	h.form = &wh->form;
	/* Authenticate before anything reads the message. */
	rc = r->p->verify_and_parse(&r->cfg, &h, &wh->in);
	if (rc != 0) {
		ret = http_error_json(resp, rc, sms_error_code(rc));
		goto fail;
	}
	if (sms_number_international(wh->in.from, sd->country_code) != 0 ||
	    sms_number_international(wh->in.to, sd->country_code) != 0) {
		ret = http_error_json(resp, 400, "bad_number");
		goto fail;
	}
	/* Answered once the batch holding this message is durable: this
	 * worker goes on with other requests meanwhile. */
	wh->later = server_later(req);
	if (dialog_submit(sd->dialog, &wh->call, r->p->name, &wh->in,
		db_now_ms(), wh->reply, sizeof(wh->reply), webhook_stored,
		wh) != 0) {
		wh->rc = -1;
		server_resume(wh->later, webhook_answer, wh);
	}
	return 0;
fail:
	webhook_free(wh);
	return ret;
}

static int
handle(void *ctx, const struct http_req *req, struct http_resp *resp)
{
	struct smsd *sd = ctx;

	if (strcmp(req->path, "/v1/health") == 0)
		return http_resp_body(
		    resp, 200, "application/json", "{\"status\":\"ok\"}", 15);
	for (size_t i = 0; i < NPROVIDERS; i++) {
		struct route *r = &sd->routes[i];
		if (r->enabled && strcmp(req->path, r->path) == 0)
			return handle_sms(sd, r, req, resp);
	}
	return http_error_json(resp, 404, "not_found");
}

static void
on_signal(void *arg)
{
	struct smsd *sd = arg;

	server_stop(sd->srv);
}

/* Idle conversations must expire even when no message arrives. */
static void
purge(void *arg)
{
	struct smsd *sd = arg;

	if (dialog_purge(sd->dialog, db_now_ms()) != 0)
		log_warn("purge of expired conversations failed");
}

/* "1.2.3.4 ::1 10.0.0.0/8" split in place into an array; -1 if more
 * than max entries (a silently shortened allowlist would lock out a
 * Kannel box for no visible reason). */
static int
split_allow(char *text, const char **out, size_t max, size_t *n)
{
	char *save = NULL, *tok;

	*n = 0;
	for (tok = strtok_r(text, " ,\t", &save); tok != NULL;
	     tok = strtok_r(NULL, " ,\t", &save)) {
		if (*n == max) {
			log_err("[kannel] allow: at most %zu addresses", max);
			return -1;
		}
		/* A word that is not an address (a comment, a typo) would
		 * otherwise sit in the list unnoticed. */
		if (!kannel_allow_entry_ok(tok)) {
			log_err(
			    "[kannel] allow: entry %zu is not an IP address "
			    "or address/prefix",
			    *n + 1);
			return -1;
		}
		out[(*n)++] = tok;
	}
	return 0;
}

static const char *const secret_names[NPROVIDERS] = {
    "twilio_auth_token", "kannel_token", "json_secret"};

static const char smsd_about[] =
    "The SMS gateway (see docs/sms.md and smsd(8)). --check-config reads\n"
    "FILE and what it names (secrets, device bundle, content), reports\n"
    "every mistake, prints the settings read, and exits.\n";

/* Everything --check-config can prove without starting or creating. */
static int
check_config(const char *path)
{
	struct smsd_conf conf;
	struct dialog_content dc;
	struct secrets *secrets = NULL;
	struct bundle *b = NULL;
	const char *allow[SMS_MAX_ALLOW];
	int enabled[NPROVIDERS];
	uint8_t *key = NULL;
	size_t nallow = 0, len;
	int bad = 0, have_content = 0;

	if (smsd_conf_load(path, &conf) != 0)
		return smsd_check(
		    &(struct smsd_check_in){path, 0, "", "", {0}});
	enabled[0] = conf.twilio;
	enabled[1] = conf.kannel;
	enabled[2] = conf.json;
	if ((secrets = secrets_load(conf.secrets)) == NULL)
		bad = 1;
	if ((key = sodium_malloc(DIALOG_KEY_LEN)) == NULL ||
	    (secrets != NULL && secrets_get_key(secrets, "state_key", key,
				    DIALOG_KEY_LEN) != 0)) {
		log_err("%s: needs state_key = <64 hex digits>", conf.secrets);
		bad = 1;
	}
	for (size_t i = 0; i < NPROVIDERS && secrets != NULL; i++)
		if (enabled[i] &&
		    (secrets_get(secrets, secret_names[i], &len) == NULL ||
			len == 0)) {
			log_err("%s: a provider is enabled but %s is missing",
			    conf.secrets, secret_names[i]);
			bad = 1;
		}
	if ((b = bundle_load(conf.bundle)) == NULL)
		bad = 1;
	if (conf.net.tls_cert[0] != '\0' &&
	    tlscert_check(conf.net.tls_key, conf.net.tls_cert, 0) != 0)
		bad = 1;
	if (dialog_content_load(&dc, conf.content, conf.language) != 0)
		bad = 1;
	else
		have_content = 1;
	if (split_allow(conf.kannel_allow, allow, SMS_MAX_ALLOW, &nallow) !=
		0 ||
	    (conf.kannel && nallow == 0)) {
		log_err("%s: [kannel] allow needs the addresses Kannel calls "
			"from",
		    path);
		bad = 1;
	}
	if (!bad)
		printf("%s: configuration ok: listen %s port %d, "
		       "country_code %s, language %s, twilio %s%s%s, kannel "
		       "%s (%zu allowed), json %s\n",
		    path, conf.net.listen, conf.net.port, conf.country_code,
		    conf.language, conf.twilio ? "on" : "off",
		    conf.twilio ? " public_url " : "",
		    conf.twilio ? conf.twilio_url : "",
		    conf.kannel ? "on" : "off", nallow,
		    conf.json ? "on" : "off");
	if (have_content)
		dialog_content_free(&dc);
	bundle_free(b);
	secrets_free(secrets);
	sodium_free(key);
	return smsd_check(&(struct smsd_check_in){path, !bad, conf.net.tls_cert,
	    conf.net.tls_key,
	    {conf.bundle, conf.database, conf.database_key, "sms",
		conf.heartbeat_s, NULL, conf.net.user}});
}

int
main(int argc, char **argv)
{
	struct smsd_conf conf;
	struct smsd sd;
	struct server_config sc;
	struct dialog_content dc;
	struct dialog_cfg dcfg;
	struct forwarder_config fc;
	struct daemon_signals sigs;
	struct sandbox_policy sp;
	struct secrets *secrets = NULL;
	struct bundle *b = NULL;
	struct db *db = NULL;
	struct sealer sealer;
	struct daemon_opts opts;
	const char *config, *allow[SMS_MAX_ALLOW];
	uint8_t *dbkey = NULL, *state_key = NULL;
	struct periodic purger;
	struct heartbeat *hb = NULL;
	int rc = 1, c, have_content = 0;

	log_init("smsd");
	jsonmem_init();
	if ((c = daemon_args(argc, argv, "smsd", smsd_about, &opts)) >= 0)
		return c;
	if (opts.check != NULL)
		return secmem_init() != 0 ? 1 : check_config(opts.check);
	config = opts.config;
	memset(&sd, 0, sizeof(sd));
	memset(&sigs, 0, sizeof(sigs));
	memset(&dc, 0, sizeof(dc));
	pthread_mutex_init(&sd.lock, NULL);
	memset(&purger, 0, sizeof(purger));
	if (secmem_init() != 0 || smsd_conf_load(config, &conf) != 0)
		goto out;
	daemon_block_signals();

	/* Everything secret is read before privileges are dropped. */
	dbkey = sodium_malloc(DB_KEY_LEN);
	state_key = sodium_malloc(DIALOG_KEY_LEN);
	if (dbkey == NULL || state_key == NULL) {
		log_err("out of locked memory");
		goto out;
	}
	secrets = secrets_load(conf.secrets);
	if (secrets == NULL || secrets_get_key(secrets, "state_key", state_key,
				   DIALOG_KEY_LEN) != 0) {
		log_err("%s: needs state_key = <64 hex digits>", conf.secrets);
		goto out;
	}
	/* Every key checked before a database key is created: a refused
	 * start leaves no new file. Its certificate may be CA-issued. */
	b = bundle_load(conf.bundle);
	if (b == NULL ||
	    (conf.net.tls_cert[0] != '\0' &&
		tlscert_check(conf.net.tls_key, conf.net.tls_cert, 0) != 0) ||
	    dbkey_load_or_create(conf.database, conf.database_key, dbkey) != 0)
		goto out;

	sd.routes[0] =
	    (struct route){"/sms/twilio", &twilio_provider, {0}, conf.twilio};
	sd.routes[1] =
	    (struct route){"/sms/kannel", &kannel_provider, {0}, conf.kannel};
	sd.routes[2] =
	    (struct route){"/sms/json", &jsonhook_provider, {0}, conf.json};
	for (size_t i = 0; i < NPROVIDERS; i++) {
		struct route *r = &sd.routes[i];
		if (!r->enabled)
			continue;
		r->cfg.secret =
		    secrets_get(secrets, secret_names[i], &r->cfg.secretlen);
		if (r->cfg.secret == NULL || r->cfg.secretlen == 0) {
			log_err("%s: [%s] is enabled but %s is missing",
			    conf.secrets, r->p->name, secret_names[i]);
			goto out;
		}
	}
	sd.routes[0].cfg.public_url = conf.twilio_url;
	sd.routes[1].cfg.allow = allow;
	if (split_allow(conf.kannel_allow, allow, SMS_MAX_ALLOW,
		&sd.routes[1].cfg.nallow) != 0)
		goto out;
	if (conf.kannel && sd.routes[1].cfg.nallow == 0) {
		log_err("[kannel] needs allow = the addresses Kannel calls "
			"from");
		goto out;
	}
	sd.routes[2].cfg.max_skew = conf.json_max_skew;
	sd.country_code = conf.country_code;

	memset(&sc, 0, sizeof(sc));
	netconf_server(&conf.net, &sc);
	sc.handler = handle;
	sc.ctx = &sd;
	sc.max_body = SMS_MAX_BODY;
	sc.max_resp = SMSD_MAX_RESP;
	sd.srv = server_new(&sc);
	if (sd.srv == NULL)
		goto out;
	if (daemon_drop_privileges(conf.net.user) != 0)
		goto out;

	db = db_open(conf.database, dbkey, &schema_device);
	if (db == NULL)
		goto out;
	if (dialog_content_load(&dc, conf.content, conf.language) != 0)
		goto out;
	have_content = 1;
	/* The sealer runs inside the dialog's operation: no gc of its own. */
	sealer =
	    (struct sealer){db, b->device_id, b->sign_sk, b->hub_box_pk, NULL};
	sd.gc = gcommit_new(&(struct gcommit_config){.db = db});
	sd.bufs = lpool_new(SMSD_BUF_SIZE, 16, SMSD_BUFS_MAX);
	if (sd.gc == NULL || sd.bufs == NULL)
		goto out;
	memset(&dcfg, 0, sizeof(dcfg));
	dcfg.db = db;
	dcfg.gc = sd.gc;
	dcfg.content = &dc;
	dcfg.state_key = state_key;
	dcfg.seal = sealer_outbox;
	dcfg.seal_ctx = &sealer;
	dcfg.consent_words = conf.consent_words[0] ? conf.consent_words : NULL;
	dcfg.exit_word = conf.exit_word[0] ? conf.exit_word : NULL;
	dcfg.idle_ms = conf.idle_hours * 3600 * 1000LL;
	dcfg.link_keep_ms = conf.link_keep_days * 86400 * 1000LL;
	dcfg.sender_max = conf.sender_max;
	dcfg.global_max = conf.global_max;
	sd.dialog = dialog_new(&dcfg);
	if (sd.dialog == NULL)
		goto out;

	memset(&fc, 0, sizeof(fc));
	fc.db_path = conf.database;
	fc.db_key = dbkey;
	fc.bundle = b;
	fc.policy = OUTBOX_POLICY_DEFAULT;
	fc.connect_timeout_ms = 5000;
	fc.total_timeout_ms = 20000;
	sd.fw = forwarder_new(&fc);
	hb = heartbeat_new(&(struct heartbeat_config){
	    conf.database, dbkey, b, "sms", conf.heartbeat_s, NULL});
	sodium_free(dbkey);
	dbkey = NULL;
	if (sd.fw == NULL)
		goto out;
	sandbox_policy_init(&sp, SANDBOX_SMSD);
	if (sandbox_policy_allow_write(&sp, conf.database, 1) != 0 ||
	    sandbox_policy_resolve(&sp, b->hub_url) != 0 ||
	    sandbox_enter(&sp) != 0 || gcommit_start(sd.gc) != 0)
		goto out;
	if (forwarder_start(sd.fw) != 0)
		goto out;
	if (hb == NULL || heartbeat_start(hb) != 0)
		goto out;
	if (periodic_start(&purger, PURGE_EVERY_MS, purge, &sd) != 0)
		goto out;
	if (daemon_signals_start(&sigs, on_signal, &sd) != 0)
		goto out;
	log_info("listening on %s port %u (%s)", conf.net.listen,
	    (unsigned)server_port(sd.srv),
	    sc.cert_path != NULL ? "TLS" : "plain");
	rc = server_run(sd.srv) == 0 ? 0 : 1;
out:
	daemon_signals_stop(&sigs);
	periodic_stop(&purger);
	heartbeat_free(hb);
	forwarder_free(sd.fw);
	server_free(sd.srv);
	dialog_free(sd.dialog);
	gcommit_free(sd.gc);
	lpool_free(sd.bufs);
	if (have_content)
		dialog_content_free(&dc);
	db_close(db);
	bundle_free(b);
	secrets_free(secrets);
	sodium_free(state_key);
	sodium_free(dbkey);
	pthread_mutex_destroy(&sd.lock);
	return rc;
}
