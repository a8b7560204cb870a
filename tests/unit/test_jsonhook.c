#include "tests/unit/testutil.h"

#include <ctype.h>

#include <sodium.h>

#include "sms/jsonhook.h"
#include "sms/provider.h"
#include "tests/unit/sms_testutil.h"
#include "util/log.h"

#define SECRET "json-hook-secret"
#define NOW 1700000000
#define BODY                                                                   \
	"{\"from\":\"+447700900123\",\"to\":\"+447700900000\","                \
	"\"text\":\"HELLO\",\"id\":\"msg-1\",\"timestamp\":1700000000}"
/* Computed independently (Python hmac/hashlib) for SECRET, NOW, BODY. */
#define BODY_SIG                                                               \
	"66faea1e4c6e9e5d71b0cf1bbb5ed426058c302b53a554d48a537593fd745ef6"

static int
run_at(const char *body, const char *ts, const char *sig, int64_t now,
    struct sms_inbound *in)
{
	struct sms_provider_cfg c;
	struct smst_req r;

	memset(&c, 0, sizeof(c));
	c.secret = SECRET;
	c.secretlen = strlen(SECRET);
	smst_init(&r, "POST", NULL, body, "192.0.2.9");
	r.http.now = now;
	smst_add(&r, "Content-Type", "application/json");
	if (ts != NULL)
		smst_add(&r, "X-Timestamp", ts);
	if (sig != NULL)
		smst_add(&r, "X-Signature", sig);
	return jsonhook_provider.verify_and_parse(&c, &r.http, in);
}

static int
run(const char *body, const char *ts, const char *sig, struct sms_inbound *in)
{
	return run_at(body, ts, sig, NOW, in);
}

/* Sign body with ts and run it. */
static int
signed_run(
    const char *body, const char *ts, int64_t now, struct sms_inbound *in)
{
	char sig[JSONHOOK_SIG_HEX + 1];

	assert_int_equal(jsonhook_signature(SECRET, strlen(SECRET), ts,
			     (const uint8_t *)body, strlen(body), sig),
	    0);
	return run_at(body, ts, sig, now, in);
}

static void
accepted(void **state)
{
	struct sms_inbound in;
	char sig[JSONHOOK_SIG_HEX + 1];

	(void)state;
	assert_int_equal(
	    jsonhook_signature(SECRET, strlen(SECRET), "1700000000",
		(const uint8_t *)BODY, strlen(BODY), sig),
	    0);
	assert_string_equal(sig, BODY_SIG);
	assert_int_equal(run(BODY, "1700000000", BODY_SIG, &in), 0);
	assert_string_equal(in.from, "+447700900123");
	assert_string_equal(in.to, "+447700900000");
	assert_string_equal(in.text, "HELLO");
	assert_string_equal(in.id, "msg-1");
	assert_int_equal(in.timestamp, NOW);
	/* Upper-case hex is the same signature. */
	for (size_t i = 0; i < JSONHOOK_SIG_HEX; i++)
		sig[i] = (char)toupper((unsigned char)sig[i]);
	assert_int_equal(run(BODY, "1700000000", sig, &in), 0);
	/* At the edge of the window, both ways. */
	assert_int_equal(
	    run_at(BODY, "1700000000", BODY_SIG, NOW + 300, &in), 0);
	assert_int_equal(
	    run_at(BODY, "1700000000", BODY_SIG, NOW - 300, &in), 0);
	/* "to" may be left out; escapes and UTF-8 in the text. */
	assert_int_equal(signed_run("{\"from\":\"447700900123\",\"text\":"
				    "\"caf\\u00e9 \\\"x\\\"\",\"id\":\"2\","
				    "\"timestamp\":1700000000}",
			     "1700000000", NOW, &in),
	    0);
	assert_string_equal(in.text, "caf\xc3\xa9 \"x\"");
	assert_string_equal(in.to, "");
}

static void
stale_and_future(void **state)
{
	struct sms_inbound in;

	(void)state;
	assert_int_equal(run_at(BODY, "1700000000", BODY_SIG, NOW + 301, &in),
	    SMS_EFORBIDDEN);
	assert_int_equal(run_at(BODY, "1700000000", BODY_SIG, NOW - 301, &in),
	    SMS_EFORBIDDEN);
	assert_int_equal(run_at(BODY, "1700000000", BODY_SIG, NOW + 86400, &in),
	    SMS_EFORBIDDEN);
}

