#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/base64.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/md.h>
#include <mbedtls/error.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>
#include <sodium.h>

#include "crypto/tlscert.h"
#include "util/file.h"
#include "util/log.h"

#define SAN_MAX 1024
#define NAME_MAX_LEN 253

/*
 * subjectAltName as DER, written back to front as mbedTLS's asn1write
 * does: dNSName is [2] IA5String, iPAddress is [7] OCTET STRING.
 */
static int
san_der(unsigned char *buf, size_t cap, const char *const *names, size_t nnames,
    unsigned char **start, size_t *len)
{
	unsigned char *p = buf + cap;
	size_t total = 0;
	int n;

	for (size_t i = nnames; i-- > 0;) {
		unsigned char ip[16];
		const unsigned char *val;
		size_t vlen;
		unsigned char tag;

		if (inet_pton(AF_INET, names[i], ip) == 1) {
			val = ip;
			vlen = 4;
			tag = MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7;
		} else if (inet_pton(AF_INET6, names[i], ip) == 1) {
			val = ip;
			vlen = 16;
			tag = MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7;
		} else {
			val = (const unsigned char *)names[i];
			vlen = strlen(names[i]);
			tag = MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2;
			if (vlen == 0 || vlen > NAME_MAX_LEN)
				return -1;
		}
		if ((n = mbedtls_asn1_write_raw_buffer(&p, buf, val, vlen)) < 0)
			return -1;
		total += (size_t)n;
		if ((n = mbedtls_asn1_write_len(&p, buf, vlen)) < 0)
			return -1;
		total += (size_t)n;
		if ((n = mbedtls_asn1_write_tag(&p, buf, tag)) < 0)
			return -1;
		total += (size_t)n;
	}
	if ((n = mbedtls_asn1_write_len(&p, buf, total)) < 0)
		return -1;
	total += (size_t)n;
	if ((n = mbedtls_asn1_write_tag(&p, buf,
		 MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)) < 0)
		return -1;
	total += (size_t)n;
	*start = p;
	*len = total;
	return 0;
}

static void
validity(char out[15], time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 15, "%Y%m%d%H%M%S", &tm);
}

