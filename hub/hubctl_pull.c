/*
 * `hubctl pull` on the staff machine: fetch sealed envelopes from hubd
 * over TLS pinned to the hub's key, signed with this machine's staff
 * credential; keep each one once in the staff machine's own database;
 * then acknowledge them, so hubd deletes its copy after keep_days.
 *
 * Page by page: a page is kept in one transaction and acknowledged only
 * after it is committed. A pull that is killed part way leaves pages
 * either kept or not; kept but unacknowledged envelopes come again next
 * time and are recognised by their id, so every envelope is kept once.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "crypto/bundle.h"
#include "crypto/envelope.h"
#include "crypto/sig.h"
#include "hub/hubctl.h"
#include "hub/hubd.h"
#include "hub/staffauth.h"
#include "net/client.h"
#include "store/handover.h"
#include "store/inbox.h"
#include "util/jsonmem.h"
#include "util/log.h"

#define CONNECT_MS 10000
#define TOTAL_MS 120000
#define PAGE_DEFAULT 64
#define PAGE_MAX 256
#define ERR_CODE_MAX 64

struct pull {
	struct hubctl *h;
	struct bundle *b;
	struct client *c;
	uint8_t *resp; /* HUBD_MAX_RESP */
	uint8_t *body; /* STAFFAUTH_BODY_MAX */
	uint8_t *env; /* ENVELOPE_MAX */
	int64_t last_at;
	size_t got, kept, bad;
};

/* The error code of a refusal, for the message. */
static void
error_code(const uint8_t *resp, size_t len, char *out, size_t cap)
{
	json_t *o = json_loadb((const char *)resp, len, 0, NULL);
	const char *e = json_string_value(json_object_get(o, "error"));

	snprintf(out, cap, "%s", e != NULL ? e : "no reason given");
	for (char *p = out; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || *p == '_'))
			*p = '?';
	json_decref(o);
}

/* Sign req (with a fresh "at"), post it, parse the 200 answer. */
static int
call(struct pull *p, const char *path, json_t *req, json_t **answer)
{
	char *text = NULL, code[ERR_CODE_MAX];
	size_t blen = 0, rlen = 0;
	long status = 0;
	int64_t now = db_now_ms();
	int rc = -1;

	*answer = NULL;
	/* hubd accepts each credential's times only going forward. */
	p->last_at = now > p->last_at ? now : p->last_at + 1;
	if (json_object_set_new(req, "at", json_integer(p->last_at)) != 0)
		goto out;
	text = json_dumps(req, JSON_COMPACT);
	if (text == NULL ||
	    staffauth_sign(p->body, STAFFAUTH_BODY_MAX, &blen, path,
		p->b->device_id, p->b->sign_sk, text, strlen(text)) != 0)
		goto out;
	if (client_post(p->c, path, p->body, blen, "application/octet-stream",
		&status, p->resp, HUBD_MAX_RESP, &rlen) != 0) {
		log_err("cannot reach the hub (see above)");
		goto out;
	}
	if (status != 200) {
		error_code(p->resp, rlen, code, sizeof(code));
		if (status == 403)
			log_err("the hub refused this staff credential (%s): "
				"revoked, not enrolled there, or the clock "
				"is more than 5 minutes out",
			    code);
		else
			log_err("the hub answered %ld (%s)", status, code);
		goto out;
	}
	*answer = json_loadb((const char *)p->resp, rlen, 0, NULL);
	if (!json_is_object(*answer)) {
		log_err("the hub's answer is not understood");
		json_decref(*answer);
		*answer = NULL;
		goto out;
	}
	rc = 0;
out:
	jsonmem_free(text);
	return rc;
}

static int
unhex(const char *s, uint8_t out[ENVELOPE_ID_LEN])
{
	size_t got = 0;

	return s != NULL &&
		       sodium_hex2bin(out, ENVELOPE_ID_LEN, s, strlen(s), NULL,
			   &got, NULL) == 0 &&
		       got == ENVELOPE_ID_LEN
		   ? 0
		   : -1;
}

static int
unb64(const char *s, uint8_t *out, size_t cap, size_t *len)
{
	return s != NULL && sodium_base642bin(out, cap, s, strlen(s), NULL, len,
				NULL, sodium_base64_VARIANT_ORIGINAL) == 0
		   ? 0
		   : -1;
}

