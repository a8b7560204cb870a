#include <string.h>
#include <strings.h>

#include "net/http.h"
#include "net/http_int.h"

/*
 * The reader is a byte-at-a-time state machine: it makes the same
 * decision whatever way the input is split into reads (the fuzz target
 * checks exactly that), and it can refuse a request as soon as one byte
 * is wrong instead of after buffering a whole header block.
 */
enum {
	ST_METHOD = 0,
	ST_TARGET,
	ST_VERSION,
	ST_REQ_LF,
	ST_FIELD_START,
	ST_NAME,
	ST_OWS,
	ST_VALUE,
	ST_FIELD_LF,
	ST_END_LF,
	ST_BODY,
	ST_DONE,
	ST_ERROR,
};

/* "HTTP/1.1" */
#define VERSION_LEN 8
/* More digits than this cannot fit any body limit we would accept. */
#define MAX_CLEN_DIGITS 18

static int
is_alnum(unsigned c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

static int
in_set(unsigned c, const char *set)
{
	return c != '\0' && strchr(set, (int)c) != NULL;
}

/* RFC 9110 tchar (also for the names of response headers). */
int
http_is_tchar(unsigned c)
{
	return is_alnum(c) || in_set(c, "!#$%&'*+-.^_`|~");
}

/* RFC 3986 pchar plus '/' and '?': what an origin-form target may hold. */
static int
is_target_char(unsigned c)
{
	return is_alnum(c) || in_set(c, "-._~%!$&'()*+,;=:@/?");
}

/* field-vchar (obs-text included), SP, HTAB. */
static int
is_value_char(unsigned c)
{
	return c == '\t' || c == ' ' || (c >= 0x21 && c != 0x7f);
}

static unsigned
lower(unsigned c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

static int
fail(struct http_req *req, int status, const char *code)
{
	req->st = ST_ERROR;
	req->status = status;
	req->error = code;
	return HTTP_ERROR;
}

/*
 * Everything stored is shorter than the bytes it came from, so the buffer
 * cannot fill before HTTP_MAX_HEADER trips; the check stays as a guard.
 */
static int
put(struct http_req *req, unsigned c)
{
	if (req->used >= sizeof(req->buf) - 1)
		return -1;
	req->buf[req->used++] = (char)c;
	return 0;
}

void
http_req_init(struct http_req *req, uint8_t *body, size_t body_max)
{
	/* The string buffer needs no clearing: every string is terminated. */
	memset(req, 0, offsetof(struct http_req, buf));
	req->buf[0] = '\0';
	req->st = ST_METHOD;
	req->bodybuf = body;
	req->body = body;
	req->body_max = body != NULL ? body_max : 0;
}

void
http_req_set_body(struct http_req *req, uint8_t *body, size_t body_max)
{
	req->bodybuf = body;
	req->body = body;
	req->body_max = body_max;
}

size_t
http_header_count(const struct http_req *req, const char *name)
{
	size_t i, n = 0;

	for (i = 0; i < req->nfields; i++)
		if (strcasecmp(req->fields[i].name, name) == 0)
			n++;
	return n;
}

const char *
http_header(const struct http_req *req, const char *name)
{
	const char *v = NULL;
	size_t i;

	for (i = 0; i < req->nfields; i++) {
		if (strcasecmp(req->fields[i].name, name) != 0)
			continue;
		if (v != NULL)
			return NULL;
		v = req->fields[i].value;
	}
	return v;
}

static int
valid_pct(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] != '%')
			continue;
		if (len - i < 3 ||
		    http_hex_digit((unsigned char)s[i + 1]) < 0 ||
		    http_hex_digit((unsigned char)s[i + 2]) < 0)
			return 0;
		i += 2;
	}
	return 1;
}

static int
end_method(struct http_req *req)
{
	static const struct {
		const char *name;
		enum http_method m;
	} known[] = {
	    {"GET", HTTP_GET},
	    {"HEAD", HTTP_HEAD},
	    {"POST", HTTP_POST},
	};
	size_t i;

	if (req->used == 0)
		return fail(req, 400, "bad_request_line");
	if (put(req, '\0') != 0)
		return fail(req, 431, "header_too_large");
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (strcmp(req->buf, known[i].name) == 0) {
			req->method = known[i].m;
			req->method_name = known[i].name;
		}
	}
	if (req->method == HTTP_METHOD_NONE)
		return fail(req, 501, "method_not_implemented");
	req->tok = req->used;
	req->st = ST_TARGET;
	return HTTP_NEED_MORE;
}

