#include "tests/unit/testutil.h"

#include "net/http.h"
#include "util/log.h"

#define BODY_MAX 1024

static uint8_t body_a[BODY_MAX], body_b[BODY_MAX];
static struct http_req req_a, req_b;

struct expect {
	const char *in;
	size_t len; /* inputs may hold NUL bytes */
	int status;
};

/* An input the parser must refuse with this status. */
#define BAD(s, st)                                                             \
	{                                                                      \
		(s), sizeof(s) - 1, (st)                                       \
	}

/* The whole input in one call. */
static int
parse_whole(struct http_req *r, uint8_t *body, const char *in, size_t len,
    size_t *consumed)
{
	http_req_init(r, body, BODY_MAX);
	return http_parse(r, (const uint8_t *)in, len, consumed);
}

/* The input in pieces of `step` bytes, the first piece `first` long. */
static int
parse_chunks(struct http_req *r, uint8_t *body, const char *in, size_t len,
    size_t first, size_t step, size_t *consumed)
{
	size_t off = 0, n, used;
	int rc = HTTP_NEED_MORE;

	http_req_init(r, body, BODY_MAX);
	*consumed = 0;
	while (off < len) {
		n = off == 0 && first > 0 ? first : step;
		if (n > len - off)
			n = len - off;
		rc = http_parse(r, (const uint8_t *)in + off, n, &used);
		assert_true(used <= n);
		*consumed += used;
		if (rc != HTTP_NEED_MORE)
			break;
		assert_int_equal(used, n);
		off += n;
	}
	return rc;
}

static void
assert_same(const struct http_req *a, const struct http_req *b, int rc)
{
	size_t i;

	if (rc == HTTP_ERROR) {
		assert_int_equal(a->status, b->status);
		assert_string_equal(a->error, b->error);
		return;
	}
	if (rc != HTTP_DONE)
		return;
	assert_int_equal(a->method, b->method);
	assert_string_equal(a->target, b->target);
	assert_string_equal(a->path, b->path);
	assert_true((a->query == NULL) == (b->query == NULL));
	if (a->query != NULL)
		assert_string_equal(a->query, b->query);
	assert_int_equal(a->minor, b->minor);
	assert_int_equal(a->keep_alive, b->keep_alive);
	assert_int_equal(a->nfields, b->nfields);
	for (i = 0; i < a->nfields; i++) {
		assert_string_equal(a->fields[i].name, b->fields[i].name);
		assert_string_equal(a->fields[i].value, b->fields[i].value);
	}
	assert_int_equal(a->body_len, b->body_len);
	assert_memory_equal(a->body, b->body, a->body_len);
}

/* Whole, byte by byte, and split at every byte: the same answer. */
static int
check_all_splits(const char *in, size_t len)
{
	size_t ca, cb, k;
	int ra, rb;

	ra = parse_whole(&req_a, body_a, in, len, &ca);
	rb = parse_chunks(&req_b, body_b, in, len, 0, 1, &cb);
	assert_int_equal(ra, rb);
	assert_same(&req_a, &req_b, ra);
	if (ra == HTTP_DONE)
		assert_int_equal(ca, cb);
	for (k = 1; k < len; k++) {
		rb = parse_chunks(&req_b, body_b, in, len, k, len, &cb);
		assert_int_equal(ra, rb);
		assert_same(&req_a, &req_b, ra);
		if (ra == HTTP_DONE)
			assert_int_equal(ca, cb);
	}
	return ra;
}

static int
parse_str(const char *in, size_t *consumed)
{
	return parse_whole(&req_a, body_a, in, strlen(in), consumed);
}

static void
test_simple_get(void **state)
{
	const char *in = "GET /a/b?x=1&y=%20 HTTP/1.1\r\n"
			 "Host: example.org\r\n"
			 "User-Agent: t\r\n"
			 "\r\n";
	size_t used;

	(void)state;
	assert_int_equal(parse_str(in, &used), HTTP_DONE);
	assert_int_equal(used, strlen(in));
	assert_int_equal(req_a.method, HTTP_GET);
	assert_string_equal(req_a.method_name, "GET");
	assert_string_equal(req_a.target, "/a/b?x=1&y=%20");
	assert_string_equal(req_a.path, "/a/b");
	assert_string_equal(req_a.query, "x=1&y=%20");
	assert_int_equal(req_a.minor, 1);
	assert_int_equal(req_a.keep_alive, 1);
	assert_int_equal(req_a.nfields, 2);
	assert_string_equal(http_header(&req_a, "HOST"), "example.org");
	assert_string_equal(http_header(&req_a, "user-agent"), "t");
	assert_null(http_header(&req_a, "content-type"));
	assert_int_equal(req_a.body_len, 0);
	assert_int_equal(req_a.headers_done, 1);
	/* Once done, it stays done and takes nothing more. */
	assert_int_equal(
	    http_parse(&req_a, (const uint8_t *)"x", 1, &used), HTTP_DONE);
	assert_int_equal(used, 0);
}

