/*
 * Opening envelopes into the index ("ingest"): the first staff command
 * after envelopes arrived (in the hub folder, or on the staff machine
 * after `hubctl pull`) opens each one once and records the reference,
 * channel, spoke, the few categories reports count, and any withdrawal.
 * The personal data stays sealed and is decrypted only for show and
 * export.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "crypto/envelope.h"
#include "crypto/refcode.h"
#include "hub/hubctl.h"
#include "store/cases.h"
#include "store/inbox.h"
#include "store/referrals.h"
#include "util/log.h"
#include "util/timefmt.h"

/* Decrypt one stored envelope into a locked buffer; 1 if deleted. */
int
hubctl_open_payload(struct hubctl *h, const uint8_t id[ENVELOPE_ID_LEN],
    uint8_t *out, size_t cap, size_t *len, struct envelope_hdr *hdr)
{
	struct inbox_device dev;
	uint8_t *env = NULL, device_id[ENVELOPE_ID_LEN];
	size_t elen = 0;
	int rc;

	rc = referrals_envelope(h->db, id, &env, &elen, device_id);
	if (rc != 0)
		return rc;
	rc = -1;
	if (inbox_device_get(h->db, device_id, &dev) != 0) {
		log_err("envelope from an unknown device");
		goto out;
	}
	/* cap - 1 leaves room for the NUL that Jansson's parser wants. */
	if (envelope_open(out, cap - 1, len, hdr, env, elen, dev.sign_pk,
		h->box_pk, h->box_sk) != 0)
		goto out;
	out[*len] = '\0';
	rc = 0;
out:
	free(env);
	return rc;
}

static const char *
kind_name(int kind)
{
	switch (kind) {
	case ENVELOPE_REFERRAL:
		return "referral";
	case ENVELOPE_WITHDRAWAL:
		return "withdrawal";
	case ENVELOPE_FOLLOWUP:
		return "followup";
	}
	return "?";
}

/* A short lower-case token from the payload, or the fallback. */
static int
token(json_t *o, const char *key, char *out, size_t cap, const char *fallback)
{
	json_t *v = json_object_get(o, key);
	const char *s;

	if (v == NULL || json_is_null(v)) {
		if (fallback == NULL)
			return -1;
		snprintf(out, cap, "%s", fallback);
		return 0;
	}
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) >= cap)
		return -1;
	s = json_string_value(v);
	for (size_t i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '-' ||
			(s[i] >= 'A' && s[i] <= 'Z')))
			return -1;
	snprintf(out, cap, "%s", s);
	return 0;
}

/* A category from the payload (a venue code, a borough id, a kind of
 * crime), or "" when it is missing or not a plain id. */
static void
category(json_t *v, char *out, size_t cap)
{
	const char *s = json_string_value(v);
	size_t i;

	out[0] = '\0';
	if (s == NULL || json_string_length(v) >= cap)
		return;
	for (i = 0; s[i] != '\0'; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return;
	snprintf(out, cap, "%s", s);
}

/* What reports count and the risk rule needs; SMS referrals carry none
 * of these. */
static void
categories(json_t *o, struct referrals_row *row)
{
	json_t *d = json_object_get(o, "details");

	category(json_object_get(o, "venue"), row->venue, sizeof(row->venue));
	category(
	    json_object_get(o, "borough"), row->borough, sizeof(row->borough));
	category(json_object_get(d, "crime"), row->crime, sizeof(row->crime));
	category(json_object_get(d, "stage"), row->stage, sizeof(row->stage));
	row->risk = json_is_true(json_object_get(o, "risk_assessment"));
}

struct pending {
	uint8_t id[ENVELOPE_ID_LEN];
	int64_t received_at;
};

struct pending_list {
	struct pending *v;
	size_t n, cap;
};

static int
collect(void *arg, const struct referrals_sealed *e)
{
	struct pending_list *l = arg;

	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 64;
		struct pending *nv = realloc(l->v, ncap * sizeof(*nv));
		if (nv == NULL) {
			log_err("out of memory");
			return -1;
		}
		l->v = nv;
		l->cap = ncap;
	}
	memcpy(l->v[l->n].id, e->envelope_id, ENVELOPE_ID_LEN);
	l->v[l->n].received_at = e->received_at;
	l->n++;
	return 0;
}

/*
 * A referral whose reference is already in use (a device sent it again,
 * e.g. a re-sent demo envelope). It is kept beside that referral as a
 * follow-up, so show and export still carry it and a withdrawal deletes
 * it too; the case history records it, and it is reported here once
 * rather than failing again at every command.
 */
static int
keep_duplicate(struct hubctl *h, const struct pending *p, const char *ref,
    const char *idhex)
{
	char detail[96];

	snprintf(detail, sizeof(detail),
	    "a second referral envelope (%s) came with this reference", idhex);
	if (referrals_add_followup(h->db, p->id, ref, p->received_at) != 0 ||
	    cases_event_add(
		h->db, ref, p->received_at, "hubctl", "duplicate", detail) != 0)
		return -1;
	log_warn("envelope %s: reference %s is already in use; kept with "
		 "that referral (see hubctl show and history)",
	    idhex, ref);
	return 0;
}

