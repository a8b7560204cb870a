#include "tests/unit/testutil.h"

#include <sodium.h>

#include "sms/kannel.h"
#include "sms/provider.h"
#include "tests/unit/sms_testutil.h"
#include "util/log.h"

#define TOKEN "k4nnel-t0ken-9f8e7d"

static const char *const allow[] = {"127.0.0.1", "10.1.0.0/16", "::1"};

static struct sms_provider_cfg
cfg(void)
{
	struct sms_provider_cfg c;

	memset(&c, 0, sizeof(c));
	c.secret = TOKEN;
	c.secretlen = strlen(TOKEN);
	c.allow = allow;
	c.nallow = 3;
	return c;
}

static int
get(const char *query, const char *peer, struct sms_inbound *in)
{
	struct sms_provider_cfg c = cfg();
	struct smst_req r;

	smst_init(&r, "GET", query, NULL, peer);
	return kannel_provider.verify_and_parse(&c, &r.http, in);
}

static void
get_ok(void **state)
{
	struct sms_inbound in;

	(void)state;
	assert_int_equal(get("token=" TOKEN "&from=%2B447700900123"
			     "&to=447700900000&text=Hello+there%21"
			     "&time=1700000001&id=a1b2c3d4-0000-1111-2222-"
			     "333344445555",
			     "127.0.0.1", &in),
	    0);
	assert_string_equal(in.from, "+447700900123");
	assert_string_equal(in.to, "447700900000");
	assert_string_equal(in.text, "Hello there!");
	assert_string_equal(in.id, "a1b2c3d4-0000-1111-2222-333344445555");
	assert_int_equal(in.timestamp, 1700000001);
	/* "00" international prefix becomes '+'; %t time format; no to. */
	assert_int_equal(get("token=" TOKEN "&from=00447700900123&text=STOP"
			     "&time=2023-11-14+22%3A13&id=x1",
			     "10.1.200.3", &in),
	    0);
	assert_string_equal(in.from, "+447700900123");
	assert_string_equal(in.to, "");
	assert_int_equal(in.timestamp, 1700000000 - 20);
	/* IPv6 and IPv4-mapped peers. */
	assert_int_equal(
	    get("token=" TOKEN "&from=447700900123&text=hi", "::1", &in), 0);
	assert_int_equal(get("token=" TOKEN "&from=447700900123&text=hi",
			     "::ffff:127.0.0.1", &in),
	    0);
	assert_int_equal(in.timestamp, 1700000000);
	assert_int_equal(strncmp(in.id, "r-", 2), 0);
}

static void
refused(void **state)
{
	struct sms_inbound in;
	struct sms_provider_cfg c = cfg();
	struct smst_req r;

	(void)state;
	/* Token wrong, missing, a prefix of or longer than the real one. */
	assert_int_equal(
	    get("token=nope&from=447700900123&text=hi", "127.0.0.1", &in),
	    SMS_EFORBIDDEN);
	assert_int_equal(
	    get("from=447700900123&text=hi", "127.0.0.1", &in), SMS_EFORBIDDEN);
	assert_int_equal(get("token=k4nnel-t0ken-9f8e7&from=447700900123"
			     "&text=hi",
			     "127.0.0.1", &in),
	    SMS_EFORBIDDEN);
	assert_int_equal(
	    get("token=" TOKEN "x&from=447700900123&text=hi", "127.0.0.1", &in),
	    SMS_EFORBIDDEN);
	assert_int_equal(
	    get("token=" TOKEN "&token=" TOKEN "&from=447700900123&text=hi",
		"127.0.0.1", &in),
	    SMS_EFORBIDDEN);
	assert_int_equal(get(NULL, "127.0.0.1", &in), SMS_EFORBIDDEN);
	/* Right token, wrong place. */
	assert_int_equal(
	    get("token=" TOKEN "&from=447700900123&text=hi", "127.0.0.2", &in),
	    SMS_EFORBIDDEN);
	assert_int_equal(
	    get("token=" TOKEN "&from=447700900123&text=hi", "10.2.0.1", &in),
	    SMS_EFORBIDDEN);
	assert_int_equal(
	    get("token=" TOKEN "&from=447700900123&text=hi", "::2", &in),
	    SMS_EFORBIDDEN);
	assert_int_equal(
	    get("token=" TOKEN "&from=447700900123&text=hi", NULL, &in),
	    SMS_EFORBIDDEN);
	assert_int_equal(get("token=" TOKEN "&from=447700900123&text=hi",
			     "not-an-address", &in),
	    SMS_EFORBIDDEN);
	/* Malformed after the token holds. */
	assert_int_equal(
	    get("token=" TOKEN "&text=hi", "127.0.0.1", &in), SMS_EBADREQ);
	assert_int_equal(
	    get("token=" TOKEN "&from=447700900123", "127.0.0.1", &in),
	    SMS_EBADREQ);
	assert_int_equal(
	    get("token=" TOKEN "&from=abc&text=hi", "127.0.0.1", &in),
	    SMS_EBADREQ);
	assert_int_equal(
	    get("token=" TOKEN "&from=447700900123&text=%FF", "127.0.0.1", &in),
	    SMS_EBADREQ);
	assert_int_equal(get("token=" TOKEN "&from=447700900123&text=hi"
			     "&time=2023-02-31+10%3A00",
			     "127.0.0.1", &in),
	    SMS_EBADREQ);
	assert_int_equal(get("token=" TOKEN "&from=447700900123&text=hi"
			     "&time=yesterday",
			     "127.0.0.1", &in),
	    SMS_EBADREQ);
	assert_int_equal(get("token=" TOKEN "&from=447700900123&text=hi"
			     "&id=a%20b",
			     "127.0.0.1", &in),
	    SMS_EBADREQ);
	assert_int_equal(
	    get("token=" TOKEN "&a=%zz", "127.0.0.1", &in), SMS_EBADREQ);
	/* Method; configuration missing. */
	smst_init(&r, "PUT", "token=" TOKEN, NULL, "127.0.0.1");
	assert_int_equal(
	    kannel_provider.verify_and_parse(&c, &r.http, &in), SMS_EMETHOD);
	c.nallow = 0;
	smst_init(&r, "GET", "token=" TOKEN "&from=447700900123&text=hi", NULL,
	    "127.0.0.1");
	assert_int_equal(
	    kannel_provider.verify_and_parse(&c, &r.http, &in), SMS_EINTERNAL);
}

