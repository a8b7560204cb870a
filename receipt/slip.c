#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "receipt/slip_int.h"
#include "util/log.h"

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
	    slip_value_text(r->v_code, sizeof(r->v_code), code) != 0 ||
	    slip_value_text(r->v_number, sizeof(r->v_number), s->display) !=
		0 ||
	    slip_value_text(r->v_stop_sms, sizeof(r->v_stop_sms), stop_sms) !=
		0 ||
	    slip_value_text(r->v_info, sizeof(r->v_info), s->service.kw_info) !=
		0)
		goto out;
	if (slip_setup_block(s, &blk[nblk++], (size_t)(l - s->langs.lang)) != 0)
		goto out;
	if (strcmp(l->code, "en") != 0 &&
	    slip_setup_block(s, &blk[nblk++], s->en) != 0)
		goto out;
	if (slip_build(r, blk, nblk, kind, qr_text) != 0 ||
	    slip_draw(r, out) != 0)
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
