#include <stddef.h>

#include "sms/smsd_check.h"

int
smsd_check(const struct smsd_check_in *in)
{
	struct check c = {0, 0};

	if (in->config_ok)
		check_ok(&c, "configuration %s", in->path);
	else
		check_error(&c,
		    "configuration %s: the lines above say what is wrong; "
		    "fix them and run this again",
		    in->path);
	/* Nothing else can be checked without the configuration. */
	if (in->dev.bundle == NULL)
		return check_done(&c, "smsd");
	if (in->tls_cert[0] != '\0') {
		check_cert_file(&c, "smsd's TLS certificate", in->tls_cert,
		    "renew it with your certificate authority (providers "
		    "refuse an expired one)");
		if (check_secret_file(
			&c, "TLS key", in->tls_key, in->dev.user) == 0)
			check_ok(&c, "TLS key %s is private", in->tls_key);
	} else {
		check_warn(&c, "TLS is off: providers reach smsd only "
			       "through a TLS proxy in front of it");
	}
	devcheck_run(&c, &in->dev);
	return check_done(&c, "smsd");
}
