#include "tests/unit/testutil.h"

#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "sms/secrets.h"
#include "util/file.h"
#include "util/log.h"

static char *
write_file(const char *dir, const char *text, mode_t mode)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/secrets.conf", dir);
	unlink(path);
	assert_int_equal(
	    file_write_atomic(path, text, strlen(text), mode, 0), 0);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

static void
loads(void **state)
{
	char *dir = testutil_tmpdir();
	struct secrets *s;
	uint8_t key[32];
	size_t len;
	const char *v;

	(void)state;
	s = secrets_load(write_file(dir,
	    "# smsd secrets\n"
	    "twilio_auth_token = abc def=ghi \r\n"
	    "\n"
	    "   kannel_token=k1\n"
	    "state_key = 000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1f\n"
	    "short_key = 0001",
	    0600));
	assert_non_null(s);
	v = secrets_get(s, "twilio_auth_token", &len);
	assert_non_null(v);
	assert_string_equal(v, "abc def=ghi");
	assert_int_equal(len, 11);
	assert_string_equal(secrets_get(s, "kannel_token", NULL), "k1");
	assert_null(secrets_get(s, "json_secret", NULL));
	assert_int_equal(secrets_get_key(s, "state_key", key, sizeof(key)), 0);
	for (int i = 0; i < 32; i++)
		assert_int_equal(key[i], i);
	assert_int_equal(secrets_get_key(s, "short_key", key, sizeof(key)), -1);
	assert_int_equal(secrets_get_key(s, "missing", key, sizeof(key)), -1);
	assert_int_equal(secrets_get_key(s, "kannel_token", key, 1), -1);
	secrets_free(s);
	testutil_rmdir(dir);
}

static void
refuses(void **state)
{
	char *dir = testutil_tmpdir();
	const char *bad[] = {
	    "no equals sign\n",
	    "a = 1\na = 2\n",
	    "Bad-Name = 1\n",
	    " = 1\n",
	    "a = x\001y\n",
	};

	(void)state;
	/* Readable by others: refused, with the chmod hint logged. */
	assert_null(secrets_load(write_file(dir, "a = 1\n", 0644)));
	assert_null(secrets_load(write_file(dir, "a = 1\n", 0640)));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_null(secrets_load(write_file(dir, bad[i], 0600)));
	assert_null(secrets_load("/nonexistent/secrets.conf"));
	testutil_rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(loads),
	    cmocka_unit_test(refuses),
	};

	if (sodium_init() < 0)
		return 1;
	log_quiet(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
