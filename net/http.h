#ifndef NET_HTTP_H
#define NET_HTTP_H

#include <stddef.h>
#include <stdint.h>

/*
 * A strict, small HTTP/1.1 request reader and response writer.
 *
 * The reader takes bytes as they arrive and never reads past the end of
 * one request, so pipelined bytes stay with the caller. It accepts only
 * what this project's clients send: GET, HEAD and POST, an origin-form
 * target, HTTP/1.1 or HTTP/1.0, CRLF line ends, and Content-Length
 * bodies. Everything else is refused with a status to answer and a
 * stable error code (never a copy of the input):
 *
 *   400  malformed request line, bare CR or LF, obs-fold, bad field name
 *        or value bytes, bad or repeated Content-Length, repeated Host or
 *        Content-Type, missing Host on HTTP/1.1, bad %-escape in target
 *   411  POST without Content-Length
 *   413  Content-Length over the caller's body limit
 *   414  target over HTTP_MAX_TARGET
 *   417  an Expect other than 100-continue
 *   431  header block over HTTP_MAX_HEADER bytes or over
 *        HTTP_MAX_HEADERS fields
 *   501  any other method (RFC 9110 9.1: unrecognised or not implemented;
 *        405 is left to handlers, for a known method a route refuses),
 *        and any Transfer-Encoding (no chunked bodies, no smuggling)
 *   505  an HTTP version other than 1.0 and 1.1
 *
 * The parser does not log: its caller answers with the status and logs
 * the stable code once per request.
 */

/* Request line plus header fields, every CRLF included. */
#define HTTP_MAX_HEADER 8192
/* Header fields in one request. */
#define HTTP_MAX_HEADERS 32
/* The request target (path and query). */
#define HTTP_MAX_TARGET 2048
/* Longer than any method we know: a longer token is refused early. */
#define HTTP_MAX_METHOD 8
/* application/x-www-form-urlencoded input and its name=value pairs. */
#define HTTP_MAX_FORM 24576
#define HTTP_MAX_FORM_PAIRS 64
/* Extra response header bytes a handler may add (http_resp_header). */
#define HTTP_MAX_RESP_EXTRA 512
/* Room http_respond needs beyond the body for the head. */
#define HTTP_MAX_RESP_HEAD (HTTP_MAX_RESP_EXTRA + 512)
/* Stable error codes in JSON bodies: [a-z0-9_], at most this long. */
#define HTTP_MAX_CODE 48

/* A peer's numeric address ("192.0.2.7", "2001:db8::1"), with NUL. */
#define HTTP_MAX_PEER 64

/* http_parse results. */
#define HTTP_ERROR (-1)
#define HTTP_NEED_MORE 0
#define HTTP_DONE 1

enum http_method {
	HTTP_METHOD_NONE = 0,
	HTTP_GET,
	HTTP_HEAD,
	HTTP_POST,
};

struct http_field {
	const char *name; /* lower-cased */
	const char *value; /* surrounding whitespace removed */
};

/*
 * One request. The strings point into the struct itself: do not copy or
 * move a struct http_req, and read the results only after HTTP_DONE.
 */
struct http_req {
	enum http_method method;
	const char *method_name; /* "GET", "HEAD", "POST" */
	const char *target; /* as received, e.g. "/sms?from=%2B44" */
	const char *path; /* target before '?', not %-decoded */
	const char *query; /* after '?', not decoded; NULL without '?' */
	int minor; /* HTTP/1.<minor> */
	int keep_alive; /* 1.1 without "Connection: close"; never for 1.0 */
	int expect_continue; /* 1.1 "Expect: 100-continue" */
	struct http_field fields[HTTP_MAX_HEADERS];
	size_t nfields;
	const uint8_t *body; /* the caller's buffer */
	size_t body_len;
	/* Set by the server, not the parser: the TCP peer's numeric
	 * address, for handlers that allow by source (Kannel). Never logged. */
	char peer[HTTP_MAX_PEER];

	/* Set as soon as the blank line after the fields is read. */
	int headers_done;
	/* With HTTP_ERROR: the status to answer and a stable code. */
	int status;
	const char *error;