int
tlscert_generate(const char *key_path, const char *cert_path,
    const char *const *names, size_t nnames, int days)
{
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_pk_context key;
	mbedtls_x509write_cert crt;
	mbedtls_mpi serial;
	unsigned char *pem = NULL, san[SAN_MAX], *sanp, sn[16];
	char subject[NAME_MAX_LEN + 8], from[15], until[15];
	size_t sanlen;
	time_t now = time(NULL);
	int rc = -1, n;

	if (nnames == 0 || nnames > TLSCERT_MAX_NAMES || days <= 0) {
		log_err("tlscert: 1 to %d names and a positive lifetime",
		    TLSCERT_MAX_NAMES);
		return -1;
	}
	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	mbedtls_pk_init(&key);
	mbedtls_x509write_crt_init(&crt);
	mbedtls_mpi_init(&serial);
	pem = sodium_malloc(TLSCERT_PEM_MAX);
	if (pem == NULL) {
		log_err("out of locked memory");
		goto out;
	}
	if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
		(const unsigned char *)"rj-tlscert", 10) != 0 ||
	    mbedtls_pk_setup(
		&key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0 ||
	    mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key),
		mbedtls_ctr_drbg_random, &drbg) != 0) {
		log_err("tlscert: key generation failed");
		goto out;
	}
	if (mbedtls_pk_write_key_pem(&key, pem, TLSCERT_PEM_MAX) != 0 ||
	    file_write_atomic(key_path, pem, strlen((char *)pem), 0600,
		FILE_SECRET | FILE_NOREPLACE) != 0) {
		log_err("tlscert: cannot save the key");
		goto out;
	}
	n = snprintf(subject, sizeof(subject), "CN=%s", names[0]);
	if (n < 0 || (size_t)n >= sizeof(subject) ||
	    strpbrk(names[0], ",=+\"\\<>;") != NULL) {
		log_err("tlscert: unusable host name");
		goto out;
	}
	randombytes_buf(sn, sizeof(sn));
	sn[0] &= 0x7f; /* serials are positive */
	validity(from, now - 3600);
	validity(until, now + (time_t)days * 86400);
	if (san_der(san, sizeof(san), names, nnames, &sanp, &sanlen) != 0) {
		log_err("tlscert: bad host name or address");
		goto out;
	}
	mbedtls_x509write_crt_set_version(&crt, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(&crt, MBEDTLS_MD_SHA256);
	mbedtls_x509write_crt_set_subject_key(&crt, &key);
	mbedtls_x509write_crt_set_issuer_key(&crt, &key);
	if (mbedtls_mpi_read_binary(&serial, sn, sizeof(sn)) != 0 ||
	    mbedtls_x509write_crt_set_serial(&crt, &serial) != 0 ||
	    mbedtls_x509write_crt_set_subject_name(&crt, subject) != 0 ||
	    mbedtls_x509write_crt_set_issuer_name(&crt, subject) != 0 ||
	    mbedtls_x509write_crt_set_validity(&crt, from, until) != 0 ||
	    mbedtls_x509write_crt_set_basic_constraints(&crt, 1, 0) != 0 ||
	    mbedtls_x509write_crt_set_key_usage(
		&crt, MBEDTLS_X509_KU_DIGITAL_SIGNATURE |
			  MBEDTLS_X509_KU_KEY_CERT_SIGN) != 0 ||
	    mbedtls_x509write_crt_set_subject_key_identifier(&crt) != 0 ||
	    mbedtls_x509write_crt_set_extension(&crt,
		MBEDTLS_OID_SUBJECT_ALT_NAME,
		MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0, sanp,
		sanlen) != 0) {
		log_err("tlscert: cannot fill in the certificate");
		goto out;
	}
	if (mbedtls_x509write_crt_pem(&crt, pem, TLSCERT_PEM_MAX,
		mbedtls_ctr_drbg_random, &drbg) != 0 ||
	    file_write_atomic(cert_path, pem, strlen((char *)pem), 0644,
		FILE_NOREPLACE) != 0) {
		log_err("tlscert: cannot write the certificate");
		goto out;
	}
	rc = 0;
out:
	sodium_free(pem);
	mbedtls_mpi_free(&serial);
	mbedtls_x509write_crt_free(&crt);
	mbedtls_pk_free(&key);
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&entropy);
	return rc;
}

int
tlscert_pin(const char *cert_pem, size_t pemlen, char *pin, size_t cap)
{
	mbedtls_x509_crt crt;
	unsigned char der[512], hash[32], b64[64];
	char *copy = NULL, err[128];
	size_t b64len;
	int n, ret, rc = -1;

	mbedtls_x509_crt_init(&crt);
	/* mbedTLS parses PEM only NUL-terminated, the NUL counted. */
	copy = malloc(pemlen + 1);
	if (copy == NULL) {
		log_err("out of memory");
		goto out;
	}
	memcpy(copy, cert_pem, pemlen);
	copy[pemlen] = '\0';
	ret = mbedtls_x509_crt_parse(
	    &crt, (const unsigned char *)copy, pemlen + 1);
	if (ret != 0) {
		mbedtls_strerror(ret, err, sizeof(err));
		log_err("tlscert: not a PEM certificate: %s", err);
		goto out;
	}
	n = mbedtls_pk_write_pubkey_der(&crt.pk, der, sizeof(der));
	if (n <= 0) {
		log_err("tlscert: cannot encode the public key");
		goto out;
	}
	/* The DER is written at the end of the buffer. */
	if (mbedtls_sha256_ret(der + sizeof(der) - n, (size_t)n, hash, 0) !=
		0 ||
	    mbedtls_base64_encode(
		b64, sizeof(b64), &b64len, hash, sizeof(hash)) != 0) {
		log_err("tlscert: hashing the public key failed");
		goto out;
	}
	n = snprintf(pin, cap, "sha256//%.*s", (int)b64len, (char *)b64);
	if (n < 0 || (size_t)n >= cap) {
		log_err("tlscert: pin buffer too small");
		goto out;
	}
	rc = 0;
out:
	free(copy);
	mbedtls_x509_crt_free(&crt);
	return rc;
}