static int
end_target(struct http_req *req)
{
	const char *t = req->buf + req->tok;
	size_t tlen = req->used - req->tok, plen;
	const char *q;

	if (tlen == 0)
		return fail(req, 400, "bad_request_line");
	if (!valid_pct(t, tlen))
		return fail(req, 400, "bad_target");
	if (put(req, '\0') != 0)
		return fail(req, 431, "header_too_large");
	req->target = t;
	/* A separate copy of the path, so handlers get plain C strings. */
	q = memchr(t, '?', tlen);
	plen = q != NULL ? (size_t)(q - t) : tlen;
	if (req->used + plen + 1 > sizeof(req->buf))
		return fail(req, 431, "header_too_large");
	memcpy(req->buf + req->used, t, plen);
	req->path = req->buf + req->used;
	req->used += plen;
	req->buf[req->used++] = '\0';
	req->query = q != NULL ? q + 1 : NULL;
	req->nver = 0;
	req->st = ST_VERSION;
	return HTTP_NEED_MORE;
}

static int
end_version(struct http_req *req)
{
	const char *v = req->ver;

	if (req->nver == VERSION_LEN && memcmp(v, "HTTP/1.", 7) == 0 &&
	    (v[7] == '0' || v[7] == '1')) {
		req->minor = v[7] - '0';
		req->st = ST_REQ_LF;
		return HTTP_NEED_MORE;
	}
	if (req->nver == VERSION_LEN && memcmp(v, "HTTP/", 5) == 0 &&
	    v[5] >= '0' && v[5] <= '9' && v[6] == '.' && v[7] >= '0' &&
	    v[7] <= '9')
		return fail(req, 505, "version_not_supported");
	return fail(req, 400, "bad_request_line");
}

static int
valid_host(const char *h)
{
	if (*h == '\0')
		return 0;
	for (; *h != '\0'; h++)
		if (!is_alnum((unsigned char)*h) &&
		    !in_set((unsigned char)*h, "-._~!$&'()*+,;=:[]%"))
			return 0;
	return 1;
}

/* Content-Length: 1*DIGIT, nothing else (no lists, no sign, no space). */
static int
parse_clen(struct http_req *req, const char *v)
{
	size_t n = strlen(v), i, d, val = 0;

	if (n == 0)
		return fail(req, 400, "bad_content_length");
	for (i = 0; i < n; i++)
		if (v[i] < '0' || v[i] > '9')
			return fail(req, 400, "bad_content_length");
	/* Leading zeros are valid and must not count towards the limit. */
	while (n > 1 && *v == '0') {
		v++;
		n--;
	}
	if (n > MAX_CLEN_DIGITS)
		return fail(req, 413, "body_too_large");
	/*
	 * Stop as soon as the value passes the limit: 18 digits overflow a
	 * 32-bit size_t, and a wrapped length would frame the body wrongly.
	 */
	for (i = 0; i < n; i++) {
		d = (size_t)(v[i] - '0');
		if (d > req->body_max || val > (req->body_max - d) / 10)
			return fail(req, 413, "body_too_large");
		val = val * 10 + d;
	}
	req->clen = val;
	req->have_clen = 1;
	return 0;
}

/* Connection: a comma list of tokens; "close" ends the connection. */
static int
parse_connection(struct http_req *req, const char *v, int *close)
{
	const char *p = v, *s;
	size_t n;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		s = p;
		while (http_is_tchar((unsigned char)*p))
			p++;
		n = (size_t)(p - s);
		if (n == 5 && strncasecmp(s, "close", 5) == 0)
			*close = 1;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			return 0;
		if (*p != ',')
			return fail(req, 400, "bad_connection");
		p++;
	}
}

static int
end_headers(struct http_req *req)
{
	const char *v;
	size_t i, n;
	int close = 0;

	n = http_header_count(req, "host");
	if (n > 1)
		return fail(req, 400, "duplicate_host");
	if (n == 0 && req->minor == 1)
		return fail(req, 400, "missing_host");
	if (n == 1 && !valid_host(http_header(req, "host")))
		return fail(req, 400, "bad_host");
	if (http_header_count(req, "transfer-encoding") > 0)
		return fail(req, 501, "transfer_encoding_unsupported");
	if (http_header_count(req, "content-type") > 1)
		return fail(req, 400, "duplicate_content_type");
	n = http_header_count(req, "content-length");
	if (n > 1)
		return fail(req, 400, "duplicate_content_length");
	if (n == 1 && parse_clen(req, http_header(req, "content-length")) != 0)
		return HTTP_ERROR;
	if (req->method == HTTP_POST && !req->have_clen)
		return fail(req, 411, "length_required");
	for (i = 0; i < req->nfields; i++) {
		if (strcmp(req->fields[i].name, "connection") == 0 &&
		    parse_connection(req, req->fields[i].value, &close) != 0)
			return HTTP_ERROR;
	}
	/* HTTP/1.0 keep-alive is an old extension; one request is enough. */
	req->keep_alive = req->minor == 1 && !close;
	/* RFC 9110 10.1.1: a 1.0 request's Expect is ignored. */
	if (req->minor == 1 && http_header_count(req, "expect") > 0) {
		v = http_header(req, "expect");
		if (v == NULL || strcasecmp(v, "100-continue") != 0)
			return fail(req, 417, "expectation_failed");
		req->expect_continue = 1;
	}
	req->headers_done = 1;
	if (req->clen == 0) {
		req->st = ST_DONE;
		return HTTP_DONE;
	}
	req->st = ST_BODY;
	return HTTP_NEED_MORE;
}

