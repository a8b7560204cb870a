#include "tests/unit/testutil.h"

#include <ctype.h>
#include <strings.h>

#include <jansson.h>
#include <sodium.h>

#include "crypto/envelope.h"
#include "crypto/refcode.h"
#include "sms/dialog.h"
#include "sms/provider.h"
#include "store/sealer.h"
#include "store/conversation.h"
#include "store/db.h"
#include "store/outbox.h"
#include "store/gcommit.h"
#include "store/schema.h"
#include "util/log.h"

#define NUMBER "+447700900123"
#define DIGITS "447700900123"
#define OTHER "+447700900999"
#define T0 1700000000000LL
#define SEALED_MAX 64

/* Words a reader of the phone must not see in any reply by default. */
static const char *const forbidden[] = {"crime", "criminal", "victim",
    "offender", "offence", "offense", "restorative", "justice", "police",
    "court", "abuse", "assault", "restore", "harm"};

struct sealed {
	enum envelope_kind kind;
	char payload[DIALOG_PAYLOAD_MAX];
};

struct fixture {
	char *dir;
	char path[PATH_MAX];
	struct db *db;
	struct dialog_content dc;
	uint8_t key[DIALOG_KEY_LEN];
	struct dialog_cfg cfg;
	struct dialog *d;
	struct sealed sealed[SEALED_MAX];
	size_t nsealed;
	int fail_seal;
	int64_t now;
	int msgno;
	char reply[SMS_MAX_REPLY + 1];
	int has_reply;
	char last_id[SMS_MAX_ID + 1];
	/* For the real seal callback. */
	struct sealer sealer;
	uint8_t hub_pk[crypto_box_PUBLICKEYBYTES];
	uint8_t hub_sk[crypto_box_SECRETKEYBYTES];
	uint8_t dev_pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t *dev_sk;
	uint8_t dev_id[ENVELOPE_ID_LEN];
};

static int
record_seal(void *ctx, enum envelope_kind kind, const char *payload, size_t len)
{
	struct fixture *f = ctx;

	if (f->fail_seal)
		return -1;
	assert_true(f->nsealed < SEALED_MAX);
	assert_true(len < DIALOG_PAYLOAD_MAX);
	assert_int_equal(strlen(payload), len);
	f->sealed[f->nsealed].kind = kind;
	memcpy(f->sealed[f->nsealed].payload, payload, len + 1);
	f->nsealed++;
	return 0;
}

/* tests/run.sh runs from the top of the tree and exports ROOT. */
static const char *
content_root(void)
{
	static char path[PATH_MAX];
	const char *root = getenv("ROOT");

	if (root == NULL)
		return "content";
	snprintf(path, sizeof(path), "%s/content", root);
	return path;
}

static void
new_dialog(struct fixture *f)
{
	dialog_free(f->d);
	f->d = dialog_new(&f->cfg);
	assert_non_null(f->d);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->dir = testutil_tmpdir();
	snprintf(f->path, sizeof(f->path), "%s/smsd.db", f->dir);
	randombytes_buf(f->key, sizeof(f->key));
	uint8_t dbkey[DB_KEY_LEN];
	randombytes_buf(dbkey, sizeof(dbkey));
	f->db = db_open(f->path, dbkey, &schema_device);
	if (f->db == NULL)
		return -1;
	if (dialog_content_load(&f->dc, content_root(), "en") != 0)
		return -1;
	f->cfg.db = f->db;
	f->cfg.content = &f->dc;
	f->cfg.state_key = f->key;
	f->cfg.seal = record_seal;
	f->cfg.seal_ctx = f;
	f->d = dialog_new(&f->cfg);
	if (f->d == NULL)
		return -1;
	f->now = T0;
	*state = f;
	return 0;
}

/* Seal for real: envelopes into the outbox that the hub key opens. */
static void
use_sealer(struct fixture *f)
{
	f->dev_sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	assert_non_null(f->dev_sk);
	crypto_box_keypair(f->hub_pk, f->hub_sk);
	crypto_sign_keypair(f->dev_pk, f->dev_sk);
	randombytes_buf(f->dev_id, sizeof(f->dev_id));
	f->sealer.db = f->db;
	f->sealer.device_id = f->dev_id;
	f->sealer.sign_sk = f->dev_sk;
	f->sealer.hub_box_pk = f->hub_pk;
	f->cfg.seal = sealer_outbox;
	f->cfg.seal_ctx = &f->sealer;
	new_dialog(f);
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	if (f->dev_sk != NULL)
		sodium_free(f->dev_sk);
	dialog_free(f->d);
	dialog_content_free(&f->dc);
	db_close(f->db);
	testutil_rmdir(f->dir);
	free(f);
	return 0;
}

static void
check_neutral(const char *text)
{
	for (size_t i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++)
		if (strcasestr(text, forbidden[i]) != NULL)
			fail_msg(
			    "reply contains \"%s\": %s", forbidden[i], text);
}

static int64_t count(struct fixture *f, const char *table);

/* Send text from number with message id id; returns dialog_handle's
 * result. */
