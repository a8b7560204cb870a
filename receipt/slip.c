#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pango/pangocairo.h>

#include "receipt/qr.h"
#include "receipt/slip.h"
#include "util/content.h"
#include "util/log.h"

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

static int
value_text(char *buf, size_t cap, const char *v)
{
	char one[2] = {0, 0};
	const char *add;
	size_t o, n;
	int rc = -1;

	if (cap < sizeof(BIDI_LRI BIDI_PDI))
		goto out;
	memcpy(buf, BIDI_LRI, sizeof(BIDI_LRI) - 1);
	o = sizeof(BIDI_LRI) - 1;
	for (; *v != '\0'; v++) {
		one[0] = *v;
		add = *v == ' ' ? NBSP : *v == '-' ? "-" WORD_JOINER : one;
		n = strlen(add);
		if (n >= cap - o)
			goto out;
		memcpy(buf + o, add, n);
		o += n;
	}
	if (sizeof(BIDI_PDI) > cap - o)
		goto out;
	memcpy(buf + o, BIDI_PDI, sizeof(BIDI_PDI));
	rc = 0;
out:
	if (rc != 0)
		log_err("slip: value too long");
	return rc;
}

static int
valid_code(const char *code)
{
	size_t n, i;

	if (code == NULL || (n = strlen(code)) == 0 || n > SLIP_CODE_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((code[i] >= '0' && code[i] <= '9') ||
			(code[i] >= 'A' && code[i] <= 'Z') || code[i] == '-'))
			return 0;
	return 1;
}

static int
copy_number(char *dst, const char *src)
{
	size_t n = strlen(src);

	if (n == 0 || n >= SLIP_NUMBER_MAX) {
		log_err("slip: service number empty or too long");
		return -1;
	}
	memcpy(dst, src, n + 1);
	return 0;
}

int
slip_open(struct slip **sp, const struct slip_config *cfg)
{
	struct slip *s;
	char probe[QR_TEXT_MAX + 1];
	const struct content_contact *c;
	size_t i;
	int rc = -1;

	*sp = NULL;
	if (cfg->content_dir == NULL || cfg->service_number == NULL ||
	    cfg->width < SLIP_WIDTH_MIN || cfg->width > SLIP_WIDTH_MAX ||
	    cfg->width % 8 != 0) {
		log_err("slip: need content_dir, service_number and a width "
			"of %d..%d dots, a multiple of 8",
		    SLIP_WIDTH_MIN, SLIP_WIDTH_MAX);
		return -1;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		log_err("slip: out of memory");
		return -1;
	}
	s->width = cfg->width;
	if (copy_number(s->number, cfg->service_number) != 0 ||
	    copy_number(s->display, cfg->service_number_display != NULL
					? cfg->service_number_display
					: cfg->service_number) != 0)
		goto out;
	/* Refuse a number the QR could not carry now, not at print time. */
	if (qr_sms_text(probe, sizeof(probe), s->number, "") != 0)
		goto out;
	if (content_langs_load(&s->langs, cfg->content_dir) != 0 ||
	    content_support_load(&s->support, cfg->content_dir) != 0 ||
	    content_service_load(&s->service, cfg->content_dir) != 0)
		goto out;
	for (i = 0; i < s->langs.n; i++) {
		if (content_load(&s->table[i], cfg->content_dir,
			s->langs.lang[i].code, "receipt") != 0)
			goto out;
		if (strcmp(s->langs.lang[i].code, "en") == 0)
			s->en = i;
	}
	for (i = 0; i < s->langs.n; i++) {
		if (content_check_keys(&s->table[s->en], &s->table[i]) != 0)
			goto out;
	}
	for (i = 0; i < s->support.n; i++) {
		c = &s->support.contact[i];
		if (content_get(&s->table[s->en], c->text_key) == NULL) {
			log_err("slip: support contact %s: no text \"%s\"",
			    c->id, c->text_key);
			goto out;
		}
	}
	s->fontmap = pango_cairo_font_map_new();
	s->fontopt = cairo_font_options_create();
	if (s->fontmap == NULL ||
	    cairo_font_options_status(s->fontopt) != CAIRO_STATUS_SUCCESS) {
		log_err("slip: cannot set up fonts");
		goto out;
	}
	/* Grey coverage, thresholded later, keeps joined scripts whole. */
	cairo_font_options_set_antialias(s->fontopt, CAIRO_ANTIALIAS_GRAY);
	cairo_font_options_set_hint_style(s->fontopt, CAIRO_HINT_STYLE_SLIGHT);
	cairo_font_options_set_hint_metrics(s->fontopt, CAIRO_HINT_METRICS_ON);
	*sp = s;
	s = NULL;
	rc = 0;
out:
	slip_close(s);
	return rc;
}

