#ifndef HUB_HUBCHECK_H
#define HUB_HUBCHECK_H

#include <stdint.h>

#include <sodium.h>

#include "util/check.h"

/*
 * The hub server's files as hubd will use them, for hubd --check-config
 * and `hubctl doctor`: the signing key and inbox key (mode, owner, the
 * loader's own checks), the inbox opening with its key, the TLS
 * certificate's expiry and key, and that the user hubd runs as owns the
 * inbox. One line a finding (util/check.h).
 */
struct hubcheck_in {
	const char *sign_key;
	const char *inbox;
	const char *inbox_key;
	const char *tls_cert; /* "" when TLS is off */
	const char *tls_key;
	const char *user; /* hubd's user= */
};

void hubcheck_server(struct check *c, const struct hubcheck_in *in);

/*
 * The signing key against hub.sign.pub beside it (what devices were
 * given at enrolment): 0 when they match or there is no hub.sign.pub,
 * -1 (logged, naming both files) when another hub's key or a damaged one
 * would make every device refuse hubd's receipts.
 */
int hubcheck_sign_pub(
    const char *sign_key, const uint8_t sk[crypto_sign_SECRETKEYBYTES]);

#endif
