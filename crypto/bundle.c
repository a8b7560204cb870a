#include <string.h>

#include <jansson.h>

#include "crypto/bundle.h"
#include "crypto/keys.h"
#include "crypto/tlscert.h"
#include "util/file.h"
#include "util/jsonmem.h"
#include "util/log.h"

/* Version 2 carries a checksum; version 1 (before it) is still read. */
#define BUNDLE_VERSION 2
#define BUNDLE_VERSION_NOSUM 1
#define BUNDLE_FIELDS_NOSUM 9
#define B64_VARIANT sodium_base64_VARIANT_ORIGINAL
#define SUM_LEN crypto_generichash_BYTES
#define SUM_B64_LEN (sodium_base64_ENCODED_LEN(SUM_LEN, B64_VARIANT) - 1)
/* The checksum covers the file's exact bytes with its own value read as
 * this many '*': every byte, whitespace included, is covered. */
#define SUM_KEY "\"checksum\": \""

static const char sum_domain[] = "rj device bundle checksum v1";

struct bundle *
bundle_new(void)
{
	struct bundle *b = calloc(1, sizeof(*b));

	if (b == NULL) {
		log_err("out of memory");
		return NULL;
	}
	b->sign_sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	if (b->sign_sk == NULL) {
		log_err("out of locked memory");
		free(b);
		return NULL;
	}
	return b;
}

void
bundle_free(struct bundle *b)
{
	if (b == NULL)
		return;
	sodium_free(b->sign_sk);
	free(b);
}

int
bundle_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= BUNDLE_NAME_MAX || name[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			c == '-'))
			return 0;
	}
	return 1;
}

/* Base64 of a key into a Jansson string; the text buffer is wiped. */
static json_t *
b64_value(const uint8_t *bin, size_t len)
{
	char buf[sodium_base64_ENCODED_LEN(64, B64_VARIANT)];
	json_t *v;

	if (len > 64)
		return NULL;
	sodium_bin2base64(buf, sizeof(buf), bin, len, B64_VARIANT);
	v = json_string(buf);
	sodium_memzero(buf, sizeof(buf));
	return v;
}

/* Jansson keeps its own copy of every string: wipe it before freeing. */
static void
wipe_json_string(json_t *v)
{
	if (json_is_string(v))
		sodium_memzero(
		    (char *)json_string_value(v), json_string_length(v));
}

static void
text_sum(uint8_t out[SUM_LEN], const char *text, size_t len)
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, SUM_LEN);
	crypto_generichash_update(
	    &st, (const uint8_t *)sum_domain, sizeof(sum_domain) - 1);
	crypto_generichash_update(&st, (const uint8_t *)text, len);
	crypto_generichash_final(&st, out, SUM_LEN);
	sodium_memzero(&st, sizeof(st));
}

/* Where the checksum's value starts in the text: the key must appear
 * once, as bundle_save writes it, or NULL. */
static char *
find_sum(char *text, size_t len)
{
	size_t klen = sizeof(SUM_KEY) - 1;
	char *p = memmem(text, len, SUM_KEY, klen), *v;

	if (p == NULL)
		return NULL;
	v = p + klen;
	if ((size_t)(v - text) + SUM_B64_LEN + 1 > len ||
	    v[SUM_B64_LEN] != '"' ||
	    memmem(v, len - (size_t)(v - text), SUM_KEY, klen) != NULL)
		return NULL;
	return v;
}

