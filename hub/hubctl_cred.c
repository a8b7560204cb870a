/*
 * Staff credentials, on the hub server: `hubctl enroll-staff NAME`
 * writes a credential file (the same format as a device bundle: an id,
 * an Ed25519 key, the hub's URL, certificate and pin) that lets one
 * staff machine pull sealed envelopes from hubd; `revoke-staff` stops it
 * at once; `staff` and `pull-log` show who pulled what, and when;
 * `queue` how many envelopes wait and how many are still held.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto/bundle.h"
#include "crypto/keys.h"
#include "crypto/tlscert.h"
#include "hub/hubctl.h"
#include "store/handover.h"
#include "store/staff.h"
#include "util/file.h"
#include "util/log.h"
#include "util/timefmt.h"

/*
 * A bundle carries the hub's public halves to every device: where the
 * secret halves are in this folder (the server's), they must match, or
 * every device would be enrolled to fail.
 */
static int
hub_halves_match(struct hubctl *h, const struct bundle *b)
{
	char path[PATH_MAX], crt[PATH_MAX];
	uint8_t *sk = NULL;
	int rc = -1;

	if (hubctl_path(h, HUB_SIGN_KEY, path, sizeof(path)) != 0 ||
	    hubctl_path(h, HUB_TLS_CERT, crt, sizeof(crt)) != 0)
		return -1;
	if (access(path, F_OK) == 0) {
		sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
		if (sk == NULL) {
			log_err("out of locked memory");
			goto out;
		}
		if (keys_load(path, KEYS_SIGN_SECRET, sk,
			crypto_sign_SECRETKEYBYTES, NULL, 0) != 0)
			goto out;
		if (sodium_memcmp(sk + crypto_sign_SEEDBYTES, b->hub_sign_pk,
			sizeof(b->hub_sign_pk)) != 0) {
			log_err("%s does not belong to %s: restore the pair "
				"from a backup (docs/hub.md \"Key files\"); "
				"no bundle written",
			    HUB_SIGN_PUB, HUB_SIGN_KEY);
			goto out;
		}
	}
	if (hubctl_path(h, HUB_TLS_KEY, path, sizeof(path)) != 0)
		goto out;
	if (access(path, F_OK) == 0 && tlscert_check(path, crt, 1) != 0)
		goto out;
	rc = 0;
out:
	sodium_free(sk);
	return rc;
}

int
hubctl_bundle_hub(struct hubctl *h, struct bundle *b, const char *url)
{
	char path[PATH_MAX];
	uint8_t *pem = NULL;
	size_t pemlen = 0;
	int rc = -1;

	snprintf(b->hub_url, sizeof(b->hub_url), "%s", url);
	if (hubctl_path(h, HUB_BOX_PUB, path, sizeof(path)) != 0 ||
	    keys_load(path, KEYS_BOX_PUBLIC, b->hub_box_pk,
		sizeof(b->hub_box_pk), NULL, 0) != 0)
		goto out;
	if (hubctl_path(h, HUB_SIGN_PUB, path, sizeof(path)) != 0 ||
	    keys_load(path, KEYS_SIGN_PUBLIC, b->hub_sign_pk,
		sizeof(b->hub_sign_pk), NULL, 0) != 0)
		goto out;
	if (hubctl_path(h, HUB_TLS_CERT, path, sizeof(path)) != 0 ||
	    file_read_alloc(path, BUNDLE_CERT_MAX - 1, &pem, &pemlen) != 0)
		goto out;
	if (tlscert_pin((char *)pem, pemlen, b->hub_pin, sizeof(b->hub_pin)) !=
	    0)
		goto out;
	memcpy(b->hub_cert, pem, pemlen + 1);
	if (hub_halves_match(h, b) != 0)
		goto out;
	rc = 0;
out:
	free(pem);
	return rc;
}

static int
url_ok(const char *url)
{
	return url != NULL && strncmp(url, "https://", 8) == 0 &&
	       strlen(url) < BUNDLE_URL_MAX && strpbrk(url, " \t\r\n") == NULL;
}