static void
bad_signatures(void **state)
{
	struct sms_inbound in;
	char sig[] = BODY_SIG;
	char tampered[] = BODY;

	(void)state;
	assert_int_equal(run(BODY, "1700000000", NULL, &in), SMS_EFORBIDDEN);
	assert_int_equal(run(BODY, NULL, BODY_SIG, &in), SMS_EFORBIDDEN);
	/* Not hex, too short, too long, prefixed. */
	sig[10] = 'g';
	assert_int_equal(run(BODY, "1700000000", sig, &in), SMS_EFORBIDDEN);
	assert_int_equal(run(BODY, "1700000000",
			     "66faea1e4c6e9e5d71b0cf1bbb5ed426058c302b53a554d4"
			     "8a537593fd745ef",
			     &in),
	    SMS_EFORBIDDEN);
	assert_int_equal(
	    run(BODY, "1700000000", BODY_SIG "0", &in), SMS_EFORBIDDEN);
	assert_int_equal(
	    run(BODY, "1700000000", "sha256=" BODY_SIG, &in), SMS_EFORBIDDEN);
	/* A flipped bit in the MAC. */
	memcpy(sig, BODY_SIG, sizeof(sig));
	sig[0] = '7';
	assert_int_equal(run(BODY, "1700000000", sig, &in), SMS_EFORBIDDEN);
	/* The body or the timestamp changed after signing. */
	tampered[strlen(tampered) - 20] = 'J'; /* HELLO -> HEJLO-ish */
	assert_int_equal(
	    run(tampered, "1700000000", BODY_SIG, &in), SMS_EFORBIDDEN);
	assert_int_equal(
	    run(BODY, "1700000001", BODY_SIG, &in), SMS_EFORBIDDEN);
	assert_int_equal(
	    run(BODY, "01700000000", BODY_SIG, &in), SMS_EFORBIDDEN);
	assert_int_equal(run(BODY, "-1", BODY_SIG, &in), SMS_EFORBIDDEN);
}

static void
bad_bodies(void **state)
{
	struct sms_inbound in;
	const char *bodies[] = {
	    "not json",
	    "[1,2]",
	    "{\"from\":\"+447700900123\",\"text\":\"x\",\"id\":\"1\"}",
	    "{\"from\":\"+447700900123\",\"text\":\"x\",\"id\":\"1\","
	    "\"timestamp\":1700000001}",
	    "{\"from\":\"+447700900123\",\"text\":\"x\",\"id\":\"1\","
	    "\"timestamp\":\"1700000000\"}",
	    "{\"from\":447700900123,\"text\":\"x\",\"id\":\"1\","
	    "\"timestamp\":1700000000}",
	    "{\"from\":\"+447700900123\",\"from\":\"+447700900124\","
	    "\"text\":\"x\",\"id\":\"1\",\"timestamp\":1700000000}",
	    "{\"from\":\"+447700900123\",\"to\":null,\"text\":\"x\","
	    "\"id\":\"1\",\"timestamp\":1700000000}",
	    "{\"from\":\"+447700900123\",\"text\":\"x\\u0000y\",\"id\":\"1\","
	    "\"timestamp\":1700000000}",
	    "{\"from\":\"+447700900123\",\"text\":\"x\",\"id\":\"a b\","
	    "\"timestamp\":1700000000}",
	    "{\"from\":\"+447700900123\",\"text\":\"\xc3\x28\",\"id\":\"1\","
	    "\"timestamp\":1700000000}",
	};
	struct sms_provider_cfg c;
	struct smst_req r;
	char *big;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++)
		assert_int_equal(
		    signed_run(bodies[i], "1700000000", NOW, &in), SMS_EBADREQ);
	/* Oversized: refused before anything is computed. */
	big = malloc(SMS_MAX_BODY + 2);
	assert_non_null(big);
	memset(big, ' ', SMS_MAX_BODY + 1);
	big[SMS_MAX_BODY + 1] = '\0';
	assert_int_equal(run(big, "1700000000", BODY_SIG, &in), SMS_ETOOBIG);
	free(big);
	/* Method and media type. */
	memset(&c, 0, sizeof(c));
	c.secret = SECRET;
	c.secretlen = strlen(SECRET);
	smst_init(&r, "GET", NULL, BODY, "192.0.2.9");
	assert_int_equal(
	    jsonhook_provider.verify_and_parse(&c, &r.http, &in), SMS_EMETHOD);
	smst_init(&r, "POST", NULL, BODY, "192.0.2.9");
	smst_add(&r, "Content-Type", "text/plain");
	smst_add(&r, "X-Timestamp", "1700000000");
	smst_add(&r, "X-Signature", BODY_SIG);
	assert_int_equal(
	    jsonhook_provider.verify_and_parse(&c, &r.http, &in), SMS_EMEDIA);
}

static void
reply(void **state)
{
	char out[SMS_MAX_REPLY_BODY];
	const char *ct;

	(void)state;
	assert_int_equal(jsonhook_provider.format_reply(
			     "Say \"hi\"\n", out, sizeof(out), &ct),
	    0);
	assert_string_equal(ct, "application/json");
	assert_string_equal(out, "{\"reply\":\"Say \\\"hi\\\"\\n\"}");
	assert_int_equal(
	    jsonhook_provider.format_reply(NULL, out, sizeof(out), &ct), 0);
	assert_string_equal(out, "{\"reply\":null}");
	assert_int_equal(
	    jsonhook_provider.format_reply("long text", out, 8, &ct), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(accepted),
	    cmocka_unit_test(stale_and_future),
	    cmocka_unit_test(bad_signatures),
	    cmocka_unit_test(bad_bodies),
	    cmocka_unit_test(reply),
	};

	if (sodium_init() < 0)
		return 1;
	log_quiet(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
