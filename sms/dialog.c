#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "crypto/refcode.h"
#include "sms/dialog.h"
#include "sms/segments.h"
#include "store/conversation.h"
#include "store/gcommit.h"
#include "util/log.h"
#include "util/timefmt.h"

/* Steps as stored in sms_conversation.step: never renumber. */
enum step {
	STEP_CONSENT = 1,
	STEP_PLACE = 2,
	STEP_NAME = 3,
	STEP_CONTACT = 4,
	STEP_VOICEMAIL = 5,
};

/* Stored in sms_conversation.method and .contact_time: never renumber. */
enum method {
	METHOD_CALL = 1,
	METHOD_TEXT = 2,
};

enum contact_time {
	TIME_ANY = 0,
	TIME_MORNING = 1,
	TIME_AFTERNOON = 2,
	TIME_EVENING = 3,
};

enum kw {
	KW_CONSENT,
	KW_DECLINE,
	KW_EXIT,
	KW_SKIP,
	KW_CALL,
	KW_TEXT,
	KW_ONLY,
	KW_MORNING,
	KW_AFTERNOON,
	KW_EVENING,
	KW_ANYTIME,
	KW_VM_YES,
	KW_VM_NO,
	KW_PLACE_HAPPENED,
	KW_PLACE_LIVE,
	KW_PLACE_BOTH,
	KW_PLACE_NEITHER,
	KW_N
};

/* Content key of each keyword list and the placeholder showing it. */
static const struct {
	const char *key;
	const char *var;
	int step; /* where it is an answer; 0 for global words */
} kw_def[KW_N] = {
    {"kw_consent", "consent", STEP_CONSENT},
    {"kw_decline", "decline", STEP_CONSENT},
    {"kw_exit", "exit", 0},
    {"kw_skip", "skip", STEP_NAME},
    {"kw_call", "call", STEP_CONTACT},
    {"kw_text", "text", STEP_CONTACT},
    {"kw_only", "only", STEP_CONTACT},
    {"kw_morning", "morning", STEP_CONTACT},
    {"kw_afternoon", "afternoon", STEP_CONTACT},
    {"kw_evening", "evening", STEP_CONTACT},
    {"kw_anytime", "anytime", STEP_CONTACT},
    {"kw_vm_yes", "vm_yes", STEP_VOICEMAIL},
    {"kw_vm_no", "vm_no", STEP_VOICEMAIL},
    {"kw_place_happened", "place_happened", STEP_PLACE},
    {"kw_place_live", "place_live", STEP_PLACE},
    {"kw_place_both", "place_both", STEP_PLACE},
    {"kw_place_neither", "place_neither", STEP_PLACE},
};

enum reply {
	R_INTRO,
	R_ASK_PLACE,
	R_NOT_ELIGIBLE,
	R_ASK_NAME,
	R_ASK_CONTACT,
	R_ASK_VOICEMAIL,
	R_CONFIRM,
	R_ALREADY,
	R_DECLINED,
	R_STOP_DONE,
	R_STOP_WITHDRAWN,
	R_STOP_CODE_BAD,
	R_REF_OK,
	R_REF_BAD,
	R_SORRY,
	R_RESTART,
	R_N
};

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

/*
 * Opt-out words that carriers and providers act on themselves: each
 * always means STOP here too, whatever the content says.
 */
static const char stop_words[] = "STOP STOPALL UNSUBSCRIBE CANCEL END QUIT";
/* Opt-in and help words providers answer on their own: never a consent
 * or exit word, or the provider's answer would arrive beside ours. */
static const char provider_words[] = "YES START UNSTOP HELP INFO";

/* A code written after STOP: its symbols, spaces and dashes removed, is
 * about this long (a symbol more or less is still a try at a code). */
#define CODE_TRY_MIN (REFCODE_SYMBOLS - 1)
#define CODE_TRY_MAX (REFCODE_SYMBOLS + 3)
#define DAYS_MAX 16

