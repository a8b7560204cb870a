#ifndef STORE_REFERRALS_H
#define STORE_REFERRALS_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/envelope.h"
#include "crypto/refcode.h"
#include "store/db.h"

/*
 * What hub staff learn when hubctl opens envelopes: an index of referrals
 * by reference code (channel, language, spoke, times, status), the
 * withdrawals, and follow-ups. Personal data stays in the sealed envelope
 * and is deleted (not just hidden) when a referral is withdrawn.
 */
#define REFERRALS_FIELD_MAX 32
/* Categories the payload gives (venue code, borough id, kind of crime,
 * stage): [A-Za-z0-9_-] only. */
#define REFERRALS_CAT_MAX 40

struct referrals_row {
	char ref[REFCODE_BUFLEN];
	uint8_t envelope_id[ENVELOPE_ID_LEN];
	char channel[REFERRALS_FIELD_MAX];
	char language[REFERRALS_FIELD_MAX];
	char spoke[REFERRALS_FIELD_MAX];
	int64_t received_at;
	int64_t exported_at; /* 0 if never */
	int64_t withdrawn_at; /* 0 if not withdrawn */
	/* The case (store/cases.h); "" for categories not given. */
	char status[REFERRALS_FIELD_MAX];
	int risk; /* specialist risk assessment needed before contact */
	char venue[REFERRALS_CAT_MAX];
	char borough[REFERRALS_CAT_MAX];
	char crime[REFERRALS_CAT_MAX];
	char stage[REFERRALS_CAT_MAX];
	int64_t risk_assessed_at; /* 0 if not yet */
	int64_t contacted_at; /* first contact; 0 if not yet */
	int64_t closed_at;
	char outcome[REFERRALS_FIELD_MAX];
};

struct referrals_sealed {
	uint8_t envelope_id[ENVELOPE_ID_LEN];
	uint8_t device_id[ENVELOPE_ID_LEN];
	int kind;
	int64_t received_at;
	const uint8_t *envelope; /* valid during the callback only */
	size_t len;
};

/* Every envelope not yet opened by staff, oldest first. fn returning -1
 * stops the walk with an error. */
int referrals_each_unopened(struct db *db,
    int (*fn)(void *arg, const struct referrals_sealed *env), void *arg);
int referrals_mark_opened(
    struct db *db, const uint8_t envelope_id[ENVELOPE_ID_LEN]);

int referrals_add(struct db *db, const struct referrals_row *row);
int referrals_add_followup(struct db *db,
    const uint8_t envelope_id[ENVELOPE_ID_LEN], const char *ref,
    int64_t received_at);
/* Records the withdrawal (once) and deletes the sealed personal data of
 * the referral and its follow-ups, whether they came before or after,
 * with the categories kept beside it and the text of staff notes. */
int referrals_withdraw(
    struct db *db, const char *ref, int64_t at, const char *source);

/* 0 found, 1 no such reference, -1 error. */
int referrals_get(struct db *db, const char *ref, struct referrals_row *row);
/* Referrals received at or after since_ms, of spoke when not NULL. */
int referrals_each(struct db *db, const char *spoke, int64_t since_ms,
    int (*fn)(void *arg, const struct referrals_row *row), void *arg);
int referrals_set_spoke(struct db *db, const char *ref, const char *spoke);
int referrals_mark_exported(struct db *db, const char *ref, int64_t at);

/* A copy of a stored envelope (malloc'd) and its sender; 1 if deleted. */
int referrals_envelope(struct db *db,
    const uint8_t envelope_id[ENVELOPE_ID_LEN], uint8_t **env, size_t *len,
    uint8_t device_id[ENVELOPE_ID_LEN]);
/* Follow-up envelope ids for a reference. */
int referrals_each_followup(struct db *db, const char *ref,
    int (*fn)(void *arg, const uint8_t envelope_id[ENVELOPE_ID_LEN]),
    void *arg);

/* Delete everything received before cutoff_ms; *n gets the count of
 * envelopes removed. Withdrawals are kept (a reference and a time, no
 * personal data): a referral delayed past the cutoff must still be
 * deleted when it arrives. */
int referrals_purge(struct db *db, int64_t cutoff_ms, int64_t *n);

/* Envelopes stored but not yet opened by staff. */
int referrals_count_unopened(struct db *db, int64_t *n);

#endif
