#include "tests/unit/testutil.h"

#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "crypto/bundle.h"
#include "crypto/envelope.h"
#include "kiosk/audio.h"
#include "kiosk/kiosk.h"
#include "kiosk/say.h"
#include "kiosk/speech.h"
#include "store/db.h"
#include "store/outbox.h"
#include "store/schema.h"
#include "util/log.h"

/*
 * kioskd's pages driven request by request through kiosk_handle, with
 * the shipped content and templates, a real outbox and a hub key pair to
 * open what was sealed.
 */
#define PORT 8080
#define RESP_CAP KIOSK_RESP_MAX

struct fx {
	char *dir;
	char printer[PATH_MAX + 8];
	char slip[PATH_MAX];
	struct db *db;
	struct bundle *b;
	uint8_t device_pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t hub_sk[crypto_box_SECRETKEYBYTES];
	struct kiosk *k;
	uint8_t *body;
	struct http_resp resp;
	char cookie[SESSION_TOKEN_HEX + 16];
	int queued;
};

static void
on_queued(void *arg)
{
	((struct fx *)arg)->queued++;
}

static struct kiosk *
make_kiosk(struct fx *f, const char *content, const char *printer)
{
	struct kiosk_config kc;

	memset(&kc, 0, sizeof(kc));
	kc.content_dir = content;
	kc.templates_dir = "kiosk/templates";
	kc.static_dir = "kiosk/static";
	/* RJ_KIOSK_LANGS narrows the run while a translation is written. */
	kc.languages = getenv("RJ_KIOSK_LANGS") != NULL
			   ? getenv("RJ_KIOSK_LANGS")
			   : "en pl ar bn ur so tr ro pt es";
	kc.allow_drafts = 1;
	kc.easy_read = 1;
	kc.venue_code = "TEST-VENUE-1";
	kc.service_number = "+447700900000";
	kc.service_number_display = "07700 900000";
	kc.printer = printer;
	kc.paper_width = 384;
	kc.idle_warning_s = 90;
	kc.idle_grace_s = 30;
	kc.port = PORT;
	kc.db = f->db;
	kc.bundle = f->b;
	kc.on_queued = on_queued;
	kc.on_queued_arg = f;
	return kiosk_new(&kc);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	uint8_t key[DB_KEY_LEN];
	char path[PATH_MAX];

	assert_non_null(f);
	f->dir = testutil_tmpdir();
	snprintf(path, sizeof(path), "%s/outbox.db", f->dir);
	randombytes_buf(key, sizeof(key));
	f->db = db_open(path, key, &schema_device);
	assert_non_null(f->db);
	f->b = bundle_new();
	assert_non_null(f->b);
	randombytes_buf(f->b->device_id, sizeof(f->b->device_id));
	crypto_sign_keypair(f->device_pk, f->b->sign_sk);
	crypto_box_keypair(f->b->hub_box_pk, f->hub_sk);
	snprintf(f->slip, sizeof(f->slip), "%s/slip.bin", f->dir);
	snprintf(f->printer, sizeof(f->printer), "file:%s", f->slip);
	f->k = make_kiosk(f, "content", f->printer);
	assert_non_null(f->k);
	f->body = malloc(RESP_CAP);
	assert_non_null(f->body);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	kiosk_free(f->k);
	bundle_free(f->b);
	db_close(f->db);
	free(f->body);
	testutil_rmdir(f->dir);
	free(f);
	return 0;
}

/* A raw request through the real parser, then the handler. */
static int
raw(struct fx *f, const char *text, size_t len)
{
	static struct http_req req;
	static uint8_t body[64 * 1024];
	size_t used = 0;

	http_req_init(&req, body, sizeof(body));
	if (http_parse(&req, (const uint8_t *)text, len, &used) != HTTP_DONE)
		fail_msg("request not parsed: %d %s", req.status,
		    req.error != NULL ? req.error : "");
	http_resp_init(&f->resp, f->body, RESP_CAP);
	assert_int_equal(kiosk_handle(f->k, &req, &f->resp), 0);
	if (f->resp.body_len < RESP_CAP)
		f->body[f->resp.body_len] = '\0';
	/* Remember a new session cookie as a browser would. */
	{
		const char *c = strstr(f->resp.extra, "Set-Cookie: rjk=");
		if (c != NULL) {
			c += strlen("Set-Cookie: rjk=");
			size_t n = strcspn(c, ";\r");
			assert_true(n < sizeof(f->cookie));
			memcpy(f->cookie, c, n);
			f->cookie[n] = '\0';
		}
	}
	return f->resp.status;
}