struct dialog {
	pthread_mutex_t lock;
	struct db *db;
	struct gcommit *gc; /* NULL: dialog_handle commits by itself */
	/* Locked, allocated once: one message is handled at a time (under
	 * lock, or on the group commit's writer thread). */
	struct msg *m;
	char *payload; /* DIALOG_PAYLOAD_MAX */
	const struct dialog_content *content;
	uint8_t *key; /* sodium_malloc'd DIALOG_KEY_LEN */
	dialog_seal_fn seal;
	void *seal_ctx;
	int64_t idle_ms, seen_keep_ms, link_keep_ms;
	int64_t sender_window_ms, global_window_ms;
	int sender_max, global_max;
	int64_t global_warned; /* when the busy warning was last logged */
	char words[KW_N][DIALOG_WORDS_MAX];
	char shown[KW_N][DIALOG_WORDS_MAX];
	char stop_kw[CONTENT_KEYWORD_MAX];
	char ref_kw[CONTENT_KEYWORD_MAX];
	char info_kw[CONTENT_KEYWORD_MAX];
	char days[DAYS_MAX];
	const char *support_phone;
	const char *emergency;
	uint8_t intro_sha256[crypto_hash_sha256_BYTES];
};

/* One inbound message on its way through. */
struct msg {
	struct dialog *d;
	const struct sms_inbound *in;
	int64_t now;
	uint8_t sender[CONVERSATION_KEY_LEN];
	char norm[SMS_MAX_TEXT_BYTES + 1];
	char *reply;
	size_t cap;
	int has_reply;
};

static int
is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	       (c >= 'a' && c <= 'z');
}

/*
 * Keywords are compared in this form: ASCII letters upper-cased, every
 * run of ASCII spaces, punctuation and control characters one space,
 * none at either end. Other UTF-8 bytes are kept as they are. out must
 * hold strlen(in) + 1 bytes.
 */
