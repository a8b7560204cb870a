#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "crypto/refcode.h"
#include "kiosk/flow.h"
#include "kiosk/audio.h"
#include "kiosk/page.h"
#include "kiosk/view.h"
#include "kiosk/payload.h"
#include "receipt/escpos.h"
#include "receipt/qr.h"
#include "store/sealer.h"
#include "util/log.h"

static struct session *
S(struct flow_req *r)
{
	return r->k->s;
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

/*
 * Make a slip ready to print. The printing itself (up to
 * PRINTER_DEADLINE_MS) happens in kiosk_handle after the visitor lock is
 * released, so a quick exit never waits behind a stalled printer. A slip
 * that cannot even be made counts as a failed print.
 */
static int
print(struct flow_req *r, enum slip_kind kind, const char *code)
{
	const struct kiosk_lang *L = view_lang(r);
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
	const struct kiosk_lang *L = view_lang(r);
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
	    r->k->cfg.bundle->sign_sk, r->k->cfg.bundle->hub_box_pk,
	    r->k->cfg.gc};
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
		return view_error(r, 400, "bad_request");
	if (errs.n > 0)
		return view_show(r, name, &errs);
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
		return view_error(r, 400, "bad_request");
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
	return view_error(r, 400, "bad_request");
}

static int
post_eligible(struct flow_req *r)
{
	struct session *s = S(r);
	struct ans_errors errs;

	if (answers_apply(&s->a, ANS_ELIGIBLE, r->form, &errs) != 0)
		return view_error(r, 400, "bad_request");
	if (errs.n > 0)
		return view_show(r, "eligible", &errs);
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
	/* Nothing was queued (e.g. a full disk): say so plainly; the
	 * answers stay in the session, so sending again later can work. */
	if (submit(r) != 0)
		return view_error(r, 503, "not_sent");
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
		return view_error(r, 400, "bad_request");
	for (i = 0; i < VIEW_NPREFS; i++) {
		const char *v = field(r, view_prefs[i].field);
		int k;
		if (v == NULL)
			continue;
		for (k = 0; view_prefs[i].values[k] != NULL; k++)
			if (strcmp(v, view_prefs[i].values[k]) == 0)
				break;
		if (view_prefs[i].values[k] == NULL)
			return view_error(r, 400, "bad_request");
		*(int *)((char *)S(r) + view_prefs[i].off) = k;
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
	return view_show(r, "start", NULL);
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
		return view_show(r, rt->page, NULL);
	}
	if (path_known) {
		if (http_resp_header(r->resp, "Allow",
			m == HTTP_GET ? "POST" : "GET, HEAD") != 0)
			return -1;
		return view_error(r, 405, "bad_request");
	}
	return view_error(r, 404, "not_found");
}