static void
test_no_query(void **state)
{
	size_t used;

	(void)state;
	assert_int_equal(
	    parse_str("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n", &used), HTTP_DONE);
	assert_int_equal(req_a.method, HTTP_HEAD);
	assert_string_equal(req_a.path, "/");
	assert_null(req_a.query);
	assert_int_equal(
	    parse_str("GET /x? HTTP/1.1\r\nHost: a\r\n\r\n", &used), HTTP_DONE);
	assert_string_equal(req_a.path, "/x");
	assert_string_equal(req_a.query, "");
}

static void
test_post_body_and_pipelining(void **state)
{
	const char *in = "POST /echo HTTP/1.1\r\n"
			 "Host: a\r\n"
			 "Content-Length: 5\r\n"
			 "Content-Type: text/plain\r\n"
			 "\r\n"
			 "hello"
			 "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
	size_t used, first;

	(void)state;
	assert_int_equal(parse_str(in, &used), HTTP_DONE);
	first = strlen(in) - strlen("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
	assert_int_equal(used, first);
	assert_int_equal(req_a.method, HTTP_POST);
	assert_int_equal(req_a.body_len, 5);
	assert_memory_equal(req_a.body, "hello", 5);
	assert_string_equal(http_header(&req_a, "Content-Type"), "text/plain");
	assert_int_equal(parse_str(in + used, &used), HTTP_DONE);
	assert_int_equal(req_a.method, HTTP_GET);
	assert_int_equal(check_all_splits(in, strlen(in)), HTTP_DONE);
}

static void
test_value_trimming_and_repeats(void **state)
{
	const char *in = "GET / HTTP/1.1\r\n"
			 "Host:a\r\n"
			 "X-A: \t spaced value \t \r\n"
			 "X-Empty:\r\n"
			 "X-Empty2:   \r\n"
			 "Accept: a\r\n"
			 "ACCEPT: b\r\n"
			 "X-Obs: caf\xc3\xa9\r\n"
			 "\r\n";
	size_t used;

	(void)state;
	assert_int_equal(parse_str(in, &used), HTTP_DONE);
	assert_string_equal(http_header(&req_a, "host"), "a");
	assert_string_equal(http_header(&req_a, "x-a"), "spaced value");
	assert_string_equal(http_header(&req_a, "x-empty"), "");
	assert_string_equal(http_header(&req_a, "x-empty2"), "");
	/* A repeated field is ambiguous: absent for http_header. */
	assert_null(http_header(&req_a, "accept"));
	assert_int_equal(http_header_count(&req_a, "Accept"), 2);
	assert_string_equal(req_a.fields[4].name, "accept");
	assert_string_equal(http_header(&req_a, "x-obs"), "caf\xc3\xa9");
	check_all_splits(in, strlen(in));
}

static void
test_connection_semantics(void **state)
{
	size_t used;

	(void)state;
	assert_int_equal(parse_str("GET / HTTP/1.1\r\nHost: a\r\n"
				   "Connection: close\r\n\r\n",
			     &used),
	    HTTP_DONE);
	assert_int_equal(req_a.keep_alive, 0);
	assert_int_equal(parse_str("GET / HTTP/1.1\r\nHost: a\r\n"
				   "Connection: keep-alive , CLOSE\r\n\r\n",
			     &used),
	    HTTP_DONE);
	assert_int_equal(req_a.keep_alive, 0);
	assert_int_equal(parse_str("GET / HTTP/1.1\r\nHost: a\r\n"
				   "Connection: keep-alive\r\n"
				   "Connection: close\r\n\r\n",
			     &used),
	    HTTP_DONE);
	assert_int_equal(req_a.keep_alive, 0);
	assert_int_equal(parse_str("GET / HTTP/1.1\r\nHost: a\r\n"
				   "Connection: keep-alive\r\n\r\n",
			     &used),
	    HTTP_DONE);
	assert_int_equal(req_a.keep_alive, 1);
	/* 1.0: one request per connection, even when asked otherwise. */
	assert_int_equal(parse_str("GET / HTTP/1.0\r\n\r\n", &used), HTTP_DONE);
	assert_int_equal(req_a.minor, 0);
	assert_int_equal(req_a.keep_alive, 0);
	assert_int_equal(parse_str("GET / HTTP/1.0\r\n"
				   "Connection: keep-alive\r\n\r\n",
			     &used),
	    HTTP_DONE);
	assert_int_equal(req_a.keep_alive, 0);
	assert_int_equal(parse_str("GET / HTTP/1.1\r\nHost: a\r\n"
				   "Connection: close close\r\n\r\n",
			     &used),
	    HTTP_ERROR);
	assert_int_equal(req_a.status, 400);
}

static void
test_expect(void **state)
{
	size_t used;
	const char *in = "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
			 "Expect: 100-Continue\r\n\r\n";

	(void)state;
	assert_int_equal(parse_str(in, &used), HTTP_NEED_MORE);
	assert_int_equal(req_a.headers_done, 1);
	assert_int_equal(req_a.expect_continue, 1);
	assert_int_equal(
	    http_parse(&req_a, (const uint8_t *)"abc", 3, &used), HTTP_DONE);
	assert_int_equal(parse_str("GET / HTTP/1.1\r\nHost: a\r\n"
				   "Expect: something\r\n\r\n",
			     &used),
	    HTTP_ERROR);
	assert_int_equal(req_a.status, 417);
	/* RFC 9110: a 1.0 request's Expect is ignored. */
	assert_int_equal(
	    parse_str("GET / HTTP/1.0\r\nExpect: x\r\n\r\n", &used), HTTP_DONE);
	assert_int_equal(req_a.expect_continue, 0);
}

static const struct expect invalid[] = {
    /* request line */
    BAD("\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    BAD(" GET / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    BAD("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    BAD("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400),
    BAD("GET /  HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    BAD("GET / http/1.1\r\nHost: a\r\n\r\n", 400),
    BAD("GET / HTTP/1.10\r\nHost: a\r\n\r\n", 400),
    BAD("GET / HTTP/1\r\nHost: a\r\n\r\n", 400),
    BAD("GET /\r\n\r\n", 400),
    BAD("GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505),
    BAD("GET / HTTP/1.2\r\nHost: a\r\n\r\n", 505),
    BAD("GET / HTTP/0.9\r\nHost: a\r\n\r\n", 505),
    BAD("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 501),
    BAD("PUT / HTTP/1.1\r\nHost: a\r\n\r\n", 501),
    BAD("DELETE / HTTP/1.1\r\nHost: a\r\n\r\n", 501),
    BAD("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", 501),
    BAD("CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n", 501),
    BAD("get / HTTP/1.1\r\nHost: a\r\n\r\n", 501),
    BAD("GETGETGETGET / HTTP/1.1\r\nHost: a\r\n\r\n", 501),
    BAD("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    BAD("GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    BAD("GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    BAD("GET /a#frag HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    BAD("GET /a\"b HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    BAD("GET /a<b HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    BAD("GET /a\\b HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    BAD("GET /%zz HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    BAD("GET /%4 HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    BAD("GET /% HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    BAD("GET /\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    BAD("GET /\t HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    /* line ends */
    BAD("GET / HTTP/1.1\nHost: a\n\n", 400),
    BAD("GET / HTTP/1.1\r\nHost: a\n\r\n", 400),
    BAD("GET / HTTP/1.1\r\nHost: a\r\n\n", 400),
    BAD("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", 400),
    BAD("GET / HTTP/1.1\rHost: a\r\n\r\n", 400),
    BAD("GET / HTTP/1.1\r\nHost: a\r\n\rX", 400),
    BAD("GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", 400),
    /* obs-fold and leading whitespace */
    BAD("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n", 400),
    BAD("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n\tb\r\n\r\n", 400),
    BAD("GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400),
    /* field names */
    BAD("GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400),
    BAD("GET / HTTP/1.1\r\nHo st: a\r\n\r\n", 400),
    BAD("GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n", 400),
    BAD("GET / HTTP/1.1\r\nHost: a\r\n(x): b\r\n\r\n", 400),
    BAD("GET / HTTP/1.1\r\nHost: a\r\nX\x01: b\r\n\r\n", 400),
    BAD("GET / HTTP/1.1\r\nHost: a\r\nX\xc3\xa9: b\r\n\r\n", 400),
    BAD("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", 400),
    /* control bytes in values */
    BAD("GET / HTTP/1.1\r\nHost: a\r\nX: a\x01z\r\n\r\n", 400),
    BAD("GET / HTTP/1.1\r\nHost: a\r\nX: a\x7fz\r\n\r\n", 400),
    BAD("GET / HTTP/1.1\r\nHost: a\r\nX: a\x1b[31m\r\n\r\n", 400),
    /* Host */
    BAD("GET / HTTP/1.1\r\n\r\n", 400),
    BAD("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400),
    BAD("GET / HTTP/1.1\r\nHost:\r\n\r\n", 400),
    BAD("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400),
    BAD("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400),
    BAD("GET / HTTP/1.0\r\nHost: a@b\r\n\r\n", 400),
    /* bodies */
    BAD("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
	"0\r\n\r\n",
	501),
    BAD("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n"
	"Content-Length: 1\r\n\r\nx",
	501),
    BAD("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
	"Transfer-Encoding: chunked\r\n\r\nx",
	501),
    BAD("GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 501),
    BAD("POST / HTTP/1.1\r\nHost: a\r\n\r\n", 411),
    BAD("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
	"Content-Length: 1\r\n\r\nx",
	400),
    BAD("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 1\r\n\r\nx", 400),
    BAD("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\nx", 400),
    BAD("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\nx", 400),
    BAD("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x1\r\n\r\nx", 400),
    BAD("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 1\r\n\r\nx", 400),
    BAD("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\nx", 400),
    BAD("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1025\r\n\r\nx", 413),
    BAD("POST / HTTP/1.1\r\nHost: a\r\n"
	"Content-Length: 99999999999999999999999999999\r\n\r\nx",
	413),
    BAD("POST / HTTP/1.1\r\nHost: a\r\n"
	"Content-Length: 18446744073709551617\r\n\r\nx",
	413),
    /* Values that wrap a 32-bit size_t to 1 and to 0 must not pass. */
    BAD("POST / HTTP/1.1\r\nHost: a\r\n"
	"Content-Length: 4294967297\r\n\r\nx",
	413),
    BAD("POST / HTTP/1.1\r\nHost: a\r\n"
	"Content-Length: 000000000004294967296\r\n\r\nx",
	413),
    BAD("POST / HTTP/1.1\r\nHost: a\r\n"
	"Content-Length: 999999999999999999\r\n\r\nx",
	413),
    BAD("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
	"Content-Type: a\r\nContent-Type: b\r\n\r\nx",
	400),
    /* NUL anywhere */
    BAD("GET /\0 HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    BAD("GET / HTTP/1.1\r\nHost: a\r\nX: \0\r\n\r\n", 400),
};

static void
test_invalid_requests(void **state)
{
	size_t i, len;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		rc = check_all_splits(invalid[i].in, invalid[i].len);
		if (rc != HTTP_ERROR || req_a.status != invalid[i].status)
			fail_msg("case %zu: rc %d status %d, expected %d", i,
			    rc, req_a.status, invalid[i].status);
		assert_non_null(req_a.error);
		/* Sticky: the parser answers the same again. */
		assert_int_equal(
		    http_parse(&req_a, (const uint8_t *)"x", 1, &len),
		    HTTP_ERROR);
	}
}

static const char *const valid[] = {
    "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
    "GET / HTTP/1.0\r\n\r\n",
    "GET /a/b/c?d=e&f=g%20h HTTP/1.1\r\nHost: a.example:8443\r\n\r\n",
    "GET /~user/-._!$&'()*+,;=:@ HTTP/1.1\r\nHost: [::1]:80\r\n\r\n",
    "HEAD /x HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
    "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 00003\r\n\r\nabc",
    "POST /echo HTTP/1.1\r\nhOsT: a\r\ncontent-length: 4 \r\n\r\n\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi",
    "POST /sms HTTP/1.1\r\nHost: a\r\n"
    "Content-Type: application/x-www-form-urlencoded\r\n"
    "Content-Length: 25\r\n\r\nFrom=%2B447700900123&To=1",
    "GET / HTTP/1.1\r\nHost: a\r\nX-Tab:\tv\t\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: a\r\n!#$%&'*+-.^_`|~09azAZ: v\r\n\r\n",
};

static void
test_valid_requests(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		if (check_all_splits(valid[i], strlen(valid[i])) != HTTP_DONE)
			fail_msg(
			    "case %zu: %d %s", i, req_a.status, req_a.error);
	}
}

static void
test_body_limit_exact(void **state)
{
	char in[BODY_MAX + 128];
	size_t used;
	int n;

	(void)state;
	n = snprintf(in, sizeof(in),
	    "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n",
	    BODY_MAX);
	assert_true(n > 0);
	memset(in + n, 'z', BODY_MAX);
	assert_int_equal(
	    parse_whole(&req_a, body_a, in, (size_t)n + BODY_MAX, &used),
	    HTTP_DONE);
	assert_int_equal(req_a.body_len, BODY_MAX);
	/* Without a body buffer no body is accepted. */
	http_req_init(&req_a, NULL, 0);
	assert_int_equal(
	    http_parse(&req_a, (const uint8_t *)in, (size_t)n, &used),
	    HTTP_ERROR);
	assert_int_equal(req_a.status, 413);
}

/* Build "GET <target> HTTP/1.1" with a target of exactly tlen bytes. */
static char *
long_target(size_t tlen)
{
	char *in = malloc(tlen + 64);

	assert_non_null(in);
	strcpy(in, "GET /");
	memset(in + 5, 'a', tlen - 1);
	strcpy(in + 4 + tlen, " HTTP/1.1\r\nHost: a\r\n\r\n");
	return in;
}

static void
test_target_limit(void **state)
{
	char *in;
	size_t used;

	(void)state;
	in = long_target(HTTP_MAX_TARGET);
	assert_int_equal(parse_str(in, &used), HTTP_DONE);
	assert_int_equal(strlen(req_a.target), HTTP_MAX_TARGET);
	free(in);
	in = long_target(HTTP_MAX_TARGET + 1);
	assert_int_equal(parse_str(in, &used), HTTP_ERROR);
	assert_int_equal(req_a.status, 414);
	/* Refused as soon as the limit is passed, not at the end. */
	assert_int_equal(used, 4 + HTTP_MAX_TARGET + 1);
	free(in);
}

static void
test_header_limits(void **state)
{
	char in[HTTP_MAX_HEADER + 256];
	size_t used, n, pad;
	int i, k;

	(void)state;
	/* Exactly HTTP_MAX_HEADERS fields pass, one more is 431. */
	n = (size_t)snprintf(in, sizeof(in), "GET / HTTP/1.1\r\nHost: a\r\n");
	for (i = 1; i < HTTP_MAX_HEADERS; i++) {
		k = snprintf(in + n, sizeof(in) - n, "X-%d: v\r\n", i);
		n += (size_t)k;
	}
	strcpy(in + n, "\r\n");
	assert_int_equal(parse_str(in, &used), HTTP_DONE);
	assert_int_equal(req_a.nfields, HTTP_MAX_HEADERS);
	strcpy(in + n, "X-last: v\r\n\r\n");
	assert_int_equal(parse_str(in, &used), HTTP_ERROR);
	assert_int_equal(req_a.status, 431);

	/* A header block of exactly HTTP_MAX_HEADER bytes passes. */
	n = (size_t)snprintf(
	    in, sizeof(in), "GET / HTTP/1.1\r\nHost: a\r\nX: ");
	pad = HTTP_MAX_HEADER - n - 4;
	memset(in + n, 'v', pad);
	strcpy(in + n + pad, "\r\n\r\n");
	assert_int_equal(strlen(in), HTTP_MAX_HEADER);
	assert_int_equal(parse_str(in, &used), HTTP_DONE);
	assert_int_equal(strlen(http_header(&req_a, "x")), pad);
	/* One byte more is 431. */
	memset(in + n, 'v', pad + 1);
	strcpy(in + n + pad + 1, "\r\n\r\n");
	assert_int_equal(parse_str(in, &used), HTTP_ERROR);
	assert_int_equal(req_a.status, 431);
	assert_string_equal(req_a.error, "header_too_large");
}

static void
test_random_chunks(void **state)
{
	const char *in = "POST /form?x=1 HTTP/1.1\r\nHost: a\r\n"
			 "Content-Type: application/x-www-form-urlencoded\r\n"
			 "Content-Length: 11\r\n\r\na=1&b=2+3%21"
			 "GET / HTTP/1.1\r\nHost: b\r\n\r\n";
	size_t len = strlen(in), ca, cb, step;
	int ra, rb;

	(void)state;
	ra = parse_whole(&req_a, body_a, in, len, &ca);
	assert_int_equal(ra, HTTP_DONE);
	for (step = 1; step < 64; step++) {
		rb = parse_chunks(
		    &req_b, body_b, in, len, step * 7 % 13 + 1, step, &cb);
		assert_int_equal(rb, HTTP_DONE);
		assert_int_equal(ca, cb);
		assert_same(&req_a, &req_b, ra);
	}
}

static void
test_respond(void **state)
{
	uint8_t body[64], out[HTTP_MAX_RESP_HEAD + 64];
	struct http_resp resp;
	size_t len;
	const char *want = "HTTP/1.1 200 OK\r\n"
			   "Content-Type: text/plain\r\n"
			   "Content-Length: 5\r\n"
			   "Connection: keep-alive\r\n"
			   "Cache-Control: no-store\r\n"
			   "X-Content-Type-Options: nosniff\r\n"
			   "Retry-After: 1\r\n"
			   "\r\n"
			   "hello";

	(void)state;
	http_resp_init(&resp, body, sizeof(body));
	assert_int_equal(
	    http_resp_body(&resp, 200, "text/plain", "hello", 5), 0);
	assert_int_equal(http_resp_header(&resp, "Retry-After", "1"), 0);
	assert_int_equal(http_respond(&resp, 1, 0, out, sizeof(out), &len), 0);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(out, want, len);
	/* HEAD: the same head, no body. */
	assert_int_equal(http_respond(&resp, 0, 1, out, sizeof(out), &len), 0);
	assert_int_equal(
	    len, strlen(want) - 5 - strlen("keep-alive") + strlen("close"));
	out[len] = 0;
	assert_non_null(strstr((char *)out, "Connection: close\r\n"));
	assert_non_null(strstr((char *)out, "Content-Length: 5\r\n"));
	/* Too small a buffer fails instead of truncating. */
	assert_int_equal(
	    http_respond(&resp, 1, 0, out, strlen(want) - 1, &len), -1);
	/* A body without a type is labelled opaque. */
	http_resp_init(&resp, body, sizeof(body));
	assert_int_equal(http_resp_body(&resp, 200, NULL, "x", 1), 0);
	assert_int_equal(http_respond(&resp, 1, 0, out, sizeof(out), &len), 0);
	out[len] = 0;
	assert_non_null(
	    strstr((char *)out, "Content-Type: application/octet-stream\r\n"));
	/* 204: no length, no body. */
	http_resp_init(&resp, body, sizeof(body));
	resp.status = 204;
	assert_int_equal(http_respond(&resp, 1, 0, out, sizeof(out), &len), 0);
	out[len] = 0;
	assert_null(strstr((char *)out, "Content-Length"));
	assert_int_equal(http_resp_body(&resp, 204, "text/plain", "x", 1), 0);
	assert_int_equal(http_respond(&resp, 1, 0, out, sizeof(out), &len), -1);
	/* Nonsense status. */
	resp.status = 42;
	resp.body_len = 0;
	assert_int_equal(http_respond(&resp, 1, 0, out, sizeof(out), &len), -1);
	/* A body over the buffer. */
	http_resp_init(&resp, body, 4);
	assert_int_equal(
	    http_resp_body(&resp, 200, "text/plain", "hello", 5), -1);
	/* A type that would split the head. */
	http_resp_init(&resp, body, sizeof(body));
	assert_int_equal(
	    http_resp_body(&resp, 200, "text/plain\r\nX: y", "h", 1), 0);
	assert_int_equal(http_respond(&resp, 1, 0, out, sizeof(out), &len), -1);
}

static void
test_resp_header_rules(void **state)
{
	struct http_resp resp;
	char big[HTTP_MAX_RESP_EXTRA];
	int i;

	(void)state;
	http_resp_init(&resp, NULL, 0);
	assert_int_equal(
	    http_resp_header(&resp, "X-A", "b\r\nSet-Cookie: x"), -1);
	assert_int_equal(http_resp_header(&resp, "X-A", "b\n"), -1);
	assert_int_equal(http_resp_header(&resp, "X A", "b"), -1);
	assert_int_equal(http_resp_header(&resp, "", "b"), -1);
	assert_int_equal(http_resp_header(&resp, "content-length", "1"), -1);
	assert_int_equal(http_resp_header(&resp, "Connection", "close"), -1);
	assert_int_equal(http_resp_header(&resp, "Transfer-Encoding", "x"), -1);
	assert_int_equal(resp.extra_len, 0);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	assert_int_equal(http_resp_header(&resp, "X-Big", big), -1);
	assert_int_equal(resp.extra_len, 0);
	for (i = 0; i < 100; i++)
		if (http_resp_header(&resp, "Allow", "GET, HEAD") != 0)
			break;
	assert_true(i > 0 && i < 100);
	assert_true(resp.extra_len < HTTP_MAX_RESP_EXTRA);
}

static void
test_error_json(void **state)
{
	uint8_t body[128];
	struct http_resp resp;

	(void)state;
	http_resp_init(&resp, body, sizeof(body));
	assert_int_equal(http_error_json(&resp, 400, "bad_request_line"), 0);
	assert_int_equal(resp.status, 400);
	assert_string_equal(resp.content_type, "application/json");
	assert_int_equal(
	    resp.body_len, strlen("{\"error\":\"bad_request_line\"}"));
	assert_memory_equal(
	    body, "{\"error\":\"bad_request_line\"}", resp.body_len);
	/* Anything that is not a stable code is never echoed. */
	assert_int_equal(
	    http_error_json(&resp, 400, "x\",\"y\":\"<script>"), 0);
	assert_memory_equal(body, "{\"error\":\"error\"}", resp.body_len);
	assert_int_equal(http_error_json(&resp, 400, "Bad"), 0);
	assert_memory_equal(body, "{\"error\":\"error\"}", resp.body_len);
	assert_int_equal(http_error_json(&resp, 400, ""), 0);
	assert_memory_equal(body, "{\"error\":\"error\"}", resp.body_len);
	assert_int_equal(http_error_json(&resp, 500, NULL), 0);
	assert_memory_equal(body, "{\"error\":\"error\"}", resp.body_len);
	assert_int_equal(
	    http_error_json(&resp, 400,
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
	    0);
	assert_memory_equal(body, "{\"error\":\"error\"}", resp.body_len);
	assert_string_equal(
	    http_reason(431), "Request Header Fields Too Large");
	assert_string_equal(http_reason(299), "Unknown");
}

static void
test_pct_decode(void **state)
{
	char out[32];
	size_t n;

	(void)state;
	assert_int_equal(
	    http_pct_decode("a%20b%2Bc%2bd", 13, 0, out, sizeof(out), &n), 0);
	assert_string_equal(out, "a b+c+d");
	assert_int_equal(n, 7);
	assert_int_equal(http_pct_decode("a+b", 3, 1, out, sizeof(out), &n), 0);
	assert_string_equal(out, "a b");
	assert_int_equal(http_pct_decode("a+b", 3, 0, out, sizeof(out), &n), 0);
	assert_string_equal(out, "a+b");
	assert_int_equal(
	    http_pct_decode("%C3%A9%0A", 9, 0, out, sizeof(out), &n), 0);
	assert_string_equal(out, "\xc3\xa9\n");
	assert_int_equal(http_pct_decode("", 0, 0, out, sizeof(out), &n), 0);
	assert_string_equal(out, "");
	/* Strict: every malformed escape refused. */
	assert_int_equal(http_pct_decode("%", 1, 0, out, sizeof(out), &n), -1);
	assert_int_equal(http_pct_decode("%4", 2, 0, out, sizeof(out), &n), -1);
	assert_int_equal(
	    http_pct_decode("%4g", 3, 0, out, sizeof(out), &n), -1);
	assert_int_equal(
	    http_pct_decode("%g4", 3, 0, out, sizeof(out), &n), -1);
	assert_int_equal(
	    http_pct_decode("%%41", 4, 0, out, sizeof(out), &n), -1);
	assert_int_equal(
	    http_pct_decode("%00", 3, 0, out, sizeof(out), &n), -1);
	/* The length is honoured: a '%' cut off by it is incomplete. */
	assert_int_equal(
	    http_pct_decode("a%41", 3, 0, out, sizeof(out), &n), -1);
	assert_int_equal(
	    http_pct_decode("a b", 3, 0, out, sizeof(out), &n), -1);
	assert_int_equal(
	    http_pct_decode("a\tb", 3, 0, out, sizeof(out), &n), -1);
	assert_int_equal(
	    http_pct_decode("\xc3\xa9", 2, 0, out, sizeof(out), &n), -1);
	assert_int_equal(
	    http_pct_decode("a\0b", 3, 0, out, sizeof(out), &n), -1);
	/* Room for the NUL is needed. */
	assert_int_equal(http_pct_decode("abc", 3, 0, out, 3, &n), -1);
	assert_int_equal(http_pct_decode("abc", 3, 0, out, 4, &n), 0);
	assert_int_equal(http_pct_decode("", 0, 0, out, 0, &n), -1);
}

static void
test_form(void **state)
{
	static struct http_form form;
	/* Twilio's documented signing example, as its body would be. */
	const char *twilio =
	    "CallSid=CA1234567890ABCDE&Caller=%2B12349013030"
	    "&Digits=1234&From=%2B12349013030&To=%2B18005551212";

	(void)state;
	assert_int_equal(http_form_parse(&form, twilio, strlen(twilio)), 0);
	assert_int_equal(form.npairs, 5);
	assert_string_equal(form.pairs[0].name, "CallSid");
	assert_string_equal(http_form_get(&form, "Caller"), "+12349013030");
	assert_string_equal(http_form_get(&form, "To"), "+18005551212");
	assert_null(http_form_get(&form, "to"));

	assert_int_equal(
	    http_form_parse(&form, "text=hello+world%21&x", 21), 0);
	assert_int_equal(form.npairs, 2);
	assert_string_equal(http_form_get(&form, "text"), "hello world!");
	assert_string_equal(http_form_get(&form, "x"), "");
	assert_int_equal(http_form_parse(&form, "a=&b=c=d&c%20d=1", 16), 0);
	assert_string_equal(http_form_get(&form, "a"), "");
	assert_string_equal(http_form_get(&form, "b"), "c=d");
	assert_string_equal(http_form_get(&form, "c d"), "1");
	assert_int_equal(http_form_parse(&form, "", 0), 0);
	assert_int_equal(form.npairs, 0);
	/* A repeated name is ambiguous for lookups, kept for iteration. */
	assert_int_equal(http_form_parse(&form, "a=1&a=2", 7), 0);
	assert_int_equal(form.npairs, 2);
	assert_null(http_form_get(&form, "a"));

	assert_int_equal(http_form_parse(&form, "=1", 2), -1);
	assert_int_equal(form.npairs, 0);
	assert_int_equal(http_form_parse(&form, "a=1&", 4), -1);
	assert_int_equal(http_form_parse(&form, "&a=1", 4), -1);
	assert_int_equal(http_form_parse(&form, "a=1&&b=2", 8), -1);
	assert_int_equal(http_form_parse(&form, "&", 1), -1);
	assert_int_equal(http_form_parse(&form, "a=%zz", 5), -1);
	assert_int_equal(http_form_parse(&form, "a=%2", 4), -1);
	assert_int_equal(http_form_parse(&form, "a%=1", 4), -1);
	assert_int_equal(http_form_parse(&form, "a=b c", 5), -1);
	assert_int_equal(http_form_parse(&form, "a=%00", 5), -1);
	assert_int_equal(http_form_parse(&form, "a=1\0b=2", 7), -1);
	assert_int_equal(form.npairs, 0);
}

static void
test_form_limits(void **state)
{
	static struct http_form form;
	static char in[HTTP_MAX_FORM + 2];
	size_t n = 0;
	int i;

	(void)state;
	for (i = 0; i < HTTP_MAX_FORM_PAIRS; i++)
		n += (size_t)snprintf(
		    in + n, sizeof(in) - n, "%sk%d=v", i ? "&" : "", i);
	assert_int_equal(http_form_parse(&form, in, n), 0);
	assert_int_equal(form.npairs, HTTP_MAX_FORM_PAIRS);
	assert_string_equal(http_form_get(&form, "k63"), "v");
	n += (size_t)snprintf(in + n, sizeof(in) - n, "&one=more");
	assert_int_equal(http_form_parse(&form, in, n), -1);

	/* The largest input: single-character names, empty values. */
	memset(in, 'a', HTTP_MAX_FORM);
	in[1] = '=';
	assert_int_equal(http_form_parse(&form, in, HTTP_MAX_FORM), 0);
	assert_int_equal(strlen(form.pairs[0].value), HTTP_MAX_FORM - 2);
	/* Pairs that are all empty values fill the buffer exactly. */
	for (i = 0; i < HTTP_MAX_FORM_PAIRS * 2; i += 2) {
		in[i] = 'a';
		in[i + 1] = '&';
	}
	assert_int_equal(
	    http_form_parse(&form, in, HTTP_MAX_FORM_PAIRS * 2 - 1), 0);
	assert_int_equal(form.npairs, HTTP_MAX_FORM_PAIRS);
	memset(in, 'a', sizeof(in));
	assert_int_equal(http_form_parse(&form, in, HTTP_MAX_FORM + 1), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_simple_get),
	    cmocka_unit_test(test_no_query),
	    cmocka_unit_test(test_post_body_and_pipelining),
	    cmocka_unit_test(test_value_trimming_and_repeats),
	    cmocka_unit_test(test_connection_semantics),
	    cmocka_unit_test(test_expect),
	    cmocka_unit_test(test_invalid_requests),
	    cmocka_unit_test(test_valid_requests),
	    cmocka_unit_test(test_body_limit_exact),
	    cmocka_unit_test(test_target_limit),
	    cmocka_unit_test(test_header_limits),
	    cmocka_unit_test(test_random_chunks),
	    cmocka_unit_test(test_respond),
	    cmocka_unit_test(test_resp_header_rules),
	    cmocka_unit_test(test_error_json),
	    cmocka_unit_test(test_pct_decode),
	    cmocka_unit_test(test_form),
	    cmocka_unit_test(test_form_limits),
	};

	log_quiet(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
