#include "tests/unit/testutil.h"

#include <sodium.h>

#include "util/conf.h"

#define RUNS 2000
#define VALUE_MAX 80

struct got {
	char value[VALUE_MAX * 2];
	int calls;
	int bad;
};

static int
handler(void *user, const char *section, const char *name, const char *value)
{
	struct got *g = user;

	(void)section;
	(void)name;
	snprintf(g->value, sizeof(g->value), "%s", value);
	g->calls++;
	return 1;
}

/* A value of letters, digits and what paths and URLs hold, with '#' and
 * ';' only where no space comes before them (a URL fragment, "a;b"). */
static void
random_value(char *out, size_t n)
{
	static const char chars[] = "abcXYZ019/._-:?=&%+@";
	size_t i;

	for (i = 0; i < n; i++) {
		uint32_t r = randombytes_uniform(20);

		if (i > 0 && out[i - 1] != ' ' && r == 0)
			out[i] = randombytes_uniform(2) ? '#' : ';';
		else if (i > 0 && i + 1 < n && out[i - 1] != ' ' && r == 1)
			out[i] = ' ';
		else
			out[i] = chars[randombytes_uniform(sizeof(chars) - 1)];
	}
	out[n] = '\0';
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* "name = VALUE<spaces># comment" and "; comment" give VALUE, as a line
 * starting with '#' or ';' is a comment. */
static void
inline_comments(void **state)
{
	char *dir = testutil_tmpdir(), path[PATH_MAX], value[VALUE_MAX + 1];
	char text[VALUE_MAX * 3];
	static const char *const comments[] = {"# created on first start", "#x",
	    "; the default", ";", "# national numbers (07...) read as +44",
	    "#  # twice ; both"};
	struct got g;
	int bad = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/t.conf", dir);
	for (int i = 0; i < RUNS; i++) {
		size_t n = 1 + randombytes_uniform(VALUE_MAX - 1);
		int with = (int)randombytes_uniform(3);
		const char *c = comments[randombytes_uniform(
		    sizeof(comments) / sizeof(comments[0]))];
		const char *gap = randombytes_uniform(2) ? " " : "\t        ";

		random_value(value, n);
		/* A value never ends in a space (inih trims it). */
		while (n > 0 && value[n - 1] == ' ')
			value[--n] = '\0';
		if (n == 0)
			continue;
		assert_true(snprintf(text, sizeof(text),
				"# a comment line\n[s]\n; another\nname = "
				"%s%s%s\n",
				value, with ? gap : "",
				with ? c : "") < (int)sizeof(text));
		write_file(path, text);
		memset(&g, 0, sizeof(g));
		assert_int_equal(conf_parse(path, handler, &g, &bad), 0);
		assert_int_equal(g.calls, 1);
		if (strcmp(g.value, value) != 0)
			fail_msg("line \"name = %s%s%s\" gave \"%s\"", value,
			    with ? gap : "", with ? c : "", g.value);
	}
	testutil_rmdir(dir);
}

/* The values docs/install.md shows, as an operator copies them. */
static void
documented_lines(void **state)
{
	char *dir = testutil_tmpdir(), path[PATH_MAX];
	struct got g;
	int bad = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/t.conf", dir);
	write_file(path, "[smsd]\ncountry_code = 44        # national numbers "
			 "(07...) read as +44...\n");
	memset(&g, 0, sizeof(g));
	assert_int_equal(conf_parse(path, handler, &g, &bad), 0);
	assert_string_equal(g.value, "44");
	write_file(path, "[twilio]\npublic_url = "
			 "https://sms.example.org/sms/twilio   # exactly as "
			 "in Twilio\n");
	assert_int_equal(conf_parse(path, handler, &g, &bad), 0);
	assert_string_equal(g.value, "https://sms.example.org/sms/twilio");
	/* A fragment or a '#' inside a word is part of the value. */
	write_file(path, "[a]\nurl = https://x.example/p#frag\n");
	assert_int_equal(conf_parse(path, handler, &g, &bad), 0);
	assert_string_equal(g.value, "https://x.example/p#frag");
	testutil_rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(inline_comments),
	    cmocka_unit_test(documented_lines),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
