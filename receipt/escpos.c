#include <stdlib.h>
#include <string.h>

#include "receipt/escpos.h"
#include "util/log.h"

#define ESC 0x1b
#define GS 0x1d

#define INIT_LEN 2 /* ESC @ */
#define BAND_HDR_LEN 8 /* GS v 0 m xL xH yL yH */
#define FEED_LEN 3 /* ESC d n */
#define CUT_LEN 3 /* GS V m */

void
escpos_default_opts(struct escpos_opts *o)
{
	o->band_rows = ESCPOS_BAND_ROWS;
	o->feed_lines = ESCPOS_FEED_LINES;
	o->cut = ESCPOS_CUT_FULL;
}

static size_t
band_rows(const struct escpos_opts *o)
{
	return o->band_rows == 0 ? ESCPOS_BAND_ROWS : o->band_rows;
}

size_t
escpos_size(const struct raster *r, const struct escpos_opts *o)
{
	size_t rows = band_rows(o), bands, n;

	if (r->bits == NULL || r->height == 0 || r->stride == 0 ||
	    r->stride > ESCPOS_ROW_BYTES_MAX || r->height > RASTER_MAX_HEIGHT ||
	    rows > ESCPOS_BAND_ROWS_MAX || o->cut > ESCPOS_CUT_NONE)
		return 0;
	bands = (r->height + rows - 1) / rows;
	n = INIT_LEN + bands * BAND_HDR_LEN + r->height * r->stride;
	if (o->feed_lines > 0)
		n += FEED_LEN;
	if (o->cut != ESCPOS_CUT_NONE)
		n += CUT_LEN;
	return n;
}

int
escpos_encode(const struct raster *r, const struct escpos_opts *o, uint8_t *buf,
    size_t cap, size_t *len)
{
	size_t need, rows = band_rows(o), y, h, n;
	uint8_t *p = buf;

	*len = 0;
	need = escpos_size(r, o);
	if (need == 0) {
		log_err("escpos: unusable image (%zu bytes a row, %zu rows) or "
			"options",
		    r->stride, r->height);
		return -1;
	}
	if (need > cap) {
		log_err("escpos: buffer of %zu bytes, %zu needed", cap, need);
		return -1;
	}
	*p++ = ESC;
	*p++ = '@';
	for (y = 0; y < r->height; y += h) {
		h = r->height - y < rows ? r->height - y : rows;
		*p++ = GS;
		*p++ = 'v';
		*p++ = '0';
		*p++ = 0; /* normal density */
		*p++ = (uint8_t)(r->stride & 0xff);
		*p++ = (uint8_t)(r->stride >> 8);
		*p++ = (uint8_t)(h & 0xff);
		*p++ = (uint8_t)(h >> 8);
		n = h * r->stride;
		memcpy(p, r->bits + y * r->stride, n);
		p += n;
	}
	if (o->feed_lines > 0) {
		*p++ = ESC;
		*p++ = 'd';
		*p++ = o->feed_lines;
	}
	if (o->cut != ESCPOS_CUT_NONE) {
		*p++ = GS;
		*p++ = 'V';
		*p++ = o->cut == ESCPOS_CUT_FULL ? 0 : 1;
	}
	*len = (size_t)(p - buf);
	return 0;
}

int
escpos_encode_alloc(const struct raster *r, const struct escpos_opts *o,
    uint8_t **out, size_t *len)
{
	size_t need;
	uint8_t *buf;

	*out = NULL;
	*len = 0;
	need = escpos_size(r, o);
	if (need == 0) {
		log_err("escpos: unusable image or options");
		return -1;
	}
	if ((buf = malloc(need)) == NULL) {
		log_err("escpos: out of memory");
		return -1;
	}
	if (escpos_encode(r, o, buf, need, len) != 0) {
		free(buf);
		return -1;
	}
	*out = buf;
	return 0;
}
