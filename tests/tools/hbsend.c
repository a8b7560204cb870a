/*
 * hbsend: sends hubd heartbeats a real device would not, for the
 * end-to-end tests of what hubd refuses.
 *
 *   hbsend BUNDLE good       one valid heartbeat
 *   hbsend BUNDLE forged     signed with a key the hub does not know
 *   hbsend BUNDLE unsigned   the signature bytes zeroed
 *   hbsend BUNDLE replay     a valid one, then the same bytes again
 *   hbsend BUNDLE dead N     valid, reporting N dead letters
 *
 * Prints the HTTP status of the (last) answer; exit 0 when one came.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "crypto/bundle.h"
#include "crypto/hbeat.h"
#include "crypto/secmem.h"
#include "net/client.h"
#include "store/db.h"
#include "util/jsonmem.h"
#include "util/log.h"

#define RESP_MAX 512

static int
post(struct client *c, const uint8_t *msg, size_t len, long *status)
{
	uint8_t resp[RESP_MAX];
	size_t rlen;

	return client_post(c, "/v1/heartbeat", msg, len,
	    "application/octet-stream", status, resp, sizeof(resp), &rlen);
}

int
main(int argc, char **argv)
{
	struct bundle *b = NULL;
	struct client *c = NULL;
	struct hbeat_figures f;
	uint8_t msg[HBEAT_MAX], *sk = NULL, pk[crypto_sign_PUBLICKEYBYTES];
	size_t len;
	long status = 0;
	int rc = 1;
	const char *mode;

	log_init("hbsend");
	jsonmem_init();
	if (argc < 3 || secmem_init() != 0)
		return 2;
	mode = argv[2];
	if ((b = bundle_load(argv[1])) == NULL)
		goto out;
	c = client_new_pem(b->hub_url, b->hub_cert, b->hub_pin, 3000, 5000);
	sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	if (c == NULL || sk == NULL)
		goto out;
	memset(&f, 0, sizeof(f));
	snprintf(f.role, sizeof(f.role), "test");
	snprintf(f.version, sizeof(f.version), "0");
	f.interval_s = 60;
	if (strcmp(mode, "dead") == 0 && argc == 4)
		f.dead = atoi(argv[3]);
	memcpy(sk, b->sign_sk, crypto_sign_SECRETKEYBYTES);
	if (strcmp(mode, "forged") == 0)
		crypto_sign_keypair(pk, sk);
	if (hbeat_build(msg, sizeof(msg), &len, b->device_id,
		(uint64_t)db_now_ms(), &f, sk) != 0)
		goto out;
	if (strcmp(mode, "unsigned") == 0)
		memset(msg + len - crypto_sign_BYTES, 0, crypto_sign_BYTES);
	if (post(c, msg, len, &status) != 0)
		goto out;
	if (strcmp(mode, "replay") == 0 && post(c, msg, len, &status) != 0)
		goto out;
	printf("%ld\n", status);
	rc = 0;
out:
	sodium_free(sk);
	client_free(c);
	bundle_free(b);
	return rc;
}