static int
post(const char *query, const char *ctype, const char *body, const char *xfrom,
    const char *xtime, struct sms_inbound *in)
{
	struct sms_provider_cfg c = cfg();
	struct smst_req r;

	smst_init(&r, "POST", query, body, "127.0.0.1");
	if (ctype != NULL)
		smst_add(&r, "Content-Type", ctype);
	if (xfrom != NULL)
		smst_add(&r, "X-Kannel-From", xfrom);
	if (xtime != NULL)
		smst_add(&r, "X-Kannel-Time", xtime);
	smst_add(&r, "X-Kannel-To", "447700900000");
	return kannel_provider.verify_and_parse(&c, &r.http, in);
}

static void
post_form(void **state)
{
	struct sms_inbound in;
	char id1[SMS_MAX_ID + 1], *big;

	(void)state;
	assert_int_equal(
	    post("token=" TOKEN "&id=42", "text/plain; charset=\"UTF-8\"",
		"Caf\xc3\xa9 ok", "+447700900123", "2023-11-14 22:13:20", &in),
	    0);
	assert_string_equal(in.from, "+447700900123");
	assert_string_equal(in.to, "447700900000");
	assert_string_equal(in.text, "Caf\xc3\xa9 ok");
	assert_int_equal(in.timestamp, 1700000000);
	assert_string_equal(in.id, "42");
	/* Without %I the id is derived: the same message, the same id. */
	assert_int_equal(post("token=" TOKEN, "text/plain", "hello",
			     "+447700900123", "2023-11-14 22:13:20", &in),
	    0);
	strcpy(id1, in.id);
	assert_int_equal(post("token=" TOKEN, "text/plain", "hello",
			     "+447700900123", "2023-11-14 22:13:20", &in),
	    0);
	assert_string_equal(in.id, id1);
	assert_int_equal(post("token=" TOKEN, "text/plain", "hello",
			     "+447700900123", "2023-11-14 22:13:21", &in),
	    0);
	assert_string_not_equal(in.id, id1);
	/* Query wins over headers. */
	assert_int_equal(post("token=" TOKEN "&from=447700900999", "text/plain",
			     "hi", "+447700900123", NULL, &in),
	    0);
	assert_string_equal(in.from, "447700900999");
	/* UCS-2 without mo-recode, binary, no sender, no token. */
	assert_int_equal(
	    post("token=" TOKEN, "text/plain; charset=\"UTF-16BE\"", "h",
		"+4477", NULL, &in),
	    SMS_EMEDIA);
	assert_int_equal(post("token=" TOKEN, "application/octet-stream", "h",
			     "+447700900123", NULL, &in),
	    SMS_EMEDIA);
	assert_int_equal(
	    post("token=" TOKEN, "text/plain", "hi", NULL, NULL, &in),
	    SMS_EBADREQ);
	assert_int_equal(
	    post(NULL, "text/plain", "hi", "+447700900123", NULL, &in),
	    SMS_EFORBIDDEN);
	big = malloc(SMS_MAX_BODY + 2);
	assert_non_null(big);
	memset(big, 'a', SMS_MAX_BODY + 1);
	big[SMS_MAX_BODY + 1] = '\0';
	assert_int_equal(
	    post("token=" TOKEN, "text/plain", big, "+447700900123", NULL, &in),
	    SMS_ETOOBIG);
	big[SMS_MAX_TEXT + 1] = '\0';
	assert_int_equal(
	    post("token=" TOKEN, "text/plain", big, "+447700900123", NULL, &in),
	    SMS_ETOOBIG);
	free(big);
}