int
bundle_save(const struct bundle *b, const char *path)
{
	char placeholder[SUM_B64_LEN + 1], sumb64[SUM_B64_LEN + 1], *at;
	uint8_t sum[SUM_LEN];
	char idhex[2 * ENVELOPE_ID_LEN + 1];
	json_t *o = NULL, *sk = NULL;
	char *text = NULL;
	int rc = -1;

	/* Never write what bundle_load would refuse. */
	if (keys_sign_sk_check(b->sign_sk) != 0) {
		log_err("bundle: the device key's halves do not match");
		return -1;
	}
	envelope_id_hex(idhex, b->device_id);
	sk = b64_value(b->sign_sk, crypto_sign_SECRETKEYBYTES);
	if (sk == NULL)
		goto out;
	memset(placeholder, '*', SUM_B64_LEN);
	placeholder[SUM_B64_LEN] = '\0';
	o = json_pack("{s:s, s:i, s:s, s:s, s:O, s:s, s:o, s:o, s:s, s:s}",
	    "checksum", placeholder, "version", BUNDLE_VERSION, "device_name",
	    b->name, "device_id", idhex, "device_sign_sk", sk, "hub_url",
	    b->hub_url, "hub_box_pk",
	    b64_value(b->hub_box_pk, sizeof(b->hub_box_pk)), "hub_sign_pk",
	    b64_value(b->hub_sign_pk, sizeof(b->hub_sign_pk)), "hub_tls_pin",
	    b->hub_pin, "hub_tls_cert", b->hub_cert);
	if (o == NULL) {
		log_err("bundle: cannot build JSON");
		goto out;
	}
	text = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (text == NULL) {
		log_err("bundle: cannot serialise");
		goto out;
	}
	if ((at = find_sum(text, strlen(text))) == NULL) {
		log_err("bundle: the checksum has no place in the text");
		goto out;
	}
	text_sum(sum, text, strlen(text));
	sodium_bin2base64(sumb64, sizeof(sumb64), sum, SUM_LEN, B64_VARIANT);
	memcpy(at, sumb64, SUM_B64_LEN);
	rc = file_write_atomic(
	    path, text, strlen(text), 0600, FILE_SECRET | FILE_NOREPLACE);
out:
	/* Holds the device's secret key: wiped as it is freed. */
	if (text != NULL) {
		sodium_memzero(text, strlen(text));
		jsonmem_free(text);
	}
	wipe_json_string(sk);
	json_decref(sk);
	json_decref(o);
	return rc;
}

static int
get_b64(json_t *o, const char *key, uint8_t *out, size_t len)
{
	json_t *v = json_object_get(o, key);
	size_t got = 0;

	if (!json_is_string(v) ||
	    sodium_base642bin(out, len, json_string_value(v),
		json_string_length(v), NULL, &got, NULL, B64_VARIANT) != 0 ||
	    got != len) {
		log_err("bundle: %s missing or malformed", key);
		return -1;
	}
	return 0;
}

