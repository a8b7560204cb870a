/*
 * Every finding of the fuzz targets (docs/fuzzing.md), kept fixed: each
 * test is the minimised crashing input, or the call it made. Run under
 * `make asan` too, where the sanitizers that found them watch again.
 */
#include "tests/unit/testutil.h"

#include <sodium.h>

#include "net/http.h"
#include "util/log.h"

/* fuzz_twilio: an empty POST body reached http_form_parse as (NULL, 0),
 * and in + len on a null pointer is undefined behaviour. */
static void
test_form_parse_null_empty(void **state)
{
	static struct http_form form;

	(void)state;
	form.npairs = 7;
	assert_int_equal(http_form_parse(&form, NULL, 0), 0);
	assert_int_equal(form.npairs, 0);
	assert_null(http_form_get(&form, "Body"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_form_parse_null_empty),
	};

	log_quiet(1);
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
