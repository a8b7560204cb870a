/*
 * kioskd: the walk-up kiosk. Serves the self-referral pages on loopback
 * to Chromium under cage, holds one visitor's answers in locked memory,
 * seals a referral to the hub on submit and queues it in the encrypted
 * outbox for the forwarder, prints the receipt, and wipes the visitor on
 * finish, quick exit or idle.
 */
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "crypto/bundle.h"
#include "crypto/secmem.h"
#include "kiosk/kconf.h"
#include "kiosk/kiosk.h"
#include "kiosk/kioskd_check.h"
#include "kiosk/kioskd_sandbox.h"
#include "net/forwarder.h"
#include "net/heartbeat.h"
#include "store/gcommit.h"
#include "net/server.h"
#include "store/dbkey.h"
#include "store/schema.h"
#include "util/daemon.h"
#include "util/jsonmem.h"
#include "util/log.h"
#include "util/periodic.h"

#define TICK_MS 1000

struct kioskd {
	struct kiosk *k;
	struct server *srv;
	struct forwarder *fw;
};

static int
handle(void *ctx, const struct http_req *req, struct http_resp *resp)
{
	struct kioskd *kd = ctx;

	return kiosk_handle(kd->k, req, resp);
}

static void
on_queued(void *arg)
{
	forwarder_wake(arg);
}

static void
on_signal(void *arg)
{
	struct kioskd *kd = arg;

	server_stop(kd->srv);
}

/* A visitor who walked away is wiped even if no request ever comes. */
static void
tick(void *arg)
{
	struct kioskd *kd = arg;

	kiosk_tick(kd->k, kiosk_clock_ms());
}

static void
kiosk_cfg(const struct kconf *c, struct kiosk_config *kc, uint16_t port)
{
	memset(kc, 0, sizeof(*kc));
	kc->content_dir = c->content;
	kc->templates_dir = c->templates;
	kc->static_dir = c->static_dir;
	kc->languages = c->languages;
	kc->allow_drafts = c->allow_drafts;
	kc->easy_read = c->easy_read;
	kc->venue_code = c->venue_code;
	kc->service_number = c->service_number;
	kc->service_number_display = c->service_number_display;
	kc->printer = c->printer;
	kc->paper_width = (size_t)c->paper_width;
	kc->idle_warning_s = c->idle_warning_s;
	kc->idle_grace_s = c->idle_grace_s;
	kc->port = port;
}

static const char kioskd_about[] =
    "Serves the self-referral kiosk on loopback (see docs/kiosk.md and\n"
    "kioskd(8)). --check-config reports every mistake in FILE and in what\n"
    "it names (content, templates, device bundle) and exits.\n";

/* Everything --check-config can prove without starting. */
static int
check_config(const char *path)
{
	struct kconf conf;
	struct kiosk_config kc;
	struct kiosk *k = NULL;
	struct bundle *b = NULL;
	int bad = 0;

	if (kconf_load(path, &conf) != 0)
		bad = 1;
	if (conf.bundle[0] != '\0' && (b = bundle_load(conf.bundle)) == NULL)
		bad = 1;
	if (conf.content[0] != '\0' && conf.templates[0] != '\0' &&
	    conf.static_dir[0] != '\0' && conf.printer[0] != '\0') {
		kiosk_cfg(&conf, &kc, (uint16_t)conf.net.port);
		if ((k = kiosk_new(&kc)) == NULL)
			bad = 1;
	}
	if (!bad)
		printf("%s: configuration ok (venue %s, %zu languages)\n", path,
		    conf.venue_code, k->nlangs);
	kiosk_free(k);
	bundle_free(b);
	return kioskd_check(path, !bad,
	    conf.bundle[0] == '\0'
		? NULL
		: &(struct devcheck_in){conf.bundle, conf.database,
		      conf.database_key, "kiosk", conf.heartbeat_s,
		      conf.printer[0] != '\0' ? conf.printer : NULL,
		      conf.net.user});
}