static int
req(struct fx *f, const char *method, const char *path, const char *form,
    const char *extra)
{
	static char text[HTTP_MAX_FORM + 4096];
	int n;

	n = snprintf(text, sizeof(text),
	    "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nCookie: rjk=%s\r\n%s"
	    "%s%s\r\n%s",
	    method, path, PORT, f->cookie, extra != NULL ? extra : "",
	    form != NULL &&
		    (extra == NULL || strstr(extra, "Content-Type") == NULL)
		? "Content-Type: application/x-www-form-urlencoded\r\n"
		: "",
	    form != NULL ? "Content-Length: " : "", "");
	assert_true(n > 0 && (size_t)n < sizeof(text));
	if (form != NULL) {
		/* Replace the final blank line with the length and body. */
		n -= 2;
		n += snprintf(text + n, sizeof(text) - (size_t)n,
		    "%zu\r\n\r\n%s", strlen(form), form);
	}
	return raw(f, text, (size_t)n);
}

static int
get(struct fx *f, const char *path)
{
	return req(f, "GET", path, NULL, NULL);
}

/* POST with the session's token prepended. */
static int
post(struct fx *f, const char *path, const char *fields)
{
	char form[HTTP_MAX_FORM];

	snprintf(form, sizeof(form), "csrf=%s%s%s", f->k->s->csrf,
	    fields[0] ? "&" : "", fields);
	return req(f, "POST", path, form, NULL);
}

static const char *
location(struct fx *f)
{
	static char loc[64];
	const char *l = strstr(f->resp.extra, "Location: ");

	if (l == NULL)
		return "";
	l += strlen("Location: ");
	snprintf(loc, sizeof(loc), "%.*s", (int)strcspn(l, "\r"), l);
	return loc;
}

static int64_t
pending(struct fx *f)
{
	int64_t p = 0, d = 0;

	assert_int_equal(outbox_count(f->db, &p, &d), 0);
	return p;
}

static void
walk_to_check(struct fx *f, const char *lang, const char *name)
{
	char contact[512];

	assert_int_equal(get(f, "/"), 200);
	assert_int_equal(post(f, "/start", lang), 303);
	assert_string_equal(location(f), "/about");
	assert_int_equal(get(f, "/about"), 200);
	assert_int_equal(post(f, "/choose", "choice=contact"), 303);
	assert_string_equal(location(f), "/eligible");
	assert_int_equal(post(f, "/eligible", "happened=yes"), 303);
	assert_string_equal(location(f), "/consent");
	assert_int_equal(post(f, "/consent", "agree=yes"), 303);
	assert_string_equal(location(f), "/contact");
	snprintf(contact, sizeof(contact),
	    "name=%s&m_call=yes&phone=07700+900123&voicemail=no&say_who=no",
	    name);
	assert_int_equal(post(f, "/contact", contact), 303);
	assert_string_equal(location(f), "/details");
	assert_int_equal(post(f, "/details",
			     "crime=domestic_abuse&borough=camden&when=year"),
	    303);
	assert_string_equal(location(f), "/check");
	assert_int_equal(get(f, "/check"), 200);
}

