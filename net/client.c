#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "net/client.h"
#include "util/log.h"

/* "sha256//" */
#define PIN_PREFIX_LEN 8
/* Base64 of a SHA-256 digest. */
#define PIN_B64_LEN 44
/* DER SubjectPublicKeyInfo; an RSA-4096 key needs about 550 bytes. */

struct client {
	CURL *curl;
	char base[CLIENT_MAX_URL];
	char errbuf[CURL_ERROR_SIZE];
};

/* Where a response body goes; more than cap bytes aborts the transfer. */
struct sink {
	uint8_t *buf;
	size_t cap;
	size_t len;
	int overflow;
};

static size_t
sink_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t n = size * nmemb;

	if (n > s->cap - s->len) {
		s->overflow = 1;
		return 0;
	}
	if (n > 0)
		memcpy(s->buf + s->len, data, n);
	s->len += n;
	return n;
}

/* Printable ASCII without space: nothing that could split a line. */
static int
plain_text(const char *s, int space_ok)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s > 0x7e || (unsigned char)*s < 0x20)
			return 0;
		if (*s == ' ' && !space_ok)
			return 0;
	}
	return 1;
}

static int
valid_pins(const char *pin)
{
	const char *p = pin;
	size_t i;
	int n;

	for (n = 0; n < CLIENT_MAX_PINS; n++) {
		if (strncmp(p, "sha256//", PIN_PREFIX_LEN) != 0)
			return 0;
		p += PIN_PREFIX_LEN;
		for (i = 0; i < PIN_B64_LEN - 1; i++) {
			if (!((p[i] >= 'A' && p[i] <= 'Z') ||
				(p[i] >= 'a' && p[i] <= 'z') ||
				(p[i] >= '0' && p[i] <= '9') || p[i] == '+' ||
				p[i] == '/'))
				return 0;
		}
		if (p[i] != '=')
			return 0;
		p += PIN_B64_LEN;
		if (*p == '\0')
			return 1;
		if (*p != ';')
			return 0;
		p++;
	}
	return 0;
}

static struct client *
client_open(const char *url_base, const char *ca_path, const char *ca_pem,
    const char *pin, long connect_timeout_ms, long total_timeout_ms)
{
	struct client *c = NULL;
	struct curl_blob blob;
	int ok = 0, global = 0, n, set = 1;

	if (url_base == NULL || strncmp(url_base, "https://", 8) != 0 ||
	    !plain_text(url_base, 0)) {
		log_err("client: the hub URL must be https://host[:port]");
		goto out;
	}
	if (pin == NULL || !valid_pins(pin)) {
		log_err("client: a pin \"sha256//<base64>\" is required");
		goto out;
	}
	if (connect_timeout_ms <= 0 || total_timeout_ms <= 0) {
		log_err("client: timeouts must be positive");
		goto out;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_err("client: libcurl initialisation failed");
		goto out;
	}
	global = 1;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_err("client: out of memory");
		goto out;
	}
	n = snprintf(c->base, sizeof(c->base), "%s", url_base);
	if (n < 0 || (size_t)n >= sizeof(c->base)) {
		log_err("client: hub URL too long");
		goto out;
	}
	/* A trailing '/' would double up with the path's. */
	if (n > 0 && c->base[n - 1] == '/')
		c->base[n - 1] = '\0';
	if ((c->curl = curl_easy_init()) == NULL) {
		log_err("client: curl_easy_init failed");
		goto out;
	}
	set &= curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, c->errbuf) ==
	       CURLE_OK;
	set &= curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "https") ==
	       CURLE_OK;
	set &= curl_easy_setopt(
		   c->curl, CURLOPT_REDIR_PROTOCOLS_STR, "https") == CURLE_OK;
	set &=
	    curl_easy_setopt(c->curl, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK;
	set &=
	    curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK;
	set &=
	    curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK;
	set &= curl_easy_setopt(c->curl, CURLOPT_SSLVERSION,
		   (long)CURL_SSLVERSION_TLSv1_2) == CURLE_OK;
	set &=
	    curl_easy_setopt(c->curl, CURLOPT_PINNEDPUBLICKEY, pin) == CURLE_OK;
	if (ca_path != NULL)
		set &= curl_easy_setopt(c->curl, CURLOPT_CAINFO, ca_path) ==
		       CURLE_OK;
	if (ca_pem != NULL) {
		blob.data = (void *)(uintptr_t)ca_pem;
		blob.len = strlen(ca_pem);
		blob.flags = CURL_BLOB_COPY;
		set &= curl_easy_setopt(c->curl, CURLOPT_CAINFO_BLOB, &blob) ==
		       CURLE_OK;
	}
	/* The hub is reached directly, whatever *_proxy variables say. */
	set &= curl_easy_setopt(c->curl, CURLOPT_PROXY, "") == CURLE_OK;
	set &= curl_easy_setopt(c->curl, CURLOPT_HTTP_VERSION,
		   (long)CURL_HTTP_VERSION_1_1) == CURLE_OK;
	set &= curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS,
		   connect_timeout_ms) == CURLE_OK;
	set &= curl_easy_setopt(
		   c->curl, CURLOPT_TIMEOUT_MS, total_timeout_ms) == CURLE_OK;
	/* Threads: no SIGALRM-based DNS timeouts. */
	set &= curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
	set &= curl_easy_setopt(c->curl, CURLOPT_POST, 1L) == CURLE_OK;
	set &= curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, sink_write) ==
	       CURLE_OK;
	if (!set) {
		log_err("client: libcurl lacks a needed option (HTTPS, "
			"pinning); is it built with TLS?");
		goto out;
	}
	ok = 1;
