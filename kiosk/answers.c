#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "kiosk/answers.h"
#include "util/log.h"
#include "util/utf8.h"

static const char *const yes_no[] = {"yes", "no", NULL};
static const char *const yes_only[] = {"yes", NULL};
static const char *const place[] = {"yes", "no", "unsure", NULL};
static const char *const crimes[] = {"violence", "robbery", "burglary", "theft",
    "criminal_damage", "fraud", "domestic_abuse", "sexual_violence", "stalking",
    "hate_crime", "road", "other", "rather_not_say", NULL};
static const char *const whens[] = {
    "month", "year", "years", "long_ago", "rather_not_say", NULL};
static const char *const boroughs[] = {"barking-and-dagenham", "barnet",
    "bexley", "brent", "bromley", "camden", "city-of-london", "croydon",
    "ealing", "enfield", "greenwich", "hackney", "hammersmith-and-fulham",
    "haringey", "harrow", "havering", "hillingdon", "hounslow", "islington",
    "kensington-and-chelsea", "kingston-upon-thames", "lambeth", "lewisham",
    "merton", "newham", "redbridge", "richmond-upon-thames", "southwark",
    "sutton", "tower-hamlets", "waltham-forest", "wandsworth", "westminster",
    "outside-london", "rather_not_say", NULL};
static const char *const reporteds[] = {"yes", "no", "rather_not_say", NULL};
static const char *const stages[] = {
    "not_reported", "investigation", "court", "sentenced", "unsure", NULL};
/* Kinds that the hub must assess for risk before anyone makes contact. */
static const char *const risk_crimes[] = {
    "domestic_abuse", "sexual_violence", "stalking", "hate_crime", NULL};

#define F(n, p, k, v)                                                          \
	{                                                                      \
#n, p, k, v, offsetof(struct answers, n),                      \
		    sizeof(((struct answers *)0)->n)                           \
	}

const struct ans_field ans_fields[] = {
    F(happened, ANS_ELIGIBLE, ANS_ONEOF, place),
    F(lives, ANS_ELIGIBLE, ANS_ONEOF, yes_no),
    F(agree, ANS_CONSENT, ANS_FLAG, yes_only),
    F(name, ANS_CONTACT, ANS_TEXT, NULL),
    F(m_call, ANS_CONTACT, ANS_FLAG, yes_only),
    F(m_text, ANS_CONTACT, ANS_FLAG, yes_only),
    F(m_email, ANS_CONTACT, ANS_FLAG, yes_only),
    F(m_post, ANS_CONTACT, ANS_FLAG, yes_only),
    F(m_worker, ANS_CONTACT, ANS_FLAG, yes_only),
    F(phone, ANS_CONTACT, ANS_TEXT, NULL),
    F(email, ANS_CONTACT, ANS_TEXT, NULL),
    F(address, ANS_CONTACT, ANS_LINES, NULL),
    F(postcode, ANS_CONTACT, ANS_TEXT, NULL),
    F(worker_name, ANS_CONTACT, ANS_TEXT, NULL),
    F(worker_org, ANS_CONTACT, ANS_TEXT, NULL),
    F(worker_contact, ANS_CONTACT, ANS_TEXT, NULL),
    F(t_morning, ANS_CONTACT, ANS_FLAG, yes_only),
    F(t_afternoon, ANS_CONTACT, ANS_FLAG, yes_only),
    F(t_evening, ANS_CONTACT, ANS_FLAG, yes_only),
    F(voicemail, ANS_CONTACT, ANS_ONEOF, yes_no),
    F(say_who, ANS_CONTACT, ANS_ONEOF, yes_no),
    F(crime, ANS_DETAILS, ANS_ONEOF, crimes),
    F(when, ANS_DETAILS, ANS_ONEOF, whens),
    F(borough, ANS_DETAILS, ANS_ONEOF, boroughs),
    F(reported, ANS_DETAILS, ANS_ONEOF, reporteds),
    F(crime_ref, ANS_DETAILS, ANS_TEXT, NULL),
    F(stage, ANS_DETAILS, ANS_ONEOF, stages),
    F(interpreter, ANS_DETAILS, ANS_FLAG, yes_only),
    F(interpreter_lang, ANS_DETAILS, ANS_TEXT, NULL),
    F(disability, ANS_DETAILS, ANS_LINES, NULL),
    F(other_needs, ANS_DETAILS, ANS_LINES, NULL),
};
const size_t ans_nfields = sizeof(ans_fields) / sizeof(ans_fields[0]);
#undef F

const struct ans_field *
answers_field(const char *name)
{
	for (size_t i = 0; i < ans_nfields; i++)
		if (strcmp(ans_fields[i].name, name) == 0)
			return &ans_fields[i];
	return NULL;
}

const char *
answers_get(const struct answers *a, const struct ans_field *f)
{
	return (const char *)a + f->off;
}

static char *
slot(struct answers *a, const struct ans_field *f)
{
	return (char *)a + f->off;
}