static int
send_id(struct fixture *f, const char *number, const char *id, const char *text)
{
	struct sms_inbound in;
	size_t sealed;
	int64_t queued_before;
	int rc, queued;

	memset(&in, 0, sizeof(in));
	snprintf(in.from, sizeof(in.from), "%s", number);
	snprintf(in.to, sizeof(in.to), "+447700900000");
	snprintf(in.text, sizeof(in.text), "%s", text);
	snprintf(in.id, sizeof(in.id), "%s", id);
	in.timestamp = f->now / 1000;
	snprintf(f->last_id, sizeof(f->last_id), "%s", id);
	sealed = f->nsealed;
	queued_before = f->cfg.seal == sealer_outbox ? count(f, "outbox") : 0;
	rc = dialog_handle(f->d, "twilio", &in, f->now, f->reply,
	    sizeof(f->reply), &f->has_reply, &queued);
	/* queued says exactly whether the outbox grew (the forwarder is
	 * woken for it and only for it). */
	if (rc == 0)
		assert_int_equal(
		    queued, f->cfg.seal == sealer_outbox
				? count(f, "outbox") > queued_before
				: f->nsealed > sealed);
	f->now += 1000;
	if (rc == 0 && f->has_reply) {
		check_neutral(f->reply);
		assert_true(strlen(f->reply) <= SMS_MAX_REPLY);
	}
	return rc;
}

static int
send_from(struct fixture *f, const char *number, const char *text)
{
	char id[SMS_MAX_ID + 1];

	snprintf(id, sizeof(id), "SM%08d", ++f->msgno);
	return send_id(f, number, id, text);
}

/* Send and expect an answer that is the content text for key (filled). */
static void
expect(struct fixture *f, const char *text, const char *start)
{
	assert_int_equal(send_from(f, NUMBER, text), 0);
	assert_true(f->has_reply);
	if (strncmp(f->reply, start, strlen(start)) != 0)
		fail_msg("after \"%s\" expected \"%s...\", got \"%s\"", text,
		    start, f->reply);
}

#define A_INTRO "Thanks for your message."
#define A_PLACE "Did it happen in London, or do you live in London?"
#define A_NAME "What should we call you?"
#define A_CONTACT "How should we contact you?"
#define A_VOICEMAIL "If we call and you do not answer"
#define A_CONFIRM "Thank you. We have your request. Your reference is "
#define A_SORRY "Sorry, we did not understand that. "
#define A_RESTART "Sorry, we still did not understand"
#define A_STOP "Stopped. We have deleted this chat and will not"
#define A_WITHDRAWN "Stopped. We have told the team"
#define A_STOP_BAD "Stopped. We have deleted this chat. But that code"
#define A_REF_OK "Thank you. We have added this phone number"
#define A_REF_BAD "Sorry, that code does not look right."
#define A_NOT_ELIGIBLE "Thank you for telling us. We can only help"
#define A_DECLINED "That is fine. We have not kept anything."
#define A_ALREADY "We already have your request."

static int64_t
count(struct fixture *f, const char *table)
{
	char sql[128];
	sqlite3_stmt *st;
	int64_t n = -1;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	assert_int_equal(db_prepare(f->db, &st, sql), 0);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* The reference code quoted in a confirmation. */
static void
ref_in_reply(const char *reply, char ref[REFCODE_BUFLEN])
{
	const char *p = strstr(reply, "Your reference is ");

	assert_non_null(p);
	p += strlen("Your reference is ");
	memcpy(ref, p, REFCODE_LEN);
	ref[REFCODE_LEN] = '\0';
	assert_int_equal(refcode_parse(ref, REFCODE_BUFLEN, ref), 0);
}

static json_t *
payload(struct fixture *f, size_t i, enum envelope_kind kind)
{
	json_error_t e;
	json_t *j;

	assert_true(i < f->nsealed);
	assert_int_equal(f->sealed[i].kind, kind);
	j = json_loads(f->sealed[i].payload, JSON_REJECT_DUPLICATES, &e);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "schema")), 1);
	assert_string_equal(
	    json_string_value(json_object_get(j, "channel")), "sms");
	return j;
}

static const char *
jstr(json_t *j, const char *path1, const char *path2)
{
	json_t *v = json_object_get(j, path1);

	if (path2 != NULL)
		v = json_object_get(v, path2);
	return json_string_value(v);
}