	/* Parser state, private. */
	int st;
	size_t hbytes;
	size_t used;
	size_t tok;
	size_t vend;
	size_t clen;
	int have_clen;
	uint8_t *bodybuf;
	size_t body_max;
	char ver[12];
	size_t nver;
	char buf[HTTP_MAX_HEADER + HTTP_MAX_TARGET + 2];
};

/* Reset for a new request; the body (at most body_max bytes) goes to body. */
void http_req_init(struct http_req *req, uint8_t *body, size_t body_max);

/*
 * For a caller that lends the body buffer only once the header block is
 * read (req->headers_done): set body_max before the header block ends
 * (body may still be NULL: Content-Length is checked against body_max),
 * then the buffer before feeding any byte after it. A body byte with no
 * buffer is refused (500), never written.
 */
void http_req_set_body(struct http_req *req, uint8_t *body, size_t body_max);

/*
 * Feed len bytes. *consumed tells how many were used: all of them unless
 * the request ended inside buf (the rest belongs to the next request).
 * Returns HTTP_NEED_MORE, HTTP_DONE, or HTTP_ERROR with req->status and
 * req->error set; after DONE or ERROR it only repeats that result.
 */
int http_parse(
    struct http_req *req, const uint8_t *buf, size_t len, size_t *consumed);

/*
 * A field's value by case-insensitive name, or NULL when it is absent or
 * repeated (a repeated field is ambiguous: treat it as missing).
 */
const char *http_header(const struct http_req *req, const char *name);
size_t http_header_count(const struct http_req *req, const char *name);

/* A response a handler fills; the server provides the body buffer. */
struct http_resp {
	int status;
	const char *content_type; /* NULL when there is no body */
	uint8_t *body;
	size_t body_cap;
	size_t body_len;
	char extra[HTTP_MAX_RESP_EXTRA]; /* further "Name: value\r\n" lines */
	size_t extra_len;
};

void http_resp_init(struct http_resp *resp, uint8_t *body, size_t cap);

/* Copy a body in and set the status; -1 when it does not fit. */
int http_resp_body(struct http_resp *resp, int status, const char *content_type,
    const void *data, size_t len);

/*
 * Add a header line. Name must be a token, value printable ASCII; the
 * headers http_respond writes itself are refused.
 */
int http_resp_header(
    struct http_resp *resp, const char *name, const char *value);

/*
 * Set status and the body {"error":"<code>"}. The code must be one of the
 * program's stable codes ([a-z0-9_]); anything else becomes "error", so
 * request input can never be echoed through here.
 */
int http_error_json(struct http_resp *resp, int status, const char *code);

/*
 * Write status line, Content-Type, Content-Length, Connection,
 * Cache-Control: no-store, X-Content-Type-Options: nosniff, the extra
 * lines, and the body (not for HEAD) into out.
 */
int http_respond(const struct http_resp *resp, int keep_alive, int head,
    uint8_t *out, size_t cap, size_t *out_len);

/* The reason phrase for a status, "Unknown" for ones we never send. */
const char *http_reason(int status);

/*
 * Strict %-decoding of len bytes into out (NUL-terminated, so cap must
 * exceed the result). Raw bytes must be printable ASCII without space; a
 * '%' needs two hex digits; %00 is refused (C strings downstream). With
 * plus_space, '+' means a space (form encoding).
 */
int http_pct_decode(const char *in, size_t len, int plus_space, char *out,
    size_t cap, size_t *out_len);

struct http_pair {
	const char *name;
	const char *value;
};

/* Decoded name=value pairs; strings point into buf. */
struct http_form {
	struct http_pair pairs[HTTP_MAX_FORM_PAIRS];
	size_t npairs;
	char buf[HTTP_MAX_FORM + 2 * HTTP_MAX_FORM_PAIRS];
};

/*
 * Parse application/x-www-form-urlencoded data (a POST body or a query
 * string): pairs split on '&', '+' is a space, %-escapes strict. Empty
 * input gives no pairs; an empty pair, an empty name, more than
 * HTTP_MAX_FORM_PAIRS pairs or more than HTTP_MAX_FORM bytes are refused.
 */
int http_form_parse(struct http_form *form, const char *in, size_t len);

/* A value by exact name, or NULL when absent or repeated. */
const char *http_form_get(const struct http_form *form, const char *name);

#endif
