/*
 * libFuzzer target for net/http: the request reader, the form and
 * %-decoders and the response writer.
 *
 * Each input is parsed as a stream of up to MAX_REQUESTS pipelined
 * requests, twice: in one call, and in chunks of pseudo-random sizes
 * (seeded from the input, so a crash reproduces). Both must agree on
 * every result and on every byte consumed; any difference, or a result
 * that breaks the parser's promises, aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/http.h"
#include "util/log.h"

#define MAX_REQUESTS 4
#define BODY_MAX 4096
#define RESP_BODY 128

static struct http_req req_a, req_b;
static uint8_t body_a[BODY_MAX], body_b[BODY_MAX];
static struct http_form form;

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond))                                                   \
			abort();                                               \
	} while (0)

static uint64_t
next_rand(uint64_t *s)
{
	/* xorshift64: cheap, and all we need is varied chunk sizes. */
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static uint64_t
seed_of(const uint8_t *data, size_t size)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < size; i++)
		h = (h ^ data[i]) * 0x100000001b3ULL;
	return h != 0 ? h : 1;
}

static int
parse_chunked(struct http_req *r, const uint8_t *data, size_t size,
    uint64_t *seed, size_t *consumed)
{
	size_t off = 0, n, used;
	int rc = HTTP_NEED_MORE;

	*consumed = 0;
	while (off < size) {
		/* Mostly tiny pieces, sometimes big ones. */
		n = (next_rand(seed) & 3) == 0 ? next_rand(seed) % 512 + 1
					       : next_rand(seed) % 8 + 1;
		if (n > size - off)
			n = size - off;
		rc = http_parse(r, data + off, n, &used);
		CHECK(used <= n);
		*consumed += used;
		if (rc != HTTP_NEED_MORE)
			break;
		CHECK(used == n);
		off += n;
	}
	return rc;
}

static int
allowed_status(int s)
{
	return s == 400 || s == 411 || s == 413 || s == 414 || s == 417 ||
	       s == 431 || s == 501 || s == 505;
}

static void
same_result(const struct http_req *a, const struct http_req *b, int rc)
{
	size_t i;

	if (rc == HTTP_ERROR) {
		CHECK(a->status == b->status);
		CHECK(strcmp(a->error, b->error) == 0);
		return;
	}
	CHECK(a->headers_done == b->headers_done);
	if (rc != HTTP_DONE)
		return;
	CHECK(a->method == b->method);
	CHECK(strcmp(a->target, b->target) == 0);
	CHECK(strcmp(a->path, b->path) == 0);
	CHECK((a->query == NULL) == (b->query == NULL));
	CHECK(a->query == NULL || strcmp(a->query, b->query) == 0);
	CHECK(a->minor == b->minor && a->keep_alive == b->keep_alive);
	CHECK(a->expect_continue == b->expect_continue);
	CHECK(a->nfields == b->nfields);
	for (i = 0; i < a->nfields; i++) {
		CHECK(strcmp(a->fields[i].name, b->fields[i].name) == 0);
		CHECK(strcmp(a->fields[i].value, b->fields[i].value) == 0);
	}
	CHECK(a->body_len == b->body_len);
	CHECK(memcmp(a->body, b->body, a->body_len) == 0);
}

