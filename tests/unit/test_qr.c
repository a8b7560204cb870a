#include "tests/unit/testutil.h"

#include "receipt/qr.h"
#include "receipt/raster.h"
#include "util/log.h"

/* A fake number from Ofcom's drama range and a made-up code. */
#define NUMBER "+44 7700 900123"
#define WANT "SMSTO:+447700900123:REF K7QD-M2XA-9RTF-C"

static void
test_sms_text(void **state)
{
	char buf[QR_TEXT_MAX + 1];

	(void)state;
	log_quiet(1);
	assert_int_equal(
	    qr_sms_text(buf, sizeof(buf), NUMBER, "REF K7QD-M2XA-9RTF-C"), 0);
	assert_string_equal(buf, WANT);
	assert_int_equal(
	    qr_sms_text(buf, sizeof(buf), "07700900123", "INFO"), 0);
	assert_string_equal(buf, "SMSTO:07700900123:INFO");
	/* Not a number; "+" only first; too long; too short. */
	assert_int_equal(qr_sms_text(buf, sizeof(buf), "+44-7700", "X"), -1);
	assert_int_equal(qr_sms_text(buf, sizeof(buf), "0770+0", "X"), -1);
	assert_int_equal(
	    qr_sms_text(buf, sizeof(buf), "+44770090012345678", "X"), -1);
	assert_int_equal(qr_sms_text(buf, sizeof(buf), "+1", "X"), -1);
	/* The body must be printable ASCII: no line breaks, no bytes. */
	assert_int_equal(qr_sms_text(buf, sizeof(buf), NUMBER, "REF\nX"), -1);
	assert_int_equal(
	    qr_sms_text(buf, sizeof(buf), NUMBER, "R\xc3\xa9"), -1);
	/* Truncation is an error, never a shorter QR. */
	assert_int_equal(qr_sms_text(buf, 12, NUMBER, "INFO"), -1);
}

static size_t
dark_modules(const struct qr *q)
{
	size_t i, n = 0;

	for (i = 0; i < q->width * q->width; i++)
		n += q->modules[i];
	return n;
}

static void
test_encode(void **state)
{
	struct qr m, h;
	size_t i;

	(void)state;
	assert_int_equal(qr_encode(&m, WANT, QR_LEVEL_M), 0);
	assert_int_equal(m.width, 17 + 4 * (size_t)m.version);
	/* 40 bytes at level M fit version 3; never larger than 4. */
	assert_true(m.version >= 1 && m.version <= 4);
	/* Top-left finder: a dark 7-module row, then a light separator. */
	for (i = 0; i < 7; i++)
		assert_int_equal(m.modules[i], 1);
	assert_int_equal(m.modules[7], 0);
	assert_int_equal(m.modules[1 * m.width + 1], 0);
	assert_int_equal(m.modules[2 * m.width + 2], 1);
	assert_int_equal(qr_encode(&h, WANT, QR_LEVEL_H), 0);
	assert_true(h.version >= m.version);
	qr_free(&m);
	qr_free(&h);
	assert_null(m.modules);
}

static void
test_encode_refusals(void **state)
{
	char big[QR_TEXT_MAX + 2];
	struct qr q;

	(void)state;
	log_quiet(1);
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(qr_encode(&q, big, QR_LEVEL_M), -1);
	assert_int_equal(qr_encode(&q, "", QR_LEVEL_M), -1);
	assert_int_equal(qr_encode(&q, "x", (enum qr_level)9), -1);
}

