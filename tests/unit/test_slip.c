#include "tests/unit/testutil.h"

#include <sys/stat.h>

#include <jansson.h>

#include "crypto/refcode.h"
#include "receipt/raster.h"
#include "receipt/slip.h"
#include "util/content.h"
#include "util/log.h"
#include "tests/lsan_fontconfig.h"

#define NUMBER "+447700900123"
#define DISPLAY "07700 900123"
#define CODE "K7QD-M2XA-9RTF-C"
/* Text lines looked at below the QR code. */
#define LINES_MAX 4
/* Blank rows that end a line: fewer may sit between Arabic dots and
 * the letters they belong to. */
#define LINE_GAP_ROWS 4

static const char *
content_dir(void)
{
	const char *d = getenv("RJ_CONTENT_DIR");

	return d != NULL ? d : "content";
}

static struct slip *
open_slip(const char *dir, size_t width)
{
	struct slip_config cfg = {dir, NUMBER, DISPLAY, width};
	struct slip *s = NULL;

	assert_int_equal(slip_open(&s, &cfg), 0);
	assert_non_null(s);
	return s;
}

static void
test_open_refusals(void **state)
{
	struct slip_config cfg = {"content", NUMBER, NULL, 384};
	struct slip *s = NULL;

	(void)state;
	log_quiet(1);
	cfg.content_dir = content_dir();
	cfg.width = 100;
	assert_int_equal(slip_open(&s, &cfg), -1);
	assert_null(s);
	cfg.width = 390; /* not a multiple of 8 */
	assert_int_equal(slip_open(&s, &cfg), -1);
	cfg.width = SLIP_WIDTH_MAX + 8;
	assert_int_equal(slip_open(&s, &cfg), -1);
	cfg.width = 384;
	cfg.service_number = "call us";
	assert_int_equal(slip_open(&s, &cfg), -1);
	cfg.service_number = NULL;
	assert_int_equal(slip_open(&s, &cfg), -1);
	cfg.service_number = NUMBER;
	cfg.content_dir = "/nonexistent";
	assert_int_equal(slip_open(&s, &cfg), -1);
	slip_close(NULL);
}

