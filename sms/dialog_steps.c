/* The conversation's state machine: STOP, the exit word, REF, and each
 * step of the consent conversation, stored as it moves on. */
#include <string.h>

#include <sodium.h>

#include "crypto/refcode.h"
#include "sms/dialog_int.h"
#include "util/log.h"

int
dialog_do_stop(struct msg *m, const char *rest)
{
	char refs[CONVERSATION_LINKS_MAX][REFCODE_BUFLEN];
	char code[REFCODE_BUFLEN];
	size_t n, i, total = 0;
	int code_bad = 0;

	if (conversation_delete(m->d->db, m->sender) != 0)
		return -1;
	if (dialog_code_try(rest)) {
		if (refcode_parse(code, sizeof(code), rest) != 0) {
			code_bad = 1;
		} else {
			if (dialog_seal_withdrawal(m, code) != 0 ||
			    conversation_link_delete(
				m->d->db, m->sender, code) != 0)
				return -1;
			total++;
		}
	}
	/* Every reference this number holds, a batch at a time; each
	 * batch is deleted as it is sealed, so the loop ends. */
	do {
		if (conversation_link_list(m->d->db, m->sender, refs,
			CONVERSATION_LINKS_MAX, &n) != 0)
			return -1;
		for (i = 0; i < n; i++) {
			if (dialog_seal_withdrawal(m, refs[i]) != 0 ||
			    conversation_link_delete(
				m->d->db, m->sender, refs[i]) != 0)
				return -1;
			total++;
		}
	} while (n > 0);
	log_info("dialog: stop: %zu withdrawal(s) sealed", total);
	if (total > 0)
		return dialog_say(m, R_STOP_WITHDRAWN, NULL);
	return dialog_say(m, code_bad ? R_STOP_CODE_BAD : R_STOP_DONE, NULL);
}

int
dialog_do_exit(struct msg *m)
{
	if (conversation_delete(m->d->db, m->sender) != 0)
		return -1;
	log_info("dialog: silent exit");
	m->has_reply = 0;
	return 0;
}

int
dialog_do_ref(struct msg *m, const char *rest)
{
	char code[REFCODE_BUFLEN];
	int r;

	if (refcode_parse(code, sizeof(code), rest) != 0) {
		log_info("dialog: reference code with a bad check symbol");
		return dialog_say(m, R_REF_BAD, NULL);
	}
	r = conversation_link_add(m->d->db, m->sender, code, m->now);
	if (r < 0)
		return -1;
	/* Sent before: the hub already has this number for the code. */
	if (r == 0 && dialog_seal_followup(m, code) != 0)
		return -1;
	log_info("dialog: follow-up %s", r == 0 ? "sealed" : "already sent");
	return dialog_say(m, R_REF_OK, NULL);
}

static int
save_and_ask(struct msg *m, struct conversation *c, int step)
{
	c->step = step;
	c->retries = 0;
	c->updated_at = m->now;
	if (conversation_put(m->d->db, m->sender, c) != 0)
		return -1;
	return dialog_say(m, dialog_question_for(step), NULL);
}

static int
not_understood(struct msg *m, struct conversation *c)
{
	if (c->retries == 0) {
		c->retries = 1;
		c->updated_at = m->now;
		if (conversation_put(m->d->db, m->sender, c) != 0 ||
		    dialog_expand_again(m->d, c->step, m->reply, m->cap) != 0)
			return -1;
		m->has_reply = 1;
		return 0;
	}
	if (conversation_delete(m->d->db, m->sender) != 0)
		return -1;
	log_info("dialog: not understood twice, conversation closed");
	return dialog_say(m, R_RESTART, NULL);
}

static int
finish(struct msg *m, struct conversation *c)
{
	char ref[REFCODE_BUFLEN];

	if (refcode_generate(ref, sizeof(ref)) != 0 ||
	    dialog_seal_referral(m, c, ref) != 0 ||
	    conversation_link_add(m->d->db, m->sender, ref, m->now) < 0 ||
	    conversation_delete(m->d->db, m->sender) != 0)
		return -1;
	log_info("dialog: referral sealed");
	return dialog_say(m, R_CONFIRM, ref);
}

static int
step_place(struct msg *m, struct conversation *c)
{
	const struct dialog *d = m->d;

	if (dialog_whole_in(m->norm, d->words[KW_PLACE_HAPPENED])) {
		c->offence_in_london = 1;
		c->lives_in_london = 0;
	} else if (dialog_whole_in(m->norm, d->words[KW_PLACE_LIVE])) {
		c->offence_in_london = 0;
		c->lives_in_london = 1;
	} else if (dialog_whole_in(m->norm, d->words[KW_PLACE_BOTH])) {
		c->offence_in_london = 1;
		c->lives_in_london = 1;
	} else if (dialog_whole_in(m->norm, d->words[KW_PLACE_NEITHER])) {
		/* Outside the service: nothing is kept and nothing sent. */
		if (conversation_delete(d->db, m->sender) != 0)
			return -1;
		log_info("dialog: not eligible, nothing kept");
		return dialog_say(m, R_NOT_ELIGIBLE, NULL);
	} else {
		return not_understood(m, c);
	}
	return save_and_ask(m, c, STEP_NAME);
}

