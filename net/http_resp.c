/*
 * Responses: the status line and the headers every answer carries,
 * written around a handler's body into one buffer (net/http.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "net/http.h"
#include "net/http_int.h"
#include "util/log.h"

const char *
http_reason(int status)
{
	static const struct {
		int status;
		const char *reason;
	} reasons[] = {
	    {100, "Continue"},
	    {200, "OK"},
	    {201, "Created"},
	    {202, "Accepted"},
	    {204, "No Content"},
	    {301, "Moved Permanently"},
	    {302, "Found"},
	    {303, "See Other"},
	    {304, "Not Modified"},
	    {400, "Bad Request"},
	    {401, "Unauthorized"},
	    {403, "Forbidden"},
	    {404, "Not Found"},
	    {405, "Method Not Allowed"},
	    {408, "Request Timeout"},
	    {409, "Conflict"},
	    {410, "Gone"},
	    {411, "Length Required"},
	    {413, "Content Too Large"},
	    {414, "URI Too Long"},
	    {415, "Unsupported Media Type"},
	    {417, "Expectation Failed"},
	    {422, "Unprocessable Content"},
	    {429, "Too Many Requests"},
	    {431, "Request Header Fields Too Large"},
	    {500, "Internal Server Error"},
	    {501, "Not Implemented"},
	    {502, "Bad Gateway"},
	    {503, "Service Unavailable"},
	    {504, "Gateway Timeout"},
	    {505, "HTTP Version Not Supported"},
	};
	size_t i;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].status == status)
			return reasons[i].reason;
	return "Unknown";
}

void
http_resp_init(struct http_resp *resp, uint8_t *body, size_t cap)
{
	memset(resp, 0, sizeof(*resp));
	resp->body = body;
	resp->body_cap = body != NULL ? cap : 0;
}

static int
printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

int
http_resp_body(struct http_resp *resp, int status, const char *content_type,
    const void *data, size_t len)
{
	if (len > resp->body_cap) {
		log_err("http: response body of %zu bytes over %zu", len,
		    resp->body_cap);
		return -1;
	}
	if (len > 0)
		memcpy(resp->body, data, len);
	resp->body_len = len;
	resp->status = status;
	resp->content_type = content_type;
	return 0;
}

int
http_resp_header(struct http_resp *resp, const char *name, const char *value)
{
	static const char *const own[] = {"content-type", "content-length",
	    "connection", "cache-control", "x-content-type-options",
	    "transfer-encoding"};
	const char *p;
	size_t i, room;
	int n;

	for (p = name; *p != '\0'; p++)
		if (!http_is_tchar((unsigned char)*p))
			break;
	if (*name == '\0' || *p != '\0' || !printable(value)) {
		log_err("http: refusing a malformed response header");
		return -1;
	}
	for (i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
		if (strcasecmp(name, own[i]) == 0) {
			log_err("http: %s is written by http_respond", own[i]);
			return -1;
		}
	}
	room = sizeof(resp->extra) - resp->extra_len;
	n = snprintf(
	    resp->extra + resp->extra_len, room, "%s: %s\r\n", name, value);
	if (n < 0 || (size_t)n >= room) {
		resp->extra[resp->extra_len] = '\0';
		log_err("http: response headers over %d bytes",
		    HTTP_MAX_RESP_EXTRA);
		return -1;
	}
	resp->extra_len += (size_t)n;
	return 0;
}

static int
valid_code(const char *code)
{
	size_t n = 0;

	for (; code[n] != '\0'; n++)
		if (!((code[n] >= 'a' && code[n] <= 'z') ||
			(code[n] >= '0' && code[n] <= '9') || code[n] == '_'))
			return 0;
	return n > 0 && n <= HTTP_MAX_CODE;
}

int
http_error_json(struct http_resp *resp, int status, const char *code)
{
	char body[HTTP_MAX_CODE + 16];
	int n;

	if (code == NULL || !valid_code(code))
		code = "error";
	n = snprintf(body, sizeof(body), "{\"error\":\"%s\"}", code);
	if (n < 0 || (size_t)n >= sizeof(body))
		return -1;
	return http_resp_body(
	    resp, status, "application/json", body, (size_t)n);
}

struct wbuf {
	char *p;
	size_t cap;
	size_t len;
	int err;
};

static void __attribute__((format(printf, 2, 3)))
wb_printf(struct wbuf *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (w->err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(w->p + w->len, w->cap - w->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= w->cap - w->len)
		w->err = 1;
	else
		w->len += (size_t)n;
}

static void
wb_put(struct wbuf *w, const void *data, size_t len)
{
	if (w->err)
		return;
	if (len > w->cap - w->len) {
		w->err = 1;
		return;
	}
	if (len > 0)
		memcpy(w->p + w->len, data, len);
	w->len += len;
}

int
http_respond(const struct http_resp *resp, int keep_alive, int head,
    uint8_t *out, size_t cap, size_t *out_len)
{
	struct wbuf w = {(char *)out, cap, 0, 0};
	const char *ctype = resp->content_type;
	int nobody;

	/* RFC 9110 6.4.1: these never carry content or its length. */
	nobody = (resp->status >= 100 && resp->status < 200) ||
		 resp->status == 204 || resp->status == 304;
	if (resp->status < 100 || resp->status > 599 ||
	    (nobody && resp->body_len > 0) || resp->body_len > resp->body_cap) {
		log_err("http: refusing to write status %d with %zu bytes",
		    resp->status, resp->body_len);
		return -1;
	}
	if (ctype == NULL && resp->body_len > 0)
		ctype = "application/octet-stream";
	if (ctype != NULL && !printable(ctype)) {
		log_err("http: malformed content type");
		return -1;
	}
	wb_printf(
	    &w, "HTTP/1.1 %d %s\r\n", resp->status, http_reason(resp->status));
	if (!nobody) {
		if (ctype != NULL)
			wb_printf(&w, "Content-Type: %s\r\n", ctype);
		wb_printf(&w, "Content-Length: %zu\r\n", resp->body_len);
	}
	wb_printf(&w,
	    "Connection: %s\r\n"
	    "Cache-Control: no-store\r\n"
	    "X-Content-Type-Options: nosniff\r\n",
	    keep_alive ? "keep-alive" : "close");
	wb_put(&w, resp->extra, resp->extra_len);
	wb_put(&w, "\r\n", 2);
	if (!head && !nobody)
		wb_put(&w, resp->body, resp->body_len);
	if (w.err) {
		log_err("http: response of %zu body bytes over %zu",
		    resp->body_len, cap);
		return -1;
	}
	*out_len = w.len;
	return 0;
}