int
answers_yes(const char *v)
{
	return v != NULL && strcmp(v, "yes") == 0;
}

static int
one_of(const char *const *values, const char *v)
{
	for (; *values != NULL; values++)
		if (strcmp(*values, v) == 0)
			return 1;
	return 0;
}

static void
add_error(struct ans_errors *errs, const struct ans_field *f, const char *key)
{
	struct ans_error *e;

	if (errs->n == ANS_ERRORS_MAX)
		return;
	e = &errs->e[errs->n++];
	/* The id of the input an error links to: text inputs are named
	 * after the field, a choice's first input is FIELD-VALUE. */
	if (f->kind == ANS_ONEOF || f->kind == ANS_FLAG)
		snprintf(
		    e->field, sizeof(e->field), "%s-%s", f->name, f->values[0]);
	else
		snprintf(e->field, sizeof(e->field), "%s", f->name);
	e->name = f->name;
	e->key = key;
}

/*
 * Typed text: UTF-8, no control characters but line ends in a multi-line
 * field (CR LF becomes LF), spaces trimmed at both ends. With out NULL
 * it only checks.
 */
static int
clean_text(const struct ans_field *f, const char *in, char *out, int *toolong)
{
	size_t len = strlen(in), o = 0;

	*toolong = 0;
	if (!utf8_valid(in, len))
		return -1;
	while (len > 0 &&
	       (*in == ' ' || *in == '\t' || *in == '\r' || *in == '\n')) {
		in++;
		len--;
	}
	while (len > 0 && (in[len - 1] == ' ' || in[len - 1] == '\t' ||
			      in[len - 1] == '\r' || in[len - 1] == '\n'))
		len--;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == '\r' && i + 1 < len && in[i + 1] == '\n')
			continue;
		if (c == '\n' && f->kind == ANS_LINES)
			;
		else if (c < 0x20 || c == 0x7f)
			return -1;
		if (o + 1 >= f->cap) {
			/* Kept empty, with an error the visitor can fix. */
			*toolong = 1;
			o = 0;
			break;
		}
		if (out != NULL)
			out[o] = (char)c;
		o++;
	}
	if (out != NULL)
		out[o] = '\0';
	return 0;
}

static int phone_form(char *d, size_t n, int plus, char *out, size_t cap);

int
answers_phone_e164(const char *in, char *out, size_t cap)
{
	char d[24];
	size_t n = 0;
	int plus = 0, rc;

	for (const char *p = in; *p != '\0'; p++) {
		if (*p == ' ' || *p == '-' || *p == '(' || *p == ')')
			continue;
		if (*p == '+' && n == 0 && !plus) {
			plus = 1;
			continue;
		}
		if (!isdigit((unsigned char)*p) || n + 1 >= sizeof(d)) {
			sodium_memzero(d, sizeof(d));
			return -1;
		}
		d[n++] = *p;
	}
	d[n] = '\0';
	rc = phone_form(d, n, plus, out, cap);
	sodium_memzero(d, sizeof(d));
	return rc;
}

/* The digits of a number as typed, to +<digits>; -1 if not a number. */
static int
phone_form(char *d, size_t n, int plus, char *out, size_t cap)
{
	if (!plus && n >= 2 && d[0] == '0' && d[1] == '0') {
		/* 00 is the international prefix from the UK. */
		memmove(d, d + 2, n - 1);
		n -= 2;
		plus = 1;
	}
	if (!plus) {
		/* A UK national number: 0 then 9 or 10 digits. */
		if (d[0] != '0' || n < 10 || n > 11 || d[1] == '0')
			return -1;
		return snprintf(out, cap, "+44%s", d + 1) >= (int)cap ? -1 : 0;
	}
	if (n < 8 || n > 15 || d[0] == '0')
		return -1;
	if (strncmp(d, "44", 2) == 0 && (n < 11 || n > 12 || d[2] == '0'))
		return -1;
	return snprintf(out, cap, "+%s", d) >= (int)cap ? -1 : 0;
}

static int
email_ok(const char *e)
{
	const char *at = strchr(e, '@'), *dot;

	if (at == NULL || at == e || strchr(at + 1, '@') != NULL)
		return 0;
	for (const char *p = e; *p != '\0'; p++)
		if (*p == ' ' || *p == ',' || *p == '<' || *p == '>')
			return 0;
	dot = strrchr(at, '.');
	return dot != NULL && dot > at + 1 && dot[1] != '\0';
}

