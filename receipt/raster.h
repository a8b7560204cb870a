#ifndef RECEIPT_RASTER_H
#define RECEIPT_RASTER_H

#include <stddef.h>
#include <stdint.h>

/*
 * A monochrome image in the layout thermal printers take (ESC/POS GS v 0):
 * rows of `stride` bytes, the most significant bit is the leftmost dot,
 * 1 is black. Padding bits at the end of a row are always 0 (white).
 */
struct raster {
	uint8_t *bits;
	size_t width;
	size_t height;
	size_t stride;
};

/* Widest and tallest image any module here makes (dots). */
#define RASTER_MAX_WIDTH 2048
#define RASTER_MAX_HEIGHT 16384

/* A white image of width x height dots. */
int raster_init(struct raster *r, size_t width, size_t height);
void raster_free(struct raster *r);

static inline int
raster_get(const struct raster *r, size_t x, size_t y)
{
	return (r->bits[y * r->stride + x / 8] >> (7 - x % 8)) & 1;
}

static inline void
raster_set(struct raster *r, size_t x, size_t y, int black)
{
	uint8_t m = (uint8_t)(0x80u >> (x % 8));

	if (black)
		r->bits[y * r->stride + x / 8] |= m;
	else
		r->bits[y * r->stride + x / 8] &= (uint8_t)~m;
}

/* Write the image as a PNG (black on white), atomically, mode 0644. */
int raster_write_png(const struct raster *r, const char *path);

#endif
