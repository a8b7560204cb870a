/* The slip laid out: each language's texts, the code, the QR and the
 * rules as items, shaped and wrapped with Pango to the paper's width. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "receipt/slip_int.h"
#include "util/log.h"

int
slip_value_text(char *buf, size_t cap, const char *v)
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
		if (slip_value_text(phone, sizeof(phone), c->phone) != 0 ||
		    slip_value_text(web, sizeof(web), c->web) != 0 ||
		    slip_value_text(hours, sizeof(hours), c->hours) != 0)
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
		if (slip_value_text(phone, sizeof(phone), hub->phone) != 0)
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

int
slip_setup_block(struct slip *s, struct block *b, size_t idx)
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

int
slip_build(struct render *r, struct block *blk, size_t nblk,
    enum slip_kind kind, const char *qr_text)
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
