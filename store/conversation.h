#ifndef STORE_CONVERSATION_H
#define STORE_CONVERSATION_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/refcode.h"
#include "store/db.h"

/*
 * The SMS gateway's tables (device schema step 2). Every row is found by
 * a 32-byte key the caller computes as HMAC-SHA256 with the device
 * secret: of the phone number (sender key) or of the provider's message
 * id. No phone number is ever stored here.
 *
 *   conversation  one in-progress conversation per sender: the step, the
 *                 answers so far (personal, kept only until the referral
 *                 is sealed or the conversation expires), retry count,
 *                 last activity, the consent wording shown
 *   link          sender -> reference codes this number may withdraw with
 *                 STOP (its own SMS referral, kiosk codes sent with REF)
 *   seen          processed provider message ids and the reply sent, so a
 *                 retried webhook gets the same answer without a second
 *                 state change
 *
 * (Rate counters are in smsd's memory: sms/rate.h.)
 *
 * Nothing here begins a transaction: the caller wraps one inbound
 * message's reads and writes in db_begin / db_commit so they all happen,
 * with the outbox insert, or none do.
 */
#define CONVERSATION_KEY_LEN 32
#define CONVERSATION_NAME_MAX 64 /* bytes of UTF-8, without the NUL */
#define CONVERSATION_REPLY_MAX 1024 /* a stored reply, without the NUL */
#define CONVERSATION_LINKS_MAX 16 /* references one number may hold */

/* Unknown answers are -1 (booleans, enums) or an empty name. */
struct conversation {
	int step;
	int retries;
	int64_t updated_at;
	int consent_version;
	uint8_t consent_sha256[32];
	int64_t consent_at; /* 0 until consent is given */
	int offence_in_london;
	int lives_in_london;
	int has_name;
	char name[CONVERSATION_NAME_MAX + 1];
	int method;
	int contact_time;
	int voicemail_ok;
};

/* A conversation with every answer unknown. */
void conversation_init(struct conversation *c);
/* Wipe the answers held in memory. */
void conversation_wipe(struct conversation *c);

/* 0 found, 1 none, -1 error. */
int conversation_get(struct db *db, const uint8_t key[CONVERSATION_KEY_LEN],
    struct conversation *c);
int conversation_put(struct db *db, const uint8_t key[CONVERSATION_KEY_LEN],
    const struct conversation *c);
int conversation_delete(struct db *db, const uint8_t key[CONVERSATION_KEY_LEN]);

/* 0 added, 1 already there, -1 error. */
int conversation_link_add(struct db *db,
    const uint8_t key[CONVERSATION_KEY_LEN], const char *ref, int64_t now);
/* The references linked to key, newest first, at most max. */
int conversation_link_list(struct db *db,
    const uint8_t key[CONVERSATION_KEY_LEN], char (*refs)[REFCODE_BUFLEN],
    size_t max, size_t *n);
int conversation_link_delete(
    struct db *db, const uint8_t key[CONVERSATION_KEY_LEN], const char *ref);
int conversation_link_delete_all(
    struct db *db, const uint8_t key[CONVERSATION_KEY_LEN]);

/* 0 seen (reply copied, *has_reply 0 when none was sent), 1 not seen,
 * -1 error. */
int conversation_seen_get(struct db *db,
    const uint8_t msg_key[CONVERSATION_KEY_LEN], char *reply, size_t cap,
    int *has_reply);
int conversation_seen_put(struct db *db,
    const uint8_t msg_key[CONVERSATION_KEY_LEN], int64_t now,
    const char *reply);

/* Times before which each kind of row is deleted; 0 leaves it alone. */
struct conversation_cutoffs {
	int64_t idle; /* conversations not touched since */
	int64_t seen; /* message ids processed before */
	int64_t link; /* links made before */
};

/* Delete everything older than the cutoffs; *n (may be NULL) gets the
 * number of conversations that expired. */
int conversation_purge(
    struct db *db, const struct conversation_cutoffs *cut, int64_t *n);

#endif