void
slip_close(struct slip *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < CONTENT_LANGS_MAX; i++)
		content_free(&s->table[i]);
	if (s->fontmap != NULL)
		g_object_unref(s->fontmap);
	if (s->fontopt != NULL)
		cairo_font_options_destroy(s->fontopt);
	free(s);
}

const struct content_langs *
slip_langs(const struct slip *s)
{
	return &s->langs;
}

int
slip_qr_text(const struct slip *s, enum slip_kind kind, const char *code,
    char *buf, size_t cap)
{
	char body[CONTENT_KEYWORD_MAX + SLIP_CODE_MAX + 2];
	int n;

	if (kind == SLIP_REFERRAL) {
		if (!valid_code(code)) {
			log_err("slip: reference code is not A-Z, 0-9 and -");
			return -1;
		}
		n = snprintf(
		    body, sizeof(body), "%s %s", s->service.kw_referral, code);
	} else {
		n = snprintf(body, sizeof(body), "%s", s->service.kw_info);
	}
	if (n < 0 || (size_t)n >= sizeof(body)) {
		log_err("slip: QR message too long");
		return -1;
	}
	return qr_sms_text(buf, cap, s->number, body);
}

static struct item *
new_item(struct render *r, enum item_kind kind, int gap)
{
	struct item *it;

	if (r->n == SLIP_ITEMS_MAX) {
		log_err("slip: more than %d items", SLIP_ITEMS_MAX);
		return NULL;
	}
	it = &r->item[r->n++];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	it->gap = gap;
	return it;
}

/*
 * Values (numbers, the code, STOP) are set in the default font in every
 * language, so "M2XA" does not mix Nastaliq digits with Latin letters.
 */
static void
values_in_default_font(PangoLayout *l, const char *text)
{
	PangoAttrList *attrs;
	PangoAttribute *a;
	const char *start, *end;

	if ((attrs = pango_attr_list_new()) == NULL)
		return; /* only a matter of looks */
	for (start = text; (start = strstr(start, BIDI_LRI)) != NULL;
	     start = end) {
		if ((end = strstr(start, BIDI_PDI)) == NULL)
			break;
		if ((a = pango_attr_family_new(SLIP_FAMILY)) == NULL)
			break;
		a->start_index = (guint)(start - text);
		a->end_index = (guint)(end - text);
		pango_attr_list_insert(attrs, a);
	}
	pango_layout_set_attributes(l, attrs);
	pango_attr_list_unref(attrs);
}

/*
 * The reference code on one line, as large as fits: it is read aloud or
 * copied. Glyph widths do not scale exactly with the size (hinting,
 * rounding), so one measurement and one shrink left some codes a pixel
 * too wide, and the wrapping layout put the last symbol on a line of
 * its own. Measure again after every shrink, until it is one line.
 */
static int
fit_one_line(struct render *r, PangoLayout *l, PangoFontDescription *fd, int px)
{
	PangoRectangle ink, logical;
	int next;

	for (int i = 0; i < SLIP_CODE_FIT_TRIES; i++) {
		pango_layout_set_width(l, -1);
		pango_layout_get_pixel_extents(l, &ink, &logical);
		pango_layout_set_width(l, r->content_w * PANGO_SCALE);
		if (logical.width <= r->content_w &&
		    ink.x + ink.width <= logical.x + r->content_w &&
		    pango_layout_get_line_count(l) == 1)
			return 0;
		next = logical.width > r->content_w
			   ? px * r->content_w / (logical.width + 1)
			   : px - 1;
		if (next >= px)
			next = px - 1;
		if (next < SLIP_CODE_MIN_PX)
			break;
		px = next;
		pango_font_description_set_absolute_size(fd, px * PANGO_SCALE);
		pango_layout_set_font_description(l, fd);
	}
	log_err("slip: the reference code does not fit on one line");
	return -1;
}

static PangoLayout *
make_layout(
    struct render *r, const struct block *b, enum style st, const char *text)
{
	PangoFontDescription *fd;
	PangoLayout *l;
	char family[2 * CONTENT_NAME_MAX];
	int px, n;