static int
keep_device(struct pull *p, json_t *o)
{
	struct inbox_device d, known;
	size_t len = 0;

	memset(&d, 0, sizeof(d));
	if (unhex(json_string_value(json_object_get(o, "id")), d.device_id) !=
		0 ||
	    !json_is_string(json_object_get(o, "name")) ||
	    json_string_length(json_object_get(o, "name")) >= sizeof(d.name) ||
	    unb64(json_string_value(json_object_get(o, "sign_pk")), d.sign_pk,
		sizeof(d.sign_pk), &len) != 0 ||
	    len != sizeof(d.sign_pk)) {
		log_err("the hub sent a device not understood");
		return -1;
	}
	snprintf(d.name, sizeof(d.name), "%s",
	    json_string_value(json_object_get(o, "name")));
	d.enrolled_at = json_integer_value(json_object_get(o, "enrolled_at"));
	d.revoked_at = json_integer_value(json_object_get(o, "revoked_at"));
	/* Staff can check each new device was enrolled on purpose: a
	 * server broken into could list one of its own. */
	if (inbox_device_get(p->h->db, d.device_id, &known) == 1)
		log_warn("first envelopes from device %s: check it is one "
			 "the hub enrolled (hubctl -d SERVER devices)",
		    d.name);
	return handover_device(p->h->db, &d);
}

/* One envelope of a page: checked as a device's and the hub's, kept.
 * 0 kept (or already here), 1 refused (left on the hub), -1 error. */
static int
keep_envelope(struct pull *p, json_t *o, uint8_t id[ENVELOPE_ID_LEN])
{
	struct inbox_device dev;
	struct envelope_hdr hdr;
	uint8_t receipt[SIG_RECEIPT_LEN], claimed[ENVELOPE_ID_LEN];
	json_t *at = json_object_get(o, "received_at");
	size_t len = 0, rlen = 0;
	char idhex[2 * ENVELOPE_ID_LEN + 1];
	int r;

	if (unhex(json_string_value(json_object_get(o, "id")), id) != 0 ||
	    !json_is_integer(at) ||
	    unb64(json_string_value(json_object_get(o, "envelope")), p->env,
		ENVELOPE_MAX, &len) != 0 ||
	    unb64(json_string_value(json_object_get(o, "receipt")), receipt,
		sizeof(receipt), &rlen) != 0 ||
	    rlen != sizeof(receipt)) {
		log_err("the hub sent an envelope not understood");
		return -1;
	}
	envelope_id_hex(idhex, id);
	if (envelope_claimed_device(claimed, p->env, len) != 0 ||
	    inbox_device_get(p->h->db, claimed, &dev) != 0 ||
	    envelope_verify(&hdr, p->env, len, dev.sign_pk) != 0 ||
	    sodium_memcmp(hdr.envelope_id, id, ENVELOPE_ID_LEN) != 0) {
		log_err("envelope %s: not signed by a device the hub listed; "
			"left on the hub",
		    idhex);
		return 1;
	}
	/* The hub's own receipt: the time received is the hub's word. */
	if (sig_receipt_verify(receipt, id, (uint64_t)json_integer_value(at),
		p->b->hub_sign_pk) != 0) {
		log_err("envelope %s: the hub's receipt does not verify; left "
			"on the hub",
		    idhex);
		return 1;
	}
	r = handover_keep(
	    p->h->db, &hdr, p->env, len, json_integer_value(at), receipt);
	if (r == INBOX_NEW)
		p->kept++;
	if (r == INBOX_CONFLICT) {
		log_err("envelope %s: a different envelope with this id is "
			"here already; left on the hub",
		    idhex);
		return 1;
	}
	return r < 0 ? -1 : 0;
}

/* Keep one page in one transaction; ids gets what may be acknowledged. */
static int
keep_page(struct pull *p, json_t *page, json_t *ids)
{
	json_t *devs = json_object_get(page, "devices");
	json_t *envs = json_object_get(page, "envelopes"), *v;
	uint8_t id[ENVELOPE_ID_LEN];
	char idhex[2 * ENVELOPE_ID_LEN + 1];
	size_t i;
	int r;

	if (!json_is_array(devs) || !json_is_array(envs)) {
		log_err("the hub's page is not understood");
		return -1;
	}
	if (db_begin(p->h->db) != 0)
		return -1;
	json_array_foreach(devs, i, v) if (keep_device(p, v) != 0) goto fail;
	json_array_foreach(envs, i, v)
	{
		r = keep_envelope(p, v, id);
		if (r < 0)
			goto fail;
		p->got++;
		if (r > 0) {
			p->bad++;
			continue;
		}
		envelope_id_hex(idhex, id);
		if (json_array_append_new(ids, json_string(idhex)) != 0)
			goto fail;
	}
	if (db_commit(p->h->db) != 0)
		goto fail;
	return 0;
fail:
	db_rollback(p->h->db);
	return -1;
}

