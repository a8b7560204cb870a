#ifndef SMS_DIALOG_H
#define SMS_DIALOG_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/envelope.h"
#include "sms/provider.h"
#include "store/conversation.h"
#include "store/db.h"
#include "store/gcommit.h"
#include "util/content.h"

/*
 * The SMS consent conversation. One call per inbound message: it reads
 * and changes the conversation state, seals any envelope through the
 * seal callback, records the message id with the reply, and commits all
 * of it in one transaction before it hands the reply back. The caller
 * sends the reply only after dialog_handle returned, so no reply ever
 * promises a state change that could still be lost.
 *
 * What a person can send (keywords from content/, matched without regard
 * to case, surrounding spaces or punctuation):
 *
 *   STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT (the whole message), or
 *   a message starting with STOP: at any point, with or without a
 *   conversation. Deletes the conversation, seals a withdrawal for every
 *   reference this number holds (its SMS referral, kiosk codes it sent
 *   with REF) and for a code written after STOP ("STOP K7QD-M2XA-9RTF-C",
 *   as the kiosk slip says), then one short confirmation.
 *   the exit word (default EXIT): deletes the conversation, no reply.
 *   REF <code>: links this number to a kiosk referral (a follow-up
 *   envelope), acknowledged; a code with a wrong check symbol is asked
 *   for again. The conversation, if any, is left where it was.
 *   anything else: the conversation below.
 *
 * The conversation: any first word gets a neutral explanation and the
 * consent question. After the consent word: where it happened or where
 * they live (asked first, so nothing more is asked of someone the service
 * cannot help: "neither" gets a kind signpost and nothing is kept), what
 * to call them (or SKIP), how and when to contact them, whether a voice
 * message is safe (only asked for calls), then the referral is sealed and
 * the reply gives the reference code and how to withdraw. The answers are
 * deleted from the device as the referral is sealed; only a link from the
 * keyed hash of the number to the reference code is kept (link_keep_ms),
 * so that STOP can withdraw it later. An answer that is not understood
 * gets the question again once, then an explanation of how to start
 * again, and the conversation is deleted. A conversation idle for
 * idle_ms is deleted.
 *
 * Rate limits: a sender over sender_max messages in sender_window_ms is
 * recorded and answered with nothing (abuse from one phone). Over
 * global_max messages in global_window_ms every message is still handled
 * and answered, and a warning is logged once a window: a burst of people
 * texting in must never be dropped (Twilio does not retry a refusal), so
 * the gateway is bounded only by the server's connection limits. STOP and
 * the exit word are counted but never refused. A message id seen before is
 * answered with the reply recorded the first time and changes nothing.
 *
 * Threads: dialog_handle serialises calls on a mutex (or on the group
 * commit's writer thread), and it must have a database connection of its
 * own (db_open) that no other thread uses:
 * the forwarder thread needs another one. The seal callback runs inside
 * dialog_handle's transaction and must write the envelope through the
 * same connection without beginning a transaction of its own
 * (outbox_put does exactly that; see store/sealer.h).
 */

#define DIALOG_KEY_LEN 32 /* the device secret keying the state table */
#define DIALOG_PAYLOAD_MAX 4096
#define DIALOG_WORDS_MAX 128 /* a configured keyword list */

#define DIALOG_IDLE_DEFAULT (24 * 3600 * 1000LL)
#define DIALOG_SEEN_KEEP_DEFAULT (48 * 3600 * 1000LL)
#define DIALOG_LINK_KEEP_DEFAULT (90 * 24 * 3600 * 1000LL)
#define DIALOG_SENDER_MAX_DEFAULT 30
#define DIALOG_SENDER_WINDOW_DEFAULT (3600 * 1000LL)
#define DIALOG_GLOBAL_MAX_DEFAULT 300
#define DIALOG_GLOBAL_WINDOW_DEFAULT (60 * 1000LL)

/* Seals payload (JSON, NUL-terminated) for the hub and queues it. */
typedef int (*dialog_seal_fn)(
    void *ctx, enum envelope_kind kind, const char *payload, size_t len);

/* The content the conversation speaks: content/<lang>/sms.json checked
 * against English, service.json (keywords, days) and support.json. */