	n = snprintf(family, sizeof(family), "%s%s%s", b->lang->font,
	    b->lang->font[0] != '\0' ? "," : "", SLIP_FAMILY);
	if (n < 0 || (size_t)n >= sizeof(family)) {
		log_err("slip: font family list too long");
		return NULL;
	}
	switch (st) {
	case ST_TITLE:
		px = r->body_px * 5 / 4;
		break;
	case ST_CODE:
		px = r->body_px * 2;
		break;
	default:
		px = r->body_px;
	}
	if (st != ST_CODE)
		px = px * b->lang->text_scale / 100;
	if ((fd = pango_font_description_new()) == NULL ||
	    (l = pango_layout_new(b->ctx)) == NULL) {
		if (fd != NULL)
			pango_font_description_free(fd);
		log_err("slip: out of memory");
		return NULL;
	}
	pango_font_description_set_family(
	    fd, st == ST_CODE ? SLIP_FAMILY : family);
	pango_font_description_set_weight(fd, st == ST_BODY || st == ST_LABEL
						  ? PANGO_WEIGHT_NORMAL
						  : PANGO_WEIGHT_BOLD);
	pango_font_description_set_absolute_size(fd, px * PANGO_SCALE);
	pango_layout_set_font_description(l, fd);
	pango_layout_set_width(l, r->content_w * PANGO_SCALE);
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	/* The base direction comes from the block, not the first letter:
	 * an Urdu line may well start with a number. */
	pango_layout_set_auto_dir(l, FALSE);
	if (st != ST_SECTION && st != ST_BODY)
		pango_layout_set_alignment(l, PANGO_ALIGN_CENTER);
	else
		pango_layout_set_alignment(
		    l, b->lang->rtl ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT);
	pango_layout_set_text(l, text, -1);
	if (b->lang->font[0] != '\0')
		values_in_default_font(l, text);
	/* Nastaliq's own line height is more than twice its size. */
	if (b->lang->line_spacing != 0 && st != ST_CODE)
		pango_layout_set_line_spacing(
		    l, (float)b->lang->line_spacing / 100);
	if (st == ST_CODE && fit_one_line(r, l, fd, px) != 0) {
		pango_font_description_free(fd);
		g_object_unref(l);
		return NULL;
	}
	pango_font_description_free(fd);
	r->unknown += pango_layout_get_unknown_glyphs_count(l);
	return l;
}

static int
add_text_raw(struct render *r, const struct block *b, enum style st, int gap,
    const char *text)
{
	PangoRectangle ink, logical;
	struct item *it;
	int top, bottom;

	if ((it = new_item(r, ITEM_TEXT, gap)) == NULL)
		return -1;
	if ((it->layout = make_layout(r, b, st, text)) == NULL)
		return -1;
	/* Nastaliq and Bengali marks reach past the line box: keep the
	 * ink inside the item so nothing overlaps the next one. */
	pango_layout_get_pixel_extents(it->layout, &ink, &logical);
	top = ink.height > 0 && ink.y < logical.y ? ink.y : logical.y;
	bottom = logical.y + logical.height;
	if (ink.height > 0 && ink.y + ink.height > bottom)
		bottom = ink.y + ink.height;
	it->top = top;
	it->h = bottom - top;
	return 0;
}

/* Add a text with its placeholders filled in; extra adds contact values. */
static int
add_text(struct render *r, const struct block *b, enum style st, int gap,
    const char *key, const struct content_var *extra, size_t nextra)
{
	struct content_var vars[SLIP_VARS_MAX] = {
	    {"days", r->v_days},
	    {"code", r->v_code},
	    {"number", r->v_number},
	    {"stop_sms", r->v_stop_sms},
	    {"info", r->v_info},
	};
	size_t nvars = 5, i; /* those above */
	char text[CONTENT_TEXT_MAX];
	const char *tmpl;

	for (i = 0; i < nextra && nvars < SLIP_VARS_MAX; i++)
		vars[nvars++] = extra[i];
	if ((tmpl = content_get(b->t, key)) == NULL) {
		log_err("slip: %s: no text \"%s\"", b->lang->code, key);
		return -1;
	}
	if (content_expand(tmpl, vars, nvars, text, sizeof(text)) != 0) {
		log_err("slip: %s: cannot fill in \"%s\"", b->lang->code, key);
		return -1;
	}
	return add_text_raw(r, b, st, gap, text);
}

