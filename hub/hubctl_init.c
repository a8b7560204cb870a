/*
 * `hubctl init`: the hub's keys, TLS certificate, inbox and hubd.conf.
 * With --staff-dir the key that opens referrals is written only to the
 * staff machine's folder (hub/hubctl_keys.c), never to the server's.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "crypto/keys.h"
#include "crypto/tlscert.h"
#include "hub/hubctl.h"
#include "util/file.h"
#include "util/log.h"

#define PASS_MIN 10
#define TLS_DAYS 825

static int
write_conf(struct hubctl *h, const char *absdir, const char *content, int port)
{
	char path[PATH_MAX], text[4096];
	int n;

	if (hubctl_path(h, HUB_CONF, path, sizeof(path)) != 0)
		return -1;
	n = snprintf(text, sizeof(text),
	    "# hubd configuration, written by `hubctl init`.\n"
	    "[hubd]\n"
	    "# Where to listen. hubd speaks TLS 1.2 with the certificate\n"
	    "# below; plain HTTP is refused except on a loopback address.\n"
	    "listen = 127.0.0.1\n"
	    "port = %d\n"
	    "tls_cert = %s/" HUB_TLS_CERT "\n"
	    "tls_key = %s/" HUB_TLS_KEY "\n"
	    "# Signs the receipts devices wait for before deleting.\n"
	    "sign_key = %s/" HUB_SIGN_KEY "\n"
	    "# The sealed inbox (SQLCipher) and its key.\n"
	    "inbox = %s/" HUB_INBOX "\n"
	    "inbox_key = %s/" HUB_INBOX_KEY "\n"
	    "# Days an envelope is kept after the staff machine has pulled\n"
	    "# and acknowledged it (hubctl pull); then its bytes are deleted.\n"
	    "keep_days = 7\n"
	    "# What hubd refuses (docs/hub.md): envelopes sealed longer ago\n"
	    "# than max_age_days (devices hold envelopes while the hub is\n"
	    "# down: keep it longer than any outage), or further ahead of\n"
	    "# this clock than clock_skew_s; and, per device, more than\n"
	    "# quota_per_minute envelopes a minute or quota_mib MiB kept\n"
	    "# here (answered 429: the device retries later).\n"
	    "max_age_days = 365\n"
	    "clock_skew_s = 86400\n"
	    "quota_per_minute = 600\n"
	    "quota_mib = 256\n"
	    "# Worker threads (each waits for its group commit), and limits\n"
	    "# per connection.\n"
	    "workers = 32\n"
	    "read_timeout_ms = 5000\n"
	    "request_timeout_ms = 15000\n"
	    "# When started as root, hubd switches to this user after it\n"
	    "# has bound its port and read its keys. The user must own the\n"
	    "# inbox directory: useradd --system rjhub; chown -R rjhub DIR\n"
	    "user = rjhub\n"
	    "\n"
	    "[hubctl]\n"
	    "# Borough-to-spoke routing (an example grouping until the\n"
	    "# service confirms it).\n"
	    "spokes = %s/spokes.json\n"
	    "content = %s\n",
	    port, absdir, absdir, absdir, absdir, absdir, content, content);
	if (n < 0 || (size_t)n >= sizeof(text)) {
		log_err("configuration too long");
		return -1;
	}
	return file_write_atomic(path, text, (size_t)n, 0644, FILE_NOREPLACE);
}

int
hubctl_init(struct hubctl *h, const char *const *hosts, size_t nhosts, int port,
    const char *content, const char *staffdir)
{
	struct hubctl staff = {.dir = staffdir};
	uint8_t *box_sk = NULL, *sign_sk = NULL, *dbkey = NULL;
	uint8_t box_pk[crypto_box_PUBLICKEYBYTES];
	uint8_t sign_pk[crypto_sign_PUBLICKEYBYTES];
	char *pass = NULL, *again = NULL;
	char p1[PATH_MAX], p2[PATH_MAX], absdir[PATH_MAX], cdir[PATH_MAX];
	static const char *const default_hosts[] = {
	    "localhost", "127.0.0.1", "::1"};
	struct keys_kdf kdf =
	    h->kdf_interactive ? KEYS_KDF_INTERACTIVE : KEYS_KDF_MODERATE;
	size_t plen = 0, alen = 0;
	int rc = 1;

	if (nhosts == 0) {
		hosts = default_hosts;
		nhosts = 3;
	}
	if (file_mkdir(h->dir, 0700) != 0)
		return 1;
	if (staffdir != NULL && file_mkdir(staffdir, 0700) != 0)
		return 1;
	if (realpath(h->dir, absdir) == NULL) {
		log_err("%s: %s", h->dir, strerror(errno));
		return 1;
	}
	if (content == NULL) {
		hubctl_default_content(cdir, sizeof(cdir));
		content = cdir[0] != '\0' ? cdir : "content";
	}
	if (realpath(content, cdir) == NULL) {
		log_err("content directory %s: %s (use --content DIR)", content,
		    strerror(errno));
		return 1;
	}
	pass = sodium_malloc(KEYS_PASS_MAX);
	again = sodium_malloc(KEYS_PASS_MAX);
	box_sk = sodium_malloc(crypto_box_SECRETKEYBYTES);
	sign_sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	dbkey = sodium_malloc(DB_KEY_LEN);
	if (pass == NULL || again == NULL || box_sk == NULL ||
	    sign_sk == NULL || dbkey == NULL) {
		log_err("out of locked memory");
		goto out;
	}
	if (keys_passphrase_read("New hub passphrase: ", h->passfile, pass,
		KEYS_PASS_MAX, &plen) != 0)
		goto out;
	if (h->passfile == NULL) {
		if (keys_passphrase_read("Repeat it: ", h->passfile, again,
			KEYS_PASS_MAX, &alen) != 0)
			goto out;
		if (alen != plen || sodium_memcmp(pass, again, plen) != 0) {
			log_err("the two passphrases differ");
			goto out;
		}
	}
	if (plen < PASS_MIN) {
		log_err(
		    "the passphrase needs at least %d characters", PASS_MIN);
		goto out;
	}
	crypto_box_keypair(box_pk, box_sk);
	crypto_sign_keypair(sign_pk, sign_sk);
	randombytes_buf(dbkey, DB_KEY_LEN);
	/* With --staff-dir the opening key is written only there: the
	 * server's folder never holds it, not even for a moment. */
	if (hubctl_path(staffdir != NULL ? &staff : h, HUB_BOX_KEY, p1,
		sizeof(p1)) != 0 ||
	    hubctl_path(h, HUB_BOX_PUB, p2, sizeof(p2)) != 0 ||
	    keys_save(p1, KEYS_BOX_SECRET, box_sk, crypto_box_SECRETKEYBYTES,
		pass, plen, &kdf) != 0 ||
	    keys_save(p2, KEYS_BOX_PUBLIC, box_pk, sizeof(box_pk), NULL, 0,
		NULL) != 0)
		goto out;
	if (hubctl_path(h, HUB_SIGN_KEY, p1, sizeof(p1)) != 0 ||
	    hubctl_path(h, HUB_SIGN_PUB, p2, sizeof(p2)) != 0 ||
	    keys_save(p1, KEYS_SIGN_SECRET, sign_sk, crypto_sign_SECRETKEYBYTES,
		NULL, 0, NULL) != 0 ||
	    keys_save(p2, KEYS_SIGN_PUBLIC, sign_pk, sizeof(sign_pk), NULL, 0,
		NULL) != 0)
		goto out;
	if (hubctl_path(h, HUB_TLS_KEY, p1, sizeof(p1)) != 0 ||
	    hubctl_path(h, HUB_TLS_CERT, p2, sizeof(p2)) != 0 ||
	    tlscert_generate(p1, p2, hosts, nhosts, TLS_DAYS) != 0)
		goto out;
	if (hubctl_path(h, HUB_INBOX_KEY, p1, sizeof(p1)) != 0 ||
	    keys_save(p1, KEYS_SYMMETRIC, dbkey, DB_KEY_LEN, NULL, 0, NULL) !=
		0)
		goto out;
	if (hubctl_path(h, HUB_DEVICES, p1, sizeof(p1)) != 0 ||
	    file_mkdir(p1, 0700) != 0)
		goto out;
	if (write_conf(h, absdir, cdir, port) != 0)
		goto out;
	if (hubctl_open_db(h) != 0)
		goto out;
	if (staffdir != NULL) {
		if (hubctl_path(&staff, HUB_BOX_PUB, p2, sizeof(p2)) != 0 ||
		    keys_save(p2, KEYS_BOX_PUBLIC, box_pk, sizeof(box_pk), NULL,
			0, NULL) != 0 ||
		    hubctl_staff_folder(staffdir, cdir) != 0)
			goto out;
		printf("Hub server folder created in %s (hubd's keys; it "
		       "cannot open a referral).\n"
		       "Staff folder created in %s: %s opens referrals "
		       "(passphrase-protected).\n"
		       "Next: hubctl -d %s enroll NAME --url https://%s:%d\n"
		       "      hubctl -d %s enroll-staff NAME --url "
		       "https://%s:%d\n"
		       "      hubd --config %s/%s\n",
		    absdir, staffdir, HUB_BOX_KEY, absdir, hosts[0], port,
		    absdir, hosts[0], port, absdir, HUB_CONF);
		rc = 0;
		goto out;
	}
	printf("Hub created in %s\n"
	       "  %s  opens referrals; passphrase-protected. Keep it (and the\n"
	       "      passphrase) on the staff machine only.\n"
	       "  %s, %s, %s, %s  used by hubd\n"
	       "Next: hubctl -d %s enroll NAME --url https://%s:%d\n"
	       "      hubd --config %s/%s\n",
	    absdir, HUB_BOX_KEY, HUB_SIGN_KEY, HUB_TLS_KEY, HUB_INBOX_KEY,
	    HUB_CONF, absdir, hosts[0], port, absdir, HUB_CONF);
	rc = 0;
out:
	sodium_free(dbkey);
	sodium_free(sign_sk);
	sodium_free(box_sk);
	sodium_free(again);
	sodium_free(pass);
	return rc;
}
