#ifndef STORE_SEALER_H
#define STORE_SEALER_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/envelope.h"
#include "store/db.h"

/*
 * Seal a payload to the hub with the device bundle's keys, sign it, and
 * put it in the outbox through the caller's database connection, inside
 * the caller's transaction if one is open (smsd's dialog: the envelope is
 * queued if and only if the conversation state change commits; kioskd:
 * one envelope per submitted visit). Fill it from a struct bundle:
 *
 *   struct sealer s = {dialog_db, b->device_id, b->sign_sk, b->hub_box_pk};
 *   cfg.seal = sealer_outbox;
 *   cfg.seal_ctx = &s;
 */
struct gcommit;

struct sealer {
	struct db *db; /* the caller's connection (smsd: dialog_cfg.db) */
	const uint8_t *device_id; /* ENVELOPE_ID_LEN */
	const uint8_t *sign_sk; /* crypto_sign_SECRETKEYBYTES, locked */
	const uint8_t *hub_box_pk; /* crypto_box_PUBLICKEYBYTES */
	/* Optional: db's group commit (kioskd). The envelope is sealed on
	 * the caller's thread and queued in the next batch; sealer_outbox
	 * returns once it is durable. Called from inside a group-commit
	 * operation (smsd's dialog), it writes at once in that batch. */
	struct gcommit *gc;
};

/* A dialog_seal_fn; ctx is a struct sealer. */
int sealer_outbox(
    void *ctx, enum envelope_kind kind, const char *payload, size_t len);

#endif