/* The sealed referral, opened as the hub would. */
static json_t *
open_only_referral(struct fx *f)
{
	struct outbox_item items[4];
	struct envelope_hdr hdr;
	uint8_t *plain = sodium_malloc(ENVELOPE_PAYLOAD_MAX);
	size_t n = 0, len = 0;
	json_t *o;

	assert_int_equal(
	    outbox_take_due(f->db, INT64_MAX / 2, items, 4, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(envelope_open(plain, ENVELOPE_PAYLOAD_MAX, &len, &hdr,
			     items[0].envelope, items[0].len, f->device_pk,
			     f->b->hub_box_pk, f->hub_sk),
	    0);
	o = json_loadb((const char *)plain, len, 0, NULL);
	assert_non_null(o);
	outbox_items_free(items, n);
	sodium_free(plain);
	return o;
}

static void
headers_on_every_answer(void **state)
{
	struct fx *f = *state;
	static const char *const paths[] = {
	    "/", "/static/kiosk.css", "/static/kiosk.js", "/nope", "/check"};

	assert_int_equal(get(f, "/"), 200);
	assert_non_null(strstr(f->resp.extra, "HttpOnly; SameSite=Strict"));
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		get(f, paths[i]);
		assert_non_null(strstr(f->resp.extra,
		    "Content-Security-Policy: default-src 'self'"));
		assert_null(strstr(f->resp.extra, "unsafe-inline"));
		assert_non_null(
		    strstr(f->resp.extra, "Referrer-Policy: no-referrer"));
		assert_non_null(strstr(f->resp.extra, "X-Frame-Options: DENY"));
	}
	/* Text size chosen before a language is kept; the page has the
	 * token and no field remembers anything. */
	assert_int_equal(post(f, "/prefs", "size=larger&back=start"), 303);
	assert_int_equal(get(f, "/"), 200);
	assert_non_null(strstr((char *)f->body, "size-larger"));
	assert_non_null(strstr((char *)f->body, f->k->s->csrf));
	assert_non_null(strstr((char *)f->body, "autocomplete=\"off\""));
	assert_null(strstr((char *)f->body, "<script>"));
}

static void
whole_flow_seals_exactly_what_was_entered(void **state)
{
	struct fx *f = *state;
	json_t *o, *c;
	char ref[REFCODE_BUFLEN];

	walk_to_check(
	    f, "lang=en", "Ala+Przyk%C5%82ad+%3Cscript%3Ex%3C%2Fscript%3E");
	/* The visitor's own words come back escaped. */
	assert_non_null(
	    strstr((char *)f->body, "&lt;script&gt;x&lt;/script&gt;"));
	assert_null(strstr((char *)f->body, "<script>x"));
	assert_int_equal(pending(f), 0);
	assert_int_equal(post(f, "/send", ""), 303);
	assert_string_equal(location(f), "/done");
	assert_int_equal(f->queued, 1);
	snprintf(ref, sizeof(ref), "%s", f->k->s->ref);
	/* A second tap, and Back then send: still one referral. */
	assert_int_equal(post(f, "/send", ""), 303);
	assert_int_equal(get(f, "/check"), 303);
	assert_string_equal(location(f), "/done");
	assert_int_equal(
	    post(f, "/contact", "m_email=yes&email=a%40b.org"), 303);
	assert_int_equal(pending(f), 1);
	assert_int_equal(get(f, "/done"), 200);
	assert_non_null(strstr((char *)f->body, ref));
	assert_non_null(strstr((char *)f->body, "<svg"));
	/* The slip printed. */
	{
		struct stat st;
		assert_int_equal(stat(f->slip, &st), 0);
		assert_true(st.st_size > 1000);
	}
	o = open_only_referral(f);
	assert_string_equal(json_string_value(json_object_get(o, "ref")), ref);
	assert_string_equal(
	    json_string_value(json_object_get(o, "channel")), "kiosk");
	assert_string_equal(
	    json_string_value(json_object_get(o, "venue")), "TEST-VENUE-1");
	assert_string_equal(
	    json_string_value(json_object_get(o, "language")), "en");
	assert_true(json_is_true(json_object_get(o, "risk_assessment")));
	c = json_object_get(o, "contact");
	assert_string_equal(json_string_value(json_object_get(c, "name")),
	    "Ala Przykład <script>x</script>");
	assert_string_equal(
	    json_string_value(json_object_get(c, "phone")), "+447700900123");
	assert_string_equal(
	    json_string_value(json_object_get(o, "borough")), "camden");
	assert_int_equal(strlen(json_string_value(json_object_get(
			     json_object_get(o, "consent"), "wording_sha256"))),
	    64);
	json_decref(o);
	/* Finish wipes; the old token is dead. */
	assert_int_equal(post(f, "/finish", ""), 303);
	assert_false(f->k->s->active);
	assert_int_equal(get(f, "/done"), 303);
	assert_string_equal(location(f), "/");
}

static void
csrf_and_origin_refused(void **state)
{
	struct fx *f = *state;

	walk_to_check(f, "lang=ar", "Sam");
	assert_int_equal(req(f, "POST", "/send", "csrf=00", NULL), 403);
	assert_int_equal(req(f, "POST", "/send", "x=1", NULL), 403);
	assert_int_equal(pending(f), 0);
	/* A foreign origin or host, even with the right token. */
	{
		char form[128];
		snprintf(form, sizeof(form), "csrf=%s", f->k->s->csrf);
		assert_int_equal(req(f, "POST", "/send", form,
				     "Origin: http://evil.example\r\n"),
		    403);
		assert_int_equal(
		    raw(f, "GET /check HTTP/1.1\r\nHost: evil.example\r\n\r\n",
			47),
		    400);
	}
	assert_int_equal(pending(f), 0);
	/* Still serving, session intact. */
	assert_int_equal(get(f, "/check"), 200);
	assert_non_null(strstr((char *)f->body, "dir=\"rtl\""));
}

static void
hostile_forms_get_4xx_and_store_nothing(void **state)
{
	struct fx *f = *state;
	char big[HTTP_MAX_FORM + 100];

	walk_to_check(f, "lang=pl", "Sam");
	assert_int_equal(post(f, "/contact", "m_call=yes&evil=1"), 400);
	assert_int_equal(post(f, "/contact", "name=%FF%FE&m_call=yes"), 400);
	assert_int_equal(post(f, "/contact", "m_call=maybe"), 400);
	assert_int_equal(post(f, "/details", "borough=atlantis"), 400);
	assert_int_equal(post(f, "/contact", "%zz=1"), 400);
	assert_int_equal(post(f, "/prefs", "back=http://evil"), 400);
	/* More than any form holds: refused whole. */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "name=", 5);
	assert_int_equal(req(f, "POST", "/contact", big, NULL), 400);
	/* Another site's page posting in, token or not. */
	{
		char form[128];
		snprintf(form, sizeof(form), "csrf=%s", f->k->s->csrf);
		assert_int_equal(req(f, "POST", "/send", form,
				     "Sec-Fetch-Site: same-site\r\n"),
		    403);
		assert_int_equal(
		    req(f, "POST", "/send", form,
			"Origin: null\r\nSec-Fetch-Site: cross-site\r\n"),
		    403);
	}
	{
		char form[128];
		snprintf(form, sizeof(form), "csrf=%s", f->k->s->csrf);
		assert_int_equal(req(f, "POST", "/send", form,
				     "Content-Type: text/plain\r\n"),
		    415);
	}
	assert_int_equal(pending(f), 0);
	/* The earlier answers survived every bad request. */
	assert_string_equal(f->k->s->a.name, "Sam");
	assert_int_equal(get(f, "/check"), 200);
	/* A name longer than the field: an error the visitor can fix. */
	big[300] = '\0';
	assert_int_equal(post(f, "/contact", big), 422);
	assert_non_null(strstr((char *)f->body, "href=\"#name\""));
}

