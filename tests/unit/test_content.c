#include "tests/unit/testutil.h"

#include <sys/stat.h>

#include <jansson.h>

#include "util/content.h"
#include "util/log.h"

/* GOV.UK advice: sentences of 25 words at most. */
#define SENTENCE_WORDS_MAX 25

static const char *
content_dir(void)
{
	const char *d = getenv("RJ_CONTENT_DIR");

	return d != NULL ? d : "content";
}

static void
write_file(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static void
make_lang_dir(const char *root, const char *lang)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, lang);
	assert_int_equal(mkdir(path, 0755), 0);
}

static void
test_languages_file(void **state)
{
	struct content_langs l;
	const struct content_lang *en, *ar, *ur;
	static const char *const shipped[] = {
	    "en", "pl", "ar", "bn", "ur", "so", "tr", "ro", "pt", "es"};
	size_t i;

	(void)state;
	assert_int_equal(content_langs_load(&l, content_dir()), 0);
	for (i = 0; i < sizeof(shipped) / sizeof(shipped[0]); i++)
		assert_non_null(content_langs_find(&l, shipped[i]));
	assert_null(content_langs_find(&l, "xx"));
	en = content_langs_find(&l, "en");
	assert_false(en->draft);
	assert_false(en->rtl);
	ar = content_langs_find(&l, "ar");
	ur = content_langs_find(&l, "ur");
	assert_true(ar->rtl);
	assert_true(ur->rtl);
	for (i = 0; i < l.n; i++) {
		assert_true(l.lang[i].native[0] != '\0');
		assert_true(l.lang[i].english[0] != '\0');
		assert_true(l.lang[i].text_scale >= 50);
	}
}

/* Every shipped language: same keys and placeholders as English. */
static void
test_every_language_matches_english(void **state)
{
	struct content_langs l;
	struct content en, c;
	size_t i;

	(void)state;
	assert_int_equal(content_langs_load(&l, content_dir()), 0);
	assert_int_equal(content_load(&en, content_dir(), "en", "receipt"), 0);
	assert_false(en.draft);
	assert_true(en.version >= 1);
	for (i = 0; i < l.n; i++) {
		print_message("checking %s\n", l.lang[i].code);
		assert_int_equal(
		    content_load(&c, content_dir(), l.lang[i].code, "receipt"),
		    0);
		assert_int_equal(content_check_keys(&en, &c), 0);
		/* The draft mark agrees between the two files. */
		assert_int_equal(c.draft, l.lang[i].draft);
		assert_string_equal(c.lang, l.lang[i].code);
		content_free(&c);
	}
	content_free(&en);
}

/* Every shipped language's kiosk screens match English, and Easy Read
 * has English's keys too. */
static void
test_kiosk_tables_match_english(void **state)
{
	struct content_langs l;
	struct content en, c;

	(void)state;
	assert_int_equal(content_langs_load(&l, content_dir()), 0);
	assert_int_equal(content_load(&en, content_dir(), "en", "kiosk"), 0);
	assert_false(en.draft);
	for (size_t i = 0; i < l.n; i++) {
		print_message("checking kiosk %s\n", l.lang[i].code);
		assert_int_equal(
		    content_load(&c, content_dir(), l.lang[i].code, "kiosk"),
		    0);
		assert_int_equal(content_check_keys(&en, &c), 0);
		assert_int_equal(c.draft, l.lang[i].draft);
		assert_int_equal(c.version, en.version);
		content_free(&c);
	}
	assert_int_equal(
	    content_load(&c, content_dir(), "en", "kiosk_easy"), 0);
	assert_int_equal(content_check_keys(&en, &c), 0);
	assert_false(c.draft);
	content_free(&c);
	content_free(&en);
}

static void check_sentence_lengths_max(const char *text, size_t max);

