#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "kiosk/audio.h"
#include "kiosk/flow.h"
#include "kiosk/speech.h"
#include "kiosk/view.h"
#include "kiosk/kiosk.h"
#include "store/db.h"
#include "util/file.h"
#include "util/log.h"

/* Headers on every answer (http_respond adds Cache-Control: no-store and
 * X-Content-Type-Options: nosniff itself). */
static const char *const sec_headers[][2] = {
    {"Content-Security-Policy",
	"default-src 'self'; script-src 'self'; style-src 'self'; "
	"img-src 'self'; object-src 'none'; base-uri 'none'; "
	"form-action 'self'; frame-ancestors 'none'"},
    {"Referrer-Policy", "no-referrer"},
    {"X-Frame-Options", "DENY"},
    {"Cross-Origin-Opener-Policy", "same-origin"},
};

const struct kiosk_lang *
kiosk_lang_find(const struct kiosk *k, const char *code)
{
	for (size_t i = 0; code != NULL && i < k->nlangs; i++)
		if (strcmp(k->langs[i].code, code) == 0)
			return &k->langs[i];
	return NULL;
}

/*
 * The consent record names the exact words a visitor agreed to: SHA-256
 * over every consent_* text of their language, "key=text\n", in key
 * order, so any change to the wording changes the hash.
 */
static int
consent_hash(struct kiosk_lang *L)
{
	crypto_hash_sha256_state st;
	uint8_t h[crypto_hash_sha256_BYTES];
	const char *keys[128];
	size_t n = 0;
	const char *key;
	json_t *v;

	json_object_foreach(L->text.table, key, v)
	{
		if (strncmp(key, "consent_", 8) != 0)
			continue;
		if (n == sizeof(keys) / sizeof(keys[0]))
			return -1;
		keys[n++] = key;
	}
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0;
		     j--) {
			const char *t = keys[j];
			keys[j] = keys[j - 1];
			keys[j - 1] = t;
		}
	if (n == 0) {
		log_err("content/%s: no consent_ texts", L->code);
		return -1;
	}
	crypto_hash_sha256_init(&st);
	for (size_t i = 0; i < n; i++) {
		const char *t = content_get(&L->text, keys[i]);
		crypto_hash_sha256_update(
		    &st, (const uint8_t *)keys[i], strlen(keys[i]));
		crypto_hash_sha256_update(&st, (const uint8_t *)"=", 1);
		crypto_hash_sha256_update(&st, (const uint8_t *)t, strlen(t));
		crypto_hash_sha256_update(&st, (const uint8_t *)"\n", 1);
	}
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(
	    L->consent_sha256, sizeof(L->consent_sha256), h, sizeof(h));
	return 0;
}

static int
load_lang(struct kiosk *k, const struct content_lang *cl, int easy,
    const struct content *en)
{
	struct kiosk_lang *L = &k->langs[k->nlangs];
	const char *root = k->cfg.content_dir;

	memset(L, 0, sizeof(*L));
	snprintf(L->code, sizeof(L->code), "%s", easy ? KIOSK_EASY : cl->code);
	snprintf(L->html_lang, sizeof(L->html_lang), "%s", cl->code);
	L->rtl = cl->rtl;
	L->easy = easy;
	if (content_load(
		&L->text, root, cl->code, easy ? "kiosk_easy" : "kiosk") != 0 ||
	    content_load(&L->receipt, root, cl->code, "receipt") != 0)
		goto fail;
	if (en != NULL && content_check_keys(en, &L->text) != 0) {
		log_err("content/%s/%s.json does not match English", cl->code,
		    easy ? "kiosk_easy" : "kiosk");
		goto fail;
	}
	snprintf(L->native, sizeof(L->native), "%s",
	    easy ? content_get(&L->text, "lang_easy_read") : cl->native);
	snprintf(L->english, sizeof(L->english), "%s", cl->english);
	/* A voice espeak-ng does not have is no voice: the page says so in
	 * English instead. */
	if (cl->voice[0] != '\0' && speech_has_voice(k->speech, cl->voice))
		snprintf(L->voice, sizeof(L->voice), "%s", cl->voice);
	else if (cl->voice[0] != '\0')
		log_warn("languages: espeak-ng has no voice %s for %s",
		    cl->voice, cl->code);
	if (consent_hash(L) != 0)
		goto fail;
	k->nlangs++;
	return 0;
fail:
	content_free(&L->text);
	content_free(&L->receipt);
	return -1;
}

