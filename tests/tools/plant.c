/*
 * plant: puts a sealed referral into a staff machine's database as if
 * `hubctl pull` had fetched it, with the time the hub received it chosen
 * by the test (so overdue lists and reports can be checked over past
 * dates). The envelope is really sealed and signed with a device bundle;
 * hubctl opens it as any other.
 *
 *   plant STAFFDIR BUNDLE PAYLOAD.json RECEIVED_AT
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "crypto/bundle.h"
#include "crypto/envelope.h"
#include "crypto/secmem.h"
#include "store/handover.h"
#include "store/schema.h"
#include "util/file.h"
#include "util/jsonmem.h"
#include "util/log.h"
#include "util/timefmt.h"

int
main(int argc, char **argv)
{
	static uint8_t env[ENVELOPE_MAX], receipt[SIG_RECEIPT_LEN];
	struct bundle *b = NULL;
	struct inbox_device dev;
	struct envelope_hdr hdr;
	struct db *db = NULL;
	uint8_t *payload = NULL;
	char dbp[PATH_MAX], keyp[PATH_MAX];
	size_t plen = 0, elen = 0;
	int64_t at;
	int rc = 1;

	log_init("plant");
	jsonmem_init();
	if (argc != 5 || secmem_init() != 0 ||
	    timefmt_parse(argv[4], &at) != 0) {
		fprintf(stderr, "usage: plant STAFFDIR BUNDLE PAYLOAD AT\n");
		return 2;
	}
	snprintf(dbp, sizeof(dbp), "%s/inbox.db", argv[1]);
	snprintf(keyp, sizeof(keyp), "%s/inbox.key", argv[1]);
	b = bundle_load(argv[2]);
	db = db_open_keyfile(dbp, keyp, &schema_hub);
	if (b == NULL || db == NULL ||
	    file_read_alloc(argv[3], ENVELOPE_PAYLOAD_MAX, &payload, &plen) !=
		0)
		goto out;
	memset(&dev, 0, sizeof(dev));
	memcpy(dev.device_id, b->device_id, ENVELOPE_ID_LEN);
	snprintf(dev.name, sizeof(dev.name), "%s", b->name);
	crypto_sign_ed25519_sk_to_pk(dev.sign_pk, b->sign_sk);
	dev.enrolled_at = at;
	if (envelope_build(env, sizeof(env), &elen, &hdr,
		strstr((char *)payload, "\"withdrawal\"") != NULL
		    ? ENVELOPE_WITHDRAWAL
		    : ENVELOPE_REFERRAL,
		b->device_id, (uint64_t)at, payload, plen, b->hub_box_pk,
		b->sign_sk) != 0)
		goto out;
	if (handover_device(db, &dev) != 0 ||
	    handover_keep(db, &hdr, env, elen, at, receipt) != INBOX_NEW)
		goto out;
	rc = 0;
out:
	free(payload);
	db_close(db);
	bundle_free(b);
	return rc;
}
