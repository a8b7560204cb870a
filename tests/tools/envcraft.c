/*
 * envcraft: envelopes an enrolled device could sign but should not send,
 * for hubd's admission tests (tests/e2e/hub_admit.sh). Each is signed
 * with the bundle's real device key, so only hubd's admission rules
 * stand between it and the inbox.
 *
 *   envcraft BUNDLE MODE file OUT [BYTES]            one envelope to OUT
 *   envcraft BUNDLE MODE queue DB DBKEY N [BYTES]    N into a device outbox
 *
 * MODE: now, at:MS (created_at in ms since 1970, any u64), ago:S (S
 * seconds before now; negative: ahead), zero-seal (the seal's ephemeral
 * key all zeros), short-seal (an 8-byte payload), non-json (a sealed
 * payload that is not JSON, which hubd cannot see). BYTES pads the JSON payload
 * (default about 200). DBKEY is created when missing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto/bundle.h"
#include "crypto/envelope.h"
#include "crypto/keys.h"
#include "crypto/refcode.h"
#include "crypto/secmem.h"
#include "store/outbox.h"
#include "store/schema.h"
#include "util/file.h"
#include "util/jsonmem.h"
#include "util/log.h"

#define PAYLOAD_MAX (ENVELOPE_PAYLOAD_MAX - 1)

static int
payload(char *out, size_t cap, size_t want, size_t *len)
{
	char ref[REFCODE_BUFLEN];
	int n;

	if (refcode_generate(ref, sizeof(ref)) != 0)
		return -1;
	n = snprintf(out, cap,
	    "{\"schema\":1,\"kind\":\"referral\",\"ref\":\"%s\","
	    "\"channel\":\"kiosk\",\"language\":\"en\",\"details\":\"",
	    ref);
	if (n < 0 || (size_t)n >= cap)
		return -1;
	*len = (size_t)n;
	while (*len + 2 < want && *len + 3 < cap)
		out[(*len)++] = 'x';
	memcpy(out + *len, "\"}", 3);
	*len += 2;
	return 0;
}

static int
craft(const struct bundle *b, const char *mode, size_t want, uint8_t *env,
    size_t *envlen, struct envelope_hdr *hdr)
{
	static char pl[PAYLOAD_MAX + 1];
	uint64_t at = (uint64_t)db_now_ms();
	size_t plen = 0;
	char *end;

	if (payload(pl, sizeof(pl), want, &plen) != 0)
		return -1;
	if (strncmp(mode, "at:", 3) == 0) {
		errno = 0;
		at = strtoull(mode + 3, &end, 10);
		if (errno != 0 || *end != '\0')
			return -1;
	} else if (strncmp(mode, "ago:", 4) == 0) {
		at = (uint64_t)((int64_t)at -
				strtoll(mode + 4, NULL, 10) * 1000);
	} else if (strcmp(mode, "non-json") == 0) {
		plen = 40;
		memcpy(pl, "not JSON; only the staff machine can see", 40);
	} else if (strcmp(mode, "short-seal") == 0) {
		plen = 8;
		memcpy(pl, "[1,2,3] ", 8);
	} else if (strcmp(mode, "now") != 0 && strcmp(mode, "zero-seal") != 0) {
		log_err("unknown mode %s", mode);
		return -1;
	}
	if (envelope_build(env, ENVELOPE_MAX, envlen, hdr, ENVELOPE_REFERRAL,
		b->device_id, at, (const uint8_t *)pl, plen, b->hub_box_pk,
		b->sign_sk) != 0)
		return -1;
	if (strcmp(mode, "zero-seal") == 0) {
		/* Replace the ephemeral key and sign the result again. */
		memset(env + ENVELOPE_HDR_LEN, 0, crypto_box_PUBLICKEYBYTES);
		if (crypto_sign_detached(
			env + ENVELOPE_HDR_LEN + hdr->sealed_len, NULL, env,
			ENVELOPE_HDR_LEN + hdr->sealed_len, b->sign_sk) != 0)
			return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct bundle *b = NULL;
	struct db *db = NULL;
	struct envelope_hdr hdr;
	uint8_t *key = NULL, *env = NULL;
	size_t envlen = 0, want = 200;
	int rc = 1;

	log_init("envcraft");
	jsonmem_init();
	if (argc < 5 || secmem_init() != 0) {
		fprintf(stderr,
		    "usage: envcraft BUNDLE MODE file OUT [BYTES] | "
		    "queue DB DBKEY N [BYTES]\n");
		return 2;
	}
	env = malloc(ENVELOPE_MAX);
	if (env == NULL || (b = bundle_load(argv[1])) == NULL)
		goto out;
	if (strcmp(argv[3], "file") == 0 && (argc == 5 || argc == 6)) {
		if (argc == 6)
			want = strtoul(argv[5], NULL, 10);
		if (craft(b, argv[2], want, env, &envlen, &hdr) != 0 ||
		    file_write_atomic(argv[4], env, envlen, 0600, 0) != 0)
			goto out;
		rc = 0;
	} else if (strcmp(argv[3], "queue") == 0 && (argc == 7 || argc == 8)) {
		long n = strtol(argv[6], NULL, 10);

		if (argc == 8)
			want = strtoul(argv[7], NULL, 10);
		key = sodium_malloc(DB_KEY_LEN);
		if (key == NULL)
			goto out;
		if (access(argv[5], F_OK) != 0) {
			randombytes_buf(key, DB_KEY_LEN);
			if (keys_save(argv[5], KEYS_SYMMETRIC, key, DB_KEY_LEN,
				NULL, 0, NULL) != 0)
				goto out;
		}
		if (keys_load(argv[5], KEYS_SYMMETRIC, key, DB_KEY_LEN, NULL,
			0) != 0 ||
		    (db = db_open(argv[4], key, &schema_device)) == NULL)
			goto out;
		for (long i = 0; i < n; i++)
			if (craft(b, argv[2], want, env, &envlen, &hdr) != 0 ||
			    outbox_put(db, hdr.envelope_id, env, envlen,
				db_now_ms()) != 0)
				goto out;
		rc = 0;
	} else {
		fprintf(stderr, "envcraft: unknown command\n");
		rc = 2;
	}
out:
	db_close(db);
	bundle_free(b);
	free(env);
	sodium_free(key);
	return rc;
}