static int
load_langs(struct kiosk *k)
{
	struct content_langs all;
	struct content en;
	char list[512], *save = NULL, *tok;
	int rc = -1;

	memset(&en, 0, sizeof(en));
	if (content_langs_load(&all, k->cfg.content_dir) != 0 ||
	    content_load(&en, k->cfg.content_dir, "en", "kiosk") != 0)
		goto out;
	if (snprintf(list, sizeof(list), "%s", k->cfg.languages) >=
	    (int)sizeof(list))
		goto out;
	for (tok = strtok_r(list, " ,\t", &save); tok != NULL;
	     tok = strtok_r(NULL, " ,\t", &save)) {
		const struct content_lang *cl = content_langs_find(&all, tok);
		if (cl == NULL) {
			log_err("languages: %s is not in languages.json", tok);
			goto out;
		}
		if (kiosk_lang_find(k, tok) != NULL) {
			log_err("languages: %s given twice", tok);
			goto out;
		}
		if (cl->draft && !k->cfg.allow_drafts) {
			log_info("languages: %s is a draft translation; not "
				 "offered (allow_drafts = no)",
			    tok);
			continue;
		}
		if (k->nlangs + 2 > KIOSK_LANGS_MAX ||
		    load_lang(k, cl, 0, &en) != 0)
			goto out;
		if (strcmp(tok, "en") == 0 && k->cfg.easy_read &&
		    load_lang(k, cl, 1, &en) != 0)
			goto out;
	}
	if (k->nlangs == 0) {
		log_err("languages: none to offer");
		goto out;
	}
	rc = 0;
out:
	content_free(&en);
	return rc;
}

static int
text_exists(void *arg, const char *tmpl, const char *key)
{
	const struct kiosk *k = arg;

	if (content_get(&k->langs[0].text, key) != NULL)
		return 0;
	log_err("template %s: content has no text %s", tmpl, key);
	return -1;
}

