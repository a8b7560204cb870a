/* What the dialog says: its content loaded, reply templates filled in
 * and checked. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "sms/dialog_int.h"
#include "sms/segments.h"
#include "util/log.h"

static const char *const reply_key[R_N] = {
    "intro",
    "ask_place",
    "not_eligible",
    "ask_name",
    "ask_contact",
    "ask_voicemail",
    "confirm",
    "already",
    "declined",
    "stop_done",
    "stop_withdrawn",
    "stop_code_bad",
    "ref_ok",
    "ref_bad",
    "sorry",
    "restart",
};

int
dialog_expand(const struct dialog *d, enum reply r, const char *ref, char *out,
    size_t cap)
{
	struct content_var vars[KW_N + 7];
	const char *tmpl;
	size_t n = 0;
	int i;

	tmpl = content_get(&d->content->sms, reply_key[r]);
	if (tmpl == NULL) {
		log_err("dialog: content has no \"%s\"", reply_key[r]);
		return -1;
	}
	for (i = 0; i < KW_N; i++) {
		vars[n].name = dialog_kw_def[i].var;
		vars[n++].value = d->shown[i];
	}
	vars[n].name = "stop";
	vars[n++].value = d->stop_kw;
	vars[n].name = "ref_kw";
	vars[n++].value = d->ref_kw;
	vars[n].name = "info";
	vars[n++].value = d->info_kw;
	vars[n].name = "days";
	vars[n++].value = d->days;
	vars[n].name = "support_phone";
	vars[n++].value = d->support_phone;
	vars[n].name = "emergency";
	vars[n++].value = d->emergency;
	vars[n].name = "ref";
	vars[n++].value = ref;
	if (content_expand(tmpl, vars, n, out, cap) != 0) {
		log_err("dialog: cannot fill in \"%s\"", reply_key[r]);
		return -1;
	}
	return 0;
}

enum reply
dialog_question_for(int step)
{
	switch (step) {
	case STEP_PLACE:
		return R_ASK_PLACE;
	case STEP_NAME:
		return R_ASK_NAME;
	case STEP_CONTACT:
		return R_ASK_CONTACT;
	case STEP_VOICEMAIL:
		return R_ASK_VOICEMAIL;
	default:
		return R_INTRO;
	}
}

/* "Sorry ..." and the question again. */
int
dialog_expand_again(const struct dialog *d, int step, char *out, size_t cap)
{
	size_t n;

	if (dialog_expand(d, R_SORRY, NULL, out, cap) != 0)
		return -1;
	n = strlen(out);
	if (n + 1 >= cap) {
		log_err("dialog: repeated question too long");
		return -1;
	}
	out[n++] = ' ';
	return dialog_expand(
	    d, dialog_question_for(step), NULL, out + n, cap - n);
}

int
dialog_each_reply(const struct dialog *d,
    int (*fn)(void *ctx, const char *name, const char *text), void *ctx)
{
	char buf[SMS_MAX_REPLY + 1];
	/* Every reference code has this length and alphabet. */
	const char *code = "WWWW-WWWW-WWWW-W";
	int rc = -1;

	for (int r = 0; r < R_N; r++)
		if (dialog_expand(d, (enum reply)r, code, buf, sizeof(buf)) !=
			0 ||
		    fn(ctx, reply_key[r], buf) != 0)
			goto out;
	for (int s = STEP_CONSENT; s <= STEP_VOICEMAIL; s++)
		if (dialog_expand_again(d, s, buf, sizeof(buf)) != 0 ||
		    fn(ctx, reply_key[dialog_question_for(s)], buf) != 0)
			goto out;
	rc = 0;
out:
	sodium_memzero(buf, sizeof(buf));
	return rc;
}

/* A reply longer than SMS_MAX_SEGMENTS would be cut by Kannel
 * (max-messages) before "reply STOP" reached the phone. */
static int
check_length(void *ctx, const char *name, const char *text)
{
	struct sms_segments seg;

	(void)ctx;
	if (sms_segments_measure(text, &seg) != 0)
		return -1;
	if (seg.parts > SMS_MAX_SEGMENTS) {
		log_err("dialog: \"%s\" takes %zu SMS parts (%s), more than "
			"%d: shorten it (content/README.md)",
		    name, seg.parts, seg.ucs2 ? "UCS-2" : "GSM-7",
		    SMS_MAX_SEGMENTS);
		return -1;
	}
	return 0;
}

/* Every template must expand with the values we have, and fit. */
int
dialog_check_templates(struct dialog *d)
{
	char buf[SMS_MAX_REPLY + 1];

	if (dialog_each_reply(d, check_length, NULL) != 0)
		return -1;
	if (dialog_expand(d, R_INTRO, NULL, buf, sizeof(buf)) != 0)
		return -1;
	crypto_hash_sha256(
	    d->intro_sha256, (const unsigned char *)buf, strlen(buf));
	return 0;
}

int
dialog_content_load(
    struct dialog_content *dc, const char *root, const char *lang)
{
	struct content en;
	const struct content_contact *c;
	int rc;

	memset(dc, 0, sizeof(*dc));
	if (content_load(&dc->sms, root, lang, "sms") != 0)
		goto fail;
	if (strcmp(lang, "en") != 0) {
		if (content_load(&en, root, "en", "sms") != 0)
			goto fail;
		rc = content_check_keys(&en, &dc->sms);
		content_free(&en);
		if (rc != 0)
			goto fail;
	}
	if (dc->sms.draft)
		log_warn(
		    "dialog: SMS replies in %s are a draft translation", lang);
	if (content_service_load(&dc->service, root) != 0 ||
	    content_support_load(&dc->support, root) != 0)
		goto fail;
	c = content_support_find(&dc->support, "victim_support");
	if (c == NULL || c->phone[0] == '\0' ||
	    (c = content_support_find(&dc->support, "emergency")) == NULL ||
	    c->phone[0] == '\0') {
		log_err("dialog: support.json needs the victim_support and "
			"emergency phone numbers");
		goto fail;
	}
	return 0;
fail:
	dialog_content_free(dc);
	return -1;
}

void
dialog_content_free(struct dialog_content *dc)
{
	content_free(&dc->sms);
	memset(&dc->service, 0, sizeof(dc->service));
	memset(&dc->support, 0, sizeof(dc->support));
}

int
dialog_say(struct msg *m, enum reply r, const char *ref)
{
	if (dialog_expand(m->d, r, ref, m->reply, m->cap) != 0)
		return -1;
	m->has_reply = 1;
	return 0;
}
