#ifndef SMS_SMSD_CHECK_H
#define SMS_SMSD_CHECK_H

#include "net/devcheck.h"

/*
 * smsd --check-config after the configuration was read: its TLS
 * certificate and key, then the device checks (net/devcheck.h). One
 * line a finding; the exit status (0 ready, 1 problems).
 */
struct smsd_check_in {
	const char *path;
	int config_ok; /* the configuration and what it names loaded */
	const char *tls_cert; /* "" when TLS is off */
	const char *tls_key;
	struct devcheck_in dev;
};

int smsd_check(const struct smsd_check_in *in);

#endif
