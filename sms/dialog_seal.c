/* The envelopes the dialog seals: referral, follow-up, withdrawal. */
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "sms/dialog_int.h"
#include "util/log.h"
#include "util/timefmt.h"

/* Serialise j (which this consumes) into locked memory and seal it. */
static int
seal_json(struct msg *m, enum envelope_kind kind, json_t *j)
{
	char *buf = m->d->payload;
	size_t n = 0;
	int rc = -1;

	if (j == NULL) {
		log_err("dialog: cannot build the envelope payload");
		return -1;
	}
	n = json_dumpb(j, buf, DIALOG_PAYLOAD_MAX - 1, JSON_COMPACT);
	if (n == 0 || n >= DIALOG_PAYLOAD_MAX) {
		log_err("dialog: envelope payload too large");
		goto out;
	}
	buf[n] = '\0';
	if (m->d->seal(m->d->seal_ctx, kind, buf, n) != 0) {
		log_err("dialog: sealing the envelope failed");
		goto out;
	}
	m->queued = 1;
	rc = 0;
out:
	json_decref(j);
	/* The payload has the phone number in it. */
	sodium_memzero(
	    buf, n < DIALOG_PAYLOAD_MAX ? n + 1 : DIALOG_PAYLOAD_MAX);
	return rc;
}

static int
iso(int64_t ms, char out[TIMEFMT_ISO_LEN])
{
	if (timefmt_iso(ms, out, TIMEFMT_ISO_LEN) != 0) {
		log_err("dialog: cannot format a time");
		return -1;
	}
	return 0;
}

int
dialog_seal_withdrawal(struct msg *m, const char *ref)
{
	char at[TIMEFMT_ISO_LEN];

	if (iso(m->now, at) != 0)
		return -1;
	return seal_json(m, ENVELOPE_WITHDRAWAL,
	    json_pack("{s:i, s:s, s:s, s:s, s:s}", "schema", 1, "kind",
		"withdrawal", "ref", ref, "channel", "sms", "at", at));
}

int
dialog_seal_followup(struct msg *m, const char *ref)
{
	char at[TIMEFMT_ISO_LEN];

	if (iso(m->now, at) != 0)
		return -1;
	return seal_json(m, ENVELOPE_FOLLOWUP,
	    json_pack("{s:i, s:s, s:s, s:s, s:{s:s}, s:s}", "schema", 1, "kind",
		"followup", "ref", ref, "channel", "sms", "contact", "phone",
		m->in->from, "at", at));
}

static const char *
time_name(int t)
{
	switch (t) {
	case TIME_MORNING:
		return "morning";
	case TIME_AFTERNOON:
		return "afternoon";
	case TIME_EVENING:
		return "evening";
	default:
		return "any";
	}
}

int
dialog_seal_referral(
    struct msg *m, const struct conversation *c, const char *ref)
{
	char given[TIMEFMT_ISO_LEN], created[TIMEFMT_ISO_LEN];
	char sha[2 * sizeof(c->consent_sha256) + 1];
	int call = c->method == METHOD_CALL;

	if (iso(c->consent_at, given) != 0 || iso(m->now, created) != 0)
		return -1;
	sodium_bin2hex(
	    sha, sizeof(sha), c->consent_sha256, sizeof(c->consent_sha256));
	return seal_json(m, ENVELOPE_REFERRAL,
	    json_pack("{s:i, s:s, s:s, s:s, s:s,"
		      " s:{s:i, s:s, s:s},"
		      " s:{s:s, s:s?, s:s, s:s?, s:b},"
		      " s:{s:b, s:b}, s:s}",
		"schema", 1, "kind", "referral", "ref", ref, "channel", "sms",
		"language", m->d->content->sms.lang, "consent",
		"wording_version", c->consent_version, "wording_sha256", sha,
		"given_at", given, "contact", "phone", m->in->from, "name",
		c->has_name ? c->name : NULL, "method", call ? "call" : "text",
		"time", call ? time_name(c->contact_time) : NULL,
		"voicemail_ok", call && c->voicemail_ok == 1, "eligibility",
		"offence_in_london", c->offence_in_london == 1,
		"lives_in_london", c->lives_in_london == 1, "created_at",
		created));
}
