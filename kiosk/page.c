#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "kiosk/html.h"
#include "kiosk/page.h"
#include "util/log.h"

void
page_init(struct page *p, struct kiosk *k, const struct kiosk_lang *L,
    const char *name)
{
	memset(p, 0, sizeof(*p));
	p->k = k;
	p->L = L;
	p->name = name;
}

void
page_done(struct page *p)
{
	sodium_memzero(p->k->scratch, p->used);
	p->used = 0;
}

char *
page_reserve(struct page *p, size_t n)
{
	char *r;

	if (p->failed || n > KIOSK_SCRATCH - p->used) {
		if (!p->failed)
			log_err("page %s: out of scratch memory", p->name);
		p->failed = 1;
		return NULL;
	}
	r = p->k->scratch + p->used;
	p->used += n;
	return r;
}

void
page_trim(struct page *p, const char *start, size_t used)
{
	p->used = (size_t)(start - p->k->scratch) + used;
}

char *
page_strdup(struct page *p, const char *s)
{
	size_t n = strlen(s) + 1;
	char *r = page_reserve(p, n);

	if (r != NULL)
		memcpy(r, s, n);
	return r;
}

char *
page_printf(struct page *p, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		log_err("page %s: formatted value too long", p->name);
		p->failed = 1;
		return NULL;
	}
	return page_strdup(p, buf);
}

static void
add(struct page *p, struct page_kv *kv, size_t *n, size_t max, const char *name,
    const char *value)
{
	if (name == NULL || value == NULL || *n == max) {
		if (*n == max)
			log_err("page %s: too many variables", p->name);
		p->failed = 1;
		return;
	}
	kv[*n].name = name;
	kv[*n].value = value;
	(*n)++;
}

void
page_var(struct page *p, const char *name, const char *value)
{
	add(p, p->vars, &p->nvars, PAGE_VARS_MAX, name, value);
}

void
page_flag(struct page *p, const char *name)
{
	page_var(p, name, "1");
}

void
page_choice_flag(struct page *p, const char *field, const char *v)
{
	char *name = page_printf(p, "%s_%s", field, v);

	for (char *c = name; c != NULL && *c != '\0'; c++)
		if (*c == '-')
			*c = '_';
	page_flag(p, name);
}

void
page_frag(struct page *p, const char *name, const char *html)
{
	add(p, p->frags, &p->nfrags, PAGE_FRAGS_MAX, name, html);
}

static const char *
get(const struct page_kv *kv, size_t n, const char *name)
{
	/* Later settings win: a page may override a layout default. */
	for (size_t i = n; i > 0; i--)
		if (strcmp(kv[i - 1].name, name) == 0)
			return kv[i - 1].value;
	return NULL;
}

const char *
page_text(struct page *p, const char *key)
{
	const char *t = key != NULL ? content_get(&p->L->text, key) : NULL;
	const char *code = get(p->vars, p->nvars, "code");
	char days[16], *out;
	struct content_var v[6];

	if (t == NULL || strchr(t, '{') == NULL)
		return t;
	snprintf(days, sizeof(days), "%d", p->k->service.contact_working_days);
	v[0] = (struct content_var){"days", days};
	v[1] = (struct content_var){"number", p->k->cfg.service_number_display};
	v[2] = (struct content_var){"code", code != NULL ? code : ""};
	v[3] = (struct content_var){"stop_sms",
	    code != NULL ? page_printf(p, "%s %s", p->k->service.kw_stop, code)
			 : p->k->service.kw_stop};
	v[4] = (struct content_var){"info", p->k->service.kw_info};
	v[5] = (struct content_var){"venue", p->k->cfg.venue_code};
	if (v[3].value == NULL ||
	    (out = page_reserve(p, CONTENT_TEXT_MAX)) == NULL)
		return NULL;
	if (content_expand(t, v, 6, out, CONTENT_TEXT_MAX) != 0) {
		log_err("page %s: cannot fill the text %s", p->name, key);
		return NULL;
	}
	page_trim(p, out, strlen(out) + 1);
	return out;
}

static const char *
lookup(void *ctx, int kind, const char *name)
{
	struct page *p = ctx;

	switch (kind) {
	case 't':
		return page_text(p, name);
	case 'v':
		return get(p->vars, p->nvars, name);
	default:
		return get(p->frags, p->nfrags, name);
	}
}

static int
render(struct page *p, const char *tmpl, char *buf, size_t cap)
{
	struct html h;

	if (p->failed)
		return -1;
	html_init(&h, buf, cap);
	return tmpl_render(p->k->tmpl, tmpl, lookup, p, &h);
}

const char *
page_render_frag(struct page *p, const char *tmpl)
{
	/* Texts filled in while rendering take scratch memory, so the
	 * fragment is rendered apart and then copied in. */
	const char *r = NULL;

	if (render(p, tmpl, p->k->render, KIOSK_PAGE_MAX) == 0)
		r = page_strdup(p, p->k->render);
	else
		p->failed = 1;
	sodium_memzero(p->k->render, KIOSK_PAGE_MAX);
	return r;
}

int
page_respond(struct page *p, int status, struct http_resp *resp)
{
	const char *main_html = page_render_frag(p, p->name);

	if (main_html == NULL)
		return -1;
	page_frag(p, "main", main_html);
	if (render(p, "layout", (char *)resp->body, resp->body_cap) != 0)
		return -1;
	resp->status = status;
	resp->content_type = "text/html; charset=utf-8";
	resp->body_len = strlen((char *)resp->body);
	return 0;
}
