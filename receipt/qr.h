#ifndef RECEIPT_QR_H
#define RECEIPT_QR_H

#include <stddef.h>
#include <stdint.h>

#include "receipt/raster.h"

/* Light modules around the symbol, as the QR standard asks. */
#define QR_QUIET_ZONE 4
/* Longest text a receipt QR carries; keeps the symbol small and legible. */
#define QR_TEXT_MAX 128
/* Longest SMS number accepted for an SMSTO: link ("+" and 15 digits). */
#define QR_NUMBER_MAX 16
/* Largest module size in dots for a raster. */
#define QR_MODULE_DOTS_MAX 32

/* Error correction; M (15%) is the least a printed receipt uses. */
enum qr_level { QR_LEVEL_M, QR_LEVEL_Q, QR_LEVEL_H };

/* An encoded symbol: width x width modules, 1 = dark, no quiet zone. */
struct qr {
	uint8_t *modules;
	size_t width;
	int version;
};

/*
 * "SMSTO:<number>:<body>" for a phone's camera app. The number is "+"
 * then digits (spaces are dropped); the body is printable ASCII.
 */
int qr_sms_text(char *buf, size_t cap, const char *number, const char *body);

int qr_encode(struct qr *q, const char *text, enum qr_level level);
void qr_free(struct qr *q);

/* Size in dots of qr_raster's output (quiet zone included). */
size_t qr_raster_size(const struct qr *q, size_t module_dots);

/* The symbol with its quiet zone, each module module_dots square. */
int qr_raster(const struct qr *q, size_t module_dots, struct raster *out);

/*
 * Inline SVG for a page: the symbol with its quiet zone, scaling to its
 * box, crisp edges. label (shown to screen readers) is XML-escaped.
 */
int qr_svg(
    const struct qr *q, const char *label, char *buf, size_t cap, size_t *len);

#endif
