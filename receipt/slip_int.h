#ifndef RECEIPT_SLIP_INT_H
#define RECEIPT_SLIP_INT_H

/* Shared by the pieces of the slip (slip.c: its tables and the render
 * call; slip_layout.c: the items laid out and wrapped with Pango;
 * slip_draw.c: the items drawn and thresholded into the raster). Not for
 * other modules. */

#include <stddef.h>

#include <pango/pangocairo.h>

#include "receipt/qr.h"
#include "receipt/raster.h"
#include "receipt/slip.h"
#include "util/content.h"

#define SLIP_ITEMS_MAX 96
#define SLIP_NUMBER_MAX 32
/* Values a text may use: five of every slip's, three of a contact's. */
#define SLIP_VARS_MAX 8
/* support.json's entry for the service itself, filled in by the operator. */
#define SLIP_HUB_ID "hub"
/* Used where a language names no font; fonts-noto-core ships it. */
#define SLIP_FAMILY "Noto Sans"
/* The reference code is shrunk at most this often, never below this. */
#define SLIP_CODE_FIT_TRIES 16
#define SLIP_CODE_MIN_PX 8
/* Coverage (0..255) from which a dot prints black: a little under half
 * keeps thin strokes of small Bengali and Arabic text unbroken. */
#define SLIP_INK_THRESHOLD 100
/* The QR takes at most this share of the width, in modules this big. */
#define SLIP_QR_SHARE_NUM 3
#define SLIP_QR_SHARE_DEN 5
#define SLIP_QR_MODULE_MIN 3 /* phones struggle with less than 0.4 mm */
#define SLIP_QR_MODULE_MAX 10

/*
 * LEFT-TO-RIGHT ISOLATE .. POP DIRECTIONAL ISOLATE around every value put
 * into a text: a phone number or code inside Arabic or Urdu keeps its
 * own order and does not pull the sentence around it. Inside a value,
 * spaces become NO-BREAK SPACE and a WORD JOINER follows each hyphen, so
 * a number or code is never split across lines.
 */
#define BIDI_LRI "\xe2\x81\xa6"
#define BIDI_PDI "\xe2\x81\xa9"
#define NBSP "\xc2\xa0"
#define WORD_JOINER "\xe2\x81\xa0"
/* Worst case: every byte of a web address a hyphen, plus the isolate. */
#define VALUE_MAX (4 * CONTENT_WEB_MAX + 8)

struct slip {
	char number[SLIP_NUMBER_MAX];
	char display[SLIP_NUMBER_MAX];
	size_t width;
	struct content_langs langs;
	struct content table[CONTENT_LANGS_MAX]; /* receipt, as in langs */
	size_t en;
	struct content_support support;
	struct content_service service;
	PangoFontMap *fontmap;
	cairo_font_options_t *fontopt;
};

enum item_kind { ITEM_TEXT, ITEM_QR, ITEM_RULE };

struct item {
	enum item_kind kind;
	PangoLayout *layout;
	int gap; /* space above, dots */
	int top; /* ink or logical top relative to the layout origin */
	int h;
	int y;
};

enum style {
	ST_TITLE, /* the slip's heading in the chosen language */
	ST_SUBTITLE, /* the same heading in English below it */
	ST_LABEL, /* "Your reference code", centred */
	ST_SECTION, /* section headings */
	ST_BODY,
	ST_CODE /* the reference code */
};

/* One language's part of the slip. */
struct block {
	const struct content_lang *lang;
	const struct content *t;
	PangoContext *ctx;
};

struct render {
	struct slip *s;
	struct item item[SLIP_ITEMS_MAX];
	size_t n;
	int margin;
	int content_w;
	int body_px;
	int unknown;
	int code_lines;
	char v_days[16];
	char v_code[VALUE_MAX];
	char v_number[VALUE_MAX];
	char v_stop_sms[VALUE_MAX];
	char v_info[VALUE_MAX];
	struct qr qr;
	struct raster qr_raster;
	size_t module;
	size_t qr_y;
};

/* slip_layout.c */
int slip_value_text(char *buf, size_t cap, const char *v);
int slip_setup_block(struct slip *s, struct block *b, size_t idx);
int slip_build(struct render *r, struct block *blk, size_t nblk,
    enum slip_kind kind, const char *qr_text);

/* slip_draw.c */
int slip_draw(struct render *r, struct raster *out);

#endif
