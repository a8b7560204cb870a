#ifndef HUB_HUBCHECK_H
#define HUB_HUBCHECK_H

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

#endif