static int
load_static(const char *dir, const char *name, struct kiosk_file *f)
{
	char path[4096];
	uint8_t *data = NULL;
	int n = snprintf(path, sizeof(path), "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= sizeof(path))
		return -1;
	if (file_read_alloc(path, KIOSK_STATIC_MAX, &data, &f->len) != 0)
		return -1;
	f->data = (char *)data;
	return 0;
}

struct kiosk *
kiosk_new(const struct kiosk_config *cfg)
{
	static const char *const pages[] = {"layout", "start", "about",
	    "choose", "info", "eligible", "outside", "consent", "contact",
	    "details", "check", "done", "error", "lang-item", "error-item",
	    "errors", "support-item", "keys", "support", "finish"};
	struct kiosk *k = calloc(1, sizeof(*k));
	struct slip_config sc;

	if (k == NULL) {
		log_err("out of memory");
		return NULL;
	}
	k->cfg = *cfg;
	pthread_mutex_init(&k->mu, NULL);
	pthread_mutex_init(&k->print_mu, NULL);
	k->s = session_new();
	k->scratch = sodium_malloc(KIOSK_SCRATCH);
	k->render = sodium_malloc(KIOSK_PAGE_MAX);
	k->say = sodium_malloc(KIOSK_PAGE_MAX);
	k->wav = sodium_malloc(SPEECH_WAV_MAX);
	k->audio = calloc(1, sizeof(*k->audio));
	if (k->s == NULL || k->scratch == NULL || k->render == NULL ||
	    k->say == NULL || k->wav == NULL || k->audio == NULL) {
		log_err("out of locked memory");
		goto fail;
	}
	if ((k->speech = speech_new()) == NULL)
		goto fail;
	if (load_langs(k) != 0 ||
	    content_support_load(&k->support, cfg->content_dir) != 0 ||
	    content_service_load(&k->service, cfg->content_dir) != 0)
		goto fail;
	if ((k->tmpl = tmpl_load(cfg->templates_dir)) == NULL)
		goto fail;
	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++)
		if (!tmpl_has(k->tmpl, pages[i])) {
			log_err("templates: %s.html is missing", pages[i]);
			goto fail;
		}
	if (tmpl_each_text(k->tmpl, text_exists, k) != 0)
		goto fail;
	if (load_static(cfg->static_dir, "kiosk.css", &k->css) != 0 ||
	    load_static(cfg->static_dir, "kiosk.js", &k->js) != 0)
		goto fail;
	if (printer_parse(&k->printer, cfg->printer) != 0) {
		log_err("printer: cannot use \"%s\"", cfg->printer);
		goto fail;
	}
	memset(&sc, 0, sizeof(sc));
	sc.content_dir = cfg->content_dir;
	sc.service_number = cfg->service_number;
	sc.service_number_display = cfg->service_number_display;
	sc.width = cfg->paper_width;
	if (slip_open(&k->slip, &sc) != 0)
		goto fail;
	return k;
fail:
	kiosk_free(k);
	return NULL;
}

void
kiosk_free(struct kiosk *k)
{
	if (k == NULL)
		return;
	for (size_t i = 0; i < k->nlangs; i++) {
		content_free(&k->langs[i].text);
		content_free(&k->langs[i].receipt);
	}
	tmpl_free(k->tmpl);
	free(k->css.data);
	free(k->js.data);
	if (k->slip != NULL)
		slip_close(k->slip);
	session_free(k->s);
	speech_free(k->speech);
	if (k->audio != NULL) {
		audio_cache_free(k->audio);
		free(k->audio);
	}
	if (k->say != NULL)
		sodium_free(k->say);
	if (k->wav != NULL)
		sodium_free(k->wav);
	if (k->scratch != NULL)
		sodium_free(k->scratch);
	if (k->render != NULL)
		sodium_free(k->render);
	pthread_mutex_destroy(&k->mu);
	pthread_mutex_destroy(&k->print_mu);
	free(k);
}

int64_t
kiosk_clock_ms(void)
{
	struct timespec ts;

	/* Idle time is measured on the monotonic clock: a clock set back
	 * must not keep a walked-away visitor's answers alive. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
idle_limit_ms(const struct kiosk *k)
{
	/* The page's own countdown ends first. The page tells kioskd of
	 * activity at most every min(30, warn / 2) seconds (kiosk.js), so
	 * the daemon waits that long again, plus a little, before its own
	 * wipe, which works even if the page is gone or has no script. */
	int64_t alive = (k->cfg.idle_warning_s + 1) / 2 < 30
			    ? (k->cfg.idle_warning_s + 1) / 2
			    : 30;

	return ((int64_t)k->cfg.idle_warning_s + k->cfg.idle_grace_s + alive +
		   2) *
	       1000;
}

void
kiosk_tick(struct kiosk *k, int64_t now_ms)
{
	pthread_mutex_lock(&k->mu);
	if (session_idle(k->s, now_ms, idle_limit_ms(k))) {
		session_wipe(k->s);
		log_info("visitor idle: session wiped");
	}
	pthread_mutex_unlock(&k->mu);
}

/* Host (and Origin, for a POST) must name this kiosk on loopback: a page
 * from anywhere else, or DNS rebinding, gets nothing. */