int
hubctl_enroll_staff(struct hubctl *h, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"url", required_argument, NULL, 'u'},
	    {"out", required_argument, NULL, 'o'},
	    {NULL, 0, NULL, 0},
	};
	struct staff_member m;
	struct bundle *b = NULL;
	const char *url = NULL, *out = NULL;
	char path[PATH_MAX], idhex[33];
	int c, rc = 1, began = 0;

	optind = 0;
	while ((c = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
		if (c == 'u')
			url = optarg;
		else if (c == 'o')
			out = optarg;
		else
			return 2;
	}
	if (optind + 1 != argc || !url_ok(url)) {
		log_err("usage: hubctl enroll-staff NAME --url "
			"https://HOST:PORT [-o FILE]");
		return 2;
	}
	if (!bundle_name_valid(argv[optind])) {
		log_err("staff names are 1-63 of a-z, 0-9 and '-'");
		return 2;
	}
	if (hubctl_open_db(h) != 0)
		return 1;
	b = bundle_new();
	if (b == NULL || hubctl_bundle_hub(h, b, url) != 0)
		goto out;
	memset(&m, 0, sizeof(m));
	snprintf(b->name, sizeof(b->name), "%s", argv[optind]);
	snprintf(m.name, sizeof(m.name), "%s", argv[optind]);
	randombytes_buf(b->device_id, sizeof(b->device_id));
	memcpy(m.staff_id, b->device_id, STAFF_ID_LEN);
	crypto_sign_keypair(m.sign_pk, b->sign_sk);
	m.enrolled_at = db_now_ms();
	if (out == NULL) {
		int n = snprintf(
		    path, sizeof(path), "%s/%s", h->dir, HUB_STAFF_DIR);
		if (n < 0 || (size_t)n >= sizeof(path) ||
		    file_mkdir(path, 0700) != 0)
			goto out;
		n = snprintf(path, sizeof(path), "%s/%s/%s.cred", h->dir,
		    HUB_STAFF_DIR, m.name);
		if (n < 0 || (size_t)n >= sizeof(path))
			goto out;
		out = path;
	}
	/* The row and the credential file exist together or not at all. */
	if (db_begin(h->db) != 0)
		goto out;
	began = 1;
	if (staff_add(h->db, &m) != 0) {
		log_err("a staff credential named %s exists already", m.name);
		goto out;
	}
	if (bundle_save(b, out) != 0)
		goto out;
	if (db_commit(h->db) != 0) {
		unlink(out);
		goto out;
	}
	began = 0;
	envelope_id_hex(idhex, m.staff_id);
	printf("Enrolled staff credential %s (id %s).\n"
	       "Copy %s to the staff machine as STAFF/%s (mode 0600), then\n"
	       "delete it here.\n",
	    m.name, idhex, out, HUB_STAFF_CRED);
	rc = 0;
out:
	if (began)
		db_rollback(h->db);
	bundle_free(b);
	return rc;
}

int
hubctl_revoke_staff(struct hubctl *h, int argc, char **argv)
{
	if (argc != 2) {
		log_err("usage: hubctl revoke-staff NAME");
		return 2;
	}
	if (hubctl_open_db(h) != 0 ||
	    staff_revoke(h->db, argv[1], db_now_ms()) != 0)
		return 1;
	printf("Revoked staff credential %s: hubd refuses its pulls from "
	       "now on.\n",
	    argv[1]);
	return 0;
}

static void
when(int64_t ms, char *out, size_t cap)
{
	if (ms == 0)
		snprintf(out, cap, "-");
	else
		hubctl_iso(ms, out, cap);
}

static int
print_staff(void *arg, const struct staff_member *m)
{
	char en[TIMEFMT_ISO_LEN], last[TIMEFMT_ISO_LEN], rev[TIMEFMT_ISO_LEN];

	(void)arg;
	when(m->enrolled_at, en, sizeof(en));
	when(m->last_request_at, last, sizeof(last));
	when(m->revoked_at, rev, sizeof(rev));
	printf("%-24s enrolled %s  last request %s  %s%s\n", m->name, en, last,
	    m->revoked_at != 0 ? "REVOKED " : "active",
	    m->revoked_at != 0 ? rev : "");
	return 0;
}

int
hubctl_staff_list(struct hubctl *h, int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		log_err("usage: hubctl staff");
		return 2;
	}
	if (hubctl_open_db(h) != 0 || staff_each(h->db, print_staff, NULL) != 0)
		return 1;
	return 0;
}

static int
print_log(void *arg, const struct staff_log_row *r)
{
	char at[TIMEFMT_ISO_LEN];

	(void)arg;
	when(r->at, at, sizeof(at));
	printf("%s  %-24s %-5s %lld\n", at, r->name, r->action,
	    (long long)r->count);
	return 0;
}

int
hubctl_pull_log(struct hubctl *h, int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		log_err("usage: hubctl pull-log");
		return 2;
	}
	if (hubctl_open_db(h) != 0)
		return 1;
	printf("%-24s  %-24s %-5s %s\n", "TIME", "STAFF", "WHAT", "ENVELOPES");
	return staff_log_each(h->db, print_log, NULL) == 0 ? 0 : 1;
}

int
hubctl_queue(struct hubctl *h, int argc, char **argv)
{
	int64_t pending = 0, held = 0;

	(void)argv;
	if (argc != 1) {
		log_err("usage: hubctl queue");
		return 2;
	}
	if (hubctl_open_db(h) != 0 ||
	    handover_counts(h->db, &pending, &held) != 0)
		return 1;
	printf("waiting to be pulled: %lld\n"
	       "pulled, kept until keep_days pass: %lld\n",
	    (long long)pending, (long long)(held - pending));
	return 0;
}
