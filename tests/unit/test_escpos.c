#include "tests/unit/testutil.h"

#include "receipt/escpos.h"
#include "receipt/raster.h"
#include "util/log.h"

static void
fill_rows(struct raster *r)
{
	size_t y, i;

	/* Every row different, so a band cut in the wrong place shows. */
	for (y = 0; y < r->height; y++)
		for (i = 0; i < r->stride; i++)
			r->bits[y * r->stride + i] = (uint8_t)(y * 7 + i);
}

static void
test_golden_small(void **state)
{
	static const uint8_t want[] = {
	    0x1b, 0x40, /* ESC @ */
	    0x1d, 0x76, 0x30, 0x00, 0x02, 0x00, 0x02, 0x00, /* 2 x 2 */
	    0xf0, 0x0f, 0xaa, 0x55, /* rows 0, 1 */
	    0x1d, 0x76, 0x30, 0x00, 0x02, 0x00, 0x01, 0x00, /* 2 x 1 */
	    0x80, 0x01, /* row 2 */
	    0x1b, 0x64, 0x04, /* ESC d 4 */
	    0x1d, 0x56, 0x00, /* GS V 0 */
	};
	struct raster r;
	struct escpos_opts o = {2, 4, ESCPOS_CUT_FULL};
	uint8_t buf[64];
	size_t len;

	(void)state;
	assert_int_equal(raster_init(&r, 16, 3), 0);
	r.bits[0] = 0xf0;
	r.bits[1] = 0x0f;
	r.bits[2] = 0xaa;
	r.bits[3] = 0x55;
	raster_set(&r, 0, 2, 1);
	raster_set(&r, 15, 2, 1);
	assert_int_equal(escpos_size(&r, &o), sizeof(want));
	assert_int_equal(escpos_encode(&r, &o, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	raster_free(&r);
}

/* Check one GS v 0 header and that the band carries rows y0.. of r. */
static const uint8_t *
check_band(const uint8_t *p, const struct raster *r, size_t y0, size_t rows)
{
	assert_int_equal(p[0], 0x1d);
	assert_int_equal(p[1], 'v');
	assert_int_equal(p[2], '0');
	assert_int_equal(p[3], 0);
	assert_int_equal(p[4], r->stride & 0xff);
	assert_int_equal(p[5], r->stride >> 8);
	assert_int_equal(p[6], rows & 0xff);
	assert_int_equal(p[7], rows >> 8);
	assert_memory_equal(p + 8, r->bits + y0 * r->stride, rows * r->stride);
	return p + 8 + rows * r->stride;
}

static void
test_bands_58mm(void **state)
{
	struct raster r;
	struct escpos_opts o;
	uint8_t *buf;
	const uint8_t *p;
	size_t len;

	(void)state;
	escpos_default_opts(&o);
	assert_int_equal(o.band_rows, ESCPOS_BAND_ROWS);
	assert_int_equal(raster_init(&r, 384, 300), 0);
	fill_rows(&r);
	assert_int_equal(escpos_encode_alloc(&r, &o, &buf, &len), 0);
	/* 48 bytes a row; bands of 128, 128 and 44 rows. */
	assert_int_equal(len, 2 + 3 * 8 + 300 * 48 + 3 + 3);
	assert_int_equal(buf[0], 0x1b);
	assert_int_equal(buf[1], 0x40);
	p = check_band(buf + 2, &r, 0, 128);
	assert_int_equal(p[4], 0x30); /* xL = 48 */
	p = check_band(p, &r, 128, 128);
	p = check_band(p, &r, 256, 44);
	assert_memory_equal(p, "\x1b\x64\x04\x1d\x56\x00", 6);
	assert_ptr_equal(p + 6, buf + len);
	free(buf);
	raster_free(&r);
}

static void
test_bands_80mm_tall(void **state)
{
	struct raster r;
	struct escpos_opts o = {256, 6, ESCPOS_CUT_PARTIAL};
	uint8_t *buf;
	const uint8_t *p;
	size_t len;

	(void)state;
	assert_int_equal(raster_init(&r, 576, 600), 0);
	fill_rows(&r);
	assert_int_equal(escpos_encode_alloc(&r, &o, &buf, &len), 0);
	assert_int_equal(len, 2 + 3 * 8 + 600 * 72 + 3 + 3);
	/* A 256-row band needs the high byte: yL = 0, yH = 1. */
	assert_memory_equal(buf + 2, "\x1d\x76\x30\x00\x48\x00\x00\x01", 8);
	p = check_band(buf + 2, &r, 0, 256);
	p = check_band(p, &r, 256, 256);
	p = check_band(p, &r, 512, 88);
	assert_memory_equal(p, "\x1b\x64\x06\x1d\x56\x01", 6);
	free(buf);
	raster_free(&r);
}

static void
test_no_feed_no_cut(void **state)
{
	struct raster r;
	struct escpos_opts o = {0, 0, ESCPOS_CUT_NONE};
	uint8_t buf[64];
	size_t len;

	(void)state;
	assert_int_equal(raster_init(&r, 8, 2), 0);
	assert_int_equal(escpos_encode(&r, &o, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 2 + 8 + 2);
	assert_memory_equal(
	    buf, "\x1b\x40\x1d\x76\x30\x00\x01\x00\x02\x00\x00\x00", 12);
	raster_free(&r);
}

static void
test_padding_bits(void **state)
{
	struct raster r;
	struct escpos_opts o = {0, 0, ESCPOS_CUT_NONE};
	uint8_t buf[64];
	size_t len;

	(void)state;
	/* 10 dots wide: 2 bytes a row, the last 6 bits white. */
	assert_int_equal(raster_init(&r, 10, 1), 0);
	raster_set(&r, 9, 0, 1);
	raster_set(&r, 0, 0, 1);
	assert_int_equal(escpos_encode(&r, &o, buf, sizeof(buf), &len), 0);
	assert_memory_equal(buf + 2, "\x1d\x76\x30\x00\x02\x00\x01\x00", 8);
	assert_int_equal(buf[10], 0x80);
	assert_int_equal(buf[11], 0x40);
	raster_free(&r);
}

static void
test_refusals(void **state)
{
	struct raster r, empty = {0};
	struct escpos_opts o;
	uint8_t buf[32];
	size_t len = 99;

	(void)state;
	log_quiet(1);
	escpos_default_opts(&o);
	assert_int_equal(raster_init(&r, 16, 4), 0);
	/* Too small a buffer: nothing written, an error. */
	assert_int_equal(escpos_encode(&r, &o, buf, 10, &len), -1);
	assert_int_equal(len, 0);
	assert_int_equal(escpos_size(&empty, &o), 0);
	assert_int_equal(escpos_encode(&empty, &o, buf, sizeof(buf), &len), -1);
	o.band_rows = ESCPOS_BAND_ROWS_MAX + 1;
	assert_int_equal(escpos_size(&r, &o), 0);
	raster_free(&r);
	/* Wider than a GS v 0 header this module allows. */
	assert_int_equal(raster_init(&r, (ESCPOS_ROW_BYTES_MAX + 1) * 8, 1), 0);
	escpos_default_opts(&o);
	assert_int_equal(escpos_size(&r, &o), 0);
	raster_free(&r);
	assert_int_equal(raster_init(&r, 0, 1), -1);
	assert_int_equal(raster_init(&r, 8, RASTER_MAX_HEIGHT + 1), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_golden_small),
	    cmocka_unit_test(test_bands_58mm),
	    cmocka_unit_test(test_bands_80mm_tall),
	    cmocka_unit_test(test_no_feed_no_cut),
	    cmocka_unit_test(test_padding_bits),
	    cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