int
tlscert_pin_file(const char *cert_path, char *pin, size_t cap)
{
	uint8_t *pem = NULL;
	size_t len = 0;
	int rc;

	if (file_read_alloc(cert_path, TLSCERT_PEM_MAX * 4, &pem, &len) != 0)
		return -1;
	rc = tlscert_pin((const char *)pem, len, pin, cap);
	free(pem);
	return rc;
}

#define REMAKE                                                                 \
	"restore both from a backup, or make a new pair (docs/hub.md \"Key "   \
	"files\")"

static int
check_cert(const char *cert_path, mbedtls_x509_crt *crt, int self_signed)
{
	const mbedtls_md_info_t *md;
	unsigned char hash[MBEDTLS_MD_MAX_SIZE];
	uint8_t *pem = NULL;
	size_t len = 0;
	char err[128];
	int ret;

	if (file_read_alloc(cert_path, TLSCERT_PEM_MAX * 4, &pem, &len) != 0)
		return -1;
	/* file_read_alloc ends it with a NUL, which mbedTLS counts. */
	ret = mbedtls_x509_crt_parse(crt, pem, len + 1);
	free(pem);
	if (ret != 0) {
		mbedtls_strerror(ret, err, sizeof(err));
		log_err("%s is damaged or not a certificate (%s): " REMAKE,
		    cert_path, err);
		return -1;
	}
	/*
	 * mbedTLS's own verify trusts a self-signed certificate that is
	 * byte for byte in the trust list without checking its signature:
	 * check it here. A certificate that does not verify with its own
	 * key is damaged, unless it may be CA-issued (smsd's may: then its
	 * issuer is another name, and the key pair check is what is left).
	 */
	md = mbedtls_md_info_from_type(crt->sig_md);
	if (md == NULL || mbedtls_md(md, crt->tbs.p, crt->tbs.len, hash) != 0 ||
	    mbedtls_pk_verify_ext(crt->sig_pk, crt->sig_opts, &crt->pk,
		crt->sig_md, hash, mbedtls_md_get_size(md), crt->sig.p,
		crt->sig.len) != 0) {
		if (self_signed ||
		    (crt->issuer_raw.len == crt->subject_raw.len &&
			memcmp(crt->issuer_raw.p, crt->subject_raw.p,
			    crt->issuer_raw.len) == 0)) {
			log_err("%s is damaged (its signature does not "
				"verify): " REMAKE,
			    cert_path);
			return -1;
		}
	}
	if (mbedtls_x509_time_is_past(&crt->valid_to) ||
	    mbedtls_x509_time_is_future(&crt->valid_from))
		log_warn("%s has expired or is not valid yet: devices will "
			 "refuse it; make a new pair (docs/hub.md \"Key "
			 "files\")",
		    cert_path);
	return 0;
}

int
tlscert_check(const char *key_path, const char *cert_path, int self_signed)
{
	mbedtls_x509_crt crt;
	mbedtls_pk_context key;
	unsigned char *pem = NULL;
	char err[128];
	size_t len = 0;
	int ret, rc = -1;

	mbedtls_x509_crt_init(&crt);
	mbedtls_pk_init(&key);
	if (check_cert(cert_path, &crt, self_signed) != 0)
		goto out;
	pem = sodium_malloc(TLSCERT_PEM_MAX + 1);
	if (pem == NULL) {
		log_err("out of locked memory");
		goto out;
	}
	if (file_read(key_path, pem, TLSCERT_PEM_MAX, &len, FILE_SECRET) != 0)
		goto out;
	/* mbedTLS parses PEM only NUL-terminated, the NUL counted. */
	pem[len] = '\0';
	ret = mbedtls_pk_parse_key(&key, pem, len + 1, NULL, 0);
	if (ret != 0) {
		mbedtls_strerror(ret, err, sizeof(err));
		log_err("%s is damaged or not a private key (%s): " REMAKE,
		    key_path, err);
		goto out;
	}
	if (mbedtls_pk_check_pair(&crt.pk, &key) != 0) {
		log_err("%s does not belong to %s (one is damaged, or they "
			"are from different pairs): " REMAKE,
		    key_path, cert_path);
		goto out;
	}
	rc = 0;
out:
	sodium_free(pem);
	mbedtls_pk_free(&key);
	mbedtls_x509_crt_free(&crt);
	return rc;
}
