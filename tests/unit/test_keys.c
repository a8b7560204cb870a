#include "tests/unit/testutil.h"

#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto/keys.h"
#include "util/file.h"
#include "util/log.h"

static char *
path_in(const char *dir, const char *name)
{
	static char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	return buf;
}

static void
plain_round_trip(void **state)
{
	char *dir = testutil_tmpdir();
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	uint8_t back[crypto_sign_SECRETKEYBYTES];
	struct stat st;
	char *p;

	(void)state;
	crypto_sign_keypair(pk, sk);
	p = path_in(dir, "dev.sign");
	assert_int_equal(
	    keys_save(p, KEYS_SIGN_SECRET, sk, sizeof(sk), NULL, 0, NULL), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(
	    keys_load(p, KEYS_SIGN_SECRET, back, sizeof(back), NULL, 0), 0);
	assert_memory_equal(back, sk, sizeof(sk));
	/* Never overwritten. */
	assert_int_not_equal(
	    keys_save(p, KEYS_SIGN_SECRET, sk, sizeof(sk), NULL, 0, NULL), 0);
	/* Asking for another type of key is an error. */
	assert_int_not_equal(
	    keys_load(p, KEYS_BOX_SECRET, back, 32, NULL, 0), 0);
	p = path_in(dir, "dev.pub");
	assert_int_equal(
	    keys_save(p, KEYS_SIGN_PUBLIC, pk, sizeof(pk), NULL, 0, NULL), 0);
	assert_int_equal(
	    keys_load(p, KEYS_SIGN_PUBLIC, back, sizeof(pk), NULL, 0), 0);
	assert_memory_equal(back, pk, sizeof(pk));
	testutil_rmdir(dir);
}

static void
readable_secret_refused(void **state)
{
	char *dir = testutil_tmpdir();
	uint8_t key[32], back[32];
	char *p;

	(void)state;
	randombytes_buf(key, sizeof(key));
	p = path_in(dir, "db.key");
	assert_int_equal(
	    keys_save(p, KEYS_SYMMETRIC, key, sizeof(key), NULL, 0, NULL), 0);
	assert_int_equal(chmod(p, 0644), 0);
	assert_int_not_equal(
	    keys_load(p, KEYS_SYMMETRIC, back, sizeof(back), NULL, 0), 0);
	assert_int_equal(chmod(p, 0640), 0);
	assert_int_not_equal(
	    keys_load(p, KEYS_SYMMETRIC, back, sizeof(back), NULL, 0), 0);
	assert_int_equal(chmod(p, 0600), 0);
	assert_int_equal(
	    keys_load(p, KEYS_SYMMETRIC, back, sizeof(back), NULL, 0), 0);
	testutil_rmdir(dir);
}

static void
symlink_refused(void **state)
{
	char *dir = testutil_tmpdir();
	uint8_t key[32], back[32];
	char target[PATH_MAX];

	(void)state;
	randombytes_buf(key, sizeof(key));
	snprintf(target, sizeof(target), "%s", path_in(dir, "real.key"));
	assert_int_equal(
	    keys_save(target, KEYS_SYMMETRIC, key, sizeof(key), NULL, 0, NULL),
	    0);
	assert_int_equal(symlink(target, path_in(dir, "link.key")), 0);
	assert_int_not_equal(keys_load(path_in(dir, "link.key"), KEYS_SYMMETRIC,
				 back, sizeof(back), NULL, 0),
	    0);
	testutil_rmdir(dir);
}

static void
passphrase(void **state)
{
	char *dir = testutil_tmpdir();
	uint8_t pk[crypto_box_PUBLICKEYBYTES], sk[crypto_box_SECRETKEYBYTES];
	uint8_t back[crypto_box_SECRETKEYBYTES];
	struct keys_kdf kdf = KEYS_KDF_INTERACTIVE;
	uint8_t raw[KEYS_FILE_MAX];
	size_t rawlen;
	char *p;

	(void)state;
	crypto_box_keypair(pk, sk);
	p = path_in(dir, "hub.box");
	assert_int_equal(keys_save(p, KEYS_BOX_SECRET, sk, sizeof(sk),
			     "correct horse", 13, &kdf),
	    0);
	assert_int_equal(keys_is_protected(p), 1);
	/* The raw key does not appear in the file. */
	assert_int_equal(
	    file_read(p, raw, sizeof(raw), &rawlen, FILE_SECRET), 0);
	assert_null(memmem(raw, rawlen, sk, sizeof(sk)));
	assert_int_equal(keys_load(p, KEYS_BOX_SECRET, back, sizeof(back),
			     "correct horse", 13),
	    0);
	assert_memory_equal(back, sk, sizeof(sk));
	assert_int_equal(keys_load(p, KEYS_BOX_SECRET, back, sizeof(back),
			     "correct horsf", 13),
	    KEYS_EPASS);
	assert_int_equal(
	    keys_load(p, KEYS_BOX_SECRET, back, sizeof(back), NULL, 0),
	    KEYS_ENEEDPASS);
	testutil_rmdir(dir);
}

static void
damaged_file(void **state)
{
	char *dir = testutil_tmpdir();
	uint8_t sk[crypto_box_SECRETKEYBYTES], back[crypto_box_SECRETKEYBYTES];
	struct keys_kdf kdf = KEYS_KDF_INTERACTIVE;
	uint8_t raw[KEYS_FILE_MAX];
	size_t rawlen;
	char *p, *q;

	(void)state;
	randombytes_buf(sk, sizeof(sk));
	p = path_in(dir, "hub.box");
	assert_int_equal(
	    keys_save(p, KEYS_BOX_SECRET, sk, sizeof(sk), "pw", 2, &kdf), 0);
	assert_int_equal(
	    file_read(p, raw, sizeof(raw), &rawlen, FILE_SECRET), 0);
	/* A flipped bit in the salt or the ciphertext is caught, as
	 * damage (the checksum), not as a wrong passphrase. */
	q = strdup(path_in(dir, "bad.box"));
	raw[12] ^= 1;
	assert_int_equal(
	    file_write_atomic(q, raw, rawlen, 0600, FILE_SECRET), 0);
	assert_int_equal(
	    keys_load(q, KEYS_BOX_SECRET, back, sizeof(back), "pw", 2),
	    KEYS_EDAMAGED);
	/* A truncated file is refused. */
	assert_int_equal(
	    file_write_atomic(q, raw, rawlen - 1, 0600, FILE_SECRET), 0);
	assert_int_not_equal(
	    keys_load(q, KEYS_BOX_SECRET, back, sizeof(back), "pw", 2), 0);
	/* Not a key file at all. */
	assert_int_equal(
	    file_write_atomic(q, "hello", 5, 0600, FILE_SECRET), 0);
	assert_int_not_equal(
	    keys_load(q, KEYS_BOX_SECRET, back, sizeof(back), "pw", 2), 0);
	free(q);
	testutil_rmdir(dir);
}

static void
passphrase_file(void **state)
{
	char *dir = testutil_tmpdir();
	char *p = strdup(path_in(dir, "pass"));
	char out[64];
	size_t len;

	(void)state;
	assert_int_equal(file_write_atomic(p, "s3cret words\nignored\n", 21,
			     0600, FILE_SECRET),
	    0);
	assert_int_equal(
	    keys_passphrase_read("", p, out, sizeof(out), &len), 0);
	assert_int_equal(len, 12);
	assert_string_equal(out, "s3cret words");
	assert_int_equal(chmod(p, 0644), 0);
	assert_int_not_equal(
	    keys_passphrase_read("", p, out, sizeof(out), &len), 0);
	free(p);
	testutil_rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(plain_round_trip),
	    cmocka_unit_test(readable_secret_refused),
	    cmocka_unit_test(symlink_refused),
	    cmocka_unit_test(passphrase),
	    cmocka_unit_test(damaged_file),
	    cmocka_unit_test(passphrase_file),
	};

	if (sodium_init() < 0)
		return 1;
	log_quiet(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
