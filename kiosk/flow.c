#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "crypto/refcode.h"
#include "kiosk/flow.h"
#include "kiosk/audio.h"
#include "kiosk/page.h"
#include "kiosk/payload.h"
#include "receipt/escpos.h"
#include "receipt/qr.h"
#include "store/sealer.h"
#include "util/log.h"

#define QR_SVG_MAX (48 * 1024)

static struct session *
S(struct flow_req *r)
{
	return r->k->s;
}

static const struct kiosk_lang *
lang(struct flow_req *r)
{
	const struct kiosk_lang *L =
	    r->owned ? kiosk_lang_find(r->k, S(r)->lang) : NULL;

	return L != NULL ? L : &r->k->langs[0];
}

static int
redirect(struct flow_req *r, const char *to)
{
	if (http_resp_header(r->resp, "Location", to) != 0)
		return -1;
	return http_resp_body(r->resp, 303, NULL, "", 0);
}

static int
set_cookie(struct flow_req *r)
{
	char v[128];
	int n = snprintf(v, sizeof(v),
	    "%s=%s; Path=/; HttpOnly; SameSite=Strict", KIOSK_COOKIE, S(r)->id);

	if (n < 0 || (size_t)n >= sizeof(v))
		return -1;
	return http_resp_header(r->resp, "Set-Cookie", v);
}

