#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "crypto/hbeat.h"
#include "util/jsonmem.h"
#include "util/log.h"

#define OFF_ID 4
#define OFF_SENT 20
#define OFF_LEN 28
/* Figures far beyond any real outbox are a broken or hostile sender. */
#define COUNT_MAX 100000000
#define INTERVAL_MAX 86400

_Static_assert(HBEAT_HDR_LEN == OFF_LEN + 2, "header layout");

static void
put_be(uint8_t *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
}

static uint64_t
get_be(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

/* A word a log line or a terminal can show as it is. */
static int
word_ok(const char *s)
{
	size_t n = strlen(s);

	if (n >= HBEAT_WORD_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c >= 0x7f || c == '"' || c == '\\')
			return 0;
	}
	return 1;
}

int
hbeat_build(uint8_t *out, size_t cap, size_t *written,
    const uint8_t device_id[ENVELOPE_ID_LEN], uint64_t sent_at_ms,
    const struct hbeat_figures *f,
    const uint8_t device_sk[crypto_sign_SECRETKEYBYTES])
{
	json_t *o = NULL;
	char *text = NULL;
	size_t len;
	int rc = -1;

	if (!word_ok(f->role) || !word_ok(f->version) || !word_ok(f->printer)) {
		log_err("heartbeat: a figure is not a short word");
		goto out;
	}
	o = json_pack("{s:s, s:s, s:i, s:I, s:I, s:s}", "role", f->role,
	    "version", f->version, "interval", f->interval_s, "outbox",
	    (json_int_t)f->outbox, "dead", (json_int_t)f->dead, "printer",
	    f->printer);
	if (o == NULL || (text = json_dumps(o, JSON_COMPACT)) == NULL)
		goto out;
	len = strlen(text);
	if (len > HBEAT_FIGURES_MAX ||
	    cap < HBEAT_HDR_LEN + len + crypto_sign_BYTES) {
		log_err("heartbeat: %zu bytes of figures do not fit", len);
		goto out;
	}
	memcpy(out, HBEAT_MAGIC, 4);
	memcpy(out + OFF_ID, device_id, ENVELOPE_ID_LEN);
	put_be(out + OFF_SENT, sent_at_ms, 8);
	put_be(out + OFF_LEN, len, 2);
	memcpy(out + HBEAT_HDR_LEN, text, len);
	if (crypto_sign_detached(out + HBEAT_HDR_LEN + len, NULL, out,
		HBEAT_HDR_LEN + len, device_sk) != 0)
		goto out;
	*written = HBEAT_HDR_LEN + len + crypto_sign_BYTES;
	rc = 0;
out:
	jsonmem_free(text);
	json_decref(o);
	return rc;
}

/* Magic and length agree with inlen: the figures' length, or -1. */
static long
framing(const uint8_t *in, size_t inlen)
{
	size_t len;

	if (inlen < HBEAT_HDR_LEN + crypto_sign_BYTES || inlen > HBEAT_MAX ||
	    memcmp(in, HBEAT_MAGIC, 4) != 0)
		return -1;
	len = (size_t)get_be(in + OFF_LEN, 2);
	if (len > HBEAT_FIGURES_MAX ||
	    inlen != HBEAT_HDR_LEN + len + crypto_sign_BYTES)
		return -1;
	return (long)len;
}

int
hbeat_claimed_device(
    uint8_t device_id[ENVELOPE_ID_LEN], const uint8_t *in, size_t inlen)
{
	if (framing(in, inlen) < 0)
		return -1;
	memcpy(device_id, in + OFF_ID, ENVELOPE_ID_LEN);
	return 0;
}

static int
get_word(json_t *o, const char *key, char *dst)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v) || !word_ok(json_string_value(v)))
		return -1;
	memcpy(dst, json_string_value(v), strlen(json_string_value(v)) + 1);
	return 0;
}

static int
get_count(json_t *o, const char *key, int64_t max, int64_t *dst)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > max)
		return -1;
	*dst = (int64_t)json_integer_value(v);
	return 0;
}

int
hbeat_verify(const uint8_t *in, size_t inlen,
    const uint8_t device_pk[crypto_sign_PUBLICKEYBYTES], uint64_t *sent_at_ms,
    struct hbeat_figures *f)
{
	json_t *o = NULL;
	json_error_t err;
	int64_t interval = 0;
	long len = framing(in, inlen);
	int rc = -1;

	if (len < 0)
		return -1;
	if (crypto_sign_verify_detached(in + HBEAT_HDR_LEN + len, in,
		HBEAT_HDR_LEN + (size_t)len, device_pk) != 0)
		return -1;
	memset(f, 0, sizeof(*f));
	o = json_loadb((const char *)in + HBEAT_HDR_LEN, (size_t)len,
	    JSON_REJECT_DUPLICATES, &err);
	if (!json_is_object(o) || get_word(o, "role", f->role) != 0 ||
	    get_word(o, "version", f->version) != 0 ||
	    get_word(o, "printer", f->printer) != 0 ||
	    get_count(o, "interval", INTERVAL_MAX, &interval) != 0 ||
	    interval < 1 ||
	    get_count(o, "outbox", COUNT_MAX, &f->outbox) != 0 ||
	    get_count(o, "dead", COUNT_MAX, &f->dead) != 0) {
		log_warn("heartbeat: signed, but its figures are malformed");
		goto out;
	}
	f->interval_s = (int)interval;
	*sent_at_ms = get_be(in + OFF_SENT, 8);
	rc = 0;
out:
	json_decref(o);
	return rc;
}
