#ifndef SMS_SEALER_H
#define SMS_SEALER_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/envelope.h"
#include "store/db.h"

/*
 * The dialog's seal callback for smsd: seal the payload to the hub with
 * the device bundle's keys, sign it, and put it in the outbox through the
 * dialog's own database connection, inside the dialog's transaction (so
 * the envelope is queued if and only if the conversation state change
 * commits). Fill it from a struct bundle:
 *
 *   struct sealer s = {dialog_db, b->device_id, b->sign_sk, b->hub_box_pk};
 *   cfg.seal = sealer_outbox;
 *   cfg.seal_ctx = &s;
 */
struct sealer {
	struct db *db; /* the same connection as dialog_cfg.db */
	const uint8_t *device_id; /* ENVELOPE_ID_LEN */
	const uint8_t *sign_sk; /* crypto_sign_SECRETKEYBYTES, locked */
	const uint8_t *hub_box_pk; /* crypto_box_PUBLICKEYBYTES */
};

/* A dialog_seal_fn; ctx is a struct sealer. */
int sealer_outbox(
    void *ctx, enum envelope_kind kind, const char *payload, size_t len);

#endif
