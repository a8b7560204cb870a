#include <time.h>

#include <mbedtls/x509_crt.h>

#include "crypto/certexp.h"
#include "util/log.h"

int
certexp_not_after(const char *pem, size_t len, int64_t *not_after_s)
{
	mbedtls_x509_crt crt;
	struct tm tm = {0};
	int rc = -1;

	mbedtls_x509_crt_init(&crt);
	/* PEM input is parsed only with its NUL counted. */
	if (mbedtls_x509_crt_parse(&crt, (const unsigned char *)pem, len + 1) !=
	    0) {
		log_err("not a PEM certificate");
		goto out;
	}
	tm.tm_year = crt.valid_to.year - 1900;
	tm.tm_mon = crt.valid_to.mon - 1;
	tm.tm_mday = crt.valid_to.day;
	tm.tm_hour = crt.valid_to.hour;
	tm.tm_min = crt.valid_to.min;
	tm.tm_sec = crt.valid_to.sec;
	*not_after_s = (int64_t)timegm(&tm);
	rc = 0;
out:
	mbedtls_x509_crt_free(&crt);
	return rc;
}