static void
quick_exit_wipes_the_daemon(void **state)
{
	struct fx *f = *state;
	char old[sizeof(((struct fx *)0)->cookie)];
	const uint8_t *p = (const uint8_t *)f->k->s;

	walk_to_check(f, "lang=en-easy", "Secret+Name");
	snprintf(old, sizeof(old), "%s", f->cookie);
	/* Quick exit needs no token: leaving always works. */
	assert_int_equal(req(f, "POST", "/exit", "", NULL), 303);
	assert_string_equal(location(f), "/");
	for (size_t i = 0; i < sizeof(*f->k->s); i++)
		if (p[i] != 0)
			fail_msg("session byte %zu not wiped", i);
	for (const char *const *pg = (const char *const[]){"/check", "/contact",
		 "/details", "/done", "/about", NULL};
	     *pg != NULL; pg++) {
		snprintf(f->cookie, sizeof(f->cookie), "%s", old);
		assert_int_equal(get(f, *pg), 303);
		assert_string_equal(location(f), "/");
	}
	assert_int_equal(get(f, "/"), 200);
	assert_null(strstr((char *)f->body, "Secret"));
}

static void
idle_expiry_wipes(void **state)
{
	struct fx *f = *state;

	walk_to_check(f, "lang=en", "Idle+Person");
	/* 90 s to the warning, 30 s of it, 30 s for the page's last word
	 * of activity, 2 s more. */
	kiosk_tick(f->k, kiosk_clock_ms() + 145 * 1000);
	assert_true(f->k->s->active);
	kiosk_tick(f->k, kiosk_clock_ms() + 155 * 1000);
	assert_false(f->k->s->active);
	assert_string_equal(f->k->s->a.name, "");
	assert_int_equal(get(f, "/check"), 303);
	/* A start page left open over the wipe still starts a visit. */
	assert_int_equal(
	    req(f, "POST", "/start", "csrf=stale&lang=en", NULL), 303);
	assert_string_equal(location(f), "/about");
	assert_int_equal(get(f, "/about"), 200);
}

