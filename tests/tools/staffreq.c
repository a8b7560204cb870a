/*
 * staffreq: writes a signed staff request body, as hubctl pull sends it,
 * so end-to-end tests can replay, forge and tamper with one.
 *
 *   staffreq CRED PATH JSON OUT     JSON may hold "@NOW" for the time
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "crypto/bundle.h"
#include "crypto/secmem.h"
#include "hub/staffauth.h"
#include "store/db.h"
#include "util/file.h"
#include "util/log.h"

int
main(int argc, char **argv)
{
	static uint8_t body[STAFFAUTH_BODY_MAX];
	struct bundle *b;
	char json[4096], now[32], *at;
	size_t len = 0;
	int rc = 1;

	log_init("staffreq");
	if (argc != 5 || secmem_init() != 0) {
		fprintf(stderr, "usage: staffreq CRED PATH JSON OUT\n");
		return 2;
	}
	b = bundle_load(argv[1]);
	if (b == NULL)
		return 1;
	snprintf(json, sizeof(json), "%s", argv[3]);
	at = strstr(json, "@NOW");
	if (at != NULL) {
		char rest[4096];
		snprintf(rest, sizeof(rest), "%s", at + 4);
		snprintf(now, sizeof(now), "%lld", (long long)db_now_ms());
		snprintf(
		    at, sizeof(json) - (size_t)(at - json), "%s%s", now, rest);
	}
	if (staffauth_sign(body, sizeof(body), &len, argv[2], b->device_id,
		b->sign_sk, json, strlen(json)) == 0 &&
	    file_write_atomic(argv[4], body, len, 0600, 0) == 0)
		rc = 0;
	bundle_free(b);
	return rc;
}
