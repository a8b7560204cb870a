/* The laid-out slip drawn with Cairo and thresholded into the
 * monochrome raster, the QR laid in dot for dot. */
#include <stdint.h>

#include "receipt/slip_int.h"
#include "util/log.h"

/* Threshold the grey coverage into the raster, then lay the QR in. */
static void
to_raster(struct render *r, cairo_surface_t *surf, struct raster *out)
{
	const unsigned char *px = cairo_image_surface_get_data(surf);
	size_t stride = (size_t)cairo_image_surface_get_stride(surf);
	size_t x, y, qx, i;
	const unsigned char *row;
	uint8_t *o, *q;

	for (y = 0; y < out->height; y++) {
		row = px + y * stride;
		o = out->bits + y * out->stride;
		for (x = 0; x < out->width; x++)
			if (row[x] >= SLIP_INK_THRESHOLD)
				o[x / 8] |= (uint8_t)(0x80u >> (x % 8));
	}
	/* Byte-aligned so each QR row is ORed in whole. */
	qx = ((out->width - r->qr_raster.width) / 2) & ~(size_t)7;
	for (y = 0; y < r->qr_raster.height; y++) {
		o = out->bits + (r->qr_y + y) * out->stride + qx / 8;
		q = r->qr_raster.bits + y * r->qr_raster.stride;
		for (i = 0; i < r->qr_raster.stride; i++)
			o[i] |= q[i];
	}
}

int
slip_draw(struct render *r, struct raster *out)
{
	cairo_surface_t *surf = NULL;
	cairo_t *cr = NULL;
	struct item *it;
	size_t i;
	int y, rc = -1;

	y = r->margin / 2;
	for (i = 0; i < r->n; i++) {
		it = &r->item[i];
		y += it->gap;
		it->y = y;
		y += it->h;
		if (it->kind == ITEM_QR)
			r->qr_y = (size_t)it->y;
	}
	y += r->body_px * 2;
	if (y > SLIP_HEIGHT_MAX) {
		log_err("slip: %d dots long, more than %d", y, SLIP_HEIGHT_MAX);
		return -1;
	}
	if (raster_init(out, r->s->width, (size_t)y) != 0)
		return -1;
	surf = cairo_image_surface_create(CAIRO_FORMAT_A8, (int)r->s->width, y);
	cr = cairo_create(surf);
	if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
		log_err("slip: cannot create a drawing surface");
		goto out;
	}
	cairo_set_source_rgba(cr, 0, 0, 0, 1);
	for (i = 0; i < r->n; i++) {
		it = &r->item[i];
		if (it->kind == ITEM_TEXT) {
			cairo_move_to(cr, r->margin, it->y - it->top);
			pango_cairo_show_layout(cr, it->layout);
		} else if (it->kind == ITEM_RULE) {
			cairo_rectangle(
			    cr, r->margin, it->y, r->content_w, it->h);
			cairo_fill(cr);
		}
	}
	cairo_surface_flush(surf);
	if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
		log_err("slip: drawing failed");
		goto out;
	}
	to_raster(r, surf, out);
	rc = 0;
out:
	if (rc != 0)
		raster_free(out);
	cairo_destroy(cr);
	cairo_surface_destroy(surf);
	return rc;
}