static int
step(struct http_req *req, unsigned c)
{
	switch (req->st) {
	case ST_METHOD:
		if (c == ' ')
			return end_method(req);
		if (!http_is_tchar(c))
			return fail(req, 400, "bad_request_line");
		if (req->used >= HTTP_MAX_METHOD)
			return fail(req, 501, "method_not_implemented");
		break;
	case ST_TARGET:
		if (c == ' ')
			return end_target(req);
		/* Origin-form only: no absolute-form, no asterisk-form. */
		if (!is_target_char(c) || (req->used == req->tok && c != '/'))
			return fail(req, 400, "bad_target");
		if (req->used - req->tok >= HTTP_MAX_TARGET)
			return fail(req, 414, "target_too_long");
		break;
	case ST_VERSION:
		if (c == '\r')
			return end_version(req);
		if (req->nver >= VERSION_LEN)
			return fail(req, 400, "bad_request_line");
		req->ver[req->nver++] = (char)c;
		return HTTP_NEED_MORE;
	case ST_REQ_LF:
	case ST_FIELD_LF:
		if (c != '\n')
			return fail(req, 400, "bare_cr");
		req->st = ST_FIELD_START;
		return HTTP_NEED_MORE;
	case ST_FIELD_START:
		if (c == '\r') {
			req->st = ST_END_LF;
			return HTTP_NEED_MORE;
		}
		if (c == ' ' || c == '\t')
			return fail(req, 400, "obs_fold");
		if (c == '\n')
			return fail(req, 400, "bare_lf");
		if (!http_is_tchar(c))
			return fail(req, 400, "bad_field_name");
		if (req->nfields >= HTTP_MAX_HEADERS)
			return fail(req, 431, "too_many_fields");
		req->tok = req->used;
		req->st = ST_NAME;
		c = lower(c);
		break;
	case ST_NAME:
		if (c == ':') {
			if (put(req, '\0') != 0)
				return fail(req, 431, "header_too_large");
			req->fields[req->nfields].name = req->buf + req->tok;
			req->tok = req->used;
			req->vend = req->used;
			req->st = ST_OWS;
			return HTTP_NEED_MORE;
		}
		if (!http_is_tchar(c))
			return fail(req, 400, "bad_field_name");
		c = lower(c);
		break;
	case ST_OWS:
		if (c == ' ' || c == '\t')
			return HTTP_NEED_MORE;
		req->st = ST_VALUE;
		/* FALLTHROUGH */
	case ST_VALUE:
		if (c == '\r') {
			/* Trailing whitespace is not part of the value. */
			req->used = req->vend;
			if (put(req, '\0') != 0)
				return fail(req, 431, "header_too_large");
			req->fields[req->nfields].value = req->buf + req->tok;
			req->nfields++;
			req->st = ST_FIELD_LF;
			return HTTP_NEED_MORE;
		}
		if (c == '\n')
			return fail(req, 400, "bare_lf");
		if (!is_value_char(c))
			return fail(req, 400, "bad_field_value");
		if (put(req, c) != 0)
			return fail(req, 431, "header_too_large");
		if (c != ' ' && c != '\t')
			req->vend = req->used;
		return HTTP_NEED_MORE;
	case ST_END_LF:
		if (c != '\n')
			return fail(req, 400, "bare_cr");
		return end_headers(req);
	default:
		return fail(req, 500, "parser_state");
	}
	if (put(req, c) != 0)
		return fail(req, 431, "header_too_large");
	return HTTP_NEED_MORE;
}

int
http_parse(
    struct http_req *req, const uint8_t *buf, size_t len, size_t *consumed)
{
	size_t i = 0, n;
	int rc = HTTP_NEED_MORE;

	*consumed = 0;
	if (req->st == ST_DONE)
		return HTTP_DONE;
	if (req->st == ST_ERROR)
		return HTTP_ERROR;
	while (i < len) {
		if (req->st == ST_BODY) {
			if (req->bodybuf == NULL) {
				rc = fail(req, 500, "no_body_buffer");
				break;
			}
			n = req->clen - req->body_len;
			if (n > len - i)
				n = len - i;
			memcpy(req->bodybuf + req->body_len, buf + i, n);
			req->body_len += n;
			i += n;
			if (req->body_len == req->clen) {
				req->st = ST_DONE;
				rc = HTTP_DONE;
				break;
			}
			continue;
		}
		if (++req->hbytes > HTTP_MAX_HEADER) {
			rc = fail(req, 431, "header_too_large");
			i++;
			break;
		}
		rc = step(req, buf[i++]);
		if (rc != HTTP_NEED_MORE)
			break;
	}
	*consumed = i;
	return rc;
}