static int
add_support(struct render *r, const struct block *b)
{
	char phone[VALUE_MAX], web[VALUE_MAX], hours[VALUE_MAX];
	const struct content_contact *c;
	struct content_var v[3];
	size_t i;
	int gap = r->body_px / 4;

	if (add_text(
		r, b, ST_SECTION, r->body_px, "support_heading", NULL, 0) != 0)
		return -1;
	for (i = 0; i < r->s->support.n; i++) {
		c = &r->s->support.contact[i];
		/* An operator's entry not filled in yet is left off. */
		if (c->phone[0] == '\0' && c->web[0] == '\0')
			continue;
		if (value_text(phone, sizeof(phone), c->phone) != 0 ||
		    value_text(web, sizeof(web), c->web) != 0 ||
		    value_text(hours, sizeof(hours), c->hours) != 0)
			return -1;
		v[0] = (struct content_var){"phone", phone};
		v[1] = (struct content_var){"web", web};
		v[2] = (struct content_var){"hours", hours};
		if (add_text(r, b, ST_BODY, gap, c->text_key, v, 3) != 0)
			return -1;
		if (strcmp(c->id, SLIP_HUB_ID) == 0 && c->hours[0] != '\0' &&
		    add_text(r, b, ST_BODY, 0, "support_hub_hours", v, 3) != 0)
			return -1;
	}
	return 0;
}

static int
add_referral_block(struct render *r, const struct block *b)
{
	const struct content_contact *hub;
	char phone[VALUE_MAX];
	struct content_var v[1];
	int p = r->body_px;

	if (add_text(r, b, ST_BODY, p / 2, "qr_hint_referral", NULL, 0) ||
	    add_text(r, b, ST_SECTION, p, "next_heading", NULL, 0) ||
	    add_text(r, b, ST_BODY, p / 4, "next_body", NULL, 0) ||
	    add_text(r, b, ST_BODY, p / 2, "choice_body", NULL, 0) ||
	    add_text(r, b, ST_SECTION, p, "withdraw_heading", NULL, 0) ||
	    add_text(r, b, ST_BODY, p / 4, "withdraw_text", NULL, 0))
		return -1;
	hub = content_support_find(&r->s->support, SLIP_HUB_ID);
	if (hub != NULL && hub->phone[0] != '\0') {
		if (value_text(phone, sizeof(phone), hub->phone) != 0)
			return -1;
		v[0] = (struct content_var){"phone", phone};
		if (add_text(r, b, ST_BODY, p / 4, "withdraw_call", v, 1) != 0)
			return -1;
	}
	if (add_support(r, b) != 0 ||
	    add_text(r, b, ST_BODY, p, "keep_note", NULL, 0) != 0)
		return -1;
	return 0;
}

static int
add_info_block(struct render *r, const struct block *b)
{
	int p = r->body_px;

	if (add_text(r, b, ST_SECTION, p / 2, "info_invite", NULL, 0) ||
	    add_text(r, b, ST_BODY, p / 4, "qr_hint_info", NULL, 0) ||
	    add_text(r, b, ST_BODY, p, "info_body", NULL, 0) ||
	    add_text(r, b, ST_BODY, p / 2, "info_who", NULL, 0) ||
	    add_support(r, b) ||
	    add_text(r, b, ST_BODY, p, "keep_note", NULL, 0))
		return -1;
	return 0;
}

static int
add_qr(struct render *r, const char *text)
{
	struct item *it;
	size_t side_modules, max;

	if (qr_encode(&r->qr, text, QR_LEVEL_M) != 0)
		return -1;
	side_modules = r->qr.width + 2 * QR_QUIET_ZONE;
	max = r->s->width * SLIP_QR_SHARE_NUM / SLIP_QR_SHARE_DEN;
	r->module = max / side_modules;
	if (r->module > SLIP_QR_MODULE_MAX)
		r->module = SLIP_QR_MODULE_MAX;
	if (r->module < SLIP_QR_MODULE_MIN) {
		log_err("slip: QR of %zu modules does not fit %zu dots",
		    side_modules, r->s->width);
		return -1;
	}
	if (qr_raster(&r->qr, r->module, &r->qr_raster) != 0)
		return -1;
	/* The quiet zone is white space already: no gap around it. */
	if ((it = new_item(r, ITEM_QR, 0)) == NULL)
		return -1;
	it->h = (int)r->qr_raster.height;
	return 0;
}

static int
add_rule(struct render *r)
{
	struct item *it;

	if ((it = new_item(r, ITEM_RULE, r->body_px)) == NULL)
		return -1;
	it->h = 2;
	return 0;
}

static int
setup_block(struct slip *s, struct block *b, size_t idx)
{
	b->lang = &s->langs.lang[idx];
	b->t = &s->table[idx];
	b->ctx = pango_font_map_create_context(s->fontmap);
	if (b->ctx == NULL) {
		log_err("slip: cannot create a text context");
		return -1;
	}
	pango_context_set_language(
	    b->ctx, pango_language_from_string(b->lang->code));
	pango_context_set_base_dir(
	    b->ctx, b->lang->rtl ? PANGO_DIRECTION_RTL : PANGO_DIRECTION_LTR);
	pango_cairo_context_set_font_options(b->ctx, s->fontopt);
	return 0;
}

