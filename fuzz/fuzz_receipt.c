/*
 * libFuzzer target for the hub's answer as a device reads it
 * (net/forwarder.c, included here for its static receipt_ok_obj and
 * hub_error_obj, fed the body parsed as the forwarder parses it). The first
 * input byte is a mode, the rest the hub's JSON body: bit 0: sign it in the
 * harness with the fixed test hub key: where the body is an object with an
 * integer "received_at", its "receipt" is set to the valid signature (and, bit
 * 1, its "envelope_id" to the one the device expects), so the checks behind the
 * signature are reached. A receipt is accepted exactly when it names the
 * expected envelope, its time is a non-negative integer and the signature is
 * the hub's; the error code read from a refusal holds only the stable-code
 * alphabet.
 */
#include "net/forwarder.c"

#include "crypto/bundle.h"
#include "fuzz/fuzz_check.h"

static uint8_t hub_sk[crypto_sign_SECRETKEYBYTES];

static json_t *
parse(const uint8_t *data, size_t size)
{
	return json_loadb(
	    (const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
}

static int
receipt_ok(const struct forwarder *f, const uint8_t want[ENVELOPE_ID_LEN],
    const uint8_t *data, size_t size)
{
	json_t *o = parse(data, size);
	int ok = json_is_object(o) && receipt_ok_obj(f, want, o);

	json_decref(o);
	return ok;
}

static void
hub_error(const uint8_t *data, size_t size, long status, char *out, size_t cap)
{
	json_t *o = parse(data, size);

	hub_error_obj(o, status, out, cap);
	json_decref(o);
}
static struct bundle bundle;
static struct forwarder fw;
static const uint8_t id[ENVELOPE_ID_LEN] = {0xde, 0xad, 0xbe, 0xef, 1, 2, 3};

static void
setup(void)
{
	uint8_t seed[crypto_sign_SEEDBYTES];

	CHECK(sodium_init() >= 0);
	log_quiet(1);
	memset(seed, 0x33, sizeof(seed));
	CHECK(crypto_sign_seed_keypair(bundle.hub_sign_pk, hub_sk, seed) == 0);
	fw.bundle = &bundle;
}

/* Sign the body's received_at as the hub would; 1 if it was signed. */
static int
sign_body(const uint8_t *in, size_t len, int set_id, char **out)
{
	uint8_t sig[SIG_RECEIPT_LEN];
	char b64[sodium_base64_ENCODED_LEN(
	    SIG_RECEIPT_LEN, sodium_base64_VARIANT_ORIGINAL)];
	char hex[2 * ENVELOPE_ID_LEN + 1];
	json_t *o = json_loadb((const char *)in, len, 0, NULL);
	json_t *at = json_object_get(o, "received_at");
	int ok = 0;

	*out = NULL;
	if (!json_is_object(o) || !json_is_integer(at))
		goto out;
	CHECK(sig_receipt_sign(
		  sig, id, (uint64_t)json_integer_value(at), hub_sk) == 0);
	sodium_bin2base64(
	    b64, sizeof(b64), sig, sizeof(sig), sodium_base64_VARIANT_ORIGINAL);
	CHECK(json_object_set_new(o, "receipt", json_string(b64)) == 0);
	if (set_id) {
		envelope_id_hex(hex, id);
		CHECK(json_object_set_new(o, "envelope_id", json_string(hex)) ==
		      0);
	}
	*out = json_dumps(o, JSON_COMPACT);
	ok = *out != NULL;
out:
	json_decref(o);
	return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char code[REASON_MAX], hex[2 * ENVELOPE_ID_LEN + 1], *body;
	json_t *o, *jid, *jat;
	uint8_t mode;
	int ok;

	if (fw.bundle == NULL)
		setup();
	if (size == 0)
		return 0;
	mode = data[0];
	data++;
	size--;
	hub_error(data, size, 503, code, sizeof(code));
	for (size_t i = 0; code[i] != '\0'; i++)
		CHECK(strchr("abcdefghijklmnopqrstuvwxyz0123456789 _?",
			  code[i]) != NULL);
	(void)receipt_ok(&fw, id, data, size);
	if (!(mode & 1) || !sign_body(data, size, mode & 2, &body))
		return 0;
	ok = receipt_ok(&fw, id, (const uint8_t *)body, strlen(body));
	/* What the signed body says decides, and nothing else. */
	o = json_loads(body, JSON_REJECT_DUPLICATES, NULL);
	jid = json_object_get(o, "envelope_id");
	jat = json_object_get(o, "received_at");
	envelope_id_hex(hex, id);
	CHECK(ok == (json_is_string(jid) &&
			strcmp(json_string_value(jid), hex) == 0 &&
			json_integer_value(jat) >= 0));
	json_decref(o);
	free(body);
	return 0;
}