static int
get_str(json_t *o, const char *key, char *out, size_t cap)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) >= cap ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		log_err("bundle: %s missing or too long", key);
		return -1;
	}
	memcpy(out, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

#define REDO                                                                   \
	"copy it again from the hub, or make a new one there (hubctl "         \
	"enroll NAME, or enroll-staff NAME for a staff credential)"

/*
 * Version 2: the checksum must match the text, which is then changed
 * (the value read as '*'). Version 1, from before checksums: no checksum
 * field at all, accepted with a warning.
 */
static int
check_sum(const char *path, json_t *o, char *text, size_t len)
{
	json_t *ver = json_object_get(o, "version");
	json_t *v = json_object_get(o, "checksum");
	uint8_t want[SUM_LEN], got[SUM_LEN];
	size_t wlen = 0;
	char *at;

	if (json_is_integer(ver) &&
	    json_integer_value(ver) == BUNDLE_VERSION_NOSUM) {
		if (v != NULL || json_object_size(o) != BUNDLE_FIELDS_NOSUM)
			goto damaged;
		log_warn("%s has no checksum (written before bundles had "
			 "one): only its keys and pin are checked; make a "
			 "new one as docs/hub.md \"Key files\" says",
		    path);
		return 0;
	}
	if (!json_is_integer(ver) ||
	    json_integer_value(ver) != BUNDLE_VERSION) {
		log_err("%s: unsupported bundle version (or the file is "
			"damaged): " REDO,
		    path);
		return -1;
	}
	if (!json_is_string(v) || json_string_length(v) != SUM_B64_LEN ||
	    json_object_size(o) != BUNDLE_FIELDS_NOSUM + 1 ||
	    (at = find_sum(text, len)) == NULL ||
	    memcmp(at, json_string_value(v), SUM_B64_LEN) != 0 ||
	    sodium_base642bin(want, sizeof(want), at, SUM_B64_LEN, NULL, &wlen,
		NULL, B64_VARIANT) != 0 ||
	    wlen != SUM_LEN)
		goto damaged;
	memset(at, '*', SUM_B64_LEN);
	text_sum(got, text, len);
	if (sodium_memcmp(got, want, SUM_LEN) != 0)
		goto damaged;
	return 0;
damaged:
	log_err(
	    "%s is damaged (its checksum does not match its contents): " REDO,
	    path);
	return -1;
}

/* What a device can check without the hub: its own key's halves, and
 * that the pin is the certificate's. */
static int
check_keys(const char *path, const struct bundle *b)
{
	char pin[BUNDLE_PIN_MAX];

	if (keys_sign_sk_check(b->sign_sk) != 0) {
		log_err("%s is damaged (the device key's public half does not "
			"match its secret half): " REDO,
		    path);
		return -1;
	}
	if (tlscert_pin(b->hub_cert, strlen(b->hub_cert), pin, sizeof(pin)) !=
		0 ||
	    strcmp(pin, b->hub_pin) != 0) {
		log_err(
		    "%s: the hub's TLS pin does not match the hub's "
		    "certificate in it, so no connection could succeed: " REDO,
		    path);
		return -1;
	}
	return 0;
}

struct bundle *
bundle_load(const char *path)
{
	struct bundle *b = NULL;
	char *text = NULL;
	char idhex[2 * ENVELOPE_ID_LEN + 1];
	size_t len = 0, idlen = 0;
	json_t *o = NULL;
	json_error_t err;
	int ok = 0;

	text = sodium_malloc(BUNDLE_FILE_MAX);
	b = bundle_new();
	if (text == NULL || b == NULL) {
		log_err("out of memory");
		goto out;
	}
	if (file_read(path, text, BUNDLE_FILE_MAX, &len, FILE_SECRET) != 0)
		goto out;
	o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	if (o == NULL || !json_is_object(o)) {
		log_err("%s: not a device bundle, or damaged (line %d): " REDO,
		    path, err.line);
		goto out;
	}
	if (check_sum(path, o, text, len) != 0)
		goto out;
	if (get_str(o, "device_name", b->name, sizeof(b->name)) != 0 ||
	    get_str(o, "device_id", idhex, sizeof(idhex)) != 0 ||
	    get_b64(o, "device_sign_sk", b->sign_sk,
		crypto_sign_SECRETKEYBYTES) != 0 ||
	    get_str(o, "hub_url", b->hub_url, sizeof(b->hub_url)) != 0 ||
	    get_b64(o, "hub_box_pk", b->hub_box_pk, sizeof(b->hub_box_pk)) !=
		0 ||
	    get_b64(o, "hub_sign_pk", b->hub_sign_pk, sizeof(b->hub_sign_pk)) !=
		0 ||
	    get_str(o, "hub_tls_pin", b->hub_pin, sizeof(b->hub_pin)) != 0 ||
	    get_str(o, "hub_tls_cert", b->hub_cert, sizeof(b->hub_cert)) != 0) {
		log_err("%s: incomplete device bundle", path);
		goto out;
	}
	if (sodium_hex2bin(b->device_id, sizeof(b->device_id), idhex,
		strlen(idhex), NULL, &idlen, NULL) != 0 ||
	    idlen != sizeof(b->device_id) || !bundle_name_valid(b->name) ||
	    strncmp(b->hub_pin, "sha256//", 8) != 0 ||
	    strncmp(b->hub_url, "https://", 8) != 0) {
		log_err("%s: malformed device bundle", path);
		goto out;
	}
	if (check_keys(path, b) != 0)
		goto out;
	ok = 1;
out:
	if (o != NULL)
		wipe_json_string(json_object_get(o, "device_sign_sk"));
	json_decref(o);
	sodium_free(text);
	if (!ok) {
		bundle_free(b);
		b = NULL;
	}
	return b;
}