static void
normalise(const char *in, char *out)
{
	size_t o = 0;
	int gap = 0;

	for (; *in != '\0'; in++) {
		unsigned char c = (unsigned char)*in;

		if (c < 0x80 && !is_alnum(c)) {
			gap = o > 0;
			continue;
		}
		if (gap) {
			out[o++] = ' ';
			gap = 0;
		}
		out[o++] = (char)(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
	}
	out[o] = '\0';
}

/* Is the word of len bytes one of the space-separated list? */
static int
word_in(const char *word, size_t len, const char *list)
{
	const char *p = list, *e;

	while (*p != '\0') {
		e = strchr(p, ' ');
		if (e == NULL)
			e = p + strlen(p);
		if ((size_t)(e - p) == len && memcmp(p, word, len) == 0)
			return 1;
		p = *e == ' ' ? e + 1 : e;
	}
	return 0;
}

static int
whole_in(const char *norm, const char *list)
{
	return norm[0] != '\0' && strchr(norm, ' ') == NULL &&
	       word_in(norm, strlen(norm), list);
}

/* The first word's length; *rest points after it and its space. */
static size_t
first_word(const char *norm, const char **rest)
{
	const char *e = strchr(norm, ' ');

	if (e == NULL) {
		*rest = norm + strlen(norm);
		return strlen(norm);
	}
	*rest = e + 1;
	return (size_t)(e - norm);
}

/*
 * Take a keyword list from content or configuration: words of A-Z and
 * 0-9, at least one. Stored normalised; shown is the first word.
 */
static int
load_words(const char *what, const char *src, char *words, char *shown)
{
	char tmp[DIALOG_WORDS_MAX];
	size_t n = strlen(src), i;

	if (n == 0 || n >= DIALOG_WORDS_MAX) {
		log_err("dialog: %s: empty or too long", what);
		return -1;
	}
	normalise(src, tmp);
	for (i = 0; tmp[i] != '\0'; i++) {
		if (!is_alnum((unsigned char)tmp[i]) && tmp[i] != ' ') {
			log_err("dialog: %s: keywords are A-Z and 0-9", what);
			return -1;
		}
	}
	if (tmp[0] == '\0') {
		log_err("dialog: %s: no keyword", what);
		return -1;
	}
	memcpy(words, tmp, strlen(tmp) + 1);
	i = strcspn(tmp, " ");
	memcpy(shown, tmp, i);
	shown[i] = '\0';
	return 0;
}

/* Does any word of list a appear in list b? */
static int
lists_meet(const char *a, const char *b)
{
	const char *p = a, *rest;
	size_t len;

	while (*p != '\0') {
		len = first_word(p, &rest);
		if (word_in(p, len, b))
			return 1;
		p = rest;
	}
	return 0;
}

static int
check_words(struct dialog *d)
{
	char global[DIALOG_WORDS_MAX * 2];
	int n, i, j;

	n = snprintf(global, sizeof(global), "%s %s %s %s", stop_words,
	    d->stop_kw, d->ref_kw, d->words[KW_EXIT]);
	if (n < 0 || (size_t)n >= sizeof(global))
		return -1;
	if (strchr(d->words[KW_EXIT], ' ') != NULL) {
		log_err("dialog: the exit word must be one word");
		return -1;
	}
	if (lists_meet(d->words[KW_EXIT], stop_words) ||
	    lists_meet(d->words[KW_EXIT], d->stop_kw) ||
	    lists_meet(d->words[KW_EXIT], d->ref_kw)) {
		log_err("dialog: the exit word cannot be a STOP word or %s",
		    d->ref_kw);
		return -1;
	}
	if (lists_meet(d->words[KW_CONSENT], provider_words) ||
	    lists_meet(d->words[KW_EXIT], provider_words) ||
	    lists_meet(d->words[KW_CONSENT], d->info_kw) ||
	    lists_meet(d->words[KW_EXIT], d->info_kw)) {
		log_err("dialog: YES, START, UNSTOP, HELP and INFO cannot be "
			"consent or exit words: providers answer them");
		return -1;
	}
	for (i = 0; i < KW_N; i++) {
		if (kw_def[i].step == 0)
			continue;
		if (lists_meet(d->words[i], global)) {
			log_err("dialog: %s uses a word kept for STOP, %s or "
				"the exit word",
			    kw_def[i].key, d->ref_kw);
			return -1;
		}
		for (j = i + 1; j < KW_N; j++) {
			if (kw_def[j].step == kw_def[i].step &&
			    lists_meet(d->words[i], d->words[j])) {
				log_err("dialog: %s and %s share a word",
				    kw_def[i].key, kw_def[j].key);
				return -1;
			}
		}
	}
	return 0;
}

/* Fill in a reply template; ref is NULL where no code belongs. */
static int
expand(const struct dialog *d, enum reply r, const char *ref, char *out,
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
		vars[n].name = kw_def[i].var;
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

static enum reply
question_for(int step)
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
static int
expand_again(const struct dialog *d, int step, char *out, size_t cap)
{
	size_t n;

	if (expand(d, R_SORRY, NULL, out, cap) != 0)
		return -1;
	n = strlen(out);
	if (n + 1 >= cap) {
		log_err("dialog: repeated question too long");
		return -1;
	}
	out[n++] = ' ';
	return expand(d, question_for(step), NULL, out + n, cap - n);
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
		if (expand(d, (enum reply)r, code, buf, sizeof(buf)) != 0 ||
		    fn(ctx, reply_key[r], buf) != 0)
			goto out;
	for (int s = STEP_CONSENT; s <= STEP_VOICEMAIL; s++)
		if (expand_again(d, s, buf, sizeof(buf)) != 0 ||
		    fn(ctx, reply_key[question_for(s)], buf) != 0)
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
static int
check_templates(struct dialog *d)
{
	char buf[SMS_MAX_REPLY + 1];

	if (dialog_each_reply(d, check_length, NULL) != 0)
		return -1;
	if (expand(d, R_INTRO, NULL, buf, sizeof(buf)) != 0)
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

struct dialog *
dialog_new(const struct dialog_cfg *cfg)
{
	const struct dialog_content *dc = cfg->content;
	const struct content_contact *c;
	struct dialog *d;
	const char *src;
	int i, n;

	if (cfg->db == NULL || dc == NULL || cfg->state_key == NULL ||
	    cfg->seal == NULL) {
		log_err("dialog: database, content, state key and seal "
			"callback are all needed");
		return NULL;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		log_err("out of memory");
		return NULL;
	}
	if ((d->key = sodium_malloc(DIALOG_KEY_LEN)) == NULL ||
	    (d->m = sodium_malloc(sizeof(*d->m))) == NULL ||
	    (d->payload = sodium_malloc(DIALOG_PAYLOAD_MAX)) == NULL) {
		log_err("out of locked memory");
		sodium_free(d->key);
		sodium_free(d->m);
		free(d);
		return NULL;
	}
	memcpy(d->key, cfg->state_key, DIALOG_KEY_LEN);
	if (pthread_mutex_init(&d->lock, NULL) != 0) {
		log_err("dialog: cannot create a mutex");
		sodium_free(d->key);
		sodium_free(d->m);
		sodium_free(d->payload);
		free(d);
		return NULL;
	}
	d->db = cfg->db;
	d->gc = cfg->gc;
	d->content = dc;
	d->seal = cfg->seal;
	d->seal_ctx = cfg->seal_ctx;
	d->idle_ms = cfg->idle_ms > 0 ? cfg->idle_ms : DIALOG_IDLE_DEFAULT;
	d->seen_keep_ms = cfg->seen_keep_ms > 0 ? cfg->seen_keep_ms
						: DIALOG_SEEN_KEEP_DEFAULT;
	d->link_keep_ms = cfg->link_keep_ms > 0 ? cfg->link_keep_ms
						: DIALOG_LINK_KEEP_DEFAULT;
	d->sender_max =
	    cfg->sender_max > 0 ? cfg->sender_max : DIALOG_SENDER_MAX_DEFAULT;
	d->sender_window_ms = cfg->sender_window_ms > 0
				  ? cfg->sender_window_ms
				  : DIALOG_SENDER_WINDOW_DEFAULT;
	d->global_max =
	    cfg->global_max > 0 ? cfg->global_max : DIALOG_GLOBAL_MAX_DEFAULT;
	d->global_window_ms = cfg->global_window_ms > 0
				  ? cfg->global_window_ms
				  : DIALOG_GLOBAL_WINDOW_DEFAULT;
	for (i = 0; i < KW_N; i++) {
		src = content_get(&dc->sms, kw_def[i].key);
		if (i == KW_CONSENT && cfg->consent_words != NULL)
			src = cfg->consent_words;
		if (i == KW_EXIT && cfg->exit_word != NULL)
			src = cfg->exit_word;
		if (src == NULL) {
			log_err("dialog: content has no \"%s\"", kw_def[i].key);
			goto fail;
		}
		if (load_words(kw_def[i].key, src, d->words[i], d->shown[i]) !=
		    0)
			goto fail;
	}
	if (load_words("stop keyword", dc->service.kw_stop, d->stop_kw,
		d->stop_kw) != 0 ||
	    load_words("referral keyword", dc->service.kw_referral, d->ref_kw,
		d->ref_kw) != 0 ||
	    load_words("info keyword", dc->service.kw_info, d->info_kw,
		d->info_kw) != 0)
		goto fail;
	if (check_words(d) != 0)
		goto fail;
	n = snprintf(
	    d->days, sizeof(d->days), "%d", dc->service.contact_working_days);
	if (n < 0 || (size_t)n >= sizeof(d->days))
		goto fail;
	if ((c = content_support_find(&dc->support, "victim_support")) == NULL)
		goto nosupport;
	d->support_phone = c->phone;
	if ((c = content_support_find(&dc->support, "emergency")) == NULL)
		goto nosupport;
	d->emergency = c->phone;
	if (check_templates(d) != 0)
		goto fail;
	return d;
nosupport:
	log_err("dialog: support contacts missing");
fail:
	dialog_free(d);
	return NULL;
}

void
dialog_free(struct dialog *d)
{
	if (d == NULL)
		return;
	pthread_mutex_destroy(&d->lock);
	sodium_free(d->key);
	sodium_free(d->m);
	sodium_free(d->payload);
	free(d);
}

static void
sender_key(const struct dialog *d, const char *number,
    uint8_t out[CONVERSATION_KEY_LEN])
{
	crypto_auth_hmacsha256(
	    out, (const unsigned char *)number, strlen(number), d->key);
}

/* The message id's key: its own prefix, so it can never equal a sender
 * key (numbers are digits and '+'). */
static void
message_key(const struct dialog *d, const char *provider, const char *id,
    uint8_t out[CONVERSATION_KEY_LEN])
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, d->key, DIALOG_KEY_LEN);
	crypto_auth_hmacsha256_update(
	    &st, (const unsigned char *)"msgid", sizeof("msgid"));
	crypto_auth_hmacsha256_update(
	    &st, (const unsigned char *)provider, strlen(provider) + 1);
	crypto_auth_hmacsha256_update(
	    &st, (const unsigned char *)id, strlen(id));
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof(st));
}

static int
say(struct msg *m, enum reply r, const char *ref)
{
	if (expand(m->d, r, ref, m->reply, m->cap) != 0)
		return -1;
	m->has_reply = 1;
	return 0;
}

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

static int
seal_withdrawal(struct msg *m, const char *ref)
{
	char at[TIMEFMT_ISO_LEN];

	if (iso(m->now, at) != 0)
		return -1;
	return seal_json(m, ENVELOPE_WITHDRAWAL,
	    json_pack("{s:i, s:s, s:s, s:s, s:s}", "schema", 1, "kind",
		"withdrawal", "ref", ref, "channel", "sms", "at", at));
}

static int
seal_followup(struct msg *m, const char *ref)
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

static int
seal_referral(struct msg *m, const struct conversation *c, const char *ref)
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

/* Does the text after STOP look like a try at a reference code? */
static int
code_try(const char *rest)
{
	size_t n = 0;

	for (; *rest != '\0'; rest++) {
		if (*rest == ' ')
			continue;
		if (!is_alnum((unsigned char)*rest))
			return 0;
		n++;
	}
	return n >= CODE_TRY_MIN && n <= CODE_TRY_MAX;
}

static int
do_stop(struct msg *m, const char *rest)
{
	char refs[CONVERSATION_LINKS_MAX][REFCODE_BUFLEN];
	char code[REFCODE_BUFLEN];
	size_t n, i, total = 0;
	int code_bad = 0;

	if (conversation_delete(m->d->db, m->sender) != 0)
		return -1;
	if (code_try(rest)) {
		if (refcode_parse(code, sizeof(code), rest) != 0) {
			code_bad = 1;
		} else {
			if (seal_withdrawal(m, code) != 0 ||
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
			if (seal_withdrawal(m, refs[i]) != 0 ||
			    conversation_link_delete(
				m->d->db, m->sender, refs[i]) != 0)
				return -1;
			total++;
		}
	} while (n > 0);
	log_info("dialog: stop: %zu withdrawal(s) sealed", total);
	if (total > 0)
		return say(m, R_STOP_WITHDRAWN, NULL);
	return say(m, code_bad ? R_STOP_CODE_BAD : R_STOP_DONE, NULL);
}

static int
do_exit(struct msg *m)
{
	if (conversation_delete(m->d->db, m->sender) != 0)
		return -1;
	log_info("dialog: silent exit");
	m->has_reply = 0;
	return 0;
}

static int
do_ref(struct msg *m, const char *rest)
{
	char code[REFCODE_BUFLEN];
	int r;

	if (refcode_parse(code, sizeof(code), rest) != 0) {
		log_info("dialog: reference code with a bad check symbol");
		return say(m, R_REF_BAD, NULL);
	}
	r = conversation_link_add(m->d->db, m->sender, code, m->now);
	if (r < 0)
		return -1;
	/* Sent before: the hub already has this number for the code. */
	if (r == 0 && seal_followup(m, code) != 0)
		return -1;
	log_info("dialog: follow-up %s", r == 0 ? "sealed" : "already sent");
	return say(m, R_REF_OK, NULL);
}

static int
save_and_ask(struct msg *m, struct conversation *c, int step)
{
	c->step = step;
	c->retries = 0;
	c->updated_at = m->now;
	if (conversation_put(m->d->db, m->sender, c) != 0)
		return -1;
	return say(m, question_for(step), NULL);
}

static int
not_understood(struct msg *m, struct conversation *c)
{
	if (c->retries == 0) {
		c->retries = 1;
		c->updated_at = m->now;
		if (conversation_put(m->d->db, m->sender, c) != 0 ||
		    expand_again(m->d, c->step, m->reply, m->cap) != 0)
			return -1;
		m->has_reply = 1;
		return 0;
	}
	if (conversation_delete(m->d->db, m->sender) != 0)
		return -1;
	log_info("dialog: not understood twice, conversation closed");
	return say(m, R_RESTART, NULL);
}

static int
finish(struct msg *m, struct conversation *c)
{
	char ref[REFCODE_BUFLEN];

	if (refcode_generate(ref, sizeof(ref)) != 0 ||
	    seal_referral(m, c, ref) != 0 ||
	    conversation_link_add(m->d->db, m->sender, ref, m->now) < 0 ||
	    conversation_delete(m->d->db, m->sender) != 0)
		return -1;
	log_info("dialog: referral sealed");
	return say(m, R_CONFIRM, ref);
}

/* The name as written: blanks at either end dropped, control characters
 * made spaces. 0 if it is usable. */
static int
take_name(const char *text, char out[CONVERSATION_NAME_MAX + 1])
{
	size_t n;
	int letters = 0;

	while (*text == ' ' || *text == '\t' || *text == '\r' || *text == '\n')
		text++;
	n = strlen(text);
	while (
	    n > 0 && ((unsigned char)text[n - 1] <= ' ' || text[n - 1] == 0x7f))
		n--;
	if (n == 0 || n > CONVERSATION_NAME_MAX)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];

		out[i] = (char)(c < 0x20 || c == 0x7f ? ' ' : c);
		/* A letter or digit in any script, not punctuation alone. */
		if (is_alnum(c) || c >= 0x80)
			letters = 1;
	}
	out[n] = '\0';
	if (!letters) {
		sodium_memzero(out, CONVERSATION_NAME_MAX + 1);
		return -1;
	}
	return 0;
}