static void
order_enforced_and_ineligible_collects_nothing(void **state)
{
	struct fx *f = *state;

	assert_int_equal(get(f, "/"), 200);
	assert_int_equal(get(f, "/contact"), 303);
	assert_int_equal(post(f, "/start", "lang=tr"), 303);
	assert_int_equal(get(f, "/check"), 303);
	assert_int_equal(post(f, "/send", ""), 303);
	assert_string_equal(location(f), "/");
	assert_int_equal(post(f, "/choose", "choice=contact"), 303);
	assert_int_equal(post(f, "/eligible", "happened=no&lives=no"), 303);
	assert_string_equal(location(f), "/outside");
	assert_string_equal(f->k->s->a.happened, "");
	assert_int_equal(get(f, "/outside"), 200);
	assert_int_equal(get(f, "/consent"), 303);
	assert_int_equal(pending(f), 0);
	/* Form errors: a summary and the page again, nothing moves on. */
	assert_int_equal(post(f, "/choose", "choice=contact"), 303);
	assert_int_equal(post(f, "/eligible", ""), 422);
	assert_non_null(strstr((char *)f->body, "href=\"#happened-yes\""));
}

static void
information_only_prints_and_collects_nothing(void **state)
{
	struct fx *f = *state;
	struct stat st;

	assert_int_equal(get(f, "/"), 200);
	assert_int_equal(post(f, "/start", "lang=so"), 303);
	assert_int_equal(post(f, "/choose", "choice=info"), 303);
	assert_string_equal(location(f), "/info");
	assert_int_equal(get(f, "/info"), 200);
	assert_int_equal(stat(f->slip, &st), 0);
	assert_false(f->k->s->print_failed);
	assert_int_equal(pending(f), 0);
	assert_int_equal(post(f, "/choose", "choice=leave"), 303);
	assert_false(f->k->s->active);
}

static void
printer_failure_keeps_the_referral(void **state)
{
	struct fx *f = *state;
	struct kiosk *ok = f->k;

	f->k = make_kiosk(f, "content", "file:/nonexistent/dir/slip.bin");
	assert_non_null(f->k);
	walk_to_check(f, "lang=en", "Sam");
	assert_int_equal(post(f, "/send", ""), 303);
	assert_true(f->k->s->print_failed);
	assert_int_equal(get(f, "/done"), 200);
	assert_non_null(strstr((char *)f->body, f->k->s->ref));
	assert_int_equal(pending(f), 1);
	kiosk_free(f->k);
	f->k = ok;
}

struct sender {
	struct fx *f;
	int status;
};

static void *
send_in_background(void *arg)
{
	struct sender *sd = arg;

	sd->status = post(sd->f, "/send", "");
	return NULL;
}

/* A printer that takes a few bytes and then stalls holds the send, not
 * the kiosk: a quick exit meanwhile is answered at once and wipes. */