static int
index_one(struct hubctl *h, const struct pending *p, uint8_t *plain)
{
	struct envelope_hdr hdr;
	struct referrals_row row, prev;
	json_t *o = NULL;
	char ref[REFCODE_BUFLEN], kind[16], idhex[33];
	size_t len = 0;
	int rc = -1, began = 0, k;

	envelope_id_hex(idhex, p->id);
	if (hubctl_open_payload(
		h, p->id, plain, ENVELOPE_PAYLOAD_MAX + 1, &len, &hdr) != 0)
		goto out;
	o = json_loadb((const char *)plain, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(o) ||
	    json_integer_value(json_object_get(o, "schema")) != 1 ||
	    token(o, "kind", kind, sizeof(kind), NULL) != 0 ||
	    strcmp(kind, kind_name(hdr.kind)) != 0 ||
	    !json_is_string(json_object_get(o, "ref")) ||
	    refcode_parse(ref, sizeof(ref),
		json_string_value(json_object_get(o, "ref"))) != 0) {
		log_err("envelope %s: payload not understood; left unopened",
		    idhex);
		goto out;
	}
	if (db_begin(h->db) != 0)
		goto out;
	began = 1;
	if (hdr.kind == ENVELOPE_REFERRAL) {
		json_t *b = json_object_get(o, "borough");
		memset(&row, 0, sizeof(row));
		memcpy(row.ref, ref, sizeof(ref));
		memcpy(row.envelope_id, p->id, ENVELOPE_ID_LEN);
		if (token(o, "channel", row.channel, sizeof(row.channel),
			NULL) != 0 ||
		    token(o, "language", row.language, sizeof(row.language),
			"en") != 0) {
			log_err("envelope %s: bad channel or language", idhex);
			goto out;
		}
		snprintf(row.spoke, sizeof(row.spoke), "%s",
		    routing_spoke_for(&h->routing,
			json_is_string(b) ? json_string_value(b) : NULL));
		categories(o, &row);
		row.received_at = p->received_at;
		k = referrals_get(h->db, ref, &prev);
		if (k < 0)
			goto out;
		if (k == 0) {
			if (keep_duplicate(h, p, ref, idhex) != 0)
				goto out;
		} else if (referrals_add(h->db, &row) != 0) {
			goto out;
		}
	} else if (hdr.kind == ENVELOPE_WITHDRAWAL) {
		if (referrals_withdraw(h->db, ref, p->received_at, "device") !=
		    0)
			goto out;
	} else if (referrals_add_followup(h->db, p->id, ref, p->received_at) !=
		   0) {
		goto out;
	}
	if (referrals_mark_opened(h->db, p->id) != 0 || db_commit(h->db) != 0)
		goto out;
	began = 0;
	rc = 0;
out:
	if (began)
		db_rollback(h->db);
	json_decref(o);
	sodium_memzero(plain, ENVELOPE_PAYLOAD_MAX + 1);
	return rc;
}

/* Open whatever arrived since the last run. Asks for the passphrase only
 * when there is something to open. */
int
hubctl_ingest(struct hubctl *h)
{
	struct pending_list l = {NULL, 0, 0};
	uint8_t *plain = NULL;
	int64_t n = 0;
	size_t failed = 0;
	int rc = -1;

	if (hubctl_open_db(h) != 0 || referrals_count_unopened(h->db, &n) != 0)
		return -1;
	if (n == 0)
		return 0;
	if (hubctl_unlock(h) != 0)
		return -1;
	if (referrals_each_unopened(h->db, collect, &l) != 0)
		goto out;
	plain = sodium_malloc(ENVELOPE_PAYLOAD_MAX + 1);
	if (plain == NULL) {
		log_err("out of locked memory");
		goto out;
	}
	for (size_t i = 0; i < l.n; i++)
		if (index_one(h, &l.v[i], plain) != 0)
			failed++;
	if (failed > 0)
		log_warn("%zu envelope(s) could not be opened; they are kept",
		    failed);
	rc = 0;
out:
	sodium_free(plain);
	free(l.v);
	return rc;
}

int
hubctl_find_ref(struct hubctl *h, const char *arg, struct referrals_row *row)
{
	char ref[REFCODE_BUFLEN];
	int rc;

	if (refcode_parse(ref, sizeof(ref), arg) != 0) {
		log_err("not a valid reference code (check each character)");
		return -1;
	}
	rc = referrals_get(h->db, ref, row);
	if (rc == 1)
		log_err("no referral with reference %s", ref);
	return rc == 0 ? 0 : -1;
}

void
hubctl_iso(int64_t ms, char *out, size_t cap)
{
	if (timefmt_iso(ms, out, cap) != 0)
		snprintf(out, cap, "?");
}
