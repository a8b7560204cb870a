/*
 * Filling a page for the visitor: every variable and fragment of
 * docs/kiosk.md ("Templates"), their answers, errors, support lines and
 * the QR code, rendered through kiosk/page.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "kiosk/page.h"
#include "kiosk/view.h"
#include "receipt/qr.h"
#include "util/log.h"

#define QR_SVG_MAX (48 * 1024)

static struct session *
S(struct flow_req *r)
{
	return r->k->s;
}

const struct kiosk_lang *
view_lang(struct flow_req *r)
{
	const struct kiosk_lang *L =
	    r->owned ? kiosk_lang_find(r->k, S(r)->lang) : NULL;

	return L != NULL ? L : &r->k->langs[0];
}

const struct view_pref view_prefs[] = {
    {"size", {"normal", "large", "larger", NULL},
	offsetof(struct session, size)},
    {"contrast", {"off", "on", NULL}, offsetof(struct session, contrast)},
    {"rate", {"normal", "slow", "fast", NULL}, offsetof(struct session, rate)},
    {"volume", {"normal", "quiet", "loud", NULL},
	offsetof(struct session, volume)},
};
_Static_assert(sizeof(view_prefs) / sizeof(view_prefs[0]) == VIEW_NPREFS,
    "VIEW_NPREFS counts view_prefs");

/* Every page's variables (docs/kiosk.md, "Templates"). */
static void
common(struct page *p, struct flow_req *r)
{
	const struct session *s = S(r);
	char cls[128] = "";
	size_t n = 0;

	page_var(p, "lang", p->L->html_lang);
	page_var(p, "dir", p->L->rtl ? "rtl" : "ltr");
	page_var(p, "csrf", r->owned ? s->csrf : "");
	page_var(p, "page", p->name);
	page_var(p, "title", page_text(p, page_printf(p, "%s_title", p->name)));
	/* The visitor's display and speech choices, as body classes
	 * ("size-large contrast rate-slow"); a stranger gets the defaults. */
	for (size_t i = 0; r->owned && i < VIEW_NPREFS; i++) {
		int v = *(const int *)((const char *)s + view_prefs[i].off);
		if (v == 0 || n >= sizeof(cls))
			continue;
		/* High contrast is the one on/off choice: "contrast". */
		if (strcmp(view_prefs[i].field, "contrast") == 0)
			n += (size_t)snprintf(cls + n, sizeof(cls) - n,
			    "%scontrast", n ? " " : "");
		else
			n += (size_t)snprintf(cls + n, sizeof(cls) - n,
			    "%s%s-%s", n ? " " : "", view_prefs[i].field,
			    view_prefs[i].values[v]);
	}
	page_var(p, "body_class", page_strdup(p, n < sizeof(cls) ? cls : ""));
	page_var(
	    p, "idle_warn", page_printf(p, "%d", r->k->cfg.idle_warning_s));
	page_var(p, "idle_grace", page_printf(p, "%d", r->k->cfg.idle_grace_s));
	page_var(p, "venue", r->k->cfg.venue_code);
	page_frag(p, "errors", "");
}

static const char *
concat(struct page *p, const char *a, const char *b)
{
	char *r;
	size_t la, lb;

	/* A fragment that failed has already failed the page. */
	if (a == NULL || b == NULL)
		return NULL;
	la = strlen(a);
	lb = strlen(b);
	if ((r = page_reserve(p, la + lb + 1)) == NULL)
		return NULL;
	memcpy(r, a, la);
	memcpy(r + la, b, lb + 1);
	return r;
}

/* Every answer as variables, flags and labels. */
static void
answer_vars(struct page *p, const struct answers *a)
{
	for (size_t i = 0; i < ans_nfields; i++) {
		const struct ans_field *f = &ans_fields[i];
		const char *v = answers_get(a, f);
		if (v[0] == '\0')
			continue;
		page_var(p, f->name, v);
		if (f->kind == ANS_ONEOF || f->kind == ANS_FLAG) {
			page_choice_flag(p, f->name, v);
			if (f->kind == ANS_ONEOF) {
				char *key = page_printf(p, "%s_%s", f->name, v);
				for (char *c = key; c != NULL && *c; c++)
					if (*c == '-')
						*c = '_';
				if (key != NULL && page_text(p, key) != NULL)
					page_var(p,
					    page_printf(p, "%s_label", f->name),
					    page_text(p, key));
			}
		}
	}
	if (answers_needs_risk_assessment(a))
		page_flag(p, "risk_assessment");
}

static void
error_vars(struct page *p, const struct ans_errors *e)
{
	const char *items = "";

	if (e == NULL || e->n == 0)
		return;
	for (size_t i = 0; i < e->n; i++) {
		const char *msg = page_text(p, e->e[i].key);
		if (msg == NULL) {
			log_err("no text %s", e->e[i].key);
			p->failed = 1;
			return;
		}
		page_var(p, page_printf(p, "err_%s", e->e[i].name), msg);
		page_var(p, "field", page_strdup(p, e->e[i].field));
		page_var(p, "message", msg);
		items = concat(p, items, page_render_frag(p, "error-item"));
		if (items == NULL)
			return;
	}
	page_flag(p, "has_errors");
	page_frag(p, "items", items);
	page_frag(p, "errors", page_render_frag(p, "errors"));
}