static void
quick_exit_never_waits_for_the_printer(void **state)
{
	struct fx *f = *state;
	struct kiosk *ok = f->k;
	char fifo[PATH_MAX], spec[PATH_MAX + 16];
	static struct http_req xreq;
	static uint8_t xbody[1024], xout[KIOSK_RESP_MAX];
	struct http_resp xresp;
	struct sender sd = {f, 0};
	pthread_t th;
	size_t used = 0;
	int rd;
	int64_t t0, t1;
	char text[512];
	int n;

	snprintf(fifo, sizeof(fifo), "%s/lp0", f->dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	/* A reader that never reads, with the smallest pipe. */
	rd = open(fifo, O_RDONLY | O_NONBLOCK);
	assert_true(rd >= 0);
	fcntl(rd, F_SETPIPE_SZ, 4096);
	snprintf(spec, sizeof(spec), "device:%s", fifo);
	f->k = make_kiosk(f, "content", spec);
	assert_non_null(f->k);
	walk_to_check(f, "lang=en", "Stalled+Printer");
	assert_int_equal(pthread_create(&th, NULL, send_in_background, &sd), 0);
	usleep(500 * 1000);
	n = snprintf(text, sizeof(text),
	    "POST /exit HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: "
	    "application/x-www-form-urlencoded\r\nContent-Length: 0\r\n\r\n",
	    PORT);
	http_req_init(&xreq, xbody, sizeof(xbody));
	assert_int_equal(
	    http_parse(&xreq, (const uint8_t *)text, (size_t)n, &used),
	    HTTP_DONE);
	http_resp_init(&xresp, xout, sizeof(xout));
	t0 = kiosk_clock_ms();
	assert_int_equal(kiosk_handle(f->k, &xreq, &xresp), 0);
	t1 = kiosk_clock_ms();
	assert_int_equal(xresp.status, 303);
	assert_true(t1 - t0 < 1000);
	assert_false(f->k->s->active);
	pthread_join(th, NULL);
	assert_int_equal(sd.status, 303);
	/* The referral was queued before the slip: it is safe. */
	assert_int_equal(pending(f), 1);
	close(rd);
	kiosk_free(f->k);
	f->k = ok;
}

/* Every page in every language renders whole. */
static void
every_page_every_language(void **state)
{
	struct fx *f = *state;
	static const char *const pages[] = {"/about", "/choose", "/eligible",
	    "/consent", "/contact", "/details", "/check"};

	for (size_t i = 0; i < f->k->nlangs; i++) {
		char lang[64];
		snprintf(lang, sizeof(lang), "lang=%s", f->k->langs[i].code);
		walk_to_check(f, lang, "N");
		for (size_t p = 0; p < sizeof(pages) / sizeof(pages[0]); p++) {
			assert_int_equal(get(f, pages[p]), 200);
			assert_null(strstr((char *)f->body, "{{"));
			assert_non_null(strstr((char *)f->body,
			    f->k->langs[i].rtl ? "dir=\"rtl\""
					       : "dir=\"ltr\""));
		}
		/* The receipt and the information page, slips and all. */
		assert_int_equal(post(f, "/send", ""), 303);
		assert_int_equal(get(f, "/done"), 200);
		assert_non_null(strstr((char *)f->body, f->k->s->ref));
		assert_non_null(strstr((char *)f->body, "<svg"));
		assert_false(f->k->s->print_failed);
		assert_int_equal(post(f, "/finish", ""), 303);
		assert_int_equal(get(f, "/"), 200);
		assert_int_equal(post(f, "/start", lang), 303);
		assert_int_equal(post(f, "/choose", "choice=info"), 303);
		assert_int_equal(get(f, "/info"), 200);
		assert_non_null(strstr((char *)f->body, "<svg"));
		assert_false(f->k->s->print_failed);
		assert_int_equal(post(f, "/exit", ""), 303);
	}
}

/* A page sent back with errors after the check page was reached does
 * not slip through: send checks the whole visit again. */
static void
send_checks_the_whole_visit(void **state)
{
	struct fx *f = *state;

	walk_to_check(f, "lang=en", "Sam");
	assert_int_equal(post(f, "/contact", "phone=123"), 422);
	assert_int_equal(post(f, "/send", ""), 303);
	assert_string_equal(location(f), "/contact");
	assert_int_equal(pending(f), 0);
	assert_int_equal(
	    post(f, "/contact", "m_text=yes&phone=07700900123"), 303);
	assert_int_equal(post(f, "/eligible", "happened=no"), 422);
	assert_int_equal(post(f, "/send", ""), 303);
	assert_string_equal(location(f), "/eligible");
	assert_int_equal(pending(f), 0);
	assert_int_equal(post(f, "/eligible", "happened=no&lives=yes"), 303);
	assert_int_equal(post(f, "/send", ""), 303);
	assert_string_equal(location(f), "/done");
	assert_int_equal(pending(f), 1);
	/* A cookie with more after the token is not the visitor's. */
	strcat(f->cookie, "junk");
	assert_int_equal(get(f, "/done"), 303);
}

/* A <script> in a content string comes out escaped. */
static void
content_cannot_inject(void **state)
{
	struct fx *f = *state;
	struct kiosk *ok = f->k;
	char cmd[PATH_MAX * 3], content[PATH_MAX];

	snprintf(content, sizeof(content), "%s/content", f->dir);
	snprintf(cmd, sizeof(cmd),
	    "cp -R content '%s' && python3 -c \"import json,sys;p=sys.argv[1];"
	    "d=json.load(open(p));k=[x for x in d if x.endswith('_title')][0];"
	    "d[k]='<script>alert(1)</script>';json.dump(d,open(p,'w'))\" "
	    "'%s/en/kiosk.json'",
	    content, content);
	assert_int_equal(system(cmd), 0);
	f->k = make_kiosk(f, content, f->printer);
	assert_non_null(f->k);
	walk_to_check(f, "lang=en", "N");
	for (const char *const *pg =
		 (const char *const[]){"/about", "/check", "/contact", NULL};
	     *pg != NULL; pg++) {
		assert_int_equal(get(f, *pg), 200);
		assert_null(strstr((char *)f->body, "<script>alert"));
	}
	kiosk_free(f->k);
	f->k = ok;
}

/* A served clip: a WAV of 8-bit samples; its loudness (RMS about 128). */
static double
wav_rms(struct fx *f, size_t *samples)
{
	const uint8_t *w = f->body;
	size_t n = f->resp.body_len;
	double sum = 0;

	assert_true(n > SPEECH_WAV_HEADER + 1000);
	assert_memory_equal(w, "RIFF", 4);
	assert_memory_equal(w + 8, "WAVEfmt ", 8);
	assert_memory_equal(w + 36, "data", 4);
	for (size_t i = SPEECH_WAV_HEADER; i < n; i++)
		sum += ((double)w[i] - 128) * ((double)w[i] - 128);
	*samples = n - SPEECH_WAV_HEADER;
	return sqrt(sum / (double)*samples);
}

static const char *
voice_of(struct fx *f)
{
	static char v[32];
	const char *h = strstr(f->resp.extra, "X-Speech-Voice: ");

	if (h == NULL)
		return "";
	h += strlen("X-Speech-Voice: ");
	snprintf(v, sizeof(v), "%.*s", (int)strcspn(h, "\r"), h);
	return v;
}

/* Every page is read aloud in the visitor's own voice, and not silent. */
static void
every_page_speaks(void **state)
{
	struct fx *f = *state;
	static const char *const pages[] = {"about", "choose", "eligible",
	    "consent", "contact", "details", "check"};
	size_t samples;

	for (size_t i = 0; i < f->k->nlangs; i++) {
		const struct kiosk_lang *L = &f->k->langs[i];
		char lang[64], path[64];
		snprintf(lang, sizeof(lang), "lang=%s", L->code);
		walk_to_check(f, lang, "N");
		for (size_t p = 0; p < sizeof(pages) / sizeof(pages[0]); p++) {
			snprintf(
			    path, sizeof(path), "/audio/%s/0.wav", pages[p]);
			assert_int_equal(get(f, path), 200);
			if (wav_rms(f, &samples) <= 8.0)
				fail_msg("%s %s: silent (rms %.1f)", L->code,
				    path, wav_rms(f, &samples));
			if (L->voice[0] != '\0') {
				assert_string_equal(voice_of(f), L->voice);
			} else {
				/* No voice: said so, in English, once. */
				assert_string_equal(voice_of(f), "en-gb");
				snprintf(path, sizeof(path), "/audio/%s/1.wav",
				    pages[p]);
				assert_int_equal(get(f, path), 404);
			}
		}
		assert_int_equal(get(f, "/audio/idle/0.wav"), 200);
		/* Title, text, countdown, button: the warning, not the page. */
		assert_int_equal(get(f, "/audio/idle/5.wav"), 404);
		assert_int_equal(get(f, "/keys"), 200);
		assert_int_equal(post(f, "/exit", ""), 303);
	}
}

static void
audio_follows_the_visitor(void **state)
{
	struct fx *f = *state;
	size_t normal, slow, fast, n, clips = 0;
	double loud, quiet, base;

	walk_to_check(f, "lang=ar", "N");
	assert_int_equal(get(f, "/audio/about/0.wav"), 200);
	assert_string_equal(voice_of(f), "ar");
	/* Clips until the page's text runs out, then 404. */
	while (get(f, "/audio/about/0.wav") == 200 && clips < SAY_CLIPS_MAX) {
		char path[64];
		snprintf(path, sizeof(path), "/audio/about/%zu.wav", ++clips);
		if (get(f, path) != 200)
			break;
	}
	assert_true(clips >= 3);
	assert_int_equal(get(f, "/audio/about/95.wav"), 404);
	assert_int_equal(get(f, "/audio/eligible/q-happened/0.wav"), 200);
	assert_int_equal(get(f, "/audio/eligible/q-nothing/0.wav"), 404);
	assert_int_equal(get(f, "/audio/../etc/0.wav"), 404);
	assert_int_equal(get(f, "/audio/done/0.wav"), 404);
	/* Speed and volume are the visitor's. */
	assert_int_equal(get(f, "/audio/consent/1.wav"), 200);
	base = wav_rms(f, &normal);
	assert_int_equal(post(f, "/prefs", "rate=slow&back=consent"), 303);
	assert_int_equal(get(f, "/audio/consent/1.wav"), 200);
	wav_rms(f, &slow);
	assert_int_equal(
	    post(f, "/prefs", "rate=fast&volume=loud&back=consent"), 303);
	assert_int_equal(get(f, "/audio/consent/1.wav"), 200);
	loud = wav_rms(f, &fast);
	assert_int_equal(post(f, "/prefs", "volume=quiet&back=consent"), 303);
	assert_int_equal(get(f, "/audio/consent/1.wav"), 200);
	quiet = wav_rms(f, &n);
	assert_true(slow > normal && normal > fast);
	assert_true(loud > base && base > quiet);
	/* Out of the flow's order, or with no visitor: nothing. */
	assert_int_equal(post(f, "/exit", ""), 303);
	assert_int_equal(get(f, "/audio/about/0.wav"), 404);
}

/* What holds answers is spoken on demand and never kept. */
static void
answers_audio_never_kept(void **state)
{
	struct fx *f = *state;
	const struct audio_cache *c;

	walk_to_check(f, "lang=en", "Zebedee+Quartermaine");
	assert_int_equal(get(f, "/audio/check/0.wav"), 200);
	assert_int_equal(get(f, "/audio/check/1.wav"), 200);
	assert_int_equal(post(f, "/send", ""), 303);
	assert_int_equal(get(f, "/audio/done/0.wav"), 200);
	/* Once sent, only the receipt speaks. */
	assert_int_equal(get(f, "/audio/about/0.wav"), 404);
	c = f->k->audio;
	for (size_t i = 0; i < AUDIO_CLIPS_MAX; i++) {
		assert_null(strstr(c->clip[i].key, "|check|"));
		assert_null(strstr(c->clip[i].key, "|done|"));
	}
	/* The clip buffer and the spoken text were wiped. */
	for (size_t i = 0; i < SPEECH_WAV_MAX; i++)
		if (f->k->wav[i] != 0)
			fail_msg("clip buffer byte %zu left", i);
	for (size_t i = 0; i < KIOSK_PAGE_MAX; i++)
		if (f->k->say[i] != 0)
			fail_msg("spoken text byte %zu left", i);
	assert_int_equal(post(f, "/finish", ""), 303);
	assert_int_equal(get(f, "/audio/check/0.wav"), 404);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		headers_on_every_answer, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		whole_flow_seals_exactly_what_was_entered, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		csrf_and_origin_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		hostile_forms_get_4xx_and_store_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		quick_exit_wipes_the_daemon, setup, teardown),
	    cmocka_unit_test_setup_teardown(idle_expiry_wipes, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		order_enforced_and_ineligible_collects_nothing, setup,
		teardown),
	    cmocka_unit_test_setup_teardown(
		information_only_prints_and_collects_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		printer_failure_keeps_the_referral, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		quick_exit_never_waits_for_the_printer, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		every_page_every_language, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		content_cannot_inject, setup, teardown),
	    cmocka_unit_test_setup_teardown(every_page_speaks, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		send_checks_the_whole_visit, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		audio_follows_the_visitor, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		answers_audio_never_kept, setup, teardown),
	};

	log_init("test_kiosk");
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