/* A UK postcode, any case, with or without its space. */
static int
postcode_ok(const char *p)
{
	char c[9];
	size_t n = 0;

	for (; *p != '\0'; p++) {
		if (*p == ' ')
			continue;
		if (!isalnum((unsigned char)*p) || n + 1 >= sizeof(c))
			return 0;
		c[n++] = (char)toupper((unsigned char)*p);
	}
	c[n] = '\0';
	if (n < 5 || n > 7)
		return 0;
	/* Inward code: digit, letter, letter. */
	if (!isdigit((unsigned char)c[n - 3]) ||
	    !isalpha((unsigned char)c[n - 2]) ||
	    !isalpha((unsigned char)c[n - 1]))
		return 0;
	/* Outward code: a letter or two, then a digit, then maybe one more. */
	if (!isalpha((unsigned char)c[0]))
		return 0;
	for (size_t i = 1; i < n - 3; i++)
		if (!isalnum((unsigned char)c[i]))
			return 0;
	return isdigit((unsigned char)c[1]) ||
	       (n - 3 >= 3 && isdigit((unsigned char)c[2]));
}

int
answers_needs_risk_assessment(const struct answers *a)
{
	return a->crime[0] != '\0' && one_of(risk_crimes, a->crime);
}

int
answers_eligible(const struct answers *a)
{
	return strcmp(a->happened, "yes") == 0 ||
	       strcmp(a->happened, "unsure") == 0 || answers_yes(a->lives);
}

void
answers_check(const struct answers *a, enum ans_page page, struct ans_errors *e)
{
	char tmp[ANS_PHONE];

#define FLD(n) answers_field(#n)
	switch (page) {
	case ANS_ELIGIBLE:
		if (a->happened[0] == '\0')
			add_error(e, FLD(happened), "err_happened_required");
		if (strcmp(a->happened, "yes") != 0 && a->lives[0] == '\0')
			add_error(e, FLD(lives), "err_lives_required");
		break;
	case ANS_CONSENT:
		if (!answers_yes(a->agree))
			add_error(e, FLD(agree), "err_agree_required");
		break;
	case ANS_CONTACT:
		if (!answers_yes(a->m_call) && !answers_yes(a->m_text) &&
		    !answers_yes(a->m_email) && !answers_yes(a->m_post) &&
		    !answers_yes(a->m_worker))
			add_error(e, FLD(m_call), "err_method_required");
		if (answers_yes(a->m_call) || answers_yes(a->m_text)) {
			if (a->phone[0] == '\0')
				add_error(e, FLD(phone), "err_phone_required");
			else if (answers_phone_e164(
				     a->phone, tmp, sizeof(tmp)) != 0)
				add_error(e, FLD(phone), "err_phone_invalid");
		}
		if (answers_yes(a->m_email)) {
			if (a->email[0] == '\0')
				add_error(e, FLD(email), "err_email_required");
			else if (!email_ok(a->email))
				add_error(e, FLD(email), "err_email_invalid");
		}
		if (answers_yes(a->m_post)) {
			if (a->address[0] == '\0')
				add_error(
				    e, FLD(address), "err_address_required");
			if (!postcode_ok(a->postcode))
				add_error(
				    e, FLD(postcode), "err_postcode_invalid");
		}
		if (answers_yes(a->m_worker) &&
		    (a->worker_name[0] == '\0' || a->worker_contact[0] == '\0'))
			add_error(e,
			    a->worker_name[0] == '\0' ? FLD(worker_name)
						      : FLD(worker_contact),
			    "err_worker_required");
		break;
	case ANS_DETAILS:
		break;
	}
#undef FLD
	sodium_memzero(tmp, sizeof(tmp));
}

int
answers_apply(struct answers *a, enum ans_page page,
    const struct http_form *form, struct ans_errors *errs)
{
	size_t i, k;
	int pass, toolong;

	errs->n = 0;
	/* Every name once, and each one this page's. */
	for (i = 0; i < form->npairs; i++) {
		const struct ans_field *f = answers_field(form->pairs[i].name);
		if (strcmp(form->pairs[i].name, "csrf") == 0)
			continue;
		if (f == NULL || f->page != page) {
			log_warn("form: a field this page does not have");
			return -1;
		}
		for (k = 0; k < i; k++)
			if (strcmp(form->pairs[k].name, form->pairs[i].name) ==
			    0) {
				log_warn("form: a field given twice");
				return -1;
			}
	}
	/* Pass 0 only checks, pass 1 writes: a bad request changes
	 * nothing, without a second copy of the answers in memory. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < ans_nfields; i++) {
			const struct ans_field *f = &ans_fields[i];
			const char *v = http_form_get(form, f->name);

			if (f->page != page)
				continue;
			if (v == NULL)
				v = "";
			if (f->kind == ANS_ONEOF || f->kind == ANS_FLAG) {
				if (v[0] != '\0' && !one_of(f->values, v)) {
					log_warn("form: a value the form "
						 "never offered");
					return -1;
				}
				if (pass == 1)
					snprintf(slot(a, f), f->cap, "%s", v);
				continue;
			}
			if (clean_text(f, v, pass == 1 ? slot(a, f) : NULL,
				&toolong) != 0) {
				log_warn("form: text that is not clean UTF-8");
				return -1;
			}
			if (pass == 1 && toolong)
				add_error(errs, f, "err_text_too_long");
		}
	}
	answers_check(a, page, errs);
	return 0;
}
