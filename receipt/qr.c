#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "receipt/qr.h"
#include "util/escape.h"
#include "util/log.h"

/* Longest aria-label accepted for the SVG (before escaping), in bytes:
 * room for a sentence in a script of three-byte letters (Bengali). */
#define QR_LABEL_MAX 1024

int
qr_sms_text(char *buf, size_t cap, const char *number, const char *body)
{
	char num[QR_NUMBER_MAX + 1];
	size_t n = 0, digits = 0;
	const char *p;
	int w;

	for (p = number; *p != '\0'; p++) {
		if (*p == ' ')
			continue;
		if (n >= QR_NUMBER_MAX ||
		    !((*p >= '0' && *p <= '9') || (*p == '+' && n == 0))) {
			log_err("qr: service number is not '+' and digits");
			return -1;
		}
		digits += *p != '+';
		num[n++] = *p;
	}
	num[n] = '\0';
	if (digits < 3) {
		log_err("qr: service number too short");
		return -1;
	}
	for (p = body; *p != '\0'; p++) {
		if (*p < 0x20 || *p > 0x7e) {
			log_err("qr: message body is not printable ASCII");
			return -1;
		}
	}
	w = snprintf(buf, cap, "SMSTO:%s:%s", num, body);
	if (w < 0 || (size_t)w >= cap || (size_t)w > QR_TEXT_MAX) {
		log_err("qr: text too long");
		return -1;
	}
	return 0;
}

int
qr_encode(struct qr *q, const char *text, enum qr_level level)
{
	static const QRecLevel levels[] = {
	    QR_ECLEVEL_M, QR_ECLEVEL_Q, QR_ECLEVEL_H};
	QRcode *c = NULL;
	size_t i, n;
	int rc = -1;

	memset(q, 0, sizeof(*q));
	if ((unsigned)level >= sizeof(levels) / sizeof(levels[0]) ||
	    strlen(text) > QR_TEXT_MAX || text[0] == '\0') {
		log_err("qr: bad level or text length");
		goto out;
	}
	/* Version 0: the smallest symbol that holds the text. */
	c = QRcode_encodeString(text, 0, levels[level], QR_MODE_8, 1);
	if (c == NULL || c->width <= 0) {
		log_err("qr: encoding failed");
		goto out;
	}
	n = (size_t)c->width * (size_t)c->width;
	if ((q->modules = malloc(n)) == NULL) {
		log_err("qr: out of memory");
		goto out;
	}
	/* libqrencode sets bit 0 for a dark module; the rest is its own. */
	for (i = 0; i < n; i++)
		q->modules[i] = c->data[i] & 1;
	q->width = (size_t)c->width;
	q->version = c->version;
	rc = 0;
out:
	if (c != NULL)
		QRcode_free(c);
	return rc;
}

void
qr_free(struct qr *q)
{
	free(q->modules);
	memset(q, 0, sizeof(*q));
}

size_t
qr_raster_size(const struct qr *q, size_t module_dots)
{
	return (q->width + 2 * QR_QUIET_ZONE) * module_dots;
}

int
qr_raster(const struct qr *q, size_t module_dots, struct raster *out)
{
	size_t side = qr_raster_size(q, module_dots);
	size_t mx, my, x, y, x0, y0;

	if (q->modules == NULL || module_dots == 0 ||
	    module_dots > QR_MODULE_DOTS_MAX) {
		log_err("qr: bad module size %zu", module_dots);
		return -1;
	}
	if (raster_init(out, side, side) != 0)
		return -1;
	for (my = 0; my < q->width; my++) {
		for (mx = 0; mx < q->width; mx++) {
			if (!q->modules[my * q->width + mx])
				continue;
			x0 = (mx + QR_QUIET_ZONE) * module_dots;
			y0 = (my + QR_QUIET_ZONE) * module_dots;
			for (y = y0; y < y0 + module_dots; y++)
				for (x = x0; x < x0 + module_dots; x++)
					raster_set(out, x, y, 1);
		}
	}
	return 0;
}

struct sbuf {
	char *p;
	size_t cap;
	size_t len;
	int overflow;
};

static void __attribute__((format(printf, 2, 3)))
sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len) {
		b->overflow = 1;
		return;
	}
	b->len += (size_t)n;
}

static void
sbuf_xml(struct sbuf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		const char *rep = escape_entity((unsigned char)*s);
		if (rep != NULL)
			sbuf_printf(b, "%s", rep);
		else
			sbuf_printf(b, "%c", *s);
	}
}

int
qr_svg(
    const struct qr *q, const char *label, char *buf, size_t cap, size_t *len)
{
	struct sbuf b = {buf, cap, 0, 0};
	size_t side, x, y, run;

	*len = 0;
	if (q->modules == NULL || cap == 0 || strlen(label) > QR_LABEL_MAX) {
		log_err("qr: no symbol, no buffer or label too long");
		return -1;
	}
	side = q->width + 2 * QR_QUIET_ZONE;
	sbuf_printf(&b,
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %zu %zu\""
	    " role=\"img\" aria-label=\"",
	    side, side);
	sbuf_xml(&b, label);
	sbuf_printf(&b,
	    "\" shape-rendering=\"crispEdges\"><rect width=\"%zu\" "
	    "height=\"%zu\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
	    side, side);
	/* One rectangle a horizontal run of dark modules keeps it short. */
	for (y = 0; y < q->width; y++) {
		for (x = 0; x < q->width; x += run) {
			run = 0;
			while (x + run < q->width &&
			       q->modules[y * q->width + x + run])
				run++;
			if (run == 0) {
				run = 1;
				continue;
			}
			sbuf_printf(&b, "M%zu %zuh%zuv1h-%zuz",
			    x + QR_QUIET_ZONE, y + QR_QUIET_ZONE, run, run);
		}
	}
	sbuf_printf(&b, "\"/></svg>");
	if (b.overflow) {
		log_err("qr: SVG buffer of %zu bytes too small", cap);
		return -1;
	}
	*len = b.len;
	return 0;
}
