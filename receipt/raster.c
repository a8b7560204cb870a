#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cairo.h>

#include "receipt/raster.h"
#include "util/file.h"
#include "util/log.h"

/* A slip PNG compresses to far less; this only bounds a runaway encoder. */
#define RASTER_PNG_MAX (16u * 1024 * 1024)

int
raster_init(struct raster *r, size_t width, size_t height)
{
	memset(r, 0, sizeof(*r));
	if (width == 0 || height == 0 || width > RASTER_MAX_WIDTH ||
	    height > RASTER_MAX_HEIGHT) {
		log_err("raster: bad size %zux%zu", width, height);
		return -1;
	}
	r->stride = (width + 7) / 8;
	r->bits = calloc(height, r->stride);
	if (r->bits == NULL) {
		log_err("raster: out of memory");
		return -1;
	}
	r->width = width;
	r->height = height;
	return 0;
}

void
raster_free(struct raster *r)
{
	free(r->bits);
	memset(r, 0, sizeof(*r));
}

struct png_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
};

static cairo_status_t
png_append(void *closure, const unsigned char *data, unsigned int len)
{
	struct png_buf *b = closure;
	uint8_t *p;
	size_t cap;

	if (len > RASTER_PNG_MAX - b->len)
		return CAIRO_STATUS_WRITE_ERROR;
	if (b->len + len > b->cap) {
		cap = b->cap == 0 ? 16384 : b->cap;
		while (cap < b->len + len)
			cap *= 2;
		if ((p = realloc(b->data, cap)) == NULL)
			return CAIRO_STATUS_NO_MEMORY;
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	return CAIRO_STATUS_SUCCESS;
}

int
raster_write_png(const struct raster *r, const char *path)
{
	cairo_surface_t *s;
	struct png_buf buf = {NULL, 0, 0};
	uint32_t *row;
	unsigned char *px;
	size_t x, y;
	int stride, rc = -1;

	s = cairo_image_surface_create(
	    CAIRO_FORMAT_RGB24, (int)r->width, (int)r->height);
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
		log_err("%s: cannot create image surface", path);
		goto out;
	}
	cairo_surface_flush(s);
	px = cairo_image_surface_get_data(s);
	stride = cairo_image_surface_get_stride(s);
	for (y = 0; y < r->height; y++) {
		row = (uint32_t *)(void *)(px + y * (size_t)stride);
		for (x = 0; x < r->width; x++)
			row[x] = raster_get(r, x, y) ? 0x000000 : 0xffffff;
	}
	cairo_surface_mark_dirty(s);
	if (cairo_surface_write_to_png_stream(s, png_append, &buf) !=
	    CAIRO_STATUS_SUCCESS) {
		log_err("%s: PNG encoding failed", path);
		goto out;
	}
	if (file_write_atomic(path, buf.data, buf.len, 0644, 0) != 0)
		goto out;
	rc = 0;
out:
	free(buf.data);
	cairo_surface_destroy(s);
	return rc;
}