/* The kiosk's English and Easy Read: short sentences, the voice rules. */
static void
test_kiosk_english_plain(void **state)
{
	static const char *const tables[] = {"kiosk", "kiosk_easy"};
	/* Easy Read: one short idea a sentence. */
	static const size_t max[] = {SENTENCE_WORDS_MAX, 15};
	struct content c;
	const char *key;
	json_t *v;

	(void)state;
	for (size_t t = 0; t < 2; t++) {
		assert_int_equal(
		    content_load(&c, content_dir(), "en", tables[t]), 0);
		json_object_foreach(c.table, key, v)
		{
			const char *text = json_string_value(v);
			if (key[0] == '_')
				continue;
			check_sentence_lengths_max(text, max[t]);
			if (strstr(text, "offender") != NULL ||
			    strstr(text, "guarantee") != NULL)
				fail_msg("%s/%s: %s", tables[t], key, text);
		}
		content_free(&c);
	}
}

static void
check_sentence_lengths(const char *text)
{
	check_sentence_lengths_max(text, SENTENCE_WORDS_MAX);
}

static void
check_sentence_lengths_max(const char *text, size_t max)
{
	size_t words = 0;
	int in_word = 0;
	const char *p;

	for (p = text; *p != '\0'; p++) {
		if (*p == ' ') {
			in_word = 0;
		} else if (!in_word) {
			in_word = 1;
			words++;
		}
		if (*p == '.' || *p == '?' || *p == '!') {
			if (words > max)
				fail_msg("long sentence in: %s", text);
			words = 0;
		}
	}
	if (words > max)
		fail_msg("long sentence in: %s", text);
}

static void
test_english_plain(void **state)
{
	struct content en;
	const char *key;
	const char *keys[] = {"heading_referral", "next_body", "choice_body",
	    "withdraw_text", "info_body", "info_who", "keep_note",
	    "print_failed_body"};
	size_t i;

	(void)state;
	assert_int_equal(content_load(&en, content_dir(), "en", "receipt"), 0);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		key = keys[i];
		assert_non_null(content_get(&en, key));
		check_sentence_lengths(content_get(&en, key));
	}
	/* The voice rules: no "offender", no promise of an outcome. */
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		assert_null(strstr(content_get(&en, keys[i]), "offender"));
		assert_null(strstr(content_get(&en, keys[i]), "guarantee"));
	}
	content_free(&en);
}

static void
test_get(void **state)
{
	struct content en;

	(void)state;
	assert_int_equal(content_load(&en, content_dir(), "en", "receipt"), 0);
	assert_non_null(content_get(&en, "heading_referral"));
	assert_null(content_get(&en, "no_such_key"));
	assert_null(content_get(&en, "_meta"));
	content_free(&en);
	assert_null(content_get(&en, "heading_referral"));
}

static void
test_support_file(void **state)
{
	struct content_support s;
	struct content en;
	const struct content_contact *c;
	size_t i;

	(void)state;
	assert_int_equal(content_support_load(&s, content_dir()), 0);
	assert_int_equal(content_load(&en, content_dir(), "en", "receipt"), 0);
	for (i = 0; i < s.n; i++) {
		assert_true(s.contact[i].verify_before_use);
		assert_non_null(content_get(&en, s.contact[i].text_key));
	}
	c = content_support_find(&s, "emergency");
	assert_non_null(c);
	assert_string_equal(c->phone, "999");
	c = content_support_find(&s, "victim_support");
	assert_non_null(c);
	assert_string_equal(c->phone, "08 08 16 89 111");
	c = content_support_find(&s, "rj_council");
	assert_non_null(c);
	assert_string_equal(c->web, "restorativejustice.org.uk");
	/* The hub's own number is the operator's to fill in. */
	c = content_support_find(&s, "hub");
	assert_non_null(c);
	assert_true(c->placeholder);
	assert_null(content_support_find(&s, "nobody"));
	content_free(&en);
}