static int
pull_pages(struct pull *p, long page_size)
{
	json_t *req = NULL, *page = NULL, *ids = NULL, *ack = NULL;
	int more = 1, rc = -1;
	size_t n = 0;

	while (more) {
		req = json_pack("{s:I}", "max", (json_int_t)page_size);
		ids = json_array();
		if (req == NULL || ids == NULL ||
		    call(p, "/v1/staff/pull", req, &page) != 0 ||
		    keep_page(p, page, ids) != 0)
			goto out;
		more = json_is_true(json_object_get(page, "more"));
		log_info("page %zu: %zu envelope(s) kept", ++n,
		    json_array_size(ids));
		if (json_array_size(ids) > 0) {
			json_decref(req);
			req = json_pack("{s:O}", "ids", ids);
			if (req == NULL ||
			    call(p, "/v1/staff/ack", req, &ack) != 0)
				goto out;
			json_decref(ack);
			ack = NULL;
		}
		/* Something refused stays first in the hub's queue: asking
		 * again would only get the same page. */
		if (p->bad > 0)
			more = 0;
		json_decref(req);
		json_decref(page);
		json_decref(ids);
		req = page = ids = NULL;
	}
	rc = 0;
out:
	json_decref(req);
	json_decref(page);
	json_decref(ids);
	json_decref(ack);
	return rc;
}

int
hubctl_pull(struct hubctl *h, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"from", required_argument, NULL, 'f'},
	    {"credential", required_argument, NULL, 'c'},
	    {"passphrase-file", required_argument, NULL, 'p'},
	    {"no-open", no_argument, NULL, 'n'},
	    {"page-size", required_argument, NULL, 's'},
	    {NULL, 0, NULL, 0},
	};
	struct pull p;
	const char *from = NULL, *cred = NULL;
	char path[PATH_MAX], credpath[PATH_MAX];
	long page_size = PAGE_DEFAULT;
	int c, no_open = 0, rc = 1;

	memset(&p, 0, sizeof(p));
	p.h = h;
	optind = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 'f':
			from = optarg;
			break;
		case 'c':
			cred = optarg;
			break;
		case 'p':
			h->passfile = optarg;
			break;
		case 'n':
			no_open = 1;
			break;
		case 's':
			page_size = strtol(optarg, &end, 10);
			if (*end != '\0' || page_size < 1 ||
			    page_size > PAGE_MAX) {
				log_err("--page-size 1..%d", PAGE_MAX);
				return 2;
			}
			break;
		default:
			return 2;
		}
	}
	if (optind != argc) {
		log_err("usage: hubctl -d STAFF pull [--from https://HUB:PORT] "
			"[--credential FILE] [--no-open]");
		return 2;
	}
	if (hubctl_path(h, HUB_BOX_KEY, path, sizeof(path)) != 0)
		return 1;
	if (access(path, F_OK) != 0) {
		log_err("%s is not a staff folder (no %s): pull into the "
			"folder made by init --staff-dir or import-staff-keys",
		    h->dir, HUB_BOX_KEY);
		return 2;
	}
	if (cred == NULL) {
		if (hubctl_path(
			h, HUB_STAFF_CRED, credpath, sizeof(credpath)) != 0)
			return 1;
		cred = credpath;
	}
	if (hubctl_open_db(h) != 0)
		return 1;
	p.b = bundle_load(cred);
	if (p.b == NULL)
		return 1;
	p.resp = malloc(HUBD_MAX_RESP);
	p.body = malloc(STAFFAUTH_BODY_MAX);
	p.env = malloc(ENVELOPE_MAX);
	if (p.resp == NULL || p.body == NULL || p.env == NULL) {
		log_err("out of memory");
		goto out;
	}
	p.c = client_new_pem(from != NULL ? from : p.b->hub_url, p.b->hub_cert,
	    p.b->hub_pin, CONNECT_MS, TOTAL_MS);
	if (p.c == NULL)
		goto out;
	if (pull_pages(&p, page_size) != 0)
		goto out;
	printf("Pulled %zu envelope(s): %zu new, %zu already here%s.\n",
	    p.got - p.bad, p.kept, p.got - p.bad - p.kept,
	    p.bad > 0 ? "; some refused and left on the hub (see above)" : "");
	/* Opening routes each referral to its spoke and applies
	 * withdrawals; it needs the passphrase. */
	if (!no_open && hubctl_ingest(h) != 0)
		goto out;
	rc = p.bad > 0 ? 1 : 0;
out:
	client_free(p.c);
	bundle_free(p.b);
	free(p.resp);
	free(p.body);
	free(p.env);
	return rc;
}