static void
test_raster(void **state)
{
	struct qr q;
	struct raster r;
	size_t x, y, black = 0, side;
	const size_t dots = 6, qz = QR_QUIET_ZONE * dots;

	(void)state;
	assert_int_equal(qr_encode(&q, WANT, QR_LEVEL_M), 0);
	side = (q.width + 2 * QR_QUIET_ZONE) * dots;
	assert_int_equal(qr_raster_size(&q, dots), side);
	assert_int_equal(qr_raster(&q, dots, &r), 0);
	assert_int_equal(r.width, side);
	assert_int_equal(r.height, side);
	/* The quiet zone is white all round. */
	for (x = 0; x < side; x++) {
		for (y = 0; y < qz; y++) {
			assert_int_equal(raster_get(&r, x, y), 0);
			assert_int_equal(raster_get(&r, x, side - 1 - y), 0);
			assert_int_equal(raster_get(&r, y, x), 0);
			assert_int_equal(raster_get(&r, side - 1 - y, x), 0);
		}
	}
	/* The finder's corner starts exactly after the quiet zone. */
	assert_int_equal(raster_get(&r, qz, qz), 1);
	assert_int_equal(raster_get(&r, qz - 1, qz), 0);
	for (y = 0; y < side; y++)
		for (x = 0; x < side; x++)
			black += raster_get(&r, x, y);
	assert_int_equal(black, dark_modules(&q) * dots * dots);
	raster_free(&r);
	assert_int_equal(qr_raster(&q, 0, &r), -1);
	assert_int_equal(qr_raster(&q, QR_MODULE_DOTS_MAX + 1, &r), -1);
	qr_free(&q);
}

/* The raster really is a QR code a reader decodes to the exact text. */
static void
test_raster_decodes(void **state)
{
	struct qr q;
	struct raster r;
	char *dir, path[PATH_MAX], cmd[PATH_MAX + 128], line[256] = "";
	FILE *f;

	(void)state;
	dir = testutil_tmpdir();
	assert_int_equal(qr_encode(&q, WANT, QR_LEVEL_M), 0);
	assert_int_equal(qr_raster(&q, 4, &r), 0);
	snprintf(path, sizeof(path), "%s/qr.png", dir);
	assert_int_equal(raster_write_png(&r, path), 0);
	snprintf(cmd, sizeof(cmd),
	    "zbarimg --raw -q -Sdisable -Sqrcode.enable '%s' 2>/dev/null",
	    path);
	f = popen(cmd, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	pclose(f);
	line[strcspn(line, "\n")] = '\0';
	assert_string_equal(line, WANT);
	raster_free(&r);
	qr_free(&q);
	testutil_rmdir(dir);
}

static void
test_svg(void **state)
{
	struct qr q;
	char buf[16384], want[64];
	const char *p;
	size_t len, runs = 0, dark = 0;
	unsigned long x, y, n, back;
	int used;

	(void)state;
	log_quiet(1);
	assert_int_equal(qr_encode(&q, WANT, QR_LEVEL_M), 0);
	assert_int_equal(qr_svg(&q, "Code <&\"'>", buf, sizeof(buf), &len), 0);
	assert_int_equal(len, strlen(buf));
	assert_true(
	    strncmp(buf, "<svg xmlns=\"http://www.w3.org/2000/svg\"", 39) == 0);
	snprintf(want, sizeof(want), "viewBox=\"0 0 %zu %zu\"",
	    q.width + 2 * QR_QUIET_ZONE, q.width + 2 * QR_QUIET_ZONE);
	assert_non_null(strstr(buf, want));
	assert_non_null(
	    strstr(buf, "aria-label=\"Code &lt;&amp;&quot;&#39;&gt;\""));
	assert_non_null(strstr(buf, "shape-rendering=\"crispEdges\""));
	assert_string_equal(buf + len - 9, "\"/></svg>");
	/* The path's runs add up to exactly the dark modules. */
	for (p = strstr(buf, " d=\"") + 4; *p == 'M'; p += used) {
		assert_int_equal(sscanf(p, "M%lu %luh%luv1h-%luz%n", &x, &y, &n,
				     &back, &used),
		    4);
		assert_int_equal(n, back);
		assert_true(x >= QR_QUIET_ZONE && y >= QR_QUIET_ZONE);
		assert_true(x + n <= q.width + QR_QUIET_ZONE);
		dark += n;
		runs++;
	}
	assert_true(runs > 0);
	assert_int_equal(dark, dark_modules(&q));
	/* Too small a buffer fails whole. */
	assert_int_equal(qr_svg(&q, "", buf, 200, &len), -1);
	assert_int_equal(len, 0);
	qr_free(&q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sms_text),
	    cmocka_unit_test(test_encode),
	    cmocka_unit_test(test_encode_refusals),
	    cmocka_unit_test(test_raster),
	    cmocka_unit_test(test_raster_decodes),
	    cmocka_unit_test(test_svg),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