/* What a finished request promises its handler. */
static void
check_done(const struct http_req *r)
{
	const char *cl, *p;
	size_t i, tlen, plen;

	CHECK(r->method == HTTP_GET || r->method == HTTP_HEAD ||
	      r->method == HTTP_POST);
	CHECK(r->minor == 0 || r->minor == 1);
	CHECK(r->target[0] == '/' && r->path[0] == '/');
	tlen = strlen(r->target);
	plen = strlen(r->path);
	CHECK(tlen <= HTTP_MAX_TARGET && plen <= tlen);
	CHECK(strncmp(r->target, r->path, plen) == 0);
	CHECK(r->query == NULL || r->query == r->target + plen + 1);
	for (p = r->target; *p != '\0'; p++)
		CHECK(*p > 0x20 && *p < 0x7f);
	CHECK(r->nfields <= HTTP_MAX_HEADERS);
	for (i = 0; i < r->nfields; i++) {
		CHECK(r->fields[i].name[0] != '\0');
		for (p = r->fields[i].name; *p != '\0'; p++)
			CHECK(*p > 0x20 && *p < 0x7f && *p != ':' &&
			      !(*p >= 'A' && *p <= 'Z'));
		for (p = r->fields[i].value; *p != '\0'; p++)
			CHECK(*p != '\r' && *p != '\n');
	}
	if (r->minor == 1)
		CHECK(http_header(r, "host") != NULL);
	CHECK(http_header_count(r, "transfer-encoding") == 0);
	cl = http_header(r, "Content-Length");
	if (cl != NULL)
		CHECK(strtoull(cl, NULL, 10) == r->body_len);
	else
		CHECK(r->body_len == 0 && r->method != HTTP_POST);
	CHECK(r->body_len <= BODY_MAX);
	if (r->minor == 0)
		CHECK(!r->keep_alive);
}

static void
check_form(const char *in, size_t len)
{
	size_t i;

	if (http_form_parse(&form, in, len) != 0) {
		CHECK(form.npairs == 0);
		return;
	}
	CHECK(form.npairs <= HTTP_MAX_FORM_PAIRS);
	for (i = 0; i < form.npairs; i++) {
		CHECK(form.pairs[i].name[0] != '\0');
		CHECK(strlen(form.pairs[i].name) <= len);
		CHECK(strlen(form.pairs[i].value) <= len);
		(void)http_form_get(&form, form.pairs[i].name);
	}
}

/* The answer to any outcome fits and never carries request bytes. */
static void
check_answer(const struct http_req *r, int rc)
{
	uint8_t body[RESP_BODY], out[HTTP_MAX_RESP_HEAD + RESP_BODY];
	struct http_resp resp;
	size_t len;

	http_resp_init(&resp, body, sizeof(body));
	if (rc == HTTP_ERROR) {
		CHECK(allowed_status(r->status));
		CHECK(http_error_json(&resp, r->status, r->error) == 0);
		/* Every parser code is a stable code, used as is. */
		CHECK(resp.body_len == strlen(r->error) + 12);
	} else {
		CHECK(http_resp_body(&resp, 200, "text/plain", "ok", 2) == 0);
	}
	CHECK(http_respond(&resp, r->keep_alive, r->method == HTTP_HEAD, out,
		  sizeof(out), &len) == 0);
	CHECK(len <= sizeof(out));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t seed = seed_of(data, size);
	char dec[HTTP_MAX_TARGET + 1];
	size_t off = 0, ca, cb;
	int n, ra, rb;

	log_quiet(1);
	/* The decoders on the raw input too, not only on parsed parts. */
	check_form((const char *)data, size > HTTP_MAX_FORM ? 0 : size);
	(void)http_pct_decode(
	    (const char *)data, size, (int)(seed & 1), dec, sizeof(dec), NULL);
	for (n = 0; n < MAX_REQUESTS && off < size; n++) {
		/* Different body limits reach different 413 paths. */
		size_t max = (seed >> 8) % 3 == 0 ? 0 : BODY_MAX;

		http_req_init(&req_a, body_a, max);
		ra = http_parse(&req_a, data + off, size - off, &ca);
		http_req_init(&req_b, body_b, max);
		rb = parse_chunked(&req_b, data + off, size - off, &seed, &cb);
		CHECK(ra == rb && ca == cb);
		CHECK(ca <= size - off);
		same_result(&req_a, &req_b, ra);
		if (ra == HTTP_NEED_MORE) {
			CHECK(ca == size - off);
			break;
		}
		check_answer(&req_a, ra);
		if (ra == HTTP_ERROR)
			break;
		check_done(&req_a);
		check_form((const char *)req_a.body, req_a.body_len);
		if (req_a.query != NULL)
			check_form(req_a.query, strlen(req_a.query));
		(void)http_pct_decode(
		    req_a.path, strlen(req_a.path), 0, dec, sizeof(dec), NULL);
		off += ca;
	}
	return 0;
}
