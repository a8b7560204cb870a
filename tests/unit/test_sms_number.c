#include "tests/unit/testutil.h"

#include "sms/provider.h"
#include "util/log.h"

static void
national_to_international(void **state)
{
	char n[SMS_MAX_NUMBER + 1];

	(void)state;
	assert_int_equal(sms_set_number(n, "07700900123"), 0);
	assert_int_equal(sms_number_international(n, "44"), 0);
	assert_string_equal(n, "+447700900123");
	/* Already international, in either spelling: unchanged. */
	assert_int_equal(sms_set_number(n, "00447700900123"), 0);
	assert_int_equal(sms_number_international(n, "44"), 0);
	assert_string_equal(n, "+447700900123");
	assert_int_equal(sms_set_number(n, "+33612345678"), 0);
	assert_int_equal(sms_number_international(n, "44"), 0);
	assert_string_equal(n, "+33612345678");
	/* Short codes and a disabled country code: unchanged. */
	assert_int_equal(sms_set_number(n, "60123"), 0);
	assert_int_equal(sms_number_international(n, "44"), 0);
	assert_string_equal(n, "60123");
	assert_int_equal(sms_set_number(n, "07700900123"), 0);
	assert_int_equal(sms_number_international(n, ""), 0);
	assert_string_equal(n, "07700900123");
	/* Too long once the country code is added: refused, not cut. */
	assert_int_equal(sms_set_number(n, "0123456789012345678"), 0);
	assert_int_equal(sms_number_international(n, "44"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(national_to_international),
	};

	log_quiet(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
