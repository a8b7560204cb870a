#ifndef KIOSK_ANSWERS_H
#define KIOSK_ANSWERS_H

#include <stddef.h>

#include "net/http.h"

/*
 * One visitor's answers, as typed. Every field is a string: a text, a
 * choice's value ("yes", "borough-id"), or "yes" for a ticked box. One
 * table (answers.c) says for each field its page, its kind, the values
 * a choice may take and its size; parsing, checking, redisplay and the
 * referral payload all read that table.
 *
 * Limits are in bytes of UTF-8, with room for the NUL.
 */
#define ANS_CHOICE 32
#define ANS_SHORT 128
#define ANS_PHONE 32
#define ANS_EMAIL 256
#define ANS_LONG 512
#define ANS_ERRORS_MAX 8

enum ans_page { ANS_ELIGIBLE, ANS_CONSENT, ANS_CONTACT, ANS_DETAILS };

enum ans_kind { ANS_TEXT, ANS_LINES, ANS_ONEOF, ANS_FLAG };

struct answers {
	/* Where it happened. */
	char happened[ANS_CHOICE], lives[ANS_CHOICE];
	/* Consent. */
	char agree[ANS_CHOICE];
	/* How to contact. */
	char name[ANS_SHORT];
	char m_call[ANS_CHOICE], m_text[ANS_CHOICE], m_email[ANS_CHOICE],
	    m_post[ANS_CHOICE], m_worker[ANS_CHOICE];
	char phone[ANS_PHONE], email[ANS_EMAIL], address[ANS_LONG],
	    postcode[ANS_CHOICE];
	char worker_name[ANS_SHORT], worker_org[ANS_SHORT],
	    worker_contact[ANS_SHORT];
	char t_morning[ANS_CHOICE], t_afternoon[ANS_CHOICE],
	    t_evening[ANS_CHOICE];
	char voicemail[ANS_CHOICE], say_who[ANS_CHOICE];
	/* About what happened. */
	char crime[ANS_CHOICE], when[ANS_CHOICE], borough[ANS_CHOICE],
	    reported[ANS_CHOICE], crime_ref[ANS_CHOICE], stage[ANS_CHOICE];
	char interpreter[ANS_CHOICE], interpreter_lang[ANS_SHORT];
	char disability[ANS_LONG], other_needs[ANS_LONG];
};

struct ans_field {
	const char *name;
	enum ans_page page;
	enum ans_kind kind;
	const char *const *values; /* ANS_ONEOF: NULL-terminated */
	size_t off;
	size_t cap;
};

extern const struct ans_field ans_fields[];
extern const size_t ans_nfields;

/* A problem the visitor can fix: the input's id and a content key. */
struct ans_error {
	char field[ANS_CHOICE + 16];
	const char *name; /* the field's name */
	const char *key;
};

struct ans_errors {
	struct ans_error e[ANS_ERRORS_MAX];
	size_t n;
};

/*
 * Take a page's form into a: every field of that page is replaced (an
 * unticked box becomes ""). A field the page does not have, a choice
 * value the form never offered, or text that is not UTF-8 is a bad
 * request (-1, nothing changed); what a person could get wrong (a
 * missing answer, a phone number that is not one, too much text) goes
 * into errs with a returned 0. csrf is skipped.
 */
int answers_apply(struct answers *a, enum ans_page page,
    const struct http_form *form, struct ans_errors *errs);

/* What a person could get wrong on a page, as answers_apply reports it,
 * added to e: for checking the whole visit again before it is sent. */
void answers_check(
    const struct answers *a, enum ans_page page, struct ans_errors *e);

/* The field's value, or NULL for an unknown name. */
const char *answers_get(const struct answers *a, const struct ans_field *f);
const struct ans_field *answers_field(const char *name);

/* "yes" in a flag or choice field. */
int answers_yes(const char *v);

/* Crimes that need a specialist risk assessment before any contact. */
int answers_needs_risk_assessment(const struct answers *a);

/* Eligible: it happened in London (or they are not sure), or they live
 * there. */
int answers_eligible(const struct answers *a);

/* A UK or international phone number as typed, in +<digits> form. */
int answers_phone_e164(const char *in, char *out, size_t cap);

#endif