static void
test_service_file(void **state)
{
	struct content_service s;

	(void)state;
	assert_int_equal(content_service_load(&s, content_dir()), 0);
	assert_true(s.contact_working_days >= 1);
	assert_string_equal(s.kw_referral, "REF");
	assert_string_equal(s.kw_info, "INFO");
	assert_string_equal(s.kw_stop, "STOP");
}

static void
test_expand(void **state)
{
	const struct content_var v[] = {
	    {"code", "K7QD"}, {"n", "07700"}, {"none", NULL}};
	char out[64];

	(void)state;
	log_quiet(1);
	assert_int_equal(
	    content_expand("Text {code} to {n}.", v, 2, out, sizeof(out)), 0);
	assert_string_equal(out, "Text K7QD to 07700.");
	/* Not placeholders: copied as they are. */
	assert_int_equal(
	    content_expand("{ a } {Code} {} {", v, 2, out, sizeof(out)), 0);
	assert_string_equal(out, "{ a } {Code} {} {");
	/* A placeholder with no value is an error, not a blank. */
	assert_int_equal(
	    content_expand("x {typo} y", v, 2, out, sizeof(out)), -1);
	assert_string_equal(out, "");
	assert_int_equal(content_expand("{none}", v, 3, out, sizeof(out)), -1);
	/* Too long: an error, never a cut sentence. */
	assert_int_equal(content_expand("{code}{code}", v, 2, out, 8), -1);
	assert_int_equal(content_expand("abcdefgh", v, 2, out, 8), -1);
	assert_int_equal(content_expand("abcdefg", v, 2, out, 8), 0);
	assert_string_equal(out, "abcdefg");
}

static void
test_check_keys_finds_differences(void **state)
{
	struct content en, xx;
	char *root = testutil_tmpdir();

	(void)state;
	log_quiet(1);
	make_lang_dir(root, "en");
	make_lang_dir(root, "xx");
	write_file(root, "en/t.json",
	    "{\"_meta\": {\"language\": \"en\", \"version\": 1, \"draft\": "
	    "false}, \"a\": \"A {code}\", \"b\": \"B\"}");
	/* Same keys, but "a" lost its placeholder. */
	write_file(root, "xx/t.json",
	    "{\"_meta\": {\"language\": \"xx\", \"version\": 1, \"draft\": "
	    "true}, \"a\": \"A\", \"b\": \"B\"}");
	assert_int_equal(content_load(&en, root, "en", "t"), 0);
	assert_int_equal(content_load(&xx, root, "xx", "t"), 0);
	assert_true(xx.draft);
	assert_int_equal(content_check_keys(&en, &xx), -1);
	content_free(&xx);
	/* A missing key. */
	write_file(root, "xx/t.json",
	    "{\"_meta\": {\"language\": \"xx\", \"version\": 1, \"draft\": "
	    "true}, \"a\": \"{code} A\"}");
	assert_int_equal(content_load(&xx, root, "xx", "t"), 0);
	assert_int_equal(content_check_keys(&en, &xx), -1);
	content_free(&xx);
	/* An extra key. */
	write_file(root, "xx/t.json",
	    "{\"_meta\": {\"language\": \"xx\", \"version\": 1, \"draft\": "
	    "true}, \"a\": \"{code} A\", \"b\": \"B\", \"c\": \"C\"}");
	assert_int_equal(content_load(&xx, root, "xx", "t"), 0);
	assert_int_equal(content_check_keys(&en, &xx), -1);
	content_free(&xx);
	/* Matching: placeholders may move within the sentence. */
	write_file(root, "xx/t.json",
	    "{\"_meta\": {\"language\": \"xx\", \"version\": 1, \"draft\": "
	    "true}, \"b\": \"BB\", \"a\": \"{code} A\"}");
	assert_int_equal(content_load(&xx, root, "xx", "t"), 0);
	assert_int_equal(content_check_keys(&en, &xx), 0);
	content_free(&xx);
	content_free(&en);
	testutil_rmdir(root);
}