int
main(int argc, char **argv)
{
	struct kioskd kd;
	struct kconf conf;
	struct kiosk_config kc;
	struct server_config sc;
	struct forwarder_config fc;
	struct daemon_signals sigs;
	struct periodic ticker;
	struct bundle *b = NULL;
	struct db *db = NULL;
	struct gcommit *gc = NULL;
	struct daemon_opts opts;
	const char *config;
	uint8_t *dbkey = NULL;
	struct heartbeat *hb = NULL;
	int rc = 1, c;

	/* One visitor at a time, every request under one lock: one malloc
	 * arena rather than one per worker thread keeps memory flat. */
	mallopt(M_ARENA_MAX, 1);
	log_init("kioskd");
	jsonmem_init();
	if ((c = daemon_args(argc, argv, "kioskd", kioskd_about, &opts)) >= 0)
		return c;
	if (secmem_init() != 0)
		return 1;
	if (opts.check != NULL)
		return check_config(opts.check);
	config = opts.config;

	memset(&kd, 0, sizeof(kd));
	memset(&sigs, 0, sizeof(sigs));
	memset(&ticker, 0, sizeof(ticker));
	if (kconf_load(config, &conf) != 0)
		goto out;
	daemon_block_signals();

	/* Keys first, while still able to read them. */
	if ((dbkey = sodium_malloc(DB_KEY_LEN)) == NULL) {
		log_err("out of locked memory");
		goto out;
	}
	if ((b = bundle_load(conf.bundle)) == NULL ||
	    dbkey_load_or_create(conf.database, conf.database_key, dbkey) != 0)
		goto out;

	memset(&sc, 0, sizeof(sc));
	netconf_server(&conf.net, &sc);
	sc.handler = handle;
	sc.ctx = &kd;
	sc.max_body = HTTP_MAX_FORM;
	sc.max_resp = KIOSK_RESP_MAX;
	if ((kd.srv = server_new(&sc)) == NULL)
		goto out;
	if (daemon_drop_privileges(conf.net.user) != 0)
		goto out;
	if ((db = db_open(conf.database, dbkey, &schema_device)) == NULL ||
	    (gc = gcommit_new(&(struct gcommit_config){.db = db})) == NULL)
		goto out;

	memset(&fc, 0, sizeof(fc));
	fc.db_path = conf.database;
	fc.db_key = dbkey;
	fc.bundle = b;
	fc.policy = OUTBOX_POLICY_DEFAULT;
	fc.connect_timeout_ms = 5000;
	fc.total_timeout_ms = 20000;
	kd.fw = forwarder_new(&fc);
	hb = heartbeat_new(&(struct heartbeat_config){
	    conf.database, dbkey, b, "kiosk", conf.heartbeat_s, conf.printer});
	sodium_free(dbkey);
	dbkey = NULL;
	if (kd.fw == NULL)
		goto out;

	kiosk_cfg(&conf, &kc, server_port(kd.srv));
	kc.db = db;
	kc.gc = gc;
	kc.bundle = b;
	kc.on_queued = on_queued;
	kc.on_queued_arg = kd.fw;
	if ((kd.k = kiosk_new(&kc)) == NULL ||
	    kioskd_sandbox(&conf, b->hub_url) != 0 || gcommit_start(gc) != 0)
		goto out;
	if (forwarder_start(kd.fw) != 0)
		goto out;
	if (hb == NULL || heartbeat_start(hb) != 0)
		goto out;
	if (periodic_start(&ticker, TICK_MS, tick, &kd) != 0)
		goto out;
	if (daemon_signals_start(&sigs, on_signal, &kd) != 0)
		goto out;
	log_info("venue %s: listening on http://%s:%u/ (%zu languages)",
	    conf.venue_code, conf.net.listen, (unsigned)server_port(kd.srv),
	    kd.k->nlangs);
	rc = server_run(kd.srv) == 0 ? 0 : 1;
out:
	daemon_signals_stop(&sigs);
	periodic_stop(&ticker);
	heartbeat_free(hb);
	forwarder_free(kd.fw);
	server_free(kd.srv);
	kiosk_free(kd.k);
	gcommit_free(gc);
	db_close(db);
	bundle_free(b);
	sodium_free(dbkey);
	return rc;
}
