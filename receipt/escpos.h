#ifndef RECEIPT_ESCPOS_H
#define RECEIPT_ESCPOS_H

#include <stddef.h>
#include <stdint.h>

#include "receipt/raster.h"

/*
 * ESC/POS framing of a 1-bit raster, into a caller's buffer, no I/O:
 *
 *   ESC @                                  initialise
 *   GS v 0 0 xL xH yL yH <x*y bytes>       one band, repeated
 *   ESC d n                                feed n lines
 *   GS V m                                 cut
 *
 * x is the row length in bytes, y the band's rows. Bands are kept short
 * because cheap printers have small receive buffers and some drop a single
 * very tall GS v 0 image.
 */

/* Default and largest rows per GS v 0 band. */
#define ESCPOS_BAND_ROWS 128
#define ESCPOS_BAND_ROWS_MAX 2048
/* Longest row a GS v 0 header can describe for printers we support. */
#define ESCPOS_ROW_BYTES_MAX 255
/* Lines fed after the image so the last of it clears the cutter. */
#define ESCPOS_FEED_LINES 4

enum escpos_cut {
	ESCPOS_CUT_FULL, /* GS V 0 */
	ESCPOS_CUT_PARTIAL, /* GS V 1: leaves a tab so the slip hangs */
	ESCPOS_CUT_NONE /* printers without a cutter */
};

struct escpos_opts {
	size_t band_rows; /* 0 means ESCPOS_BAND_ROWS */
	uint8_t feed_lines; /* lines fed before the cut */
	enum escpos_cut cut;
};

/* The options a kiosk printer uses unless configured otherwise. */
void escpos_default_opts(struct escpos_opts *o);

/* Exact number of bytes escpos_encode writes for r, or 0 if r is unusable. */
size_t escpos_size(const struct raster *r, const struct escpos_opts *o);

/* Frame r into buf; *len is set to the bytes written. */
int escpos_encode(const struct raster *r, const struct escpos_opts *o,
    uint8_t *buf, size_t cap, size_t *len);

/* Same into a malloc'd buffer the caller frees. */
int escpos_encode_alloc(const struct raster *r, const struct escpos_opts *o,
    uint8_t **out, size_t *len);

#endif