static void
happy_path_call(void **state)
{
	struct fixture *f = *state;
	char intro[SMS_MAX_REPLY + 1], ref[REFCODE_BUFLEN];
	char sha[crypto_hash_sha256_BYTES * 2 + 1];
	uint8_t h[crypto_hash_sha256_BYTES];
	json_t *j, *c;

	expect(f, "Hello", A_INTRO);
	assert_non_null(strstr(f->reply, "reply AGREE"));
	assert_non_null(strstr(f->reply, "reply STOP"));
	assert_non_null(strstr(f->reply, "send EXIT"));
	memcpy(intro, f->reply, sizeof(intro));
	assert_int_equal(count(f, "sms_conversation"), 1);
	expect(f, "agree.", A_PLACE);
	expect(f, " 3 ", A_NAME);
	expect(f, "Sam O'Neil", A_CONTACT);
	expect(f, "Call, evening please", A_SORRY A_CONTACT);
	expect(f, "Call evening", A_VOICEMAIL);
	assert_int_equal(f->nsealed, 0);
	expect(f, "OK", A_CONFIRM);
	ref_in_reply(f->reply, ref);
	assert_non_null(strstr(f->reply, "10 working days"));
	/* The referral was sealed as the confirmation was made. */
	assert_int_equal(f->nsealed, 1);
	j = payload(f, 0, ENVELOPE_REFERRAL);
	assert_string_equal(jstr(j, "kind", NULL), "referral");
	assert_string_equal(jstr(j, "ref", NULL), ref);
	assert_string_equal(jstr(j, "language", NULL), "en");
	crypto_hash_sha256(h, (const unsigned char *)intro, strlen(intro));
	sodium_bin2hex(sha, sizeof(sha), h, sizeof(h));
	assert_string_equal(jstr(j, "consent", "wording_sha256"), sha);
	assert_int_equal(json_integer_value(json_object_get(
			     json_object_get(j, "consent"), "wording_version")),
	    1);
	/* Consent was given with the second message, at T0 + 1 s. */
	assert_string_equal(
	    jstr(j, "consent", "given_at"), "2023-11-14T22:13:21.000Z");
	assert_non_null(jstr(j, "created_at", NULL));
	c = json_object_get(j, "contact");
	assert_string_equal(jstr(c, "phone", NULL), NUMBER);
	assert_string_equal(jstr(c, "name", NULL), "Sam O'Neil");
	assert_string_equal(jstr(c, "method", NULL), "call");
	assert_string_equal(jstr(c, "time", NULL), "evening");
	assert_true(json_is_true(json_object_get(c, "voicemail_ok")));
	c = json_object_get(j, "eligibility");
	assert_true(json_is_true(json_object_get(c, "offence_in_london")));
	assert_true(json_is_true(json_object_get(c, "lives_in_london")));
	json_decref(j);
	/* The answers are gone from the device; the link stays for STOP. */
	assert_int_equal(count(f, "sms_conversation"), 0);
	assert_int_equal(count(f, "sms_link"), 1);
	/* A new message gets "already", not a second conversation. */
	expect(f, "hello", A_ALREADY);
	assert_int_equal(count(f, "sms_conversation"), 0);
	/* STOP afterwards withdraws the referral. */
	expect(f, "STOP", A_WITHDRAWN);
	assert_int_equal(f->nsealed, 2);
	j = payload(f, 1, ENVELOPE_WITHDRAWAL);
	assert_string_equal(jstr(j, "kind", NULL), "withdrawal");
	assert_string_equal(jstr(j, "ref", NULL), ref);
	assert_null(json_object_get(j, "contact"));
	json_decref(j);
	assert_int_equal(count(f, "sms_link"), 0);
	/* Now a fresh start is possible. */
	expect(f, "hello", A_INTRO);
}

static void
happy_path_text(void **state)
{
	struct fixture *f = *state;
	json_t *j, *c;

	expect(f, "INFO", A_INTRO);
	expect(f, "AGREE", A_PLACE);
	expect(f, "1", A_NAME);
	expect(f, "...", A_SORRY A_NAME);
	expect(f, "skip", A_CONTACT);
	/* Text only: no voicemail question. */
	expect(f, "Text only.", A_CONFIRM);
	assert_int_equal(f->nsealed, 1);
	j = payload(f, 0, ENVELOPE_REFERRAL);
	c = json_object_get(j, "contact");
	assert_true(json_is_null(json_object_get(c, "name")));
	assert_string_equal(jstr(c, "method", NULL), "text");
	assert_true(json_is_null(json_object_get(c, "time")));
	assert_true(json_is_false(json_object_get(c, "voicemail_ok")));
	c = json_object_get(j, "eligibility");
	assert_true(json_is_true(json_object_get(c, "offence_in_london")));
	assert_true(json_is_false(json_object_get(c, "lives_in_london")));
	json_decref(j);
}

static void
call_variants(void **state)
{
	struct fixture *f = *state;
	json_t *j;
	const char *answers[][2] = {
	    {"call", "any"},
	    {"morning", "morning"},
	    {"PHONE AFTERNOON", "afternoon"},
	};

	for (size_t i = 0; i < 3; i++) {
		expect(f, "hi", i == 0 ? A_INTRO : A_ALREADY);
		if (i > 0) {
			expect(f, "stop", A_WITHDRAWN);
			expect(f, "hi", A_INTRO);
		}
		expect(f, "AGREE", A_PLACE);
		expect(f, "2", A_NAME);
		expect(f, "Jo", A_CONTACT);
		expect(f, answers[i][0], A_VOICEMAIL);
		expect(f, "no", A_CONFIRM);
		j = payload(f, f->nsealed - 1, ENVELOPE_REFERRAL);
		assert_string_equal(jstr(j, "contact", "time"), answers[i][1]);
		assert_true(json_is_false(json_object_get(
		    json_object_get(j, "contact"), "voicemail_ok")));
		json_decref(j);
	}
}

/* Walk to step k (0 = nothing sent yet, 5 = at the voicemail question). */
static void
walk(struct fixture *f, int k)
{
	const char *msgs[] = {"Hello", "AGREE", "3", "Sam", "call morning"};

	for (int i = 0; i < k; i++) {
		assert_int_equal(send_from(f, NUMBER, msgs[i]), 0);
		assert_true(f->has_reply);
	}
}

static void
stop_at_every_step(void **state)
{
	struct fixture *f = *state;
	const char *words[] = {"STOP", " stop! ", "Stopall", "UNSUBSCRIBE",
	    "cancel.", "End", "quit", "Stop texting me"};

	/* Many conversations from one number: no rate limit here. */
	f->cfg.sender_max = 100000;
	f->cfg.global_max = 100000;
	new_dialog(f);
	for (int k = 0; k <= 5; k++) {
		for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
			walk(f, k);
			expect(f, words[w], A_STOP);
			assert_int_equal(count(f, "sms_conversation"), 0);
			assert_int_equal(f->nsealed, 0);
		}
	}
	/* With no conversation at all: one confirmation, no state made. */
	assert_int_equal(send_from(f, OTHER, "STOP"), 0);
	assert_true(f->has_reply);
	assert_int_equal(strncmp(f->reply, A_STOP, strlen(A_STOP)), 0);
	assert_int_equal(count(f, "sms_conversation"), 0);
	assert_int_equal(count(f, "sms_link"), 0);
	assert_int_equal(f->nsealed, 0);
}

