#include "tests/unit/testutil.h"

#include <sodium.h>

#include "net/http.h"
#include "sms/provider.h"
#include "sms/twilio.h"
#include "tests/unit/sms_testutil.h"
#include "util/log.h"

#define TOKEN "a-secret-auth-token"
#define URL "https://sms.example.org/sms/twilio"
#define SID "SM0123456789abcdef0123456789abcdef"
/* A form as Twilio posts it, out of order, with a %-escaped Body. */
#define FORM                                                                   \
	"ToCountry=GB&SmsMessageSid=" SID "&NumMedia=0"                        \
	"&Body=Hello+there+%26+%3Cyou%3E&From=%2B447700900123"                 \
	"&To=%2B447700900000&MessageSid=" SID                                  \
	"&AccountSid=AC0123456789abcdef0123456789abcdef&ApiVersion=2010-04-01"
/* Computed independently (Python hmac/hashlib) for FORM, TOKEN, URL. */
#define FORM_SIG "nI8GMsUj+YvSuadNJsBt+W+oet4="

static struct sms_provider_cfg
cfg(void)
{
	struct sms_provider_cfg c;

	memset(&c, 0, sizeof(c));
	c.public_url = URL;
	c.secret = TOKEN;
	c.secretlen = strlen(TOKEN);
	return c;
}