static int
step_place(struct msg *m, struct conversation *c)
{
	const struct dialog *d = m->d;

	if (whole_in(m->norm, d->words[KW_PLACE_HAPPENED])) {
		c->offence_in_london = 1;
		c->lives_in_london = 0;
	} else if (whole_in(m->norm, d->words[KW_PLACE_LIVE])) {
		c->offence_in_london = 0;
		c->lives_in_london = 1;
	} else if (whole_in(m->norm, d->words[KW_PLACE_BOTH])) {
		c->offence_in_london = 1;
		c->lives_in_london = 1;
	} else if (whole_in(m->norm, d->words[KW_PLACE_NEITHER])) {
		/* Outside the service: nothing is kept and nothing sent. */
		if (conversation_delete(d->db, m->sender) != 0)
			return -1;
		log_info("dialog: not eligible, nothing kept");
		return say(m, R_NOT_ELIGIBLE, NULL);
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
		len = first_word(p, &rest);
		if (word_in(p, len, d->words[KW_CALL]))
			call = 1;
		else if (word_in(p, len, d->words[KW_TEXT]))
			text = 1;
		else if (word_in(p, len, d->words[KW_ONLY]))
			;
		else if (word_in(p, len, d->words[KW_MORNING]) && when < 0)
			when = TIME_MORNING;
		else if (word_in(p, len, d->words[KW_AFTERNOON]) && when < 0)
			when = TIME_AFTERNOON;
		else if (word_in(p, len, d->words[KW_EVENING]) && when < 0)
			when = TIME_EVENING;
		else if (word_in(p, len, d->words[KW_ANYTIME]) && when < 0)
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
		return say(m, R_ALREADY, NULL);
	conversation_init(&c);
	c.consent_version = m->d->content->sms.version;
	memcpy(c.consent_sha256, m->d->intro_sha256, sizeof(c.consent_sha256));
	rc = save_and_ask(m, &c, STEP_CONSENT);
	conversation_wipe(&c);
	return rc;
}

static int
do_conversation(struct msg *m)
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
		if (whole_in(m->norm, d->words[KW_CONSENT])) {
			c.consent_at = m->now;
			rc = save_and_ask(m, &c, STEP_PLACE);
		} else if (whole_in(m->norm, d->words[KW_DECLINE])) {
			rc = conversation_delete(d->db, m->sender);
			if (rc == 0)
				rc = say(m, R_DECLINED, NULL);
		} else {
			rc = not_understood(m, &c);
		}
		break;
	case STEP_PLACE:
		rc = step_place(m, &c);
		break;
	case STEP_NAME:
		if (whole_in(m->norm, d->words[KW_SKIP])) {
			c.has_name = 0;
			c.name[0] = '\0';
		} else if (take_name(m->in->text, c.name) == 0) {
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
		if (whole_in(m->norm, d->words[KW_VM_YES]))
			c.voicemail_ok = 1;
		else if (whole_in(m->norm, d->words[KW_VM_NO]))
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

static int
is_stop(const struct dialog *d, const char *norm, const char **rest)
{
	size_t len;

	if (whole_in(norm, stop_words) || whole_in(norm, d->stop_kw)) {
		*rest = "";
		return 1;
	}
	len = first_word(norm, rest);
	return len > 0 && word_in(norm, len, d->stop_kw);
}

static int
is_ref(const struct dialog *d, const char *norm, const char **rest)
{
	size_t len = first_word(norm, rest);

	return len > 0 && word_in(norm, len, d->ref_kw);
}

struct purge_args {
	struct dialog *d;
	int64_t now;
};

struct handle_args {
	struct dialog *d;
	const char *provider;
	const struct sms_inbound *in;
	int64_t now;
	char *reply;
	int has_reply;
};

static int
purge_locked(struct dialog *d, int64_t now)
{
	struct conversation_cutoffs cut;
	int64_t n;

	cut.idle = now - d->idle_ms;
	cut.seen = now - d->seen_keep_ms;
	cut.link = now - d->link_keep_ms;
	cut.rate = now - (d->sender_window_ms > d->global_window_ms
				 ? d->sender_window_ms
				 : d->global_window_ms);
	if (conversation_purge(d->db, &cut, &n) != 0)
		return -1;
	if (n > 0)
		log_info(
		    "dialog: %lld idle conversation(s) deleted", (long long)n);
	return 0;
}

static int
purge_op(struct db *db, void *arg)
{
	struct purge_args *a = arg;

	(void)db;
	return purge_locked(a->d, a->now);
}

int
dialog_purge(struct dialog *d, int64_t now_ms)
{
	struct purge_args a = {d, now_ms};
	int rc = -1;

	if (d->gc != NULL)
		return gcommit_run(d->gc, purge_op, &a) < 0 ? -1 : 0;
	pthread_mutex_lock(&d->lock);
	if (db_begin(d->db) != 0)
		goto out;
	if (purge_locked(d, now_ms) != 0 || db_commit(d->db) != 0) {
		db_rollback(d->db);
		goto out;
	}
	rc = 0;
out:
	pthread_mutex_unlock(&d->lock);
	return rc;
}

/* The global counter's bucket: no HMAC output is all zeros in practice. */
static const uint8_t global_bucket[CONVERSATION_KEY_LEN];

/*
 * One message, inside a transaction the caller opened (dialog_handle's
 * own, or a group commit's savepoint); -1 leaves the caller to roll back.
 */
static int
handle_in_tx(struct handle_args *a)
{
	struct dialog *d = a->d;
	struct msg *m = d->m;
	uint8_t mkey[CONVERSATION_KEY_LEN];
	const char *rest = "";
	int rc = -1, r, stop, exit_word = 0, ref = 0, ok;

	memset(m, 0, sizeof(*m));
	m->d = d;
	m->in = a->in;
	m->now = a->now;
	m->reply = a->reply;
	m->cap = SMS_MAX_REPLY + 1;
	sender_key(d, a->in->from, m->sender);
	message_key(d, a->provider, a->in->id, mkey);
	normalise(a->in->text, m->norm);
	stop = is_stop(d, m->norm, &rest);
	if (!stop)
		exit_word = whole_in(m->norm, d->words[KW_EXIT]);
	if (!stop && !exit_word)
		ref = is_ref(d, m->norm, &rest);

	if (purge_locked(d, a->now) != 0)
		goto out;
	r = conversation_seen_get(d->db, mkey, a->reply, m->cap, &m->has_reply);
	if (r < 0)
		goto out;
	if (r == 0) {
		log_info("dialog: message id seen before, same answer");
		goto done;
	}
	if (conversation_rate_hit(d->db, global_bucket, a->now,
		d->global_window_ms, d->global_max, &ok) != 0)
		goto out;
	/* A burst (a poster campaign, a news item) is people, not abuse:
	 * refusing would drop their messages, since Twilio does not retry.
	 * The limit is a warning for the operator, said once a window. */
	if (!ok && a->now - d->global_warned >= d->global_window_ms) {
		log_warn("dialog: more than %d messages in %lld s, all "
			 "still answered",
		    d->global_max, (long long)(d->global_window_ms / 1000));
		d->global_warned = a->now;
	}
	if (conversation_rate_hit(d->db, m->sender, a->now, d->sender_window_ms,
		d->sender_max, &ok) != 0)
		goto out;
	if (!ok && !stop && !exit_word) {
		log_warn("dialog: sender over its rate limit, not answered");
		m->has_reply = 0;
		r = 0;
	} else if (stop) {
		r = do_stop(m, rest);
	} else if (exit_word) {
		r = do_exit(m);
	} else if (ref) {
		r = do_ref(m, rest);
	} else {
		r = do_conversation(m);
	}
	if (r != 0)
		goto out;
	if (conversation_seen_put(
		d->db, mkey, a->now, m->has_reply ? a->reply : NULL) != 0)
		goto out;
done:
	a->has_reply = m->has_reply;
	rc = 0;
out:
	sodium_memzero(mkey, sizeof(mkey));
	sodium_memzero(m, sizeof(*m));
	return rc;
}

static int
handle_op(struct db *db, void *arg)
{
	(void)db;
	return handle_in_tx(arg);
}

int
dialog_handle(struct dialog *d, const char *provider,
    const struct sms_inbound *in, int64_t now_ms, char *reply, size_t cap,
    int *has_reply)
{
	struct handle_args a = {d, provider, in, now_ms, reply, 0};
	int rc = -1;

	*has_reply = 0;
	if (cap < SMS_MAX_REPLY + 1 || in->from[0] == '\0' ||
	    in->id[0] == '\0') {
		log_err("dialog: bad call");
		return -1;
	}
	reply[0] = '\0';
	if (d->gc != NULL) {
		/* Answered only once the batch it is in is durable. */
		rc = gcommit_run(d->gc, handle_op, &a) < 0 ? -1 : 0;
	} else {
		pthread_mutex_lock(&d->lock);
		if (db_begin(d->db) == 0) {
			rc = handle_in_tx(&a);
			if (rc == 0 && db_commit(d->db) != 0)
				rc = -1;
			if (rc != 0)
				db_rollback(d->db);
		}
		pthread_mutex_unlock(&d->lock);
	}
	if (rc != 0) {
		reply[0] = '\0';
		return -1;
	}
	*has_reply = a.has_reply;
	return 0;
}