out:
	if (!ok) {
		if (c != NULL && c->curl != NULL)
			curl_easy_cleanup(c->curl);
		free(c);
		c = NULL;
		if (global)
			curl_global_cleanup();
	}
	return c;
}

struct client *
client_new(const char *url_base, const char *ca_path, const char *pin,
    long connect_timeout_ms, long total_timeout_ms)
{
	return client_open(
	    url_base, ca_path, NULL, pin, connect_timeout_ms, total_timeout_ms);
}

struct client *
client_new_pem(const char *url_base, const char *ca_pem, const char *pin,
    long connect_timeout_ms, long total_timeout_ms)
{
	if (ca_pem == NULL || ca_pem[0] == '\0' ||
	    strnlen(ca_pem, CLIENT_MAX_CERT_PEM + 1) > CLIENT_MAX_CERT_PEM) {
		log_err("client: no usable PEM certificate for the hub");
		return NULL;
	}
	return client_open(
	    url_base, NULL, ca_pem, pin, connect_timeout_ms, total_timeout_ms);
}

int
client_post(struct client *c, const char *path, const uint8_t *body, size_t len,
    const char *content_type, long *status, uint8_t *resp, size_t resp_cap,
    size_t *resp_len)
{
	struct sink sink = {resp, resp_cap, 0, 0};
	struct curl_slist *hdrs = NULL, *tmp;
	char url[CLIENT_MAX_URL], ctype[CLIENT_MAX_CTYPE + 16];
	CURLcode cc;
	int n, rc = -1, set = 1;

	*status = 0;
	*resp_len = 0;
	if (path == NULL || path[0] != '/' || !plain_text(path, 0) ||
	    content_type == NULL || !plain_text(content_type, 1) ||
	    strlen(content_type) > CLIENT_MAX_CTYPE) {
		log_err("client: bad path or content type");
		goto out;
	}
	n = snprintf(url, sizeof(url), "%s%s", c->base, path);
	if (n < 0 || (size_t)n >= sizeof(url)) {
		log_err("client: URL too long");
		goto out;
	}
	n = snprintf(ctype, sizeof(ctype), "Content-Type: %s", content_type);
	if (n < 0 || (size_t)n >= sizeof(ctype)) {
		log_err("client: content type too long");
		goto out;
	}
	/*
	 * An empty Expect stops libcurl waiting for "100 Continue" before
	 * larger bodies: one round trip saved on every envelope.
	 */
	if ((hdrs = curl_slist_append(NULL, ctype)) == NULL ||
	    (tmp = curl_slist_append(hdrs, "Expect:")) == NULL) {
		log_err("client: out of memory");
		goto out;
	}
	hdrs = tmp;
	set &= curl_easy_setopt(c->curl, CURLOPT_URL, url) == CURLE_OK;
	set &= curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hdrs) == CURLE_OK;
	set &= curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS,
		   body != NULL ? (const char *)body : "") == CURLE_OK;
	set &= curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE,
		   (curl_off_t)len) == CURLE_OK;
	set &= curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &sink) == CURLE_OK;
	if (!set) {
		log_err("client: setting up the request failed");
		goto out;
	}
	c->errbuf[0] = '\0';
	cc = curl_easy_perform(c->curl);
	if (cc != CURLE_OK) {
		if (sink.overflow)
			log_err("client: POST %s: response over %zu bytes",
			    path, resp_cap);
		else
			log_err("client: POST %s: %s", path,
			    c->errbuf[0] != '\0' ? c->errbuf
						 : curl_easy_strerror(cc));
		goto out;
	}
	if (curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, status) !=
	    CURLE_OK) {
		log_err("client: POST %s: no status", path);
		goto out;
	}
	*resp_len = sink.len;
	rc = 0;
out:
	/* The handle keeps these pointers; none may outlive this call. */
	(void)curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
	(void)curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, NULL);
	(void)curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, NULL);
	curl_slist_free_all(hdrs);
	return rc;
}

void
client_free(struct client *c)
{
	if (c == NULL)
		return;
	curl_easy_cleanup(c->curl);
	free(c);
	curl_global_cleanup();
}