static void
stop_with_code(void **state)
{
	struct fixture *f = *state;
	char code[REFCODE_BUFLEN], bad[REFCODE_BUFLEN], msg[64];
	json_t *j;

	assert_int_equal(refcode_generate(code, sizeof(code)), 0);
	/* As the kiosk slip says: STOP and the code, any case. */
	snprintf(msg, sizeof(msg), "stop %s", code);
	for (char *p = msg; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	expect(f, msg, A_WITHDRAWN);
	assert_int_equal(f->nsealed, 1);
	j = payload(f, 0, ENVELOPE_WITHDRAWAL);
	assert_string_equal(jstr(j, "ref", NULL), code);
	json_decref(j);
	/* A wrong check symbol: stopped, but nothing can be withdrawn. */
	memcpy(bad, code, sizeof(bad));
	bad[REFCODE_LEN - 1] = bad[REFCODE_LEN - 1] == '0' ? '1' : '0';
	snprintf(msg, sizeof(msg), "STOP %s", bad);
	expect(f, msg, A_STOP_BAD);
	assert_int_equal(f->nsealed, 1);
}

static void
silent_exit(void **state)
{
	struct fixture *f = *state;

	walk(f, 4);
	assert_int_equal(count(f, "sms_conversation"), 1);
	assert_int_equal(send_from(f, NUMBER, "exit"), 0);
	assert_false(f->has_reply);
	assert_string_equal(f->reply, "");
	assert_int_equal(count(f, "sms_conversation"), 0);
	assert_int_equal(f->nsealed, 0);
	/* Even with no conversation it says nothing. */
	assert_int_equal(send_from(f, OTHER, "  EXIT. "), 0);
	assert_false(f->has_reply);
	assert_int_equal(count(f, "sms_conversation"), 0);
	expect(f, "Hello", A_INTRO);
	/* A configured exit word replaces EXIT. */
	f->cfg.exit_word = "bye";
	new_dialog(f);
	assert_int_equal(send_from(f, NUMBER, "Bye"), 0);
	assert_false(f->has_reply);
	assert_int_equal(count(f, "sms_conversation"), 0);
	expect(f, "exit", A_INTRO);
}

static void
ref_codes(void **state)
{
	struct fixture *f = *state;
	char code[REFCODE_BUFLEN], bad[REFCODE_BUFLEN], msg[64];
	json_t *j;

	assert_int_equal(refcode_generate(code, sizeof(code)), 0);
	memcpy(bad, code, sizeof(bad));
	bad[REFCODE_LEN - 1] = bad[REFCODE_LEN - 1] == 'A' ? 'B' : 'A';
	/* In the middle of a conversation, REF leaves it where it was. */
	walk(f, 2);
	snprintf(msg, sizeof(msg), "REF %s", bad);
	expect(f, msg, A_REF_BAD);
	expect(f, "3", A_NAME);
	snprintf(msg, sizeof(msg), "REF %s", code);
	expect(f, msg, A_REF_OK);
	expect(f, "Sam", A_CONTACT);
	assert_int_equal(f->nsealed, 1);
	j = payload(f, 0, ENVELOPE_FOLLOWUP);
	assert_string_equal(jstr(j, "kind", NULL), "followup");
	assert_string_equal(jstr(j, "ref", NULL), code);
	assert_string_equal(jstr(j, "contact", "phone"), NUMBER);
	assert_non_null(jstr(j, "at", NULL));
	json_decref(j);
	/* Sent again (lower case, spaces for dashes): acknowledged, but the
	 * hub already has it. */
	snprintf(msg, sizeof(msg), "ref %.4s %.4s %.4s %c", code, code + 5,
	    code + 10, code[15]);
	for (char *p = msg; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	expect(f, msg, A_REF_OK);
	assert_int_equal(f->nsealed, 1);
	/* Wrong check symbol, or no code: ask again, nothing sealed. */
	snprintf(msg, sizeof(msg), "REF %s", bad);
	expect(f, msg, A_REF_BAD);
	expect(f, "REF", A_REF_BAD);
	assert_int_equal(f->nsealed, 1);
	/* A code sent from a number with no conversation starts none. */
	snprintf(msg, sizeof(msg), "REF %s", code);
	assert_int_equal(send_from(f, OTHER, msg), 0);
	assert_int_equal(count(f, "sms_conversation"), 1);
	assert_int_equal(f->nsealed, 2);
	/* A number linked to a referral is not asked again. */
	assert_int_equal(send_from(f, OTHER, "hello"), 0);
	assert_int_equal(strncmp(f->reply, A_ALREADY, strlen(A_ALREADY)), 0);
	/* STOP withdraws the kiosk referral this number was linked to. */
	expect(f, "STOP", A_WITHDRAWN);
	assert_int_equal(count(f, "sms_conversation"), 0);
	assert_int_equal(f->nsealed, 3);
	j = payload(f, 2, ENVELOPE_WITHDRAWAL);
	assert_string_equal(jstr(j, "ref", NULL), code);
	json_decref(j);
}

static void
many_links(void **state)
{
	struct fixture *f = *state;
	char code[REFCODE_BUFLEN], msg[64];
	int i, n = CONVERSATION_LINKS_MAX + 3;

	for (i = 0; i < n; i++) {
		assert_int_equal(refcode_generate(code, sizeof(code)), 0);
		snprintf(msg, sizeof(msg), "REF %s", code);
		expect(f, msg, A_REF_OK);
	}
	assert_int_equal(f->nsealed, (size_t)n);
	/* STOP withdraws every one of them, not just a first batch. */
	expect(f, "STOP", A_WITHDRAWN);
	assert_int_equal(f->nsealed, (size_t)(2 * n));
	for (i = n; i < 2 * n; i++)
		assert_int_equal(f->sealed[i].kind, ENVELOPE_WITHDRAWAL);
	assert_int_equal(count(f, "sms_link"), 0);
}

static void
unknown_input(void **state)
{
	struct fixture *f = *state;

	/* At the consent question. */
	expect(f, "hello", A_INTRO);
	expect(f, "what is this?", A_SORRY A_INTRO);
	expect(f, "AGREE", A_PLACE);
	/* Once: the question again; twice: how to start again. */
	expect(f, "banana", A_SORRY A_PLACE);
	expect(f, "5", A_RESTART);
	assert_non_null(strstr(f->reply, "send us any word"));
	assert_int_equal(count(f, "sms_conversation"), 0);
	expect(f, "hello", A_INTRO);
	/* A good answer in between resets the count. */
	expect(f, "AGREE", A_PLACE);
	expect(f, "x", A_SORRY A_PLACE);
	expect(f, "2", A_NAME);
	/* A name longer than we keep is not understood. */
	expect(f,
	    "This is a very long message that is certainly not a name that "
	    "anyone would give us",
	    A_SORRY A_NAME);
	expect(f, "Alex", A_CONTACT);
	expect(f, "text and call", A_SORRY A_CONTACT);
	expect(f, "text morning", A_RESTART);
	assert_int_equal(f->nsealed, 0);
	walk(f, 5);
	expect(f, "maybe", A_SORRY A_VOICEMAIL);
	expect(f, "safe", A_CONFIRM);
}

static void
ineligible(void **state)
{
	struct fixture *f = *state;

	expect(f, "hello", A_INTRO);
	expect(f, "AGREE", A_PLACE);
	expect(f, "4", A_NOT_ELIGIBLE);
	/* A kind signpost with the support numbers from support.json. */
	assert_non_null(strstr(f->reply, "08 08 16 89 111"));
	assert_non_null(strstr(f->reply, "999"));
	assert_int_equal(count(f, "sms_conversation"), 0);
	assert_int_equal(count(f, "sms_link"), 0);
	assert_int_equal(f->nsealed, 0);
	/* Declining the consent question keeps nothing either. */
	expect(f, "hello", A_INTRO);
	expect(f, "no", A_DECLINED);
	assert_int_equal(count(f, "sms_conversation"), 0);
	assert_int_equal(f->nsealed, 0);
}

static void
expiry(void **state)
{
	struct fixture *f = *state;
	int64_t last;

	walk(f, 3);
	assert_int_equal(count(f, "sms_conversation"), 1);
	/* An answer after more than a day idle starts afresh. */
	f->now += DIALOG_IDLE_DEFAULT + 1;
	expect(f, "Sam", A_INTRO);
	assert_int_equal(count(f, "sms_conversation"), 1);
	/* The periodic purge deletes idle conversations with no message. */
	last = f->now - 1000;
	assert_int_equal(dialog_purge(f->d, last + DIALOG_IDLE_DEFAULT), 0);
	assert_int_equal(count(f, "sms_conversation"), 1);
	assert_int_equal(dialog_purge(f->d, last + DIALOG_IDLE_DEFAULT + 1), 0);
	assert_int_equal(count(f, "sms_conversation"), 0);
	/* A configured idle time. */
	f->cfg.idle_ms = 60 * 1000;
	new_dialog(f);
	walk(f, 2);
	f->now += 61 * 1000;
	expect(f, "3", A_INTRO);
}

static void
duplicate_ids(void **state)
{
	struct fixture *f = *state;
	char first[SMS_MAX_REPLY + 1], ref[REFCODE_BUFLEN];

	assert_int_equal(send_id(f, NUMBER, "SMdup1", "hello"), 0);
	memcpy(first, f->reply, sizeof(first));
	assert_int_equal(send_id(f, NUMBER, "SMdup1", "hello"), 0);
	assert_string_equal(f->reply, first);
	assert_int_equal(send_id(f, NUMBER, "SMdup2", "AGREE"), 0);
	assert_int_equal(strncmp(f->reply, A_PLACE, strlen(A_PLACE)), 0);
	/* The retry of AGREE is answered the same and moves nothing on. */
	assert_int_equal(send_id(f, NUMBER, "SMdup2", "AGREE"), 0);
	assert_int_equal(strncmp(f->reply, A_PLACE, strlen(A_PLACE)), 0);
	expect(f, "1", A_NAME);
	expect(f, "skip", A_CONTACT);
	assert_int_equal(send_id(f, NUMBER, "SMdup3", "TEXT ONLY"), 0);
	ref_in_reply(f->reply, ref);
	assert_int_equal(f->nsealed, 1);
	/* The final message again: same code, not sealed twice. */
	assert_int_equal(send_id(f, NUMBER, "SMdup3", "TEXT ONLY"), 0);
	assert_non_null(strstr(f->reply, ref));
	assert_int_equal(f->nsealed, 1);
	/* A silent exit replayed stays silent. */
	assert_int_equal(send_id(f, OTHER, "SMdup4", "EXIT"), 0);
	assert_false(f->has_reply);
	assert_int_equal(send_id(f, OTHER, "SMdup4", "EXIT"), 0);
	assert_false(f->has_reply);
	/* The same id from another provider is another message. */
	struct sms_inbound in;
	memset(&in, 0, sizeof(in));
	strcpy(in.from, OTHER);
	strcpy(in.text, "hello");
	strcpy(in.id, "SMdup4");
	assert_int_equal(dialog_handle(f->d, "kannel", &in, f->now, f->reply,
			     sizeof(f->reply), &f->has_reply, NULL),
	    0);
	assert_true(f->has_reply);
	assert_int_equal(strncmp(f->reply, A_INTRO, strlen(A_INTRO)), 0);
}

static void
rate_limits(void **state)
{
	struct fixture *f = *state;
	int i;

	f->cfg.sender_max = 5;
	f->cfg.sender_window_ms = 3600 * 1000;
	f->cfg.global_max = 12;
	f->cfg.global_window_ms = 60 * 1000;
	new_dialog(f);
	expect(f, "hello", A_INTRO);
	for (i = 0; i < 4; i++)
		assert_int_equal(send_from(f, NUMBER, "what?"), 0);
	/* The sixth message in the hour is recorded, not answered. */
	assert_int_equal(send_from(f, NUMBER, "hello"), 0);
	assert_false(f->has_reply);
	/* STOP still works for this sender. */
	expect(f, "STOP", A_STOP);
	assert_int_equal(count(f, "sms_conversation"), 0);
	/* Others are still served, up to the global limit. */
	for (i = 0; i < 4; i++) {
		char num[24];

		snprintf(num, sizeof(num), "+4477009002%02d", i);
		assert_int_equal(send_from(f, num, "hello"), 0);
		assert_true(f->has_reply);
	}
	assert_int_equal(send_from(f, OTHER, "hello"), 0);
	assert_true(f->has_reply);
	/* Past the global limit (12 a minute) a burst of new people is
	 * still answered and recorded: nothing is dropped (issue 14). */
	for (i = 0; i < 30; i++) {
		char num[24];

		snprintf(num, sizeof(num), "+4477009004%02d", i);
		assert_int_equal(send_from(f, num, "hello"), 0);
		assert_true(f->has_reply);
		assert_int_equal(
		    strncmp(f->reply, A_INTRO, strlen(A_INTRO)), 0);
	}
	assert_int_equal(send_from(f, "+447700900301", "hello"), 0);
	assert_true(f->has_reply);
	/* A provider's retry gets the same answer, once. */
	assert_int_equal(send_id(f, "+447700900301", f->last_id, "hello"), 0);
	assert_true(f->has_reply);
	/* STOP is never refused. */
	expect(f, "stop", A_STOP);
	/* A new window. */
	f->now += 61 * 1000;
	assert_int_equal(send_from(f, "+447700900301", "hello"), 0);
	assert_true(f->has_reply);
	/* The sender's hour is over too. */
	f->now += 3600 * 1000;
	expect(f, "hello", A_INTRO);
}

/* dialog_submit's callback, and an operation that always fails. */
struct later {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int n, rc;
};

static void
later_done(struct dialog_call *call, int rc, void *arg)
{
	struct later *l = arg;

	(void)call;
	pthread_mutex_lock(&l->mu);
	l->rc = rc;
	l->n++;
	pthread_cond_signal(&l->cv);
	pthread_mutex_unlock(&l->mu);
}

static int
refuse_op(struct db *db, void *arg)
{
	(void)db;
	(void)arg;
	return -1;
}

static void
refused_done(void *arg, int rc)
{
	later_done(NULL, rc, arg);
}

/*
 * Through the group commit, a message shares its batch with an operation
 * that fails: the batch is rolled back and run again without it, so the
 * message's transaction runs twice, and its sender, allowed one message
 * an hour, is still counted once and answered. The next one is not.
 */
static void
counted_once_through_reruns(void **state)
{
	struct fixture *f = *state;
	struct sms_inbound in;
	struct dialog_call call;
	struct gcommit_op op;
	struct later l = {
	    PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
	struct gcommit_stats gs;
	struct gcommit *gc;

	gc = gcommit_new(&(struct gcommit_config){
	    .db = f->db, .max_wait_us = GCOMMIT_WAIT_US_MAX});
	assert_non_null(gc);
	assert_int_equal(gcommit_start(gc), 0);
	f->cfg.gc = gc;
	f->cfg.sender_max = 1;
	new_dialog(f);
	memset(&in, 0, sizeof(in));
	strcpy(in.from, NUMBER);
	strcpy(in.to, "+447700900000");
	strcpy(in.text, "hello");
	strcpy(in.id, "SMrerun1");
	assert_int_equal(dialog_submit(f->d, &call, "twilio", &in, f->now,
			     f->reply, sizeof(f->reply), later_done, &l),
	    0);
	assert_int_equal(
	    gcommit_submit(gc, &op, refuse_op, NULL, refused_done, &l), 0);
	pthread_mutex_lock(&l.mu);
	while (l.n < 2)
		pthread_cond_wait(&l.cv, &l.mu);
	pthread_mutex_unlock(&l.mu);
	gcommit_stats(gc, &gs);
	assert_int_equal(gs.batches, 1);
	assert_int_equal(gs.failed_ops, 1);
	assert_true(call.has_reply);
	assert_int_equal(strncmp(f->reply, A_INTRO, strlen(A_INTRO)), 0);
	/* The second message in the hour is over the limit. */
	f->now += 1000;
	assert_int_equal(send_from(f, NUMBER, "hello"), 0);
	assert_false(f->has_reply);
	dialog_free(f->d);
	f->d = NULL;
	gcommit_free(gc);
}

static void
seal_failure_rolls_back(void **state)
{
	struct fixture *f = *state;

	walk(f, 5);
	f->fail_seal = 1;
	assert_int_equal(send_id(f, NUMBER, "SMfinal", "OK"), -1);
	assert_false(f->has_reply);
	assert_string_equal(f->reply, "");
	/* Nothing changed: still at the voicemail question, id not seen. */
	assert_int_equal(count(f, "sms_conversation"), 1);
	assert_int_equal(count(f, "sms_link"), 0);
	f->fail_seal = 0;
	assert_int_equal(send_id(f, NUMBER, "SMfinal", "OK"), 0);
	assert_int_equal(strncmp(f->reply, A_CONFIRM, strlen(A_CONFIRM)), 0);
	assert_int_equal(f->nsealed, 1);
	assert_int_equal(count(f, "sms_conversation"), 0);
}

/* Does needle appear in any column of any row of table? */
static int
table_has(struct fixture *f, const char *table, const char *needle)
{
	char sql[128];
	sqlite3_stmt *st;
	int found = 0, s;

	snprintf(sql, sizeof(sql), "SELECT * FROM %s", table);
	assert_int_equal(db_prepare(f->db, &st, sql), 0);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		for (int c = 0; c < sqlite3_column_count(st); c++) {
			const void *b = sqlite3_column_blob(st, c);
			int n = sqlite3_column_bytes(st, c);

			if (b != NULL && n > 0 &&
			    memmem(b, (size_t)n, needle, strlen(needle)) !=
				NULL)
				found = 1;
		}
	}
	assert_int_equal(s, SQLITE_DONE);
	sqlite3_finalize(st);
	return found;
}

static int
file_has(const char *path, const char *needle)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	size_t n;
	int found;

	if (fp == NULL)
		return 0;
	buf = malloc(16 * 1024 * 1024);
	assert_non_null(buf);
	n = fread(buf, 1, 16 * 1024 * 1024, fp);
	fclose(fp);
	found = memmem(buf, n, needle, strlen(needle)) != NULL;
	free(buf);
	return found;
}

static void
no_number_in_clear(void **state)
{
	struct fixture *f = *state;
	const char *tables[] = {
	    "sms_conversation", "sms_link", "sms_seen", "outbox"};
	const char *name = "Zebedee-Quintessential";
	char wal[PATH_MAX + 8];

	/* One finished referral, one conversation holding a name. */
	use_sealer(f);
	walk(f, 5);
	expect(f, "OK", A_CONFIRM);
	expect(f, "STOP", A_WITHDRAWN);
	expect(f, "hello", A_INTRO);
	expect(f, "AGREE", A_PLACE);
	expect(f, "3", A_NAME);
	expect(f, name, A_CONTACT);
	assert_int_equal(send_from(f, OTHER, "REF 0000-0000-0000-0"), 0);
	assert_int_equal(count(f, "outbox"), 3);
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		assert_false(table_has(f, tables[i], DIGITS));
		assert_false(table_has(f, tables[i], "7700900"));
	}
	/* The name is kept (encrypted at rest) until the referral is
	 * sealed; the number never is. */
	assert_true(table_has(f, "sms_conversation", name));
	assert_false(file_has(f->path, DIGITS));
	assert_false(file_has(f->path, name));
	snprintf(wal, sizeof(wal), "%s-wal", f->path);
	assert_false(file_has(wal, DIGITS));
	assert_false(file_has(wal, name));
}

