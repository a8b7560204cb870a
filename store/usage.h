#ifndef STORE_USAGE_H
#define STORE_USAGE_H

#include <stdint.h>

#include "crypto/envelope.h"
#include "store/db.h"

/*
 * Sealed bytes a device has on the hub server (envelopes not yet purged
 * or withdrawn), for its quota (hub/admit.h). 0 or -1.
 */
int usage_device_bytes(struct db *db, const uint8_t id[ENVELOPE_ID_LEN],
    int64_t *bytes) __attribute__((warn_unused_result));

#endif