struct dialog_content {
	struct content sms;
	struct content_service service;
	struct content_support support;
};

int dialog_content_load(
    struct dialog_content *dc, const char *root, const char *lang);
void dialog_content_free(struct dialog_content *dc);

struct gcommit;

struct dialog_cfg {
	struct db *db;
	/* Optional: the database's group commit (store/gcommit.h), over
	 * db. Then dialog_handle runs as one operation of a batch and
	 * returns once that batch is durable; without it, each message is
	 * its own transaction. */
	struct gcommit *gc;
	const struct dialog_content *content;
	const uint8_t *state_key; /* DIALOG_KEY_LEN bytes; copied */
	dialog_seal_fn seal;
	void *seal_ctx;
	/* Space-separated words (A-Z, 0-9); NULL: content kw_consent. Never
	 * YES, START, UNSTOP, HELP or INFO: providers answer those
	 * themselves. */
	const char *consent_words;
	const char *exit_word; /* NULL: content kw_exit */
	/* 0 for each of these means its DIALOG_*_DEFAULT. */
	int64_t idle_ms;
	int64_t seen_keep_ms;
	int64_t link_keep_ms;
	int sender_max;
	int64_t sender_window_ms;
	int global_max;
	int64_t global_window_ms;
};

struct dialog;

/* Checks the configuration and every reply template; NULL on error. */
struct dialog *dialog_new(const struct dialog_cfg *cfg);
void dialog_free(struct dialog *d);

/*
 * Handle one verified inbound message from provider (its name, part of
 * the message-id key). Returns 0 with *has_reply and reply (a text of at
 * most SMS_MAX_REPLY bytes) set, and *queued (when not NULL) 1 if an
 * envelope went into the outbox (wake the forwarder) and 0 if not; or
 * -1 when nothing was changed (answer 500).
 */
int dialog_handle(struct dialog *d, const char *provider,
    const struct sms_inbound *in, int64_t now_ms, char *reply, size_t cap,
    int *has_reply, int *queued);

/*
 * One message on its way through dialog_submit, in the caller's memory
 * until done is called. The fields are the dialog's own, apart from
 * has_reply and queued, which are as dialog_handle sets them when done is
 * called with 0.
 */
struct dialog_call;
typedef void (*dialog_done)(struct dialog_call *call, int rc, void *arg);
struct dialog_call {
	struct dialog *d;
	const struct sms_inbound *in;
	int64_t now;
	char *reply;
	int has_reply, queued;
	/* Outlive a rerun of the batch (gcommit_fn), so a message is
	 * counted once however often its transaction runs. */
	int rated, sender_ok;
	/* Computed by the caller, off the group commit's writer. */
	uint8_t sender[CONVERSATION_KEY_LEN];
	uint8_t mkey[CONVERSATION_KEY_LEN];
	struct gcommit_op op;
	dialog_done done;
	void *done_arg;
};

/*
 * dialog_handle without waiting for the commit: returns 0 and later calls
 * done(call, rc, arg) once (rc as dialog_handle returns it), on the group
 * commit's answering thread, or at once on this one without a group
 * commit. -1, and done is never called, on a bad call or when the group
 * commit is stopping. in and reply must live until done.
 */
int dialog_submit(struct dialog *d, struct dialog_call *call,
    const char *provider, const struct sms_inbound *in, int64_t now_ms,
    char *reply, size_t cap, dialog_done done, void *arg);

/*
 * Every reply the conversation can send, filled in as it would be sent
 * (with the longest reference code where one belongs, the "sorry" and
 * question pairs too): fn(ctx, key, text) for each, stopping at the
 * first nonzero. dialog_new refuses content whose reply is longer than
 * SMS_MAX_SEGMENTS (sms/segments.h); the tests measure every language.
 */
int dialog_each_reply(const struct dialog *d,
    int (*fn)(void *ctx, const char *name, const char *text), void *ctx);

/* Delete expired conversations, old message ids, links and rate windows;
 * smsd calls this periodically (say once a minute) so that state expires
 * even when no message arrives. */
int dialog_purge(struct dialog *d, int64_t now_ms);

#endif
