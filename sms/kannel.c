#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "net/http.h"
#include "sms/kannel.h"
#include "sms/provider.h"
#include "sms/segments.h"
#include "util/log.h"

#define KANNEL_ADDR_MAX 64 /* an allowlist entry, with "/prefix" */
#define KANNEL_SECS_MAX 12 /* digits of a Unix time */
#define KANNEL_TIME_MAX 19 /* "YYYY-MM-DD HH:MM:SS" */
#define KANNEL_CHARSET_MAX 16

struct addr {
	int family;
	uint8_t b[16];
};

static int
parse_addr(const char *s, struct addr *a)
{
	static const uint8_t mapped[12] = {
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (inet_pton(AF_INET, s, a->b) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->b) != 1)
		return -1;
	a->family = AF_INET6;
	/* A dual-stack listener reports IPv4 peers as ::ffff:a.b.c.d. */
	if (memcmp(a->b, mapped, sizeof(mapped)) == 0) {
		memmove(a->b, a->b + 12, 4);
		a->family = AF_INET;
	}
	return 0;
}

static int
prefix_match(const uint8_t *x, const uint8_t *y, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;
	uint8_t mask;

	if (memcmp(x, y, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (uint8_t)(0xff << (8 - rest));
	return (x[full] & mask) == (y[full] & mask);
}

int
kannel_allow_entry_ok(const char *entry)
{
	struct addr a;
	char buf[KANNEL_ADDR_MAX];
	unsigned long bits;
	char *slash, *end;

	if (snprintf(buf, sizeof(buf), "%s", entry) >= (int)sizeof(buf))
		return 0;
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';
	if (parse_addr(buf, &a) != 0)
		return 0;
	if (slash == NULL)
		return 1;
	bits = strtoul(slash + 1, &end, 10);
	return slash[1] >= '0' && slash[1] <= '9' && *end == '\0' &&
	       bits <= (a.family == AF_INET ? 32UL : 128UL);
}

int
kannel_peer_allowed(const char *const *allow, size_t nallow, const char *addr)
{
	struct addr peer, net;
	char buf[KANNEL_ADDR_MAX];
	unsigned long bits;
	char *slash, *end;
	size_t i;

	if (addr == NULL || parse_addr(addr, &peer) != 0)
		return 0;
	for (i = 0; i < nallow && i < SMS_MAX_ALLOW; i++) {
		if (snprintf(buf, sizeof(buf), "%s", allow[i]) >=
		    (int)sizeof(buf))
			continue;
		slash = strchr(buf, '/');
		if (slash != NULL)
			*slash = '\0';
		if (parse_addr(buf, &net) != 0 || net.family != peer.family)
			continue;
		bits = net.family == AF_INET ? 32 : 128;
		if (slash != NULL) {
			unsigned long max = bits;

			bits = strtoul(slash + 1, &end, 10);
			if (slash[1] == '\0' || *end != '\0' || bits > max)
				continue;
		}
		if (prefix_match(peer.b, net.b, (unsigned)bits))
			return 1;
	}
	return 0;
}

static int
digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int
kannel_parse_time(const char *s, int64_t *t)
{
	size_t n = strlen(s);
	struct tm tm;
	time_t v;
	int mon, mday;

	if (n > 0 && n <= KANNEL_SECS_MAX && digits(s, n)) {
		*t = strtoll(s, NULL, 10);
		return 0;
	}
	/* YYYY-MM-DD HH:MM or YYYY-MM-DD HH:MM:SS */
	if ((n != 16 && n != KANNEL_TIME_MAX) || !digits(s, 4) || s[4] != '-' ||
	    !digits(s + 5, 2) || s[7] != '-' || !digits(s + 8, 2) ||
	    s[10] != ' ' || !digits(s + 11, 2) || s[13] != ':' ||
	    !digits(s + 14, 2))
		return -1;
	if (n == KANNEL_TIME_MAX && (s[16] != ':' || !digits(s + 17, 2)))
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = atoi(s) - 1900;
	tm.tm_mon = mon = atoi(s + 5) - 1;
	tm.tm_mday = mday = atoi(s + 8);
	tm.tm_hour = atoi(s + 11);
	tm.tm_min = atoi(s + 14);
	tm.tm_sec = n == KANNEL_TIME_MAX ? atoi(s + 17) : 0;
	if (tm.tm_year < 70 || mon < 0 || mon > 11 || mday < 1 || mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	v = timegm(&tm);
	/* timegm turns 31 February into March: refuse that. */
	if (v == (time_t)-1 || tm.tm_mday != mday || tm.tm_mon != mon)
		return -1;
	*t = (int64_t)v;
	return 0;
}

static const char *
header(const struct sms_http *req, const char *name)
{
	return req->header != NULL ? req->header(req->hctx, name) : NULL;
}

/* Hashing both sides first makes the comparison constant-time in the
 * length too. */
static int
token_ok(const struct sms_provider_cfg *cfg, const char *token)
{
	uint8_t a[crypto_hash_sha256_BYTES], b[crypto_hash_sha256_BYTES];
	int ok;

	crypto_hash_sha256(a, (const unsigned char *)token, strlen(token));
	crypto_hash_sha256(
	    b, (const unsigned char *)cfg->secret, cfg->secretlen);
	ok = sodium_memcmp(a, b, sizeof(a)) == 0;
	sodium_memzero(a, sizeof(a));
	sodium_memzero(b, sizeof(b));
	return ok;
}

/* text/plain in UTF-8 (Kannel's default) or ASCII; anything else would
 * need recoding, which mo-recode = true does on Kannel's side. */
static int
utf8_text(const char *ctype)
{
	const char *cs;
	char name[KANNEL_CHARSET_MAX];
	size_t n = 0;

	if (!sms_media_type_is(ctype, "text/plain"))
		return 0;
	cs = strcasestr(ctype, "charset=");
	if (cs == NULL)
		return 1;
	cs += strlen("charset=");
	if (*cs == '"')
		cs++;
	while (cs[n] != '\0' && cs[n] != '"' && cs[n] != ';' && cs[n] != ' ') {
		if (n + 1 >= sizeof(name))
			return 0;
		name[n] = cs[n];
		n++;
	}
	name[n] = '\0';
	return strcasecmp(name, "utf-8") == 0 ||
	       strcasecmp(name, "utf8") == 0 ||
	       strcasecmp(name, "us-ascii") == 0;
}

/* A stable id for a message Kannel sent without %I. */
static int
derive_id(struct sms_inbound *in, const char *when)
{
	crypto_generichash_state st;
	uint8_t h[16];
	char hex[2 * sizeof(h) + 1];
	int n;

	if (crypto_generichash_init(&st, NULL, 0, sizeof(h)) != 0)
		return -1;
	crypto_generichash_update(
	    &st, (const unsigned char *)in->from, strlen(in->from) + 1);
	crypto_generichash_update(
	    &st, (const unsigned char *)in->to, strlen(in->to) + 1);
	crypto_generichash_update(
	    &st, (const unsigned char *)when, strlen(when) + 1);
	crypto_generichash_update(
	    &st, (const unsigned char *)in->text, strlen(in->text));
	crypto_generichash_final(&st, h, sizeof(h));
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	n = snprintf(in->id, sizeof(in->id), "k-%s", hex);
	sodium_memzero(&st, sizeof(st));
	return n < 0 || (size_t)n >= sizeof(in->id) ? -1 : 0;
}

static int
verify_and_parse(const struct sms_provider_cfg *cfg, const struct sms_http *req,
    struct sms_inbound *in)
{
	struct http_form *q = NULL;
	const char *token, *from, *to, *text, *when, *id;
	size_t textlen, qlen;
	int post, rc = SMS_EINTERNAL, r;

	sms_inbound_wipe(in);
	if (cfg->secret == NULL || cfg->secretlen == 0 || cfg->nallow == 0) {
		log_err("kannel: token or allowed addresses not configured");
		return SMS_EINTERNAL;
	}
	if (req->method == NULL || (strcmp(req->method, "GET") != 0 &&
				       strcmp(req->method, "POST") != 0)) {
		log_warn("kannel: refused: method is not GET or POST");
		return SMS_EMETHOD;
	}
	post = strcmp(req->method, "POST") == 0;
	qlen = req->query != NULL ? strlen(req->query) : 0;
	if (req->bodylen > SMS_MAX_BODY || qlen > HTTP_MAX_FORM) {
		log_warn("kannel: refused: request too large");
		return SMS_ETOOBIG;
	}
	if (!kannel_peer_allowed(cfg->allow, cfg->nallow, req->peer_addr)) {
		log_warn("kannel: refused: source address not allowed");
		return SMS_EFORBIDDEN;
	}
	if ((q = sms_form_get(req)) == NULL) {
		log_err("kannel: out of memory");
		return SMS_EINTERNAL;
	}
	if (http_form_parse(q, req->query != NULL ? req->query : "", qlen) !=
	    0) {
		log_warn("kannel: refused: malformed query");
		rc = SMS_EBADREQ;
		goto out;
	}
	if ((token = http_form_get(q, "token")) == NULL ||
	    !token_ok(cfg, token)) {
		log_warn("kannel: refused: missing or wrong token");
		rc = SMS_EFORBIDDEN;
		goto out;
	}
	if (post && !utf8_text(header(req, "Content-Type"))) {
		log_warn("kannel: refused: body is not UTF-8 text/plain");
		rc = SMS_EMEDIA;
		goto out;
	}
	rc = SMS_EBADREQ;
	if ((from = http_form_get(q, "from")) == NULL && post)
		from = header(req, "X-Kannel-From");
	if ((to = http_form_get(q, "to")) == NULL && post)
		to = header(req, "X-Kannel-To");
	if ((when = http_form_get(q, "time")) == NULL && post)
		when = header(req, "X-Kannel-Time");
	id = http_form_get(q, "id");
	if (post) {
		text = (const char *)req->body;
		textlen = req->bodylen;
	} else {
		text = http_form_get(q, "text");
		textlen = text != NULL ? strlen(text) : 0;
	}
	if (from == NULL || text == NULL) {
		log_warn("kannel: refused: sender or text missing or repeated");
		goto out;
	}
	if (sms_set_number(in->from, from) != 0 ||
	    (to != NULL && to[0] != '\0' && sms_set_number(in->to, to) != 0)) {
		log_warn("kannel: refused: malformed number");
		goto out;
	}
	if (when != NULL && kannel_parse_time(when, &in->timestamp) != 0) {
		log_warn("kannel: refused: malformed time");
		goto out;
	}
	if (when == NULL)
		in->timestamp = sms_now(req);
	if ((r = sms_set_text(in->text, text != NULL ? text : "", textlen)) !=
	    0) {
		log_warn("kannel: refused: text is %s",
		    r == SMS_ETOOBIG ? "too long" : "not UTF-8");
		rc = r;
		goto out;
	}
	if (id != NULL) {
		if (sms_set_id(in->id, id) != 0) {
			log_warn("kannel: refused: malformed message id");
			goto out;
		}
	} else if (when != NULL) {
		if (derive_id(in, when) != 0) {
			rc = SMS_EINTERNAL;
			goto out;
		}
	} else {
		uint8_t rnd[16];

		randombytes_buf(rnd, sizeof(rnd));
		memcpy(in->id, "r-", 2);
		sodium_bin2hex(
		    in->id + 2, sizeof(in->id) - 2, rnd, sizeof(rnd));
	}
	rc = 0;
out:
	if (rc != 0)
		sms_inbound_wipe(in);
	sms_form_put(req, q);
	return rc;
}

static int
format_reply(const char *text, char *out, size_t cap, const char **content_type)
{
	size_t n = text != NULL ? strlen(text) : 0;

	*content_type = "text/plain; charset=utf-8";
	if (cap == 0 || n >= cap) {
		log_err("kannel: reply does not fit");
		if (cap > 0)
			out[0] = '\0';
		return -1;
	}
	/* An empty body sends nothing, given omit-empty = true. */
	memcpy(out, text != NULL ? text : "", n + 1);
	return 0;
}

/* smsbox sends a text/plain reply as GSM-7 unless told otherwise, and a
 * character GSM-7 lacks (Polish, Romanian, Turkish letters, most accents)
 * would reach the phone as '?': such a reply goes as UCS-2. */
static void
reply_header(const char *text, const char **name, const char **value)
{
	struct sms_segments seg;

	*name = NULL;
	*value = NULL;
	if (text == NULL || sms_segments_measure(text, &seg) != 0 || !seg.ucs2)
		return;
	*name = "X-Kannel-Coding";
	*value = "2";
}

const struct sms_provider kannel_provider = {
    "kannel",
    verify_and_parse,
    format_reply,
    reply_header,
};