static void
content_is_neutral(void **state)
{
	struct fixture *f = *state;
	const char *keys[] = {"intro", "ask_place", "not_eligible", "ask_name",
	    "ask_contact", "ask_voicemail", "confirm", "already", "declined",
	    "stop_done", "stop_withdrawn", "stop_code_bad", "ref_ok", "ref_bad",
	    "sorry", "restart"};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *t = content_get(&f->dc.sms, keys[i]);

		assert_non_null(t);
		check_neutral(t);
	}
}

static void
bad_config(void **state)
{
	struct fixture *f = *state;
	struct dialog_cfg c = f->cfg;
	struct dialog *d;
	const char *consent[] = {"YES", "start", "HELP", "INFO", "STOP", "EXIT",
	    "NO", "REF", "", "YES PLEASE", "UNSTOP", "AGREE STOPALL"};
	const char *exits[] = {"HELP", "OK", "CALL", "STOP", "GO AWAY", "REF",
	    "AGREE", "1", "QUIT", "INFO", "SKIP"};

	(void)state;
	log_quiet(1);
	for (size_t i = 0; i < sizeof(consent) / sizeof(consent[0]); i++) {
		c.consent_words = consent[i];
		d = dialog_new(&c);
		if (d != NULL)
			fail_msg("consent word \"%s\" accepted", consent[i]);
	}
	c.consent_words = NULL;
	for (size_t i = 0; i < sizeof(exits) / sizeof(exits[0]); i++) {
		c.exit_word = exits[i];
		d = dialog_new(&c);
		if (d != NULL)
			fail_msg("exit word \"%s\" accepted", exits[i]);
	}
	c.exit_word = NULL;
	c.seal = NULL;
	assert_null(dialog_new(&c));
	/* Several consent words: each works, the first is shown. */
	f->cfg.consent_words = "join agree";
	new_dialog(f);
	expect(f, "hello", A_INTRO);
	assert_non_null(strstr(f->reply, "reply JOIN"));
	expect(f, "Agree", A_PLACE);
}

