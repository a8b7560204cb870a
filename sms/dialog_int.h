#ifndef SMS_DIALOG_INT_H
#define SMS_DIALOG_INT_H

/* Shared by the pieces of the SMS dialog (dialog.c: its lifetime and
 * one message's transaction; dialog_steps.c: the state machine;
 * dialog_words.c: keyword matching; dialog_reply.c: the replies;
 * dialog_seal.c: the envelopes). Not for other modules. */

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sodium.h>

#include "sms/dialog.h"
#include "sms/rate.h"
#include "store/conversation.h"

/* How often a message's transaction also deletes what has expired. */
#define DIALOG_PURGE_MS 1000

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
struct dialog_kw {
	const char *key;
	const char *var;
	int step; /* where it is an answer; 0 for global words */
};
extern const struct dialog_kw dialog_kw_def[KW_N];

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
	struct rate *rate; /* per sender (sms/rate.h) */
	int64_t purged_at; /* the last purge inside a message's transaction */
	struct rate_window global;
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
	int queued; /* an envelope was put in the outbox */
};

/* dialog_words.c */
void dialog_normalise(const char *in, char *out);
int dialog_word_in(const char *word, size_t len, const char *list);
int dialog_whole_in(const char *norm, const char *list);
size_t dialog_first_word(const char *norm, const char **rest);
int dialog_load_words(
    const char *what, const char *src, char *words, char *shown);
int dialog_check_words(struct dialog *d);
int dialog_code_try(const char *rest);
int dialog_take_name(const char *text, char out[CONVERSATION_NAME_MAX + 1]);
int dialog_is_stop(const struct dialog *d, const char *norm, const char **rest);
int dialog_is_ref(const struct dialog *d, const char *norm, const char **rest);

/* dialog_reply.c */
enum reply dialog_question_for(int step);
/* Fill in a reply template; ref is NULL where no code belongs. */
int dialog_expand(const struct dialog *d, enum reply r, const char *ref,
    char *out, size_t cap);
int dialog_expand_again(
    const struct dialog *d, int step, char *out, size_t cap);
int dialog_check_templates(struct dialog *d);
int dialog_say(struct msg *m, enum reply r, const char *ref);

/* dialog_seal.c */
int dialog_seal_withdrawal(struct msg *m, const char *ref);
int dialog_seal_followup(struct msg *m, const char *ref);
int dialog_seal_referral(
    struct msg *m, const struct conversation *c, const char *ref);

/* dialog_steps.c */
int dialog_do_stop(struct msg *m, const char *rest);
int dialog_do_exit(struct msg *m);
int dialog_do_ref(struct msg *m, const char *rest);
int dialog_do_conversation(struct msg *m);

#endif