static void
documented_vector(void **state)
{
	const struct http_pair p[] = {
	    {"CallSid", "CA1234567890ABCDE"},
	    {"Caller", "+12349013030"},
	    {"Digits", "1234"},
	    {"From", "+12349013030"},
	    {"To", "+18005551212"},
	};
	/* The same parameters in another order sign the same. */
	const struct http_pair q[] = {
	    {"To", "+18005551212"},
	    {"Digits", "1234"},
	    {"From", "+12349013030"},
	    {"CallSid", "CA1234567890ABCDE"},
	    {"Caller", "+12349013030"},
	};
	char sig[TWILIO_SIG_LEN + 1];

	(void)state;
	assert_int_equal(
	    twilio_signature("12345", 5,
		"https://mycompany.com/myapp.php?foo=1&bar=2", p, 5, sig),
	    0);
	assert_string_equal(sig, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
	assert_int_equal(
	    twilio_signature("12345", 5,
		"https://mycompany.com/myapp.php?foo=1&bar=2", q, 5, sig),
	    0);
	assert_string_equal(sig, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
}

static void
vector_changes_fail(void **state)
{
	struct http_pair p[] = {
	    {"CallSid", "CA1234567890ABCDE"},
	    {"Caller", "+12349013030"},
	    {"Digits", "1234"},
	    {"From", "+12349013030"},
	    {"To", "+18005551212"},
	};
	const char *url = "https://mycompany.com/myapp.php?foo=1&bar=2";
	const char *want = "0/KCTR6DLpKmkAf8muzZqo1nDgQ=";
	char sig[TWILIO_SIG_LEN + 1];

	(void)state;
	assert_int_equal(twilio_signature("12346", 5, url, p, 5, sig), 0);
	assert_string_not_equal(sig, want);
	assert_int_equal(
	    twilio_signature("12345", 5,
		"https://mycompany.com/myapp.php?foo=1&bar=3", p, 5, sig),
	    0);
	assert_string_not_equal(sig, want);
	assert_int_equal(
	    twilio_signature("12345", 5,
		"http://mycompany.com/myapp.php?foo=1&bar=2", p, 5, sig),
	    0);
	assert_string_not_equal(sig, want);
	p[2].value = "1235";
	assert_int_equal(twilio_signature("12345", 5, url, p, 5, sig), 0);
	assert_string_not_equal(sig, want);
	p[2].value = "1234";
	/* A parameter left out. */
	assert_int_equal(twilio_signature("12345", 5, url, p, 4, sig), 0);
	assert_string_not_equal(sig, want);
}

static void
duplicate_names(void **state)
{
	/* Names sorted case-sensitively (B before a), a name's values
	 * sorted, an identical pair counted once: as Twilio's libraries. */
	const struct http_pair p[] = {
	    {"b", "2"},
	    {"a", "z"},
	    {"a", "b"},
	    {"a", "z"},
	    {"B", "1"},
	    {"a", "c"},
	};
	char sig[TWILIO_SIG_LEN + 1];

	(void)state;
	assert_int_equal(
	    twilio_signature("12345", 5, "https://example.org/sms", p, 6, sig),
	    0);
	/* Computed independently with Python. */
	assert_string_equal(sig, "MB2iayoFP0v/Ye0ptRnaJtkuaq8=");
}

static void
request_ok(void **state)
{
	struct sms_provider_cfg c = cfg();
	struct smst_req r;
	struct sms_inbound in;

	(void)state;
	smst_init(&r, "POST", NULL, FORM, "192.0.2.1");
	smst_add(&r, "Content-Type",
	    "application/x-www-form-urlencoded; charset=UTF-8");
	smst_add(&r, "X-Twilio-Signature", FORM_SIG);
	/* The Host header is never part of the URL we check. */
	smst_add(&r, "Host", "attacker.example");
	assert_int_equal(twilio_provider.verify_and_parse(&c, &r.http, &in), 0);
	assert_string_equal(in.from, "+447700900123");
	assert_string_equal(in.to, "+447700900000");
	assert_string_equal(in.text, "Hello there & <you>");
	assert_string_equal(in.id, SID);
	assert_int_equal(in.timestamp, 1700000000);
}

static int
run(const char *body, const char *ctype, const char *sig, const char *method,
    const struct sms_provider_cfg *c)
{
	struct smst_req r;
	struct sms_inbound in;
	int rc;

	smst_init(&r, method, NULL, body, "192.0.2.1");
	if (ctype != NULL)
		smst_add(&r, "Content-Type", ctype);
	if (sig != NULL)
		smst_add(&r, "X-Twilio-Signature", sig);
	memset(&in, 0x55, sizeof(in));
	rc = twilio_provider.verify_and_parse(c, &r.http, &in);
	if (rc != 0) {
		/* Nothing of a refused request is left behind. */
		for (size_t i = 0; i < sizeof(in); i++)
			assert_int_equal(((uint8_t *)&in)[i], 0);
	}
	return rc;
}

/* A valid signature for body under the test configuration. */
static void
sign(const char *body, char sig[TWILIO_SIG_LEN + 1])
{
	struct http_form *f = malloc(sizeof(*f));

	assert_non_null(f);
	assert_int_equal(http_form_parse(f, body, strlen(body)), 0);
	assert_int_equal(twilio_signature(TOKEN, strlen(TOKEN), URL, f->pairs,
			     f->npairs, sig),
	    0);
	free(f);
}

static void
refusals(void **state)
{
	struct sms_provider_cfg c = cfg();
	const char *form = "application/x-www-form-urlencoded";
	char *big;
	char other[] = "a-secret-auth-tokeN";
	const char *tampered =
	    "ToCountry=GB&SmsMessageSid=" SID "&NumMedia=0"
	    "&Body=Hello+there+%26+%3Cyou%3F&From=%2B447700900123"
	    "&To=%2B447700900000&MessageSid=" SID
	    "&AccountSid=AC0123456789abcdef0123456789abcdef"
	    "&ApiVersion=2010-04-01";

	(void)state;
	assert_int_equal(run(FORM, form, FORM_SIG, "POST", &c), 0);
	/* No, empty, truncated or wrong signature. */
	assert_int_equal(run(FORM, form, NULL, "POST", &c), SMS_EFORBIDDEN);
	assert_int_equal(run(FORM, form, "", "POST", &c), SMS_EFORBIDDEN);
	assert_int_equal(
	    run(FORM, form, "nI8GMsUj+YvSuadNJsBt+W+oet4", "POST", &c),
	    SMS_EFORBIDDEN);
	assert_int_equal(
	    run(FORM, form, "nI8GMsUj+YvSuadNJsBt+W+oet5=", "POST", &c),
	    SMS_EFORBIDDEN);
	/* Body changed after signing. */
	assert_int_equal(
	    run(tampered, form, FORM_SIG, "POST", &c), SMS_EFORBIDDEN);
	/* Another token or another URL. */
	c.secret = other;
	assert_int_equal(run(FORM, form, FORM_SIG, "POST", &c), SMS_EFORBIDDEN);
	c = cfg();
	c.public_url = "https://sms.example.org/sms/twilio/";
	assert_int_equal(run(FORM, form, FORM_SIG, "POST", &c), SMS_EFORBIDDEN);
	c = cfg();
	/* Method, media type, size. */
	assert_int_equal(run(FORM, form, FORM_SIG, "GET", &c), SMS_EMETHOD);
	assert_int_equal(
	    run(FORM, "application/json", FORM_SIG, "POST", &c), SMS_EMEDIA);
	assert_int_equal(run(FORM, NULL, FORM_SIG, "POST", &c), SMS_EMEDIA);
	big = malloc(SMS_MAX_BODY + 2);
	assert_non_null(big);
	memset(big, 'a', SMS_MAX_BODY + 1);
	big[SMS_MAX_BODY + 1] = '\0';
	assert_int_equal(run(big, form, FORM_SIG, "POST", &c), SMS_ETOOBIG);
	free(big);
	/* Malformed form: refused before any signature is computed. */
	assert_int_equal(run("a=%zz", form, FORM_SIG, "POST", &c), SMS_EBADREQ);
	assert_int_equal(
	    run("a=1&&b=2", form, FORM_SIG, "POST", &c), SMS_EBADREQ);
	/* Not configured: a server error, never an open door. */
	c.secret = NULL;
	assert_int_equal(run(FORM, form, FORM_SIG, "POST", &c), SMS_EINTERNAL);
}

static void
fields_checked_after_signature(void **state)
{
	struct sms_provider_cfg c = cfg();
	const char *form = "application/x-www-form-urlencoded";
	char sig[TWILIO_SIG_LEN + 1], *body;
	const char *bodies[] = {
	    /* no MessageSid */
	    "From=%2B447700900123&To=%2B447700900000&Body=Hi",
	    /* repeated From */
	    "MessageSid=SM1&From=%2B447700900123&From=%2B447700900124"
	    "&To=%2B447700900000&Body=Hi",
	    /* a number that is not one */
	    "MessageSid=SM1&From=whatsapp%3A%2B447700900123"
	    "&To=%2B447700900000&Body=Hi",
	    /* invalid UTF-8 in the text */
	    "MessageSid=SM1&From=%2B447700900123&To=%2B447700900000"
	    "&Body=%C3%28",
	    /* an id with a quote in it */
	    "MessageSid=SM%221&From=%2B447700900123&To=%2B447700900000"
	    "&Body=Hi",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		sign(bodies[i], sig);
		assert_int_equal(
		    run(bodies[i], form, sig, "POST", &c), SMS_EBADREQ);
	}
	/* Text over SMS_MAX_TEXT bytes. */
	body = malloc(SMS_MAX_TEXT + 200);
	assert_non_null(body);
	strcpy(body, "MessageSid=SM1&From=%2B447700900123&To=%2B447700900000"
		     "&Body=");
	i = strlen(body);
	memset(body + i, 'x', SMS_MAX_TEXT + 1);
	body[i + SMS_MAX_TEXT + 1] = '\0';
	sign(body, sig);
	assert_int_equal(run(body, form, sig, "POST", &c), SMS_ETOOBIG);
	/* Exactly SMS_MAX_TEXT is fine; an empty text too. */
	body[i + SMS_MAX_TEXT] = '\0';
	sign(body, sig);
	assert_int_equal(run(body, form, sig, "POST", &c), 0);
	strcpy(body, "MessageSid=SM1&From=%2B447700900123&To=%2B447700900000"
		     "&Body=");
	sign(body, sig);
	assert_int_equal(run(body, form, sig, "POST", &c), 0);
	free(body);
}

static void
twiml(void **state)
{
	char out[SMS_MAX_REPLY_BODY];
	const char *ct;

	(void)state;
	assert_int_equal(twilio_provider.format_reply(
			     "Reply <A&B> \"now\" 'ok'", out, sizeof(out), &ct),
	    0);
	assert_string_equal(ct, "text/xml; charset=utf-8");
	assert_string_equal(out,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Message>"
	    "Reply &lt;A&amp;B&gt; &quot;now&quot; &#39;ok&#39;"
	    "</Message></Response>");
	assert_int_equal(
	    twilio_provider.format_reply(NULL, out, sizeof(out), &ct), 0);
	assert_string_equal(
	    out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>");
	/* Does not fit; a control character XML cannot carry. */
	assert_int_equal(
	    twilio_provider.format_reply("hello", out, 40, &ct), -1);
	assert_int_equal(
	    twilio_provider.format_reply("a\001b", out, sizeof(out), &ct), -1);
	assert_ptr_equal(sms_provider_find("twilio"), &twilio_provider);
	assert_null(sms_provider_find("nope"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(documented_vector),
	    cmocka_unit_test(vector_changes_fail),
	    cmocka_unit_test(duplicate_names),
	    cmocka_unit_test(request_ok),
	    cmocka_unit_test(refusals),
	    cmocka_unit_test(fields_checked_after_signature),
	    cmocka_unit_test(twiml),
	};

	if (sodium_init() < 0)
		return 1;
	log_quiet(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