static int
clear_cookie(struct flow_req *r)
{
	return http_resp_header(r->resp, "Set-Cookie",
	    KIOSK_COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
}

/* A preference: its form field, its values, and where it is kept. */
struct pref {
	const char *field;
	const char *const values[4]; /* index = the stored value */
	size_t off;
};

static const struct pref prefs[] = {
    {"size", {"normal", "large", "larger", NULL},
	offsetof(struct session, size)},
    {"contrast", {"off", "on", NULL}, offsetof(struct session, contrast)},
    {"rate", {"normal", "slow", "fast", NULL}, offsetof(struct session, rate)},
    {"volume", {"normal", "quiet", "loud", NULL},
	offsetof(struct session, volume)},
};

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
	for (size_t i = 0; r->owned && i < sizeof(prefs) / sizeof(prefs[0]);
	     i++) {
		int v = *(const int *)((const char *)s + prefs[i].off);
		if (v == 0 || n >= sizeof(cls))
			continue;
		/* High contrast is the one on/off choice: "contrast". */
		if (strcmp(prefs[i].field, "contrast") == 0)
			n += (size_t)snprintf(cls + n, sizeof(cls) - n,
			    "%scontrast", n ? " " : "");
		else
			n += (size_t)snprintf(cls + n, sizeof(cls) - n,
			    "%s%s-%s", n ? " " : "", prefs[i].field,
			    prefs[i].values[v]);
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
flow_page_fill(
    struct page *p, struct flow_req *r, const char *name, int answers)
{
	struct session *s = S(r);

	page_init(p, r->k, lang(r), name);
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

static int
show(struct flow_req *r, const char *name, const struct ans_errors *errs)
{
	struct page p;

	flow_page_fill(&p, r, name, r->owned);
	error_vars(&p, errs);
	return respond(&p, r, errs != NULL && errs->n > 0 ? 422 : 200);
}

int
flow_error(struct flow_req *r, int status, const char *what)
{
	struct page p;

	page_init(&p, r->k, lang(r), "error");
	common(&p, r);
	page_var(&p, "error_title",
	    page_text(&p, page_printf(&p, "%s_title", what)));
	page_var(&p, "title", page_text(&p, page_printf(&p, "%s_title", what)));
	page_var(
	    &p, "error_body", page_text(&p, page_printf(&p, "%s_body", what)));
	return respond(&p, r, status);
}

/*
 * Make a slip ready to print. The printing itself (up to
 * PRINTER_DEADLINE_MS) happens in kiosk_handle after the visitor lock is
 * released, so a quick exit never waits behind a stalled printer. A slip
 * that cannot even be made counts as a failed print.
 */
static int
print(struct flow_req *r, enum slip_kind kind, const char *code)
{
	const struct kiosk_lang *L = lang(r);
	struct raster ras = {0};
	struct escpos_opts o;
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc = -1;

	escpos_default_opts(&o);
	/* Easy Read visitors take the plain English slip. */
	if (slip_render(r->k->slip, L->easy ? "en" : L->code, kind, code, &ras,
		NULL) != 0 ||
	    escpos_encode_alloc(&ras, &o, &buf, &len) != 0) {
		log_err("print: cannot make the slip");
		goto out;
	}
	r->job = buf;
	r->job_len = len;
	buf = NULL;
	rc = 0;
out:
	/* The slip carries the reference code: wiped before it is freed. */
	if (buf != NULL)
		sodium_memzero(buf, len);
	free(buf);
	if (ras.bits != NULL)
		sodium_memzero(ras.bits, ras.stride * ras.height);
	raster_free(&ras);
	return rc;
}

/* Seal the referral to the hub and queue it: the one write to disk. */
static int
submit(struct flow_req *r)
{
	struct session *s = S(r);
	const struct kiosk_lang *L = lang(r);
	struct payload_info pi;
	struct sealer sl;
	char *json = NULL;
	size_t len = 0;
	int rc = -1;

	if (r->k->cfg.db == NULL || r->k->cfg.bundle == NULL) {
		log_err("submit: no outbox");
		return -1;
	}
	if (refcode_generate(s->ref, sizeof(s->ref)) != 0)
		goto out;
	if ((json = sodium_malloc(PAYLOAD_MAX)) == NULL) {
		log_err("out of locked memory");
		goto out;
	}
	pi = (struct payload_info){s->ref, r->k->cfg.venue_code, L->html_lang,
	    L->easy, L->text.version, L->consent_sha256, s->consent_at_ms,
	    r->now_ms};
	if (payload_referral(json, PAYLOAD_MAX, &len, &s->a, &pi) != 0)
		goto out;
	sl = (struct sealer){r->k->cfg.db, r->k->cfg.bundle->device_id,
	    r->k->cfg.bundle->sign_sk, r->k->cfg.bundle->hub_box_pk};
	if (sealer_outbox(&sl, ENVELOPE_REFERRAL, json, len) != 0)
		goto out;
	rc = 0;
	log_info("referral queued");
out:
	sodium_free(json);
	if (rc != 0)
		s->ref[0] = '\0';
	return rc;
}

static int
post_page(struct flow_req *r, enum ans_page page, const char *name,
    unsigned next_step, const char *next)
{
	struct session *s = S(r);
	struct ans_errors errs;

	if (answers_apply(&s->a, page, r->form, &errs) != 0)
		return flow_error(r, 400, "bad_request");
	if (errs.n > 0)
		return show(r, name, &errs);
	s->reached |= next_step;
	/* Back to the check page when a Change link brought them here. */
	if ((s->reached & STEP_CHECK) && page != ANS_ELIGIBLE)
		return redirect(r, "/check");
	return redirect(r, next);
}

static int
wipe_home(struct flow_req *r)
{
	session_wipe(S(r));
	if (clear_cookie(r) != 0)
		return -1;
	return redirect(r, "/");
}

static const char *
field(struct flow_req *r, const char *name)
{
	return r->form != NULL ? http_form_get(r->form, name) : NULL;
}

static int
post_start(struct flow_req *r)
{
	const char *code = field(r, "lang");

	if (code == NULL || kiosk_lang_find(r->k, code) == NULL)
		return flow_error(r, 400, "bad_request");
	if (r->fresh && set_cookie(r) != 0)
		return -1;
	snprintf(S(r)->lang, sizeof(S(r)->lang), "%s", code);
	S(r)->reached |= STEP_ABOUT | STEP_CHOOSE;
	return redirect(r, "/about");
}

static int
post_choose(struct flow_req *r)
{
	const char *c = field(r, "choice");

	if (c != NULL && strcmp(c, "contact") == 0) {
		S(r)->reached |= STEP_ELIGIBLE;
		return redirect(r, "/eligible");
	}
	if (c != NULL && strcmp(c, "info") == 0) {
		/* One slip a visit, however often it is tapped. */
		if (!(S(r)->reached & STEP_INFO))
			S(r)->print_failed = print(r, SLIP_INFO, NULL) != 0;
		S(r)->reached |= STEP_INFO;
		return redirect(r, "/info");
	}
	if (c != NULL && strcmp(c, "leave") == 0)
		return wipe_home(r);
	return flow_error(r, 400, "bad_request");
}

static int
post_eligible(struct flow_req *r)
{
	struct session *s = S(r);
	struct ans_errors errs;

	if (answers_apply(&s->a, ANS_ELIGIBLE, r->form, &errs) != 0)
		return flow_error(r, 400, "bad_request");
	if (errs.n > 0)
		return show(r, "eligible", &errs);
	if (!answers_eligible(&s->a)) {
		/* Nothing is kept from someone the service cannot help. */
		sodium_memzero(&s->a, sizeof(s->a));
		s->consent_at_ms = 0;
		/* Back to the question stays open, to change an answer. */
		s->reached =
		    STEP_ABOUT | STEP_CHOOSE | STEP_ELIGIBLE | STEP_OUTSIDE;
		return redirect(r, "/outside");
	}
	s->reached |= STEP_CONSENT;
	return redirect(r, (s->reached & STEP_CHECK) ? "/check" : "/consent");
}

static int
post_consent(struct flow_req *r)
{
	int rc = post_page(r, ANS_CONSENT, "consent", STEP_CONTACT, "/contact");

	if (answers_yes(S(r)->a.agree) && S(r)->consent_at_ms == 0)
		S(r)->consent_at_ms = r->now_ms;
	return rc;
}

static int
post_contact(struct flow_req *r)
{
	return post_page(r, ANS_CONTACT, "contact", STEP_DETAILS, "/details");
}

static int
post_details(struct flow_req *r)
{
	return post_page(r, ANS_DETAILS, "details", STEP_CHECK, "/check");
}

static int
post_send(struct flow_req *r)
{
	struct session *s = S(r);

	/* A second tap, or Back then send again: still one referral. */
	if (s->submitted)
		return redirect(r, "/done");
	/* The whole visit is checked again: a page sent back with errors
	 * after the check page was reached must not slip through. */
	{
		static const struct {
			enum ans_page page;
			const char *path;
		} pages[] = {{ANS_ELIGIBLE, "/eligible"},
		    {ANS_CONSENT, "/consent"}, {ANS_CONTACT, "/contact"},
		    {ANS_DETAILS, "/details"}};
		struct ans_errors errs;
		for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
			errs.n = 0;
			answers_check(&s->a, pages[i].page, &errs);
			if (errs.n > 0 || (pages[i].page == ANS_ELIGIBLE &&
					      !answers_eligible(&s->a)))
				return redirect(r, pages[i].path);
		}
	}
	if (submit(r) != 0)
		return -1;
	s->submitted = 1;
	s->reached |= STEP_DONE;
	if (r->k->cfg.on_queued != NULL)
		r->k->cfg.on_queued(r->k->cfg.on_queued_arg);
	s->print_failed = print(r, SLIP_REFERRAL, s->ref) != 0;
	return redirect(r, "/done");
}

static int
post_prefs(struct flow_req *r)
{
	static const char *const back_ok[] = {"start", "about", "choose",
	    "info", "eligible", "outside", "consent", "contact", "details",
	    "check", "done", "keys", NULL};
	const char *back = field(r, "back");
	char to[32];
	size_t i;

	for (i = 0; back != NULL && back_ok[i] != NULL; i++)
		if (strcmp(back, back_ok[i]) == 0)
			break;
	if (back == NULL || back_ok[i] == NULL)
		return flow_error(r, 400, "bad_request");
	for (i = 0; i < sizeof(prefs) / sizeof(prefs[0]); i++) {
		const char *v = field(r, prefs[i].field);
		int k;
		if (v == NULL)
			continue;
		for (k = 0; prefs[i].values[k] != NULL; k++)
			if (strcmp(v, prefs[i].values[k]) == 0)
				break;
		if (prefs[i].values[k] == NULL)
			return flow_error(r, 400, "bad_request");
		*(int *)((char *)S(r) + prefs[i].off) = k;
	}
	snprintf(to, sizeof(to), "/%s", strcmp(back, "start") == 0 ? "" : back);
	return redirect(r, to);
}

static int
get_start(struct flow_req *r)
{
	/* Nothing of an earlier visitor survives the start page. A visit
	 * that has not chosen a language yet holds nothing but its text
	 * size and contrast, which it keeps (they are chosen here too). */
	if (!r->owned || S(r)->lang[0] != '\0' || S(r)->reached != 0) {
		if (session_start(S(r), r->clock_ms) != 0 || set_cookie(r) != 0)
			return -1;
		r->owned = 1;
	}
	return show(r, "start", NULL);
}

static int
post_alive(struct flow_req *r)
{
	return http_resp_body(r->resp, 204, NULL, "", 0);
}

static int
post_exit(struct flow_req *r)
{
	return wipe_home(r);
}

struct route {
	enum http_method method;
	const char *path;
	unsigned step; /* the step the session must have reached; 0: any */
	int (*fn)(struct flow_req *r);
	const char *page; /* GET: the page to show */
};

static const struct route routes[] = {
    {HTTP_GET, "/", 0, get_start, NULL},
    {HTTP_POST, "/start", 0, post_start, NULL},
    {HTTP_GET, "/about", STEP_ABOUT, NULL, "about"},
    {HTTP_GET, "/choose", STEP_CHOOSE, NULL, "choose"},
    {HTTP_POST, "/choose", STEP_CHOOSE, post_choose, NULL},
    {HTTP_GET, "/info", STEP_INFO, NULL, "info"},
    {HTTP_GET, "/eligible", STEP_ELIGIBLE, NULL, "eligible"},
    {HTTP_POST, "/eligible", STEP_ELIGIBLE, post_eligible, NULL},
    {HTTP_GET, "/outside", STEP_OUTSIDE, NULL, "outside"},
    {HTTP_GET, "/consent", STEP_CONSENT, NULL, "consent"},
    {HTTP_POST, "/consent", STEP_CONSENT, post_consent, NULL},
    {HTTP_GET, "/contact", STEP_CONTACT, NULL, "contact"},
    {HTTP_POST, "/contact", STEP_CONTACT, post_contact, NULL},
    {HTTP_GET, "/details", STEP_DETAILS, NULL, "details"},
    {HTTP_POST, "/details", STEP_DETAILS, post_details, NULL},
    {HTTP_GET, "/check", STEP_CHECK, NULL, "check"},
    {HTTP_POST, "/send", STEP_CHECK, post_send, NULL},
    {HTTP_GET, "/done", STEP_DONE, NULL, "done"},
    {HTTP_POST, "/finish", 0, post_exit, NULL},
    {HTTP_POST, "/exit", 0, post_exit, NULL},
    {HTTP_POST, "/alive", 0, post_alive, NULL},
    {HTTP_POST, "/prefs", 0, post_prefs, NULL},
    {HTTP_GET, "/keys", 0, NULL, "keys"},
};

int
flow_page_open(struct flow_req *r, const char *name)
{
	char path[32];

	snprintf(path, sizeof(path), "/%s", strcmp(name, "start") ? name : "");
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const struct route *rt = &routes[i];
		if (rt->method != HTTP_GET || strcmp(rt->path, path) != 0)
			continue;
		if (rt->step == 0)
			return 1;
		return r->owned && S(r)->lang[0] != '\0' &&
		       (S(r)->reached & rt->step) != 0 &&
		       (!S(r)->submitted || rt->step == STEP_DONE);
	}
	return 0;
}

int
flow_post_without_session(const char *path)
{
	return strcmp(path, "/exit") == 0 || strcmp(path, "/start") == 0;
}

int
flow_dispatch(struct flow_req *r)
{
	enum http_method m =
	    r->http->method == HTTP_HEAD ? HTTP_GET : r->http->method;
	int path_known = 0;

	if (strncmp(r->http->path, "/audio/", 7) == 0 && m == HTTP_GET)
		return audio_handle(r);
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const struct route *rt = &routes[i];
		if (strcmp(rt->path, r->http->path) != 0)
			continue;
		path_known = 1;
		if (rt->method != m)
			continue;
		/* A page out of order, or after the session ended: the
		 * neutral start, never a trace of anyone. */
		if (rt->step != 0 && (!r->owned || S(r)->lang[0] == '\0' ||
					 (S(r)->reached & rt->step) == 0))
			return redirect(r, "/");
		/* Once sent, the flow is closed: its pages lead to the
		 * receipt (send itself says so, for a second tap). */
		if (S(r)->submitted && rt->step != 0 && rt->step != STEP_DONE &&
		    rt->fn != post_send)
			return redirect(r, "/done");
		if (rt->fn != NULL)
			return rt->fn(r);
		return show(r, rt->page, NULL);
	}
	if (path_known) {
		if (http_resp_header(r->resp, "Allow",
			m == HTTP_GET ? "POST" : "GET, HEAD") != 0)
			return -1;
		return flow_error(r, 405, "bad_request");
	}
	return flow_error(r, 404, "not_found");
}
