#include "tests/unit/testutil.h"

#include <dirent.h>
#include <sys/stat.h>

#include <sodium.h>

#include "sms/dialog.h"
#include "sms/segments.h"
#include "store/db.h"
#include "store/schema.h"

#define RUNS 5000
#define TEXT_MAX 1200

/*
 * An oracle written independently of sms/segments.c: the GSM 03.38
 * default alphabet and extension table as UTF-8 text, read character by
 * character.
 */
static const char *const gsm_basic[] = {"@", "£", "$", "¥", "è", "é", "ù", "ì",
    "ò", "Ç", "\n", "Ø", "ø", "\r", "Å", "å", "Δ", "_", "Φ", "Γ", "Λ", "Ω", "Π",
    "Ψ", "Σ", "Θ", "Ξ", "Æ", "æ", "ß", "É", " ", "!", "\"", "#", "¤", "%", "&",
    "'", "(", ")", "*", "+", ",", "-", ".", "/", "0", "1", "2", "3", "4", "5",
    "6", "7", "8", "9", ":", ";", "<", "=", ">", "?", "¡", "A", "B", "C", "D",
    "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P", "Q", "R", "S",
    "T", "U", "V", "W", "X", "Y", "Z", "Ä", "Ö", "Ñ", "Ü", "§", "¿", "a", "b",
    "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q",
    "r", "s", "t", "u", "v", "w", "x", "y", "z", "ä", "ö", "ñ", "ü", "à"};
static const char *const gsm_ext[] = {
    "\f", "^", "{", "}", "\\", "[", "~", "]", "|", "€"};
/* Characters GSM-7 lacks, with their UTF-16 length. */
static const struct {
	const char *s;
	size_t units;
} other[] = {{"ł", 1}, {"ș", 1}, {"ğ", 1}, {"á", 1}, {"ç", 1}, {"`", 1},
    {"ó", 1}, {"ą", 1}, {"ı", 1}, {"ã", 1}, {"🙂", 2}, {"😀", 2}, {"Ж", 1},
    {"ع", 1}, {"ক", 1}};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static size_t
oracle_parts(size_t units, int ucs2)
{
	size_t one = ucs2 ? 70 : 160, part = ucs2 ? 67 : 153;

	if (units <= one)
		return 1;
	return (units + part - 1) / part;
}

/* Random text: n characters, with "other" ones only when ucs2. */
static void
random_text(
    char *buf, size_t cap, size_t n, int ucs2, size_t *units, size_t *chars)
{
	size_t len = 0, gsm_units = 0, u16 = 0, k;
	int used_other = 0;
	const char *c;

	for (k = 0; k < n; k++) {
		uint32_t r = randombytes_uniform(100);
		size_t w16 = 1, w7 = 1;

		if (ucs2 && (r < 10 || (k == n - 1 && !used_other))) {
			uint32_t i = randombytes_uniform(N(other));

			c = other[i].s;
			w16 = other[i].units;
			used_other = 1;
		} else if (r < 20) {
			c = gsm_ext[randombytes_uniform(N(gsm_ext))];
			w7 = 2;
		} else {
			c = gsm_basic[randombytes_uniform(N(gsm_basic))];
		}
		assert_true(len + strlen(c) < cap);
		memcpy(buf + len, c, strlen(c));
		len += strlen(c);
		gsm_units += w7;
		u16 += w16;
	}
	buf[len] = '\0';
	*units = ucs2 ? u16 : gsm_units;
	*chars = n;
}

static void
random_texts(void **state)
{
	static char buf[TEXT_MAX * 4 + 1];
	struct sms_segments seg;
	size_t units, chars;

	(void)state;
	for (int i = 0; i < RUNS; i++) {
		int ucs2 = (int)randombytes_uniform(2);
		size_t n = 1 + randombytes_uniform(i % 4 == 0 ? TEXT_MAX : 420);

		random_text(buf, sizeof(buf), n, ucs2, &units, &chars);
		assert_int_equal(sms_segments_measure(buf, &seg), 0);
		assert_int_equal(seg.ucs2, ucs2);
		assert_int_equal(seg.units, units);
		assert_int_equal(seg.parts, oracle_parts(units, ucs2));
		assert_int_equal(sms_segments_chars(buf, strlen(buf)), chars);
	}
}

static void
fill(char *buf, const char *c, size_t n)
{
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		strcat(buf, c);
}