static int
build(struct render *r, struct block *blk, size_t nblk, enum slip_kind kind,
    const char *qr_text)
{
	size_t i;
	int p = r->body_px;

	for (i = 0; i < nblk; i++) {
		if (add_text(r, &blk[i], i == 0 ? ST_TITLE : ST_SUBTITLE,
			i == 0 ? 0 : p / 4,
			kind == SLIP_REFERRAL ? "heading_referral"
					      : "heading_info",
			NULL, 0) != 0)
			return -1;
	}
	if (kind == SLIP_REFERRAL) {
		for (i = 0; i < nblk; i++) {
			if (add_text(r, &blk[i], ST_LABEL, i == 0 ? p : 0,
				"ref_label", NULL, 0) != 0)
				return -1;
		}
		if (add_text_raw(r, &blk[0], ST_CODE, p / 4, r->v_code) != 0)
			return -1;
		r->code_lines =
		    pango_layout_get_line_count(r->item[r->n - 1].layout);
	}
	if (add_qr(r, qr_text) != 0)
		return -1;
	for (i = 0; i < nblk; i++) {
		if (i > 0 && add_rule(r) != 0)
			return -1;
		if ((kind == SLIP_REFERRAL ? add_referral_block(r, &blk[i])
					   : add_info_block(r, &blk[i])) != 0)
			return -1;
	}
	return 0;
}

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

static int
draw(struct render *r, struct raster *out)
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

int
slip_render(struct slip *s, const char *lang, enum slip_kind kind,
    const char *code, struct raster *out, struct slip_stats *st)
{
	struct render *r;
	struct block blk[2];
	char qr_text[QR_TEXT_MAX + 1];
	char stop_sms[CONTENT_KEYWORD_MAX + SLIP_CODE_MAX + 2];
	const struct content_lang *l;
	size_t nblk = 0, i;
	int n, rc = -1;

	memset(out, 0, sizeof(*out));
	memset(blk, 0, sizeof(blk));
	if (st != NULL)
		memset(st, 0, sizeof(*st));
	if ((l = content_langs_find(&s->langs, lang)) == NULL) {
		log_err("slip: language \"%s\" not shipped", lang);
		return -1;
	}
	if (kind != SLIP_REFERRAL)
		code = "";
	if (slip_qr_text(s, kind, code, qr_text, sizeof(qr_text)) != 0)
		return -1;
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		log_err("slip: out of memory");
		return -1;
	}
	r->s = s;
	r->margin = (int)s->width / 24;
	r->content_w = (int)s->width - 2 * r->margin;
	r->body_px = 16 + (int)s->width / 48;
	n = snprintf(r->v_days, sizeof(r->v_days), "%d",
	    s->service.contact_working_days);
	if (n < 0 || (size_t)n >= sizeof(r->v_days))
		goto out;
	/* What to text to withdraw, shown as one unit: "STOP <code>". */
	n = snprintf(
	    stop_sms, sizeof(stop_sms), "%s %s", s->service.kw_stop, code);
	if (n < 0 || (size_t)n >= sizeof(stop_sms) ||
	    value_text(r->v_code, sizeof(r->v_code), code) != 0 ||
	    value_text(r->v_number, sizeof(r->v_number), s->display) != 0 ||
	    value_text(r->v_stop_sms, sizeof(r->v_stop_sms), stop_sms) != 0 ||
	    value_text(r->v_info, sizeof(r->v_info), s->service.kw_info) != 0)
		goto out;
	if (setup_block(s, &blk[nblk++], (size_t)(l - s->langs.lang)) != 0)
		goto out;
	if (strcmp(l->code, "en") != 0 &&
	    setup_block(s, &blk[nblk++], s->en) != 0)
		goto out;
	if (build(r, blk, nblk, kind, qr_text) != 0 || draw(r, out) != 0)
		goto out;
	if (r->unknown > 0)
		log_warn("slip: %s: %d characters had no glyph in any font",
		    lang, r->unknown);
	if (st != NULL) {
		st->unknown_glyphs = r->unknown;
		st->height = out->height;
		st->qr_module_dots = r->module;
		st->qr_top = r->qr_y;
		st->qr_size = r->qr_raster.height;
		st->code_lines = r->code_lines;
	}
	rc = 0;
out:
	for (i = 0; i < r->n; i++)
		if (r->item[i].layout != NULL)
			g_object_unref(r->item[i].layout);
	for (i = 0; i < nblk; i++)
		if (blk[i].ctx != NULL)
			g_object_unref(blk[i].ctx);
	qr_free(&r->qr);
	raster_free(&r->qr_raster);
	free(r);
	return rc;
}