static void
test_qr_text(void **state)
{
	struct slip *s = open_slip(content_dir(), 384);
	char buf[256];

	(void)state;
	log_quiet(1);
	assert_int_equal(
	    slip_qr_text(s, SLIP_REFERRAL, CODE, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "SMSTO:" NUMBER ":REF " CODE);
	assert_int_equal(slip_qr_text(s, SLIP_INFO, NULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "SMSTO:" NUMBER ":INFO");
	/* Codes are printed, never trusted: odd ones are refused. */
	assert_int_equal(
	    slip_qr_text(s, SLIP_REFERRAL, NULL, buf, sizeof(buf)), -1);
	assert_int_equal(
	    slip_qr_text(s, SLIP_REFERRAL, "k7qd", buf, sizeof(buf)), -1);
	assert_int_equal(
	    slip_qr_text(s, SLIP_REFERRAL, "K7QD:INFO", buf, sizeof(buf)), -1);
	assert_int_equal(
	    slip_qr_text(s, SLIP_REFERRAL, "K7QD-M2XA-9RTF-CK7QD-M2XA-9RTF-CX",
		buf, sizeof(buf)),
	    -1);
	slip_close(s);
}

/* Every language, both kinds, both widths: every glyph found. */
static void
test_render_all(void **state)
{
	static const size_t widths[] = {SLIP_WIDTH_58MM, SLIP_WIDTH_80MM};
	const struct content_langs *l;
	struct slip_stats st;
	struct raster r;
	struct slip *s;
	size_t w, i, k;

	(void)state;
	for (w = 0; w < 2; w++) {
		s = open_slip(content_dir(), widths[w]);
		l = slip_langs(s);
		assert_true(l->n >= 10);
		for (i = 0; i < l->n; i++) {
			for (k = 0; k < 2; k++) {
				assert_int_equal(
				    slip_render(s, l->lang[i].code,
					(enum slip_kind)k, CODE, &r, &st),
				    0);
				assert_int_equal(r.width, widths[w]);
				assert_int_equal(r.height, st.height);
				assert_true(r.height <= SLIP_HEIGHT_MAX);
				assert_int_equal(st.unknown_glyphs, 0);
				assert_true(st.qr_module_dots >= 3);
				assert_true(st.qr_top + st.qr_size < r.height);
				raster_free(&r);
			}
		}
		slip_close(s);
	}
}

static void
test_render_refusals(void **state)
{
	struct slip *s = open_slip(content_dir(), 384);
	struct raster r;

	(void)state;
	log_quiet(1);
	assert_int_equal(
	    slip_render(s, "xx", SLIP_REFERRAL, CODE, &r, NULL), -1);
	assert_null(r.bits);
	assert_int_equal(
	    slip_render(s, "en", SLIP_REFERRAL, "bad code", &r, NULL), -1);
	/* An information slip needs no code. */
	assert_int_equal(slip_render(s, "en", SLIP_INFO, NULL, &r, NULL), 0);
	raster_free(&r);
	slip_close(s);
}

struct line {
	size_t left;
	size_t right;
};

/* Ink extents of the first text lines below the QR code. */
static size_t
lines_below_qr(
    const struct raster *r, const struct slip_stats *st, struct line *out)
{
	size_t y, x, n = 0, left, right, blank = 0;
	int in_line = 0, ink;

	for (y = st->qr_top + st->qr_size; y < r->height && n < LINES_MAX;
	     y++) {
		left = r->width;
		right = 0;
		for (x = 0; x < r->width; x++) {
			if (raster_get(r, x, y)) {
				if (x < left)
					left = x;
				right = x;
			}
		}
		ink = left < r->width;
		blank = ink ? 0 : blank + 1;
		if (ink && !in_line) {
			out[n].left = left;
			out[n].right = right;
			in_line = 1;
		} else if (ink) {
			if (left < out[n].left)
				out[n].left = left;
			if (right > out[n].right)
				out[n].right = right;
		} else if (in_line && blank == LINE_GAP_ROWS) {
			in_line = 0;
			n++;
		}
	}
	return n;
}

static size_t
spread(const struct line *l, size_t n, int right)
{
	size_t i, lo = SIZE_MAX, hi = 0, v;

	for (i = 0; i < n; i++) {
		v = right ? l[i].right : l[i].left;
		lo = v < lo ? v : lo;
		hi = v > hi ? v : hi;
	}
	return hi - lo;
}

/*
 * Left-to-right text lines up on the left and is ragged on the right;
 * Arabic the other way round.
 */
static void
test_direction(void **state)
{
	struct slip *s = open_slip(content_dir(), 384);
	struct slip_stats st;
	struct raster r;
	struct line l[LINES_MAX];

	(void)state;
	assert_int_equal(slip_render(s, "en", SLIP_REFERRAL, CODE, &r, &st), 0);
	assert_int_equal(lines_below_qr(&r, &st, l), LINES_MAX);
	assert_true(spread(l, LINES_MAX, 0) < 8);
	assert_true(spread(l, LINES_MAX, 1) > 30);
	raster_free(&r);
	assert_int_equal(slip_render(s, "ar", SLIP_REFERRAL, CODE, &r, &st), 0);
	assert_int_equal(lines_below_qr(&r, &st, l), LINES_MAX);
	assert_true(spread(l, LINES_MAX, 1) < 8);
	assert_true(spread(l, LINES_MAX, 0) > 30);
	raster_free(&r);
	slip_close(s);
}

/* Full-width rules: the divider between a language and English. */
static size_t
rules(const struct raster *r)
{
	size_t y, x, run, best, n = 0;
	int in_rule = 0;

	for (y = 0; y < r->height; y++) {
		run = best = 0;
		for (x = 0; x < r->width; x++) {
			run = raster_get(r, x, y) ? run + 1 : 0;
			best = run > best ? run : best;
		}
		if (best >= r->width * 8 / 10 && !in_rule)
			n++;
		in_rule = best >= r->width * 8 / 10;
	}
	return n;
}

static void
test_english_once_and_below(void **state)
{
	struct slip *s = open_slip(content_dir(), 576);
	struct slip_stats st_en, st_pl;
	struct raster en, pl;

	(void)state;
	assert_int_equal(
	    slip_render(s, "en", SLIP_REFERRAL, CODE, &en, &st_en), 0);
	assert_int_equal(
	    slip_render(s, "pl", SLIP_REFERRAL, CODE, &pl, &st_pl), 0);
	assert_int_equal(rules(&en), 0);
	assert_int_equal(rules(&pl), 1);
	/* Polish and English take about twice English alone. */
	assert_true(pl.height > en.height * 3 / 2);
	raster_free(&en);
	raster_free(&pl);
	slip_close(s);
}

static void
copy_content(const char *to)
{
	char cmd[2 * PATH_MAX];

	snprintf(cmd, sizeof(cmd), "cp -R '%s'/. '%s'/", content_dir(), to);
	assert_int_equal(system(cmd), 0);
}

/* What an operator does: fill in the hub's number and hours. */
static void
fill_in_hub(const char *dir)
{
	char path[PATH_MAX];
	json_t *j, *c;
	size_t i;
	int found = 0;

	snprintf(path, sizeof(path), "%s/support.json", dir);
	j = json_load_file(path, 0, NULL);
	assert_non_null(j);
	json_array_foreach(json_object_get(j, "contacts"), i, c)
	{
		if (strcmp(json_string_value(json_object_get(c, "id")),
			"hub") != 0)
			continue;
		json_object_set_new(c, "phone", json_string("020 7946 0000"));
		json_object_set_new(c, "hours", json_string("Mon-Fri 9-5"));
		found = 1;
	}
	assert_true(found);
	assert_int_equal(json_dump_file(j, path, 0), 0);
	json_decref(j);
}

/* Once the operator fills in the hub's number, the slip offers it. */
static void
test_hub_number_when_filled_in(void **state)
{
	char *dir = testutil_tmpdir();
	struct slip *s;
	struct raster before, after;

	(void)state;
	copy_content(dir);
	s = open_slip(dir, 384);
	assert_int_equal(
	    slip_render(s, "en", SLIP_REFERRAL, CODE, &before, NULL), 0);
	slip_close(s);
	fill_in_hub(dir);
	s = open_slip(dir, 384);
	assert_int_equal(
	    slip_render(s, "en", SLIP_REFERRAL, CODE, &after, NULL), 0);
	/* "Or call the service on ...", the hub's line and its hours. */
	assert_true(after.height > before.height + 3 * 24);
	raster_free(&before);
	raster_free(&after);
	slip_close(s);
	testutil_rmdir(dir);
}

/* A translation that lost a key is caught when the kiosk starts. */
static void
test_open_refuses_incomplete_translation(void **state)
{
	char *dir = testutil_tmpdir(), path[PATH_MAX];
	struct slip_config cfg = {NULL, NUMBER, NULL, 384};
	struct slip *s;
	FILE *f;

	(void)state;
	log_quiet(1);
	copy_content(dir);
	snprintf(path, sizeof(path), "%s/pl/receipt.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"_meta\": {\"language\": \"pl\", \"version\": 1, "
	      "\"draft\": true}, \"heading_referral\": \"Dzi\\u0119kujemy.\"}",
	    f);
	assert_int_equal(fclose(f), 0);
	cfg.content_dir = dir;
	assert_int_equal(slip_open(&s, &cfg), -1);
	testutil_rmdir(dir);
}

/*
 * The reference code always prints on one line (issue 14): random codes
 * in every language at both widths, and the widest codes possible.
 * SLIP_CODES_EACH random codes per language and width keep the run
 * short; with 11 languages and 2 widths that is thousands of codes.
 */
#define SLIP_CODES_EACH 100

static void
render_code(struct slip *s, const char *lang, const char *code, size_t w)
{
	struct slip_stats st;
	struct raster r;

	assert_int_equal(slip_render(s, lang, SLIP_REFERRAL, code, &r, &st), 0);
	if (st.code_lines != 1)
		fail_msg("%s at %zu dots: %s took %d lines", lang, w, code,
		    st.code_lines);
	assert_int_equal(st.unknown_glyphs, 0);
	raster_free(&r);
}

static void
test_code_one_line(void **state)
{
	static const size_t widths[] = {SLIP_WIDTH_58MM, SLIP_WIDTH_80MM};
	static const char *const widest[] = {"WWWW-WWWW-WWWW-W",
	    "MMMM-MMMM-MMMM-M", "WMWM-MWMW-WMWM-W", "MWMW-WMWM-MWMW-M"};
	const struct content_langs *l;
	char code[32];
	struct slip *s;

	(void)state;
	for (size_t w = 0; w < 2; w++) {
		s = open_slip(content_dir(), widths[w]);
		l = slip_langs(s);
		for (size_t i = 0; i < l->n; i++) {
			for (size_t k = 0; k < 4; k++)
				render_code(
				    s, l->lang[i].code, widest[k], widths[w]);
			for (int k = 0; k < SLIP_CODES_EACH; k++) {
				assert_int_equal(
				    refcode_generate(code, sizeof(code)), 0);
				render_code(
				    s, l->lang[i].code, code, widths[w]);
			}
		}
		slip_close(s);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_open_refusals),
	    cmocka_unit_test(test_qr_text),
	    cmocka_unit_test(test_render_all),
	    cmocka_unit_test(test_code_one_line),
	    cmocka_unit_test(test_render_refusals),
	    cmocka_unit_test(test_direction),
	    cmocka_unit_test(test_english_once_and_below),
	    cmocka_unit_test(test_hub_number_when_filled_in),
	    cmocka_unit_test(test_open_refuses_incomplete_translation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