/* The documented boundaries: 160/153 GSM-7, 70/67 UCS-2. */
static void
boundaries(void **state)
{
	static const struct {
		const char *c;
		size_t n, parts;
		int ucs2;
	} cases[] = {{"a", 160, 1, 0}, {"a", 161, 2, 0}, {"a", 306, 2, 0},
	    {"a", 307, 3, 0}, {"€", 80, 1, 0}, {"€", 81, 2, 0}, {"ł", 70, 1, 1},
	    {"ł", 71, 2, 1}, {"ł", 134, 2, 1}, {"ł", 135, 3, 1},
	    {"🙂", 35, 1, 1}, {"🙂", 36, 2, 1}, {"é", 160, 1, 0}};
	static char buf[4 * 400 + 1];
	struct sms_segments seg;

	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		fill(buf, cases[i].c, cases[i].n);
		assert_int_equal(sms_segments_measure(buf, &seg), 0);
		assert_int_equal(seg.parts, cases[i].parts);
		assert_int_equal(seg.ucs2, cases[i].ucs2);
	}
	assert_int_equal(sms_segments_measure("", &seg), 0);
	assert_int_equal(seg.parts, 1);
	assert_int_equal(sms_segments_measure("bad \xff", &seg), -1);
}

static int
seal_nothing(void *ctx, enum envelope_kind kind, const char *p, size_t len)
{
	(void)ctx;
	(void)kind;
	(void)p;
	(void)len;
	return -1;
}

struct seen {
	const char *lang;
	int replies;
};

static int
measure_reply(void *ctx, const char *name, const char *text)
{
	struct seen *s = ctx;
	struct sms_segments seg;

	assert_int_equal(sms_segments_measure(text, &seg), 0);
	if (seg.parts > SMS_MAX_SEGMENTS)
		fail_msg("%s \"%s\": %zu %s parts, the limit is %d", s->lang,
		    name, seg.parts, seg.ucs2 ? "UCS-2" : "GSM-7",
		    SMS_MAX_SEGMENTS);
	s->replies++;
	return 0;
}

static const char *
root(void)
{
	const char *r = getenv("ROOT");

	return r != NULL ? r : ".";
}

/*
 * Every shipped language's every reply, filled in as smsd sends it,
 * fits in SMS_MAX_SEGMENTS parts (content/README.md), and dialog_new
 * would refuse content that does not.
 */
static void
every_language_fits(void **state)
{
	char dir[PATH_MAX], content[PATH_MAX], file[PATH_MAX + 300];
	uint8_t dbkey[DB_KEY_LEN], key[DIALOG_KEY_LEN];
	struct dirent *e;
	struct stat st;
	struct db *db;
	char *tmp;
	DIR *d;
	int langs = 0;

	(void)state;
	tmp = testutil_tmpdir();
	snprintf(dir, sizeof(dir), "%s/smsd.db", tmp);
	randombytes_buf(dbkey, sizeof(dbkey));
	randombytes_buf(key, sizeof(key));
	assert_non_null(db = db_open(dir, dbkey, &schema_device));
	snprintf(content, sizeof(content), "%s/content", root());
	assert_non_null(d = opendir(content));
	while ((e = readdir(d)) != NULL) {
		struct dialog_content dc;
		struct dialog_cfg cfg;
		struct dialog *dg;
		struct seen seen = {e->d_name, 0};

		if (e->d_name[0] == '.')
			continue;
		snprintf(
		    file, sizeof(file), "%s/%s/sms.json", content, e->d_name);
		if (stat(file, &st) != 0)
			continue;
		assert_int_equal(
		    dialog_content_load(&dc, content, e->d_name), 0);
		memset(&cfg, 0, sizeof(cfg));
		cfg.db = db;
		cfg.content = &dc;
		cfg.state_key = key;
		cfg.seal = seal_nothing;
		dg = dialog_new(&cfg);
		if (dg == NULL)
			fail_msg(
			    "%s: dialog_new refused the content", e->d_name);
		assert_int_equal(
		    dialog_each_reply(dg, measure_reply, &seen), 0);
		/* 16 replies and 4 "sorry" + question pairs. */
		assert_true(seen.replies >= 20);
		dialog_free(dg);
		dialog_content_free(&dc);
		langs++;
	}
	closedir(d);
	assert_true(langs >= 6);
	db_close(db);
	testutil_rmdir(tmp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(boundaries),
	    cmocka_unit_test(random_texts),
	    cmocka_unit_test(every_language_fits),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
