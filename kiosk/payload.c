#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "kiosk/answers.h"
#include "kiosk/payload.h"
#include "util/log.h"
#include "util/timefmt.h"

/* Set key to a copy of s, unless s is empty. */
static int
put_text(json_t *o, const char *key, const char *s)
{
	if (s[0] == '\0')
		return 0;
	return json_object_set_new(o, key, json_string(s));
}

static int
put_bool(json_t *o, const char *key, int v)
{
	return json_object_set_new(o, key, json_boolean(v));
}

static json_t *
contact(const struct answers *a)
{
	static const struct {
		const char *flag, *name;
	} methods[] = {{"m_call", "call"}, {"m_text", "text"},
	    {"m_email", "email"}, {"m_post", "post"},
	    {"m_worker", "support_worker"}};
	static const struct {
		const char *flag, *name;
	} times[] = {{"t_morning", "morning"}, {"t_afternoon", "afternoon"},
	    {"t_evening", "evening"}};
	json_t *c = json_object(), *m = json_array(), *t = json_array();
	char phone[ANS_PHONE];
	int bad = c == NULL || m == NULL || t == NULL;

	for (size_t i = 0; !bad && i < sizeof(methods) / sizeof(methods[0]);
	     i++)
		if (answers_yes(answers_get(a, answers_field(methods[i].flag))))
			bad |= json_array_append_new(
			    m, json_string(methods[i].name));
	for (size_t i = 0; !bad && i < sizeof(times) / sizeof(times[0]); i++)
		if (answers_yes(answers_get(a, answers_field(times[i].flag))))
			bad |= json_array_append_new(
			    t, json_string(times[i].name));
	if (bad)
		goto fail;
	/* "method" and "time" as smsd sends them, so lists and exports
	 * read both channels alike. */
	bad |= json_array_size(m) > 0 &&
	       json_object_set(c, "method", json_array_get(m, 0));
	bad |= json_object_set(c, "methods", m);
	bad |= json_object_set_new(c, "time",
	    json_array_size(t) == 1 ? json_copy(json_array_get(t, 0))
				    : json_string("any"));
	bad |= json_object_set(c, "times", t);
	bad |= put_text(c, "name", a->name);
	if (a->phone[0] != '\0' &&
	    answers_phone_e164(a->phone, phone, sizeof(phone)) == 0)
		bad |= put_text(c, "phone", phone);
	bad |= put_text(c, "email", a->email);
	bad |= put_text(c, "address", a->address);
	bad |= put_text(c, "postcode", a->postcode);
	if (answers_yes(a->m_worker)) {
		json_t *w = json_object();
		bad |= w == NULL || json_object_set_new(c, "support_worker", w);
		if (w != NULL) {
			bad |= put_text(w, "name", a->worker_name);
			bad |= put_text(w, "organisation", a->worker_org);
			bad |= put_text(w, "contact", a->worker_contact);
		}
	}
	/* Unanswered is "no": nobody leaves a message or names the service
	 * unless the person said it is safe. */
	bad |= put_bool(c, "voicemail_ok", answers_yes(a->voicemail));
	bad |= put_bool(c, "may_say_service", answers_yes(a->say_who));
	json_decref(m);
	json_decref(t);
	sodium_memzero(phone, sizeof(phone));
	if (bad) {
		json_decref(c);
		return NULL;
	}
	return c;
fail:
	json_decref(c);
	json_decref(m);
	json_decref(t);
	return NULL;
}

static json_t *
details(const struct answers *a)
{
	json_t *d = json_object();
	int bad = d == NULL;

	if (bad)
		return NULL;
	bad |= put_text(d, "crime", a->crime);
	bad |= put_text(d, "when", a->when);
	bad |= put_text(d, "reported", a->reported);
	bad |= put_text(d, "crime_reference", a->crime_ref);
	bad |= put_text(d, "stage", a->stage);
	if (bad) {
		json_decref(d);
		return NULL;
	}
	return d;
}

static json_t *
access_needs(const struct answers *a)
{
	json_t *n = json_object();
	int bad = n == NULL;

	if (bad)
		return NULL;
	bad |= put_bool(n, "interpreter", answers_yes(a->interpreter));
	bad |= put_text(n, "interpreter_language", a->interpreter_lang);
	bad |= put_text(n, "disability", a->disability);
	bad |= put_text(n, "other", a->other_needs);
	if (bad) {
		json_decref(n);
		return NULL;
	}
	return n;
}

int
payload_referral(char *out, size_t cap, size_t *len, const struct answers *a,
    const struct payload_info *pi)
{
	char given[TIMEFMT_ISO_LEN], created[TIMEFMT_ISO_LEN];
	json_t *o = NULL, *c, *d, *n;
	size_t w;
	int rc = -1;

	*len = 0;
	if (timefmt_iso(pi->consent_at_ms, given, sizeof(given)) != 0 ||
	    timefmt_iso(pi->now_ms, created, sizeof(created)) != 0)
		goto out;
	/* Each part built first: a part that fails fails the referral,
	 * never a "null" sealed in its place. */
	c = contact(a);
	d = details(a);
	n = access_needs(a);
	if (c == NULL || d == NULL || n == NULL) {
		json_decref(c);
		json_decref(d);
		json_decref(n);
		goto out;
	}
	o = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:b,"
		      " s:{s:i, s:s, s:s},"
		      " s:o, s:{s:b, s:b, s:s}, s:o, s:o, s:b, s:s}",
	    "schema", 1, "kind", "referral", "ref", pi->ref, "channel", "kiosk",
	    "venue", pi->venue_code, "language", pi->language, "easy_read",
	    pi->easy_read, "consent", "wording_version", pi->consent_version,
	    "wording_sha256", pi->consent_sha256, "given_at", given, "contact",
	    c, "eligibility", "offence_in_london",
	    strcmp(a->happened, "yes") == 0, "lives_in_london",
	    answers_yes(a->lives), "offence_place",
	    a->happened[0] ? a->happened : "unanswered", "details", d,
	    "access_needs", n, "risk_assessment",
	    answers_needs_risk_assessment(a), "created_at", created);
	if (o == NULL)
		goto out;
	if (a->borough[0] != '\0' &&
	    json_object_set_new(o, "borough", json_string(a->borough)) != 0)
		goto out;
	w = json_dumpb(o, out, cap - 1, JSON_COMPACT | JSON_SORT_KEYS);
	if (w == 0 || w >= cap) {
		log_err("payload: referral too large");
		goto out;
	}
	out[w] = '\0';
	*len = w;
	rc = 0;
out:
	if (rc != 0 && o == NULL)
		log_err("payload: cannot build the referral");
	json_decref(o);
	return rc;
}
