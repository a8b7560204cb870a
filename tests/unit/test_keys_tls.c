/*
 * The TLS pair (issue 13): every byte of the key's and the certificate's
 * base64 changed, one at a time; a key from another pair. tlscert_check
 * must refuse each with a message naming the file, unless the change
 * leaves the key or certificate mbedTLS reads exactly as it was.
 */
#include "tests/unit/testutil.h"

#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "crypto/tlscert.h"
#include "util/log.h"

#include "tests/unit/keys_testutil.h"

/* Do two PEM files hold the same certificate (DER)? */
static int
same_cert(const char *a, const char *b)
{
	mbedtls_x509_crt ca, cb;
	int same;

	mbedtls_x509_crt_init(&ca);
	mbedtls_x509_crt_init(&cb);
	same = mbedtls_x509_crt_parse_file(&ca, a) == 0 &&
	       mbedtls_x509_crt_parse_file(&cb, b) == 0 &&
	       ca.raw.len == cb.raw.len &&
	       memcmp(ca.raw.p, cb.raw.p, ca.raw.len) == 0;
	mbedtls_x509_crt_free(&ca);
	mbedtls_x509_crt_free(&cb);
	return same;
}

/* Do two PEM files hold the same EC private key (group and scalar)? */
static int
same_key(const char *a, const char *b)
{
	mbedtls_pk_context ka, kb;
	uint8_t *pa = NULL, *pb = NULL;
	size_t la = 0, lb = 0;
	int same = 0;

	mbedtls_pk_init(&ka);
	mbedtls_pk_init(&kb);
	if (file_read_alloc(a, RAW_MAX, &pa, &la) == 0 &&
	    file_read_alloc(b, RAW_MAX, &pb, &lb) == 0 &&
	    mbedtls_pk_parse_key(&ka, pa, la + 1, NULL, 0) == 0 &&
	    mbedtls_pk_parse_key(&kb, pb, lb + 1, NULL, 0) == 0 &&
	    mbedtls_pk_get_type(&ka) == MBEDTLS_PK_ECKEY &&
	    mbedtls_pk_get_type(&kb) == MBEDTLS_PK_ECKEY)
		same = mbedtls_pk_ec(ka)->grp.id == mbedtls_pk_ec(kb)->grp.id &&
		       mbedtls_mpi_cmp_mpi(
			   &mbedtls_pk_ec(ka)->d, &mbedtls_pk_ec(kb)->d) == 0;
	free(pa);
	free(pb);
	mbedtls_pk_free(&ka);
	mbedtls_pk_free(&kb);
	return same;
}

static int
flip_pem(struct env *e, const char *key, const char *crt, int which)
{
	static uint8_t raw[RAW_MAX];
	const char *good = which == 0 ? key : crt;
	size_t len = read_raw(good, raw, sizeof(raw)), start, end;
	char msg[4096];
	int tried = 0;

	/* The base64 body: after the first line, before the last. */
	start = (size_t)((uint8_t *)memchr(raw, '\n', len) - raw) + 1;
	end = len - 1;
	while (end > 0 && raw[end - 1] != '\n')
		end--;
	for (size_t i = start; i < end; i++) {
		/* Two variants a byte: one bit (a different one each
		 * byte) and a random value; each check costs an ECDSA
		 * verification and a scalar multiplication. */
		for (int k = 0; k < 2; k++) {
			uint8_t keep = raw[i];
			int v = k == 0 ? (int)(i % 8) : 9, rc;

			raw[i] = variant(keep, v);
			write_copy(e->path, raw, len);
			raw[i] = keep;
			capture_begin(e);
			rc = which == 0 ? tlscert_check(e->path, crt, 1)
					: tlscert_check(key, e->path, 1);
			capture_end(e, msg, sizeof(msg));
			if (rc == 0 && (which == 0 ? same_key(key, e->path)
						   : same_cert(crt, e->path))) {
				/* Outside what the key is made of (e.g. the
				 * optional public key, derived again, or the
				 * newline before the END line). */
				tried++;
				continue;
			}
			if (rc == 0)
				fprintf(stderr,
				    "%s byte %zu (%02x to %02x) accepted\n",
				    which == 0 ? "key" : "cert", i, keep,
				    variant(keep, v));
			assert_int_not_equal(rc, 0);
			assert_true(clear_error(e, msg));
			tried++;
		}
	}
	return tried;
}

static void
tls_pair(void **state)
{
	struct env *e = *state;
	static const char *const names[] = {"localhost"};
	char key[PATH_MAX], crt[PATH_MAX], crt2[PATH_MAX], msg[4096];
	int tried = 0;

	snprintf(key, sizeof(key), "%s", in_dir(e, "tls.key"));
	snprintf(crt, sizeof(crt), "%s", in_dir(e, "tls.crt"));
	assert_int_equal(tlscert_generate(key, crt, names, 1, 30), 0);
	assert_int_equal(tlscert_check(key, crt, 1), 0);
	tried += flip_pem(e, key, crt, 0);
	tried += flip_pem(e, key, crt, 1);
	assert_true(tried > 1200);
	/* A key from another pair. */
	snprintf(e->path, sizeof(e->path), "%s", in_dir(e, "other.key"));
	snprintf(crt2, sizeof(crt2), "%s", in_dir(e, "other.crt"));
	assert_int_equal(tlscert_generate(e->path, crt2, names, 1, 30), 0);
	capture_begin(e);
	assert_int_not_equal(tlscert_check(e->path, crt, 1), 0);
	capture_end(e, msg, sizeof(msg));
	assert_true(clear_error(e, msg));
	assert_non_null(strstr(msg, "does not belong to"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(tls_pair, setup, teardown),
	};

	log_init("test_keys_tls");
	if (sodium_init() < 0)
		return 1;
	log_quiet(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
