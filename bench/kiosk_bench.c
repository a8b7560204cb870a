/*
 * kioskd's pages, server side: the time kiosk_handle takes for each page
 * of the flow (parse to rendered response, under the visitor lock), with
 * the shipped content and templates and a real outbox. The reference in
 * the same run is the parser alone on the same requests, so the ratio
 * shows what rendering costs over reading the request.
 *
 * usage: kiosk_bench [ROUNDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "crypto/bundle.h"
#include "kiosk/kiosk.h"
#include "store/schema.h"
#include "util/log.h"

#define ROUNDS_DEFAULT 500
#define PORT 8080

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static struct http_req req;
static uint8_t reqbody[HTTP_MAX_FORM + 1];
static char cookie[SESSION_TOKEN_HEX];

static int
one(struct kiosk *k, const char *method, const char *path, const char *form,
    struct http_resp *resp, uint8_t *body, int parse_only)
{
	char text[4096], f[1024];
	size_t used = 0;
	int n;

	snprintf(f, sizeof(f), "csrf=%s%s%s", k->s->csrf, form ? "&" : "",
	    form ? form : "");
	if (strcmp(method, "POST") == 0)
		n = snprintf(text, sizeof(text),
		    "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nCookie: rjk=%s"
		    "\r\nContent-Type: application/x-www-form-urlencoded\r\n"
		    "Content-Length: %zu\r\n\r\n%s",
		    path, PORT, cookie, strlen(f), f);
	else
		n = snprintf(text, sizeof(text),
		    "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nCookie: rjk=%s"
		    "\r\n\r\n",
		    path, PORT, cookie);
	http_req_init(&req, reqbody, sizeof(reqbody));
	if (http_parse(&req, (const uint8_t *)text, (size_t)n, &used) !=
	    HTTP_DONE)
		return -1;
	if (parse_only)
		return 0;
	http_resp_init(resp, body, KIOSK_RESP_MAX);
	if (kiosk_handle(k, &req, resp) != 0)
		return -1;
	if (strstr(resp->extra, "rjk=") != NULL && strcmp(path, "/") == 0)
		snprintf(cookie, sizeof(cookie), "%s", k->s->id);
	return 0;
}

int
main(int argc, char **argv)
{
	static const char *const steps[][3] = {{"GET", "/", NULL},
	    {"POST", "/start", "lang=en"}, {"GET", "/about", NULL},
	    {"POST", "/choose", "choice=contact"}, {"GET", "/eligible", NULL},
	    {"POST", "/eligible", "happened=yes"}, {"GET", "/consent", NULL},
	    {"POST", "/consent", "agree=yes"}, {"GET", "/contact", NULL},
	    {"POST", "/contact",
		"name=Sam&m_call=yes&phone=07700900123&voicemail=no"},
	    {"GET", "/details", NULL},
	    {"POST", "/details", "crime=burglary&borough=camden"},
	    {"GET", "/check", NULL}};
	const size_t nsteps = sizeof(steps) / sizeof(steps[0]);
	int n = argc > 1 ? atoi(argv[1]) : ROUNDS_DEFAULT;
	char dir[] = "/tmp/rj-kbench.XXXXXX", path[64], printer[96];
	uint8_t key[DB_KEY_LEN], *body = malloc(KIOSK_RESP_MAX);
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], hsk[crypto_box_SECRETKEYBYTES];
	struct kiosk_config kc;
	struct http_resp resp;
	struct bundle *b;
	struct kiosk *k;
	struct db *db;
	double *t, *ref, t0, start_us;
	size_t total;

	if (n < 10 || n > 100000 || body == NULL || sodium_init() < 0 ||
	    mkdtemp(dir) == NULL)
		return 2;
	log_quiet(1);
	total = (size_t)n * nsteps;
	t = calloc(total, sizeof(*t));
	ref = calloc(total, sizeof(*ref));
	snprintf(path, sizeof(path), "%s/o.db", dir);
	snprintf(printer, sizeof(printer), "file:%s/slip.bin", dir);
	randombytes_buf(key, sizeof(key));
	db = db_open(path, key, &schema_device);
	b = bundle_new();
	if (t == NULL || ref == NULL || db == NULL || b == NULL)
		return 1;
	crypto_sign_keypair(pk, b->sign_sk);
	crypto_box_keypair(b->hub_box_pk, hsk);
	memset(&kc, 0, sizeof(kc));
	kc.content_dir = "content";
	kc.templates_dir = "kiosk/templates";
	kc.static_dir = "kiosk/static";
	kc.languages = "en pl ar bn ur so tr ro pt es";
	kc.allow_drafts = kc.easy_read = 1;
	kc.venue_code = "BENCH-1";
	kc.service_number = kc.service_number_display = "+447700900000";
	kc.printer = printer;
	kc.paper_width = 384;
	kc.idle_warning_s = 90;
	kc.idle_grace_s = 30;
	kc.port = PORT;
	kc.db = db;
	kc.bundle = b;
	start_us = now_us();
	if ((k = kiosk_new(&kc)) == NULL)
		return 1;
	start_us = now_us() - start_us;
	for (int r = 0; r < n; r++)
		for (size_t s = 0; s < nsteps; s++) {
			size_t i = (size_t)r * nsteps + s;
			t0 = now_us();
			if (one(k, steps[s][0], steps[s][1], steps[s][2], &resp,
				body, 1) != 0)
				return 1;
			ref[i] = now_us() - t0;
			t0 = now_us();
			if (one(k, steps[s][0], steps[s][1], steps[s][2], &resp,
				body, 0) != 0 ||
			    resp.status >= 400)
				return 1;
			t[i] = now_us() - t0;
		}
	qsort(t, total, sizeof(*t), cmp);
	qsort(ref, total, sizeof(*ref), cmp);
	printf(
	    "| kioskd, server side (us)     |     p50 |     p99 | target  |\n");
	printf(
	    "|------------------------------|---------|---------|---------|\n");
	printf("| page: parse + handle + render | %7.1f | %7.1f | < 2000  |\n",
	    t[total / 2], t[(total * 99) / 100]);
	printf("| reference: parse only        | %7.1f | %7.1f |         |\n",
	    ref[total / 2], ref[(total * 99) / 100]);
	printf("| ratio page / parse (p99)     | %7.1f |         |         |\n",
	    t[(total * 99) / 100] / (ref[(total * 99) / 100] + 0.001));
	printf("| load content, templates (us) | %7.0f |         | < 50000 |\n",
	    start_us);
	/* Time to the first audio byte: kiosk_handle answers with the
	 * whole clip, so this is the time to the clip, uncached (spoken
	 * now) and cached (every later visitor in that language). */
	{
		static const char *const pages[] = {
		    "about", "eligible", "consent", "contact", "details"};
		double first = 0, again = 0;
		char p[64];
		for (size_t i = 0; i < 5; i++) {
			snprintf(p, sizeof(p), "/audio/%s/1.wav", pages[i]);
			t0 = now_us();
			if (one(k, "GET", p, NULL, &resp, body, 0) != 0 ||
			    resp.status != 200)
				return 1;
			first = first > now_us() - t0 ? first : now_us() - t0;
			t0 = now_us();
			if (one(k, "GET", p, NULL, &resp, body, 0) != 0)
				return 1;
			again = again > now_us() - t0 ? again : now_us() - t0;
		}
		printf("| first audio byte, worst of 5 pages (us) | %7.0f "
		       "| cached %5.0f | < 150000 |\n",
		    first, again);
	}
	kiosk_free(k);
	bundle_free(b);
	db_close(db);
	free(t);
	free(ref);
	free(body);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	return system(path) == 0 ? 0 : 1;
}