static void
helpers(void **state)
{
	int64_t t;
	const char *const v6[] = {"2001:db8::/32"};

	(void)state;
	assert_int_equal(kannel_parse_time("2023-11-14 22:13:20", &t), 0);
	assert_int_equal(t, 1700000000);
	assert_int_equal(kannel_parse_time("1700000000", &t), 0);
	assert_int_equal(t, 1700000000);
	assert_int_equal(kannel_parse_time("2023-11-14T22:13:20", &t), -1);
	assert_int_equal(kannel_parse_time("2023-13-14 22:13", &t), -1);
	assert_int_equal(kannel_parse_time("", &t), -1);
	assert_true(kannel_peer_allowed(v6, 1, "2001:db8:1::5"));
	assert_false(kannel_peer_allowed(v6, 1, "2001:db9::5"));
	assert_false(kannel_peer_allowed(allow, 3, "10.1.0.0/16"));
	assert_true(kannel_peer_allowed(allow, 3, "10.1.255.255"));
}

static void
reply(void **state)
{
	char out[SMS_MAX_REPLY_BODY];
	const char *ct;

	(void)state;
	assert_int_equal(
	    kannel_provider.format_reply("Thanks <&>", out, sizeof(out), &ct),
	    0);
	assert_string_equal(out, "Thanks <&>");
	assert_string_equal(ct, "text/plain; charset=utf-8");
	assert_int_equal(
	    kannel_provider.format_reply(NULL, out, sizeof(out), &ct), 0);
	assert_string_equal(out, "");
	assert_int_equal(
	    kannel_provider.format_reply("toolong", out, 4, &ct), -1);
}

/* A reply with a letter GSM-7 lacks must go as UCS-2, or the phone
 * shows '?' for it; a GSM-7 reply stays GSM-7 (fewer parts). */
static void
reply_coding(void **state)
{
	static const char *const ucs2[] = {"Dziękujemy", "Vă mulțumim",
	    "Teşekkürler", "Gracias, envíe", "Obrigado \xf0\x9f\x99\x82"};
	static const char *const gsm[] = {"Thanks for your message.",
	    "Gracias, señor", "Müller à Zürich €5", ""};
	const char *name, *value;

	(void)state;
	for (size_t i = 0; i < sizeof(ucs2) / sizeof(ucs2[0]); i++) {
		kannel_provider.reply_header(ucs2[i], &name, &value);
		assert_non_null(name);
		assert_string_equal(name, "X-Kannel-Coding");
		assert_string_equal(value, "2");
	}
	for (size_t i = 0; i < sizeof(gsm) / sizeof(gsm[0]); i++) {
		kannel_provider.reply_header(gsm[i], &name, &value);
		assert_null(name);
	}
	kannel_provider.reply_header(NULL, &name, &value);
	assert_null(name);
}

/* Characters, not bytes: 1600 four-byte emoji are one message (the
 * post-url body), 1601 are too many. */
static void
post_characters(void **state)
{
	struct sms_inbound in;
	char *text = malloc(4 * 1601 + 1);

	(void)state;
	assert_non_null(text);
	for (int n = 1600; n <= 1601; n++) {
		for (int i = 0; i < n; i++)
			memcpy(text + 4 * i, "\xf0\x9f\x98\x80", 4);
		text[4 * n] = '\0';
		assert_int_equal(post("token=" TOKEN "&id=e1", "text/plain",
				     text, "+447700900123", NULL, &in),
		    n == 1600 ? 0 : SMS_ETOOBIG);
		if (n == 1600)
			assert_string_equal(in.text, text);
	}
	free(text);
	assert_true(kannel_allow_entry_ok("192.0.2.10"));
	assert_true(kannel_allow_entry_ok("10.0.0.0/8"));
	assert_true(kannel_allow_entry_ok("::1"));
	assert_false(kannel_allow_entry_ok("#"));
	assert_false(kannel_allow_entry_ok("Kannel"));
	assert_false(kannel_allow_entry_ok("10.0.0.0/33"));
	assert_false(kannel_allow_entry_ok("10.0.0.0/"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(get_ok),
	    cmocka_unit_test(refused),
	    cmocka_unit_test(post_form),
	    cmocka_unit_test(helpers),
	    cmocka_unit_test(reply),
	    cmocka_unit_test(reply_coding),
	    cmocka_unit_test(post_characters),
	};

	if (sodium_init() < 0)
		return 1;
	log_quiet(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