static int
host_ok(const struct kiosk *k, const char *v, const char *scheme)
{
	static const char *const hosts[] = {"127.0.0.1", "localhost", "[::1]"};
	char want[96];

	if (v == NULL)
		return 0;
	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		snprintf(want, sizeof(want), "%s%s:%u", scheme, hosts[i],
		    (unsigned)k->cfg.port);
		if (strcasecmp(v, want) == 0)
			return 1;
	}
	return 0;
}

/*
 * A POST must come from the kiosk's own pages. Under Referrer-Policy:
 * no-referrer, Chromium sends "Origin: null" on form posts, so a null
 * origin says nothing; Sec-Fetch-Site, which browsers set themselves,
 * must then say same-origin. A port on loopback is "same-site" to a
 * page on another port: that is not enough. The CSRF token and the
 * SameSite=Strict cookie stand behind both.
 */
static int
same_origin(const struct kiosk *k, const struct http_req *req)
{
	const char *o = http_header(req, "origin");
	const char *site = http_header(req, "sec-fetch-site");

	if (http_header_count(req, "origin") > 1 ||
	    http_header_count(req, "sec-fetch-site") > 1)
		return 0;
	if (o != NULL && strcmp(o, "null") != 0 && !host_ok(k, o, "http://"))
		return 0;
	return site == NULL || strcmp(site, "same-origin") == 0 ||
	       strcmp(site, "none") == 0;
}

static const char *
cookie_value(const struct http_req *req)
{
	static const char name[] = KIOSK_COOKIE "=";
	const char *c = http_header(req, "cookie"), *p;

	for (p = c; p != NULL && *p != '\0';) {
		while (*p == ' ' || *p == ';')
			p++;
		if (strncmp(p, name, sizeof(name) - 1) == 0)
			return p + sizeof(name) - 1;
		p = strchr(p, ';');
	}
	return NULL;
}

/* The session token, copied out of the cookie so it ends at ';'. */
static int
owns(const struct kiosk *k, const struct http_req *req)
{
	const char *v = cookie_value(req);
	char tok[SESSION_TOKEN_HEX];
	size_t n = 0;
	int rc;

	if (v == NULL)
		return 0;
	while (
	    v[n] != '\0' && v[n] != ';' && v[n] != ' ' && n + 1 < sizeof(tok))
		n++;
	/* The token and nothing more: "rjk=<token>junk" is not it. */
	if (v[n] != '\0' && v[n] != ';' && v[n] != ' ')
		return 0;
	memcpy(tok, v, n);
	tok[n] = '\0';
	rc = session_owns(k->s, tok);
	sodium_memzero(tok, sizeof(tok));
	return rc;
}

static int
serve_static(
    const struct kiosk_file *f, const char *type, struct http_resp *resp)
{
	return http_resp_body(resp, 200, type, f->data, f->len);
}

static int
form_type_ok(const struct http_req *req)
{
	const char *t = http_header(req, "content-type");
	static const char want[] = "application/x-www-form-urlencoded";

	return t != NULL && strncasecmp(t, want, sizeof(want) - 1) == 0 &&
	       (t[sizeof(want) - 1] == '\0' || t[sizeof(want) - 1] == ';');
}