/* The support lines of content/support.json, in the page's language. */
static void
support_frag(struct page *p)
{
	const struct content_support *sup = &p->k->support;
	const char *all = "";
	char line[CONTENT_TEXT_MAX];

	for (size_t i = 0; i < sup->n; i++) {
		const struct content_contact *c = &sup->contact[i];
		const char *t = content_get(&p->L->receipt, c->text_key);
		struct content_var v[3] = {
		    {"phone", c->phone}, {"web", c->web}, {"hours", c->hours}};
		if (c->placeholder && c->phone[0] == '\0')
			continue;
		if (t == NULL ||
		    content_expand(t, v, 3, line, sizeof(line)) != 0) {
			p->failed = 1;
			return;
		}
		page_var(p, "text", page_strdup(p, line));
		all = concat(p, all, page_render_frag(p, "support-item"));
		if (all == NULL)
			return;
	}
	sodium_memzero(line, sizeof(line));
	page_frag(p, "support", all);
}

static void
qr_frag(struct page *p, enum slip_kind kind, const char *code)
{
	char text[QR_TEXT_MAX];
	struct qr q = {0};
	size_t len = 0;
	char *svg = NULL;
	const char *label = content_get(&p->L->receipt,
	    kind == SLIP_REFERRAL ? "qr_hint_referral" : "qr_hint_info");

	if (label == NULL ||
	    slip_qr_text(p->k->slip, kind, code, text, sizeof(text)) != 0 ||
	    qr_encode(&q, text, QR_LEVEL_M) != 0)
		goto fail;
	/* Reserve room, then give back what the SVG did not use. */
	if ((svg = page_reserve(p, QR_SVG_MAX)) == NULL ||
	    qr_svg(&q, label, svg, QR_SVG_MAX - 1, &len) != 0)
		goto fail;
	svg[len] = '\0';
	page_trim(p, svg, len + 1);
	page_frag(p, "qr", svg);
	goto out;
fail:
	p->failed = 1;
out:
	/* The QR text and matrix name the reference code. */
	sodium_memzero(text, sizeof(text));
	if (q.modules != NULL)
		sodium_memzero(q.modules, q.width * q.width);
	qr_free(&q);
}

static int
respond(struct page *p, struct flow_req *r, int status)
{
	int rc;

	rc = p->failed ? -1 : page_respond(p, status, r->resp);
	page_done(p);
	return rc;
}

void
view_fill(struct page *p, struct flow_req *r, const char *name, int answers)
{
	struct session *s = S(r);

	page_init(p, r->k, view_lang(r), name);
	common(p, r);
	if (answers) {
		answer_vars(p, &s->a);
		if (s->ref[0] != '\0')
			page_var(p, "code", s->ref);
	}
	if (answers && s->print_failed)
		page_flag(p, "print_failed");
	if (strcmp(name, "start") == 0) {
		const char *all = "";
		for (size_t i = 0; i < r->k->nlangs && all != NULL; i++) {
			const struct kiosk_lang *L = &r->k->langs[i];
			page_var(p, "code", L->code);
			page_var(p, "native", L->native);
			page_var(p, "item_lang", L->html_lang);
			page_var(p, "item_dir", L->rtl ? "rtl" : "ltr");
			all = concat(p, all, page_render_frag(p, "lang-item"));
		}
		if (all != NULL)
			page_frag(p, "languages", all);
	}
	if (strcmp(name, "done") == 0 && answers)
		qr_frag(p, SLIP_REFERRAL, s->ref);
	if (strcmp(name, "info") == 0)
		qr_frag(p, SLIP_INFO, NULL);
	if (strcmp(name, "done") == 0 || strcmp(name, "info") == 0 ||
	    strcmp(name, "outside") == 0)
		support_frag(p);
}

int
view_show(struct flow_req *r, const char *name, const struct ans_errors *errs)
{
	struct page p;

	view_fill(&p, r, name, r->owned);
	error_vars(&p, errs);
	return respond(&p, r, errs != NULL && errs->n > 0 ? 422 : 200);
}

int
view_error(struct flow_req *r, int status, const char *what)
{
	struct page p;

	page_init(&p, r->k, view_lang(r), "error");
	common(&p, r);
	page_var(&p, "error_title",
	    page_text(&p, page_printf(&p, "%s_title", what)));
	page_var(&p, "title", page_text(&p, page_printf(&p, "%s_title", what)));
	page_var(
	    &p, "error_body", page_text(&p, page_printf(&p, "%s_body", what)));
	return respond(&p, r, status);
}