/* The seal callback smsd will use: a real envelope in the outbox, in the
 * dialog's transaction, that the hub's key opens. */
static void
sealer_roundtrip(void **state)
{
	struct fixture *f = *state;
	uint8_t out[DIALOG_PAYLOAD_MAX];
	struct outbox_item items[4];
	struct envelope_hdr h;
	size_t n, len;
	int64_t pending;
	json_t *j;
	json_error_t e;

	use_sealer(f);
	walk(f, 5);
	expect(f, "OK", A_CONFIRM);
	assert_int_equal(outbox_count(f->db, &pending, NULL), 0);
	assert_int_equal(pending, 1);
	assert_int_equal(
	    outbox_take_due(f->db, db_now_ms() + 1000, items, 4, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(
	    envelope_open(out, sizeof(out) - 1, &len, &h, items[0].envelope,
		items[0].len, f->dev_pk, f->hub_pk, f->hub_sk),
	    0);
	assert_int_equal(h.kind, ENVELOPE_REFERRAL);
	out[len] = '\0';
	j = json_loads((const char *)out, 0, &e);
	assert_non_null(j);
	assert_string_equal(jstr(j, "contact", "phone"), NUMBER);
	json_decref(j);
	outbox_items_free(items, n);
	/* STOP queues the withdrawal the same way. */
	expect(f, "STOP", A_WITHDRAWN);
	assert_int_equal(outbox_count(f->db, &pending, NULL), 0);
	assert_int_equal(pending, 2);
}

/* Draft translations: same keys and placeholders as English (checked
 * by dialog_content_load), every template fits, no crime words. */
static void
translations(void **state)
{
	struct fixture *f = *state;
	const char *langs[] = {"es", "pl", "pt", "ro", "tr"};
	/* Crime, victim, offender, justice, police, court in each. */
	const char *local[] = {"delito", "crimen", "víctima", "justicia",
	    "polic", "tribunal", "przestęp", "ofiar", "sprawc", "sprawiedliwo",
	    "sąd", "crime", "vítima", "agressor", "justiça", "infrac", "victim",
	    "agresor", "justiție", "instanț", "suç", "mağdur", "adalet",
	    "mahkeme", "polis"};
	struct dialog_content dc;
	struct dialog_cfg c = f->cfg;
	struct dialog *d;
	size_t i, k, w;

	for (i = 0; i < sizeof(langs) / sizeof(langs[0]); i++) {
		assert_int_equal(
		    dialog_content_load(&dc, "content", langs[i]), 0);
		assert_true(dc.sms.draft);
		c.content = &dc;
		d = dialog_new(&c);
		assert_non_null(d);
		for (k = 0; k < 16; k++) {
			static const char *const keys[] = {"intro", "ask_place",
			    "not_eligible", "ask_name", "ask_contact",
			    "ask_voicemail", "confirm", "already", "declined",
			    "stop_done", "stop_withdrawn", "stop_code_bad",
			    "ref_ok", "ref_bad", "sorry", "restart"};
			const char *t = content_get(&dc.sms, keys[k]);

			assert_non_null(t);
			check_neutral(t);
			for (w = 0; w < sizeof(local) / sizeof(local[0]); w++)
				if (strcasestr(t, local[w]) != NULL)
					fail_msg("%s/%s contains \"%s\"",
					    langs[i], keys[k], local[w]);
		}
		dialog_free(d);
		dialog_content_free(&dc);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(happy_path_call, setup, teardown),
	    cmocka_unit_test_setup_teardown(happy_path_text, setup, teardown),
	    cmocka_unit_test_setup_teardown(call_variants, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		stop_at_every_step, setup, teardown),
	    cmocka_unit_test_setup_teardown(stop_with_code, setup, teardown),
	    cmocka_unit_test_setup_teardown(silent_exit, setup, teardown),
	    cmocka_unit_test_setup_teardown(ref_codes, setup, teardown),
	    cmocka_unit_test_setup_teardown(many_links, setup, teardown),
	    cmocka_unit_test_setup_teardown(unknown_input, setup, teardown),
	    cmocka_unit_test_setup_teardown(ineligible, setup, teardown),
	    cmocka_unit_test_setup_teardown(expiry, setup, teardown),
	    cmocka_unit_test_setup_teardown(duplicate_ids, setup, teardown),
	    cmocka_unit_test_setup_teardown(rate_limits, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		counted_once_through_reruns, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		seal_failure_rolls_back, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		no_number_in_clear, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		content_is_neutral, setup, teardown),
	    cmocka_unit_test_setup_teardown(bad_config, setup, teardown),
	    cmocka_unit_test_setup_teardown(sealer_roundtrip, setup, teardown),
	    cmocka_unit_test_setup_teardown(translations, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	log_quiet(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
