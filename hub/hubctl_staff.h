#ifndef HUB_HUBCTL_STAFF_H
#define HUB_HUBCTL_STAFF_H

/* Shared by hubctl's staff commands (hubctl_staff.c: list, show,
 * withdraw, purge; hubctl_export.c: export). Not for other modules. */

#include <stdint.h>

#include <jansson.h>

#include "crypto/envelope.h"
#include "hub/hubctl.h"
#include "store/referrals.h"

struct staff_opts {
	const char *format;
	const char *spoke;
	const char *out;
	int64_t since;
	long older_than;
	int have_older;
};

enum { O_FORMAT = 2000, O_SPOKE, O_SINCE, O_OLDER, O_PASSFILE, O_OUT };

/* The follow-ups of one referral, gathered by hubctl_add_followup. */
struct fu_ctx {
	struct hubctl *h;
	uint8_t *plain;
	json_t *arr;
};

/* allowed: which of the options this command takes, as O_* flags. */
int hubctl_staff_parse(struct hubctl *h, int argc, char **argv,
    struct staff_opts *o, const char *allowed, int npos);
/* The case status (store/cases.h); "withdrawn" overrides it. */
const char *hubctl_status_of(const struct referrals_row *r);
/* Decrypted payload as a JSON object (NULL when deleted or on error). */
json_t *hubctl_payload_json(struct hubctl *h, const uint8_t id[ENVELOPE_ID_LEN],
    uint8_t *plain, int *deleted);
/* Dumps hold personal data: wiped as they are freed. */
void hubctl_wipe_free(char *s);
int hubctl_add_followup(void *arg, const uint8_t id[ENVELOPE_ID_LEN]);

#endif