static int
step_contact(struct msg *m, struct conversation *c)
{
	const struct dialog *d = m->d;
	const char *p = m->norm, *rest;
	int call = 0, text = 0, when = -1, bad = 0;
	size_t len;

	while (*p != '\0') {
		len = dialog_first_word(p, &rest);
		if (dialog_word_in(p, len, d->words[KW_CALL]))
			call = 1;
		else if (dialog_word_in(p, len, d->words[KW_TEXT]))
			text = 1;
		else if (dialog_word_in(p, len, d->words[KW_ONLY]))
			;
		else if (dialog_word_in(p, len, d->words[KW_MORNING]) &&
			 when < 0)
			when = TIME_MORNING;
		else if (dialog_word_in(p, len, d->words[KW_AFTERNOON]) &&
			 when < 0)
			when = TIME_AFTERNOON;
		else if (dialog_word_in(p, len, d->words[KW_EVENING]) &&
			 when < 0)
			when = TIME_EVENING;
		else if (dialog_word_in(p, len, d->words[KW_ANYTIME]) &&
			 when < 0)
			when = TIME_ANY;
		else
			bad = 1;
		p = rest;
	}
	/* A time alone means a call at that time; TEXT with a time or with
	 * CALL is not clear enough to act on. */
	if (bad || (call && text) || (text && when >= 0) ||
	    (!call && !text && when < 0))
		return not_understood(m, c);
	if (text) {
		c->method = METHOD_TEXT;
		c->contact_time = -1;
		c->voicemail_ok = 0;
		return finish(m, c);
	}
	c->method = METHOD_CALL;
	c->contact_time = when >= 0 ? when : TIME_ANY;
	return save_and_ask(m, c, STEP_VOICEMAIL);
}

static int
start(struct msg *m)
{
	struct conversation c;
	char refs[1][REFCODE_BUFLEN];
	size_t n;
	int rc = -1;

	if (conversation_link_list(m->d->db, m->sender, refs, 1, &n) != 0)
		return -1;
	if (n > 0)
		return dialog_say(m, R_ALREADY, NULL);
	conversation_init(&c);
	c.consent_version = m->d->content->sms.version;
	memcpy(c.consent_sha256, m->d->intro_sha256, sizeof(c.consent_sha256));
	rc = save_and_ask(m, &c, STEP_CONSENT);
	conversation_wipe(&c);
	return rc;
}

int
dialog_do_conversation(struct msg *m)
{
	const struct dialog *d = m->d;
	struct conversation c;
	int r, rc = -1;

	r = conversation_get(d->db, m->sender, &c);
	if (r < 0)
		return -1;
	if (r == 1)
		return start(m);
	switch (c.step) {
	case STEP_CONSENT:
		if (dialog_whole_in(m->norm, d->words[KW_CONSENT])) {
			c.consent_at = m->now;
			rc = save_and_ask(m, &c, STEP_PLACE);
		} else if (dialog_whole_in(m->norm, d->words[KW_DECLINE])) {
			rc = conversation_delete(d->db, m->sender);
			if (rc == 0)
				rc = dialog_say(m, R_DECLINED, NULL);
		} else {
			rc = not_understood(m, &c);
		}
		break;
	case STEP_PLACE:
		rc = step_place(m, &c);
		break;
	case STEP_NAME:
		if (dialog_whole_in(m->norm, d->words[KW_SKIP])) {
			c.has_name = 0;
			c.name[0] = '\0';
		} else if (dialog_take_name(m->in->text, c.name) == 0) {
			c.has_name = 1;
		} else {
			rc = not_understood(m, &c);
			break;
		}
		rc = save_and_ask(m, &c, STEP_CONTACT);
		break;
	case STEP_CONTACT:
		rc = step_contact(m, &c);
		break;
	case STEP_VOICEMAIL:
		if (dialog_whole_in(m->norm, d->words[KW_VM_YES]))
			c.voicemail_ok = 1;
		else if (dialog_whole_in(m->norm, d->words[KW_VM_NO]))
			c.voicemail_ok = 0;
		else {
			rc = not_understood(m, &c);
			break;
		}
		rc = finish(m, &c);
		break;
	default:
		/* A step this program does not know: start afresh. */
		log_err(
		    "dialog: conversation at unknown step %d dropped", c.step);
		if (conversation_delete(d->db, m->sender) == 0)
			rc = start(m);
	}
	conversation_wipe(&c);
	return rc;
}
