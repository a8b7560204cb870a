#ifndef RECEIPT_SLIP_H
#define RECEIPT_SLIP_H

#include <stddef.h>

#include "receipt/raster.h"
#include "util/content.h"

/*
 * The paper slip a visitor takes away: laid out with Pango (so every
 * script is shaped and right-to-left languages run right to left) and
 * rendered to one monochrome raster the printer's width. The chosen
 * language comes first, English below it (once, when English was chosen).
 * It carries the reference code, the QR code, what happens next, how to
 * withdraw and where to find support; nothing personal.
 *
 * Typical use (kiosk, at start-up and on submit):
 *
 *	slip_open(&s, &cfg);
 *	slip_render(s, lang, SLIP_REFERRAL, code, &r, NULL);
 *	escpos_encode_alloc(&r, &opts, &buf, &len);
 *	printer_print(&p, buf, len, PRINTER_DEADLINE_MS, &why);
 *
 * A struct slip is used by one thread at a time.
 */

/* Printer widths in dots at 203 dpi: 58 mm and 80 mm paper. */
#define SLIP_WIDTH_58MM 384
#define SLIP_WIDTH_80MM 576
#define SLIP_WIDTH_MIN 256
#define SLIP_WIDTH_MAX 832
/* Longest slip (dots): about 60 cm, far more than any language needs. */
#define SLIP_HEIGHT_MAX 4800
/* A reference code as printed: K7QD-M2XA-9RTF-C is 16. */
#define SLIP_CODE_MAX 32

enum slip_kind {
	SLIP_REFERRAL, /* after a referral: code, QR "REF <code>" */
	SLIP_INFO /* information only: QR "INFO" */
};

/* The caller's configuration; strings are copied by slip_open. */
struct slip_config {
	const char *content_dir; /* root of content/ */
	const char *service_number; /* SMS number in the QR, "+44..." */
	const char *service_number_display; /* as printed; NULL: as above */
	size_t width; /* dots, a multiple of 8 */
};

struct slip;

/* What a render found; tests use it to prove every glyph was in a font. */
struct slip_stats {
	int unknown_glyphs;
	size_t height;
	size_t qr_module_dots;
	size_t qr_top; /* where the QR (with its quiet zone) sits, dots */
	size_t qr_size;
	int code_lines; /* lines the reference code takes: always 1 */
};

/*
 * Load every language in content/languages.json (each checked against
 * English) and the shared support and service tables.
 */
int slip_open(struct slip **sp, const struct slip_config *cfg);
void slip_close(struct slip *s);

const struct content_langs *slip_langs(const struct slip *s);

/* The text the slip's QR code carries ("SMSTO:<number>:REF <code>"). */
int slip_qr_text(const struct slip *s, enum slip_kind kind, const char *code,
    char *buf, size_t cap);

/* Render; code is ignored (may be NULL) for SLIP_INFO. st may be NULL. */
int slip_render(struct slip *s, const char *lang, enum slip_kind kind,
    const char *code, struct raster *out, struct slip_stats *st);

#endif
