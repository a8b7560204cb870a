#include "tests/unit/testutil.h"

#include <ctype.h>
#include <sodium.h>

#include "crypto/refcode.h"

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static void
generated_codes_parse(void **state)
{
	char code[REFCODE_BUFLEN], back[REFCODE_BUFLEN];

	(void)state;
	for (int i = 0; i < 2000; i++) {
		assert_int_equal(refcode_generate(code, sizeof(code)), 0);
		assert_int_equal(strlen(code), REFCODE_LEN);
		assert_true(
		    code[4] == '-' && code[9] == '-' && code[14] == '-');
		assert_int_equal(refcode_parse(back, sizeof(back), code), 0);
		assert_string_equal(back, code);
	}
	assert_int_not_equal(refcode_generate(code, REFCODE_LEN), 0);
}

static void
codes_differ(void **state)
{
	char a[REFCODE_BUFLEN], b[REFCODE_BUFLEN];

	(void)state;
	assert_int_equal(refcode_generate(a, sizeof(a)), 0);
	assert_int_equal(refcode_generate(b, sizeof(b)), 0);
	assert_string_not_equal(a, b);
}

static void
tolerant_input(void **state)
{
	char code[REFCODE_BUFLEN], messy[64], out[REFCODE_BUFLEN];
	size_t o = 0;

	(void)state;
	/* Make a code with a 0 and a 1 in it so confusions can be tested. */
	do {
		assert_int_equal(refcode_generate(code, sizeof(code)), 0);
	} while (strchr(code, '0') == NULL || strchr(code, '1') == NULL);
	for (size_t i = 0; code[i] != '\0'; i++) {
		char ch = code[i];
		if (ch == '-') {
			messy[o++] = ' ';
			continue;
		}
		if (ch == '0')
			ch = 'o';
		else if (ch == '1')
			ch = (i % 2) ? 'l' : 'I';
		else
			ch = (char)tolower((unsigned char)ch);
		messy[o++] = ch;
		if (i == 2)
			messy[o++] = '-';
	}
	messy[o] = '\0';
	assert_int_equal(refcode_parse(out, sizeof(out), messy), 0);
	assert_string_equal(out, code);
}

/* Every single wrong symbol, anywhere, is caught by the check symbol. */
static void
every_single_typo_rejected(void **state)
{
	char code[REFCODE_BUFLEN], typo[REFCODE_BUFLEN], out[REFCODE_BUFLEN];

	(void)state;
	for (int round = 0; round < 50; round++) {
		assert_int_equal(refcode_generate(code, sizeof(code)), 0);
		for (size_t i = 0; i < REFCODE_LEN; i++) {
			if (code[i] == '-')
				continue;
			for (size_t a = 0; a < 32; a++) {
				if (alphabet[a] == code[i])
					continue;
				memcpy(typo, code, sizeof(code));
				typo[i] = alphabet[a];
				assert_int_not_equal(
				    refcode_parse(out, sizeof(out), typo), 0);
			}
		}
	}
}

static void
adjacent_swaps_mostly_rejected(void **state)
{
	char code[REFCODE_BUFLEN], sw[REFCODE_BUFLEN], out[REFCODE_BUFLEN];
	int swaps = 0, caught = 0;

	(void)state;
	for (int round = 0; round < 200; round++) {
		assert_int_equal(refcode_generate(code, sizeof(code)), 0);
		for (size_t i = 0; i + 1 < REFCODE_LEN; i++) {
			if (code[i] == '-' || code[i + 1] == '-' ||
			    code[i] == code[i + 1])
				continue;
			memcpy(sw, code, sizeof(code));
			sw[i] = code[i + 1];
			sw[i + 1] = code[i];
			swaps++;
			caught += refcode_parse(out, sizeof(out), sw) != 0;
		}
	}
	/* Luhn mod 32 misses only a swap of "0" and "Z" next to each other. */
	assert_true(caught * 100 >= swaps * 90);
}

static void
bad_input_rejected(void **state)
{
	char out[REFCODE_BUFLEN], code[REFCODE_BUFLEN], longer[80];

	(void)state;
	assert_int_equal(refcode_generate(code, sizeof(code)), 0);
	assert_int_not_equal(refcode_parse(out, sizeof(out), ""), 0);
	assert_int_not_equal(refcode_parse(out, sizeof(out), "ABCD"), 0);
	/* U is not in Crockford's alphabet, nor are punctuation marks. */
	assert_int_not_equal(
	    refcode_parse(out, sizeof(out), "UUUU-UUUU-UUUU-U"), 0);
	assert_int_not_equal(
	    refcode_parse(out, sizeof(out), "K7QD.M2XA.9RTF.C"), 0);
	/* One symbol too many or too few. */
	snprintf(longer, sizeof(longer), "%s0", code);
	assert_int_not_equal(refcode_parse(out, sizeof(out), longer), 0);
	code[REFCODE_LEN - 1] = '\0';
	assert_int_not_equal(refcode_parse(out, sizeof(out), code), 0);
	/* Very long input is refused without reading it all. */
	memset(longer, ' ', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	assert_int_not_equal(refcode_parse(out, sizeof(out), longer), 0);
	/* Non-ASCII bytes. */
	assert_int_not_equal(
	    refcode_parse(out, sizeof(out), "K7QD-M2XA-9RTF-\xc3\xa9"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(generated_codes_parse),
	    cmocka_unit_test(codes_differ),
	    cmocka_unit_test(tolerant_input),
	    cmocka_unit_test(every_single_typo_rejected),
	    cmocka_unit_test(adjacent_swaps_mostly_rejected),
	    cmocka_unit_test(bad_input_rejected),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