static void
test_load_refusals(void **state)
{
	struct content c;
	struct content_langs l;
	char *root = testutil_tmpdir();

	(void)state;
	log_quiet(1);
	make_lang_dir(root, "xx");
	/* Path tricks never reach the file system. */
	assert_int_equal(
	    content_load(&c, content_dir(), "../en", "receipt"), -1);
	assert_int_equal(
	    content_load(&c, content_dir(), "en", "../receipt"), -1);
	assert_int_equal(content_load(&c, content_dir(), "en/", "receipt"), -1);
	assert_int_equal(content_load(&c, content_dir(), "e", "receipt"), -1);
	assert_int_equal(content_load(&c, root, "xx", "missing"), -1);
	/* _meta names another language. */
	write_file(root, "xx/a.json",
	    "{\"_meta\": {\"language\": \"en\", \"version\": 1, \"draft\": "
	    "true}}");
	assert_int_equal(content_load(&c, root, "xx", "a"), -1);
	/* No _meta, a draft mark that is not true/false, version 0. */
	write_file(root, "xx/b.json", "{\"a\": \"A\"}");
	assert_int_equal(content_load(&c, root, "xx", "b"), -1);
	write_file(root, "xx/c.json",
	    "{\"_meta\": {\"language\": \"xx\", \"version\": 1, \"draft\": "
	    "\"yes\"}}");
	assert_int_equal(content_load(&c, root, "xx", "c"), -1);
	write_file(root, "xx/d.json",
	    "{\"_meta\": {\"language\": \"xx\", \"version\": 0, \"draft\": "
	    "true}}");
	assert_int_equal(content_load(&c, root, "xx", "d"), -1);
	/* A value that is not text; a key twice; not JSON. */
	write_file(root, "xx/e.json",
	    "{\"_meta\": {\"language\": \"xx\", \"version\": 1, \"draft\": "
	    "true}, \"a\": 3}");
	assert_int_equal(content_load(&c, root, "xx", "e"), -1);
	write_file(root, "xx/f.json",
	    "{\"_meta\": {\"language\": \"xx\", \"version\": 1, \"draft\": "
	    "true}, \"a\": \"A\", \"a\": \"B\"}");
	assert_int_equal(content_load(&c, root, "xx", "f"), -1);
	write_file(root, "xx/g.json", "{\"_meta\": ");
	assert_int_equal(content_load(&c, root, "xx", "g"), -1);
	assert_null(c.table);
	/* A languages.json without English, or listing one twice. */
	write_file(root, "languages.json",
	    "{\"languages\": [{\"code\": \"xx\", \"native\": \"X\", "
	    "\"english\": \"X\", \"dir\": \"ltr\", \"draft\": true}]}");
	assert_int_equal(content_langs_load(&l, root), -1);
	write_file(root, "languages.json",
	    "{\"languages\": [{\"code\": \"en\", \"native\": \"E\", "
	    "\"english\": \"E\", \"dir\": \"ltr\", \"draft\": false},"
	    "{\"code\": \"en\", \"native\": \"E\", \"english\": \"E\", "
	    "\"dir\": \"ltr\", \"draft\": false}]}");
	assert_int_equal(content_langs_load(&l, root), -1);
	write_file(root, "languages.json",
	    "{\"languages\": [{\"code\": \"en\", \"native\": \"E\", "
	    "\"english\": \"E\", \"dir\": \"up\", \"draft\": false}]}");
	assert_int_equal(content_langs_load(&l, root), -1);
	testutil_rmdir(root);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_languages_file),
	    cmocka_unit_test(test_every_language_matches_english),
	    cmocka_unit_test(test_english_plain),
	    cmocka_unit_test(test_kiosk_tables_match_english),
	    cmocka_unit_test(test_kiosk_english_plain),
	    cmocka_unit_test(test_get),
	    cmocka_unit_test(test_support_file),
	    cmocka_unit_test(test_service_file),
	    cmocka_unit_test(test_expand),
	    cmocka_unit_test(test_check_keys_finds_differences),
	    cmocka_unit_test(test_load_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