static int
dispatch(struct kiosk *k, struct flow_req *r, struct http_form *form)
{
	const struct http_req *req = r->http;
	struct session *s = k->s;

	if (strcmp(req->path, "/health") == 0)
		return http_resp_body(r->resp, 200, "application/json",
		    "{\"status\":\"ok\"}", 15);
	if (!host_ok(k, http_header(req, "host"), ""))
		return view_error(r, 400, "bad_request");
	if (req->method != HTTP_POST) {
		if (strcmp(req->path, "/static/kiosk.css") == 0)
			return serve_static(
			    &k->css, "text/css; charset=utf-8", r->resp);
		if (strcmp(req->path, "/static/kiosk.js") == 0)
			return serve_static(
			    &k->js, "text/javascript; charset=utf-8", r->resp);
		/* Listening is not activity: the idle warning's own audio
		 * must not keep a walked-away visitor's session alive. */
		if (r->owned && strncmp(req->path, "/audio/", 7) != 0)
			s->last_ms = r->clock_ms;
		return flow_dispatch(r);
	}
	if (!same_origin(k, req))
		return view_error(r, 403, "bad_request");
	if (!form_type_ok(req))
		return view_error(r, 415, "bad_request");
	if (http_form_parse(form, (const char *)req->body, req->body_len) != 0)
		return view_error(r, 400, "bad_request");
	r->form = form;
	if (strcmp(req->path, "/exit") == 0)
		return flow_dispatch(r);
	if (r->owned && session_csrf_ok(s, http_form_get(form, "csrf"))) {
		s->last_ms = r->clock_ms;
		return flow_dispatch(r);
	}
	/* A start page left open past the idle wipe: begin afresh, as
	 * nothing of anyone is at stake yet. */
	if (strcmp(req->path, "/start") == 0 && !s->active) {
		if (session_start(s, r->clock_ms) != 0)
			return -1;
		r->owned = r->fresh = 1;
		return flow_dispatch(r);
	}
	return view_error(r, 403, "expired");
}

/*
 * Print outside the visitor lock: a printer may stall for seconds, and a
 * quick exit must not wait for it. The result is recorded only if the
 * same visitor is still there (sid); the slip is wiped and freed.
 */
static void
print_job(struct kiosk *k, const char *sid, uint8_t *job, size_t len)
{
	enum printer_error why = PRINTER_OK;
	int failed;

	pthread_mutex_lock(&k->print_mu);
	failed = printer_print(
		     &k->printer, job, len, PRINTER_DEADLINE_MS, &why) != 0;
	pthread_mutex_unlock(&k->print_mu);
	if (failed)
		log_warn("print: %s", printer_strerror(why));
	sodium_memzero(job, len);
	free(job);
	pthread_mutex_lock(&k->mu);
	if (failed && k->s->active &&
	    sodium_memcmp(k->s->id, sid, SESSION_TOKEN_HEX) == 0)
		k->s->print_failed = 1;
	pthread_mutex_unlock(&k->mu);
}

int
kiosk_handle(void *ctx, const struct http_req *req, struct http_resp *resp)
{
	struct kiosk *k = ctx;
	struct http_form *form = NULL;
	struct flow_req r;
	int rc = -1;

	pthread_mutex_lock(&k->mu);
	memset(&r, 0, sizeof(r));
	r.k = k;
	r.http = req;
	r.resp = resp;
	r.now_ms = db_now_ms();
	r.clock_ms = kiosk_clock_ms();
	if (session_idle(k->s, r.clock_ms, idle_limit_ms(k)))
		session_wipe(k->s);
	r.owned = owns(k, req);
	/* A form holds what the visitor typed: locked, wiped, freed. */
	if (req->method == HTTP_POST &&
	    (form = sodium_malloc(sizeof(*form))) == NULL) {
		log_err("out of locked memory");
		goto out;
	}
	rc = dispatch(k, &r, form);
	for (size_t i = 0;
	     rc == 0 && i < sizeof(sec_headers) / sizeof(sec_headers[0]); i++)
		rc = http_resp_header(
		    resp, sec_headers[i][0], sec_headers[i][1]);
out:
	if (form != NULL)
		sodium_free(form);
	if (r.job != NULL) {
		char sid[SESSION_TOKEN_HEX];
		memcpy(sid, k->s->id, sizeof(sid));
		pthread_mutex_unlock(&k->mu);
		print_job(k, sid, r.job, r.job_len);
		sodium_memzero(sid, sizeof(sid));
		return rc;
	}
	pthread_mutex_unlock(&k->mu);
	return rc;
}
