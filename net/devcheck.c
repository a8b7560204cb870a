#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto/bundle.h"
#include "crypto/keys.h"
#include "net/devcheck.h"
#include "net/heartbeat.h"
#include "receipt/prprobe.h"
#include "store/db.h"
#include "store/schema.h"

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct bundle *
check_bundle(struct check *c, const struct devcheck_in *in)
{
	struct bundle *b;

	if (check_secret_file(c, "device bundle", in->bundle, in->user) != 0)
		return NULL;
	if ((b = bundle_load(in->bundle)) == NULL) {
		check_error(c,
		    "device bundle %s cannot be loaded (the line above says "
		    "why): on the hub, hubctl enroll NAME --out FILE and "
		    "install FILE here",
		    in->bundle);
		return NULL;
	}
	check_ok(c, "device bundle: device %s, hub %s", b->name, b->hub_url);
	check_cert(c, "the hub's TLS certificate (in the bundle)", b->hub_cert,
	    strlen(b->hub_cert),
	    "renew it on the hub and enrol this device again (docs/hub.md)");
	return b;
}

/* 1 when the database opens with its key, 0 when neither exists yet
 * (both are made on first start), -1 on a problem. */
static int
check_database(struct check *c, const struct devcheck_in *in, uint8_t *key)
{
	struct db *db;
	int have_db = access(in->database, F_OK) == 0;
	int have_key = access(in->database_key, F_OK) == 0;

	if (!have_db && !have_key) {
		check_ok(c, "database %s and its key: made on first start",
		    in->database);
		return 0;
	}
	if (have_db && !have_key) {
		check_error(c,
		    "database %s exists but its key %s does not: restore the "
		    "key from backup (a new key would strand the outbox)",
		    in->database, in->database_key);
		return -1;
	}
	if (check_secret_file(c, "database key", in->database_key, in->user) !=
	    0)
		return -1;
	if (keys_load(in->database_key, KEYS_SYMMETRIC, key, DB_KEY_LEN, NULL,
		0) != 0) {
		check_error(c,
		    "database key %s is damaged (the line above says how): "
		    "restore it from backup",
		    in->database_key);
		return -1;
	}
	if (!have_db) {
		check_ok(c, "database key loads; the database is made on "
			    "first start");
		return 0;
	}
	if ((db = db_open(in->database, key, &schema_device)) == NULL) {
		check_error(c,
		    "database %s does not open with %s: restore the matching "
		    "key (or database) from backup",
		    in->database, in->database_key);
		return -1;
	}
	db_close(db);
	check_ok(c, "database opens with its key");
	return 1;
}

static void
check_printer(struct check *c, const char *printer)
{
	const char *word = prprobe(printer);

	if (strcmp(word, "ok") == 0)
		check_ok(c, "printer %s can be written to", printer);
	else
		check_error(c,
		    "printer %s: %s: check it is plugged in and on, and "
		    "that printer = names it (docs/kiosk.md)",
		    printer, word);
}

static void
say_refusal(
    struct check *c, const struct bundle *b, const struct heartbeat_answer *a)
{
	if (strcmp(a->error, "unknown_device") == 0)
		check_error(c,
		    "the hub at %s does not know device %s: enrol it on that "
		    "hub (hubctl enroll %s) and install the new bundle",
		    b->hub_url, b->name, b->name);
	else if (strcmp(a->error, "revoked_device") == 0)
		check_error(c,
		    "device %s was revoked on the hub: enrol a new device "
		    "name and install its bundle",
		    b->name);
	else if (strcmp(a->error, "bad_signature") == 0)
		check_error(c,
		    "the hub refuses %s's signature: this bundle is not the "
		    "one the hub enrolled; install the current bundle",
		    b->name);
	else
		check_error(c,
		    "the hub at %s answered %ld %s: see hubd's log there",
		    b->hub_url, a->status, a->error);
}

static void
check_hub(struct check *c, const struct devcheck_in *in, const struct bundle *b,
    const uint8_t *key, int have_db)
{
	struct heartbeat *hb;
	struct heartbeat_answer a;
	int64_t t0, rtt, skew;

	hb = heartbeat_new(
	    &(struct heartbeat_config){have_db ? in->database : NULL, key, b,
		in->role, in->interval_s, in->printer});
	if (hb == NULL) {
		check_error(
		    c, "cannot set up the HTTPS client for %s", b->hub_url);
		return;
	}
	t0 = mono_ms();
	if (heartbeat_send(hb, &a) != 0 && a.status == 0) {
		check_warn(c,
		    "the hub at %s did not answer (network, firewall, TLS or "
		    "pin; the line above says which): referrals wait in the "
		    "outbox until it does",
		    b->hub_url);
		goto out;
	}
	rtt = mono_ms() - t0;
	if (a.status != 200) {
		say_refusal(c, b, &a);
		goto out;
	}
	check_ok(c, "hub round trip: %s took a signed heartbeat in %lld ms",
	    b->hub_url, (long long)rtt);
	skew = a.sent_at_ms + rtt / 2 - a.hub_now_ms;
	if (skew > CHECK_SKEW_WARN_MS || skew < -CHECK_SKEW_WARN_MS)
		check_warn(c,
		    "this clock is %lld s %s the hub's: turn on time sync "
		    "(timedatectl set-ntp true)",
		    (long long)(skew < 0 ? -skew : skew) / 1000,
		    skew > 0 ? "ahead of" : "behind");
	else
		check_ok(c, "clock within %lld s of the hub's",
		    (long long)(skew < 0 ? -skew : skew) / 1000);
out:
	heartbeat_free(hb);
}

void
devcheck_run(struct check *c, const struct devcheck_in *in)
{
	struct bundle *b = check_bundle(c, in);
	uint8_t *key = sodium_malloc(DB_KEY_LEN);
	int db = -1;

	if (key == NULL) {
		check_error(c, "out of locked memory");
		goto out;
	}
	if (in->database[0] != '\0' && in->database_key[0] != '\0')
		db = check_database(c, in, key);
	if (in->printer != NULL)
		check_printer(c, in->printer);
	if (b != NULL && db >= 0)
		check_hub(c, in, b, key, db == 1);
out:
	sodium_free(key);
	bundle_free(b);
}
