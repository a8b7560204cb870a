#include "tests/unit/testutil.h"

#include <sodium.h>
#include <jansson.h>

#include "kiosk/answers.h"
#include "kiosk/html.h"
#include "kiosk/payload.h"
#include "kiosk/say.h"
#include "kiosk/session.h"
#include "kiosk/speech.h"
#include "kiosk/tmpl.h"
#include "util/log.h"
#include "util/utf8.h"

/* --- html: the one escaping writer --- */

static void
html_escapes_everything_markup_could_use(void **state)
{
	char buf[256];
	struct html h;

	(void)state;
	html_init(&h, buf, sizeof(buf));
	html_raw(&h, "<p title=\"", 10);
	html_text(&h, "<script>alert('x')</script> & \"q\"");
	html_raw(&h, "\">", 2);
	assert_int_equal(html_finish(&h), 0);
	assert_string_equal(buf, "<p title=\"&lt;script&gt;alert(&#39;x&#39;)"
				 "&lt;/script&gt; &amp; &quot;q&quot;\">");
}

static void
html_overflow_is_sticky(void **state)
{
	char buf[8];
	struct html h;

	(void)state;
	html_init(&h, buf, sizeof(buf));
	html_text(&h, "12345678");
	assert_int_equal(html_finish(&h), -1);
	html_init(&h, buf, sizeof(buf));
	html_text(&h, "12<<");
	html_text(&h, "x");
	assert_int_equal(html_finish(&h), -1);
	html_init(&h, buf, sizeof(buf));
	html_text(&h, "123456");
	assert_int_equal(html_finish(&h), 0);
	assert_string_equal(buf, "123456");
}

/* Random bytes never leave a raw < > " ' or a bare & behind. */
static void
html_random_text_is_inert(void **state)
{
	char in[64], out[512];
	struct html h;

	(void)state;
	for (int i = 0; i < 5000; i++) {
		size_t n = 1 + randombytes_uniform(sizeof(in) - 1);
		randombytes_buf(in, n);
		for (size_t k = 0; k < n; k++)
			if (in[k] == '\0')
				in[k] = '<';
		in[n] = '\0';
		html_init(&h, out, sizeof(out));
		html_text(&h, in);
		assert_int_equal(html_finish(&h), 0);
		assert_null(strpbrk(out, "<>\"'"));
		for (char *a = strchr(out, '&'); a != NULL;
		     a = strchr(a + 1, '&'))
			assert_true(strncmp(a, "&amp;", 5) == 0 ||
				    strncmp(a, "&lt;", 4) == 0 ||
				    strncmp(a, "&gt;", 4) == 0 ||
				    strncmp(a, "&quot;", 6) == 0 ||
				    strncmp(a, "&#39;", 5) == 0);
	}
}

/* --- tmpl --- */

static void
write_tmpl(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.html", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static const char *
lookup(void *ctx, int kind, const char *name)
{
	(void)ctx;
	if (kind == 't')
		return strcmp(name, "hello") == 0
			   ? "Hello <script>alert(1)</script>"
			   : NULL;
	if (kind == 'h')
		return strcmp(name, "frag") == 0 ? "<b>trusted</b>" : NULL;
	if (strcmp(name, "who") == 0)
		return "\"><img src=x>";
	if (strcmp(name, "on") == 0)
		return "1";
	if (strcmp(name, "zero") == 0)
		return "0";
	return NULL;
}

static void
tmpl_renders_and_escapes(void **state)
{
	char *dir = testutil_tmpdir(), buf[1024];
	struct tmpl_set *ts;
	struct html h;

	(void)state;
	write_tmpl(dir, "page",
	    "<p>{{t:hello}}</p><input value=\"{{v:who}}\">{{h:frag}}"
	    "{{#on}}<i></i>{{/on}}{{#zero}}<u></u>{{/zero}}"
	    "{{^missing}}<s></s>{{/missing}}{{>part}}");
	write_tmpl(dir, "part", "<hr>");
	ts = tmpl_load(dir);
	assert_non_null(ts);
	html_init(&h, buf, sizeof(buf));
	assert_int_equal(tmpl_render(ts, "page", lookup, NULL, &h), 0);
	assert_string_equal(buf,
	    "<p>Hello &lt;script&gt;alert(1)&lt;/script&gt;</p>"
	    "<input value=\"&quot;&gt;&lt;img src=x&gt;\"><b>trusted</b>"
	    "<i></i><s></s><hr>");
	/* A missing text is an error, not a blank. */
	write_tmpl(dir, "bad", "<p>{{t:nope}}</p>");
	tmpl_free(ts);
	ts = tmpl_load(dir);
	assert_non_null(ts);
	html_init(&h, buf, sizeof(buf));
	assert_int_equal(tmpl_render(ts, "bad", lookup, NULL, &h), -1);
	tmpl_free(ts);
	testutil_rmdir(dir);
}

static void
tmpl_refuses_words_and_bad_syntax(void **state)
{
	static const char *const bad[] = {
	    "<p>Hello</p>",
	    "<button aria-label=\"Close\"></button>",
	    "<img alt='x' src=\"/a\">",
	    "<input placeholder=\"{{t:a}} more\">",
	    "<p title = \"Words\"></p>",
	    "<p\ttitle=\n'Words'></p>",
	    "{{#a}}<p></p>",
	    "{{#a}}{{/b}}",
	    "{{x:y}}",
	    "{{t:}}",
	    "{{t:a b}}",
	    "<p>{{t:a}}</p>.",
	};
	char *dir;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tmpl_set *ts;
		dir = testutil_tmpdir();
		write_tmpl(dir, "t", bad[i]);
		ts = tmpl_load(dir);
		if (ts != NULL)
			fail_msg("accepted: %s", bad[i]);
		testutil_rmdir(dir);
	}
	{
		const char *ok =
		    "<p title=\"{{t:a}}\">{{t:b}}</p>\n<!-- a note -->";
		assert_int_equal(tmpl_check_words("ok", ok, strlen(ok)), 0);
	}
}

/* The shipped templates hold no words (tmpl_load checks each). */
static void
shipped_templates_hold_no_words(void **state)
{
	struct tmpl_set *ts = tmpl_load("kiosk/templates");

	(void)state;
	assert_non_null(ts);
	assert_true(tmpl_has(ts, "layout"));
	tmpl_free(ts);
}

/* --- session --- */

static void
session_wipe_really_zeroes(void **state)
{
	struct session *s = session_new();
	const uint8_t *p = (const uint8_t *)s;
	char id[SESSION_TOKEN_HEX];

	(void)state;
	assert_non_null(s);
	assert_int_equal(session_start(s, 1000), 0);
	assert_true(s->active);
	snprintf(s->a.name, sizeof(s->a.name), "Ala Przykład");
	snprintf(s->a.phone, sizeof(s->a.phone), "07700 900123");
	snprintf(id, sizeof(id), "%s", s->id);
	assert_true(session_owns(s, id));
	assert_true(session_csrf_ok(s, s->csrf));
	assert_false(session_csrf_ok(s, id));
	assert_false(session_owns(s, "abc"));
	assert_false(session_owns(s, NULL));
	session_wipe(s);
	for (size_t i = 0; i < sizeof(*s); i++)
		if (p[i] != 0)
			fail_msg("byte %zu not wiped", i);
	assert_false(session_owns(s, id));
	/* A new visitor gets new tokens. */
	assert_int_equal(session_start(s, 2000), 0);
	assert_string_not_equal(s->id, id);
	session_free(s);
}

static void
session_idle_expiry(void **state)
{
	struct session *s = session_new();

	(void)state;
	assert_false(session_idle(s, 1000000, 10));
	session_start(s, 1000);
	assert_false(session_idle(s, 1000 + 120000, 120000));
	assert_true(session_idle(s, 1000 + 120001, 120000));
	session_free(s);
}

/* --- answers --- */

static void
form(struct http_form *f, const char *body)
{
	if (http_form_parse(f, body, strlen(body)) != 0)
		fail_msg("form refused: %s", body);
}

static void
answers_eligibility(void **state)
{
	struct answers a;
	struct ans_errors e;
	struct http_form f;

	(void)state;
	memset(&a, 0, sizeof(a));
	form(&f, "csrf=x");
	assert_int_equal(answers_apply(&a, ANS_ELIGIBLE, &f, &e), 0);
	assert_int_equal(e.n, 2);
	assert_string_equal(e.e[0].field, "happened-yes");
	assert_string_equal(e.e[0].key, "err_happened_required");
	form(&f, "happened=yes");
	assert_int_equal(answers_apply(&a, ANS_ELIGIBLE, &f, &e), 0);
	assert_int_equal(e.n, 0);
	assert_true(answers_eligible(&a));
	form(&f, "happened=no&lives=no");
	assert_int_equal(answers_apply(&a, ANS_ELIGIBLE, &f, &e), 0);
	assert_false(answers_eligible(&a));
	form(&f, "happened=no&lives=yes");
	assert_int_equal(answers_apply(&a, ANS_ELIGIBLE, &f, &e), 0);
	assert_true(answers_eligible(&a));
	form(&f, "happened=unsure&lives=no");
	assert_int_equal(answers_apply(&a, ANS_ELIGIBLE, &f, &e), 0);
	assert_true(answers_eligible(&a));
}

static void
answers_refuse_what_no_form_sends(void **state)
{
	static const char *const bad[] = {
	    "happened=maybe",
	    "happened=yes&happened=no",
	    "happened=yes&name=Sam",
	    "happened=yes&nosuch=1",
	};
	struct answers a, before;
	struct ans_errors e;
	struct http_form f;

	(void)state;
	memset(&a, 0, sizeof(a));
	snprintf(a.happened, sizeof(a.happened), "yes");
	before = a;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		form(&f, bad[i]);
		assert_int_equal(answers_apply(&a, ANS_ELIGIBLE, &f, &e), -1);
		assert_memory_equal(&a, &before, sizeof(a));
	}
	/* Invalid UTF-8 and control characters in text. */
	form(&f, "m_email=yes&email=a%40b.org&name=%C3%28");
	assert_int_equal(answers_apply(&a, ANS_CONTACT, &f, &e), -1);
	form(&f, "m_email=yes&email=a%40b.org&name=a%01b");
	assert_int_equal(answers_apply(&a, ANS_CONTACT, &f, &e), -1);
	assert_memory_equal(&a, &before, sizeof(a));
}

static void
answers_contact_rules(void **state)
{
	struct answers a;
	struct ans_errors e;
	struct http_form f;

	(void)state;
	memset(&a, 0, sizeof(a));
	form(&f, "name=Sam");
	assert_int_equal(answers_apply(&a, ANS_CONTACT, &f, &e), 0);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.e[0].key, "err_method_required");
	assert_string_equal(e.e[0].field, "m_call-yes");
	form(&f, "m_call=yes&m_email=yes&email=nope&m_post=yes&postcode=XX");
	assert_int_equal(answers_apply(&a, ANS_CONTACT, &f, &e), 0);
	assert_int_equal(e.n, 4);
	assert_string_equal(e.e[0].key, "err_phone_required");
	assert_string_equal(e.e[1].key, "err_email_invalid");
	assert_string_equal(e.e[2].key, "err_address_required");
	assert_string_equal(e.e[3].key, "err_postcode_invalid");
	form(&f, "m_text=yes&phone=07700+900123&address=%0D%0A1+High+St%0D%0A"
		 "London+&m_post=yes&postcode=sw1a1aa&m_worker=yes&worker_name="
		 "Jo&worker_contact=020+7946+0000");
	assert_int_equal(answers_apply(&a, ANS_CONTACT, &f, &e), 0);
	assert_int_equal(e.n, 0);
	assert_string_equal(a.address, "1 High St\nLondon");
	assert_string_equal(a.m_call, "");
	/* Too long: kept empty, with an error to fix. */
	{
		char body[1200];
		int n = snprintf(
		    body, sizeof(body), "m_email=yes&email=a@b.c&name=");
		memset(body + n, 'x', 200);
		body[n + 200] = '\0';
		form(&f, body);
		assert_int_equal(answers_apply(&a, ANS_CONTACT, &f, &e), 0);
		assert_int_equal(e.n, 1);
		assert_string_equal(e.e[0].key, "err_text_too_long");
		assert_string_equal(a.name, "");
	}
}

/* Random UK numbers in the ways people write them all normalise. */
static void
answers_phone_random(void **state)
{
	char in[64], out[32], digits[16];

	(void)state;
	for (int i = 0; i < 5000; i++) {
		int mobile = randombytes_uniform(2);
		snprintf(digits, sizeof(digits), "%s%08u", mobile ? "7" : "20",
		    randombytes_uniform(100000000));
		if (!mobile)
			digits[10] = '\0';
		switch (randombytes_uniform(4)) {
		case 0:
			snprintf(in, sizeof(in), "0%s", digits);
			break;
		case 1:
			snprintf(
			    in, sizeof(in), "+44 %.4s %s", digits, digits + 4);
			break;
		case 2:
			snprintf(in, sizeof(in), "0044-%s", digits);
			break;
		default:
			snprintf(
			    in, sizeof(in), "(0%.3s) %s", digits, digits + 3);
		}
		assert_int_equal(answers_phone_e164(in, out, sizeof(out)), 0);
		assert_true(strncmp(out, "+44", 3) == 0);
		assert_string_equal(out + 3, digits);
	}
	static const char *const bad[] = {"", "12", "07700", "0770090012345",
	    "+44 0770 900123", "phone", "+", "++447700900123", "0044",
	    "+1234567", "07700 900123 ext 4"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (answers_phone_e164(bad[i], out, sizeof(out)) == 0)
			fail_msg("accepted phone: %s", bad[i]);
	assert_int_equal(answers_phone_e164("+33 6 12 34 56 78", out, 32), 0);
	assert_string_equal(out, "+33612345678");
}

/* Random valid postcodes pass; broken ones do not. */
static void
answers_postcode_random(void **state)
{
	static const char L[] = "ABCDEFGHIJKLMNOPRSTUWYZ";
	struct answers a;
	struct ans_errors e;
	struct http_form f;
	char body[256], pc[16];

	(void)state;
	for (int i = 0; i < 2000; i++) {
		size_t n = 0;
		pc[n++] = L[randombytes_uniform(sizeof(L) - 1)];
		if (randombytes_uniform(2))
			pc[n++] = L[randombytes_uniform(sizeof(L) - 1)];
		pc[n++] = (char)('1' + randombytes_uniform(9));
		if (randombytes_uniform(2))
			pc[n++] = randombytes_uniform(2)
				      ? (char)('0' + randombytes_uniform(10))
				      : 'A';
		if (randombytes_uniform(2))
			pc[n++] = '+';
		pc[n++] = (char)('0' + randombytes_uniform(10));
		pc[n++] = L[randombytes_uniform(sizeof(L) - 1)];
		pc[n++] = L[randombytes_uniform(sizeof(L) - 1)];
		pc[n] = '\0';
		snprintf(body, sizeof(body),
		    "m_post=yes&address=1+Road&postcode=%s", pc);
		memset(&a, 0, sizeof(a));
		form(&f, body);
		assert_int_equal(answers_apply(&a, ANS_CONTACT, &f, &e), 0);
		if (e.n != 0)
			fail_msg("refused postcode %s", pc);
	}
	static const char *const bad[] = {
	    "1AA", "SW1A", "SW1A+1A1", "12345", "SW1A+1AAA", "S%3CW1+1AA"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(body, sizeof(body),
		    "m_post=yes&address=1+Road&postcode=%s", bad[i]);
		form(&f, body);
		assert_int_equal(answers_apply(&a, ANS_CONTACT, &f, &e), 0);
		if (e.n != 1)
			fail_msg("accepted postcode %s", bad[i]);
	}
}

static void
answers_risk(void **state)
{
	static const char *const risky[] = {
	    "domestic_abuse", "sexual_violence", "stalking", "hate_crime"};
	struct answers a;
	struct ans_errors e;
	struct http_form f;
	char body[64];

	(void)state;
	memset(&a, 0, sizeof(a));
	assert_false(answers_needs_risk_assessment(&a));
	for (size_t i = 0; i < 4; i++) {
		snprintf(body, sizeof(body), "crime=%s", risky[i]);
		form(&f, body);
		assert_int_equal(answers_apply(&a, ANS_DETAILS, &f, &e), 0);
		assert_true(answers_needs_risk_assessment(&a));
	}
	form(&f, "crime=burglary&borough=city-of-london");
	assert_int_equal(answers_apply(&a, ANS_DETAILS, &f, &e), 0);
	assert_false(answers_needs_risk_assessment(&a));
}

/* --- payload --- */

static void
payload_has_what_was_entered(void **state)
{
	struct answers a;
	struct ans_errors e;
	struct http_form f;
	struct payload_info pi = {"K7QD-M2XA-9RTF-C", "CAM-LIB-01", "ar", 0, 3,
	    "abcd", 1764000000000, 1764000060000};
	char out[PAYLOAD_MAX];
	size_t len;
	json_t *o, *c;

	(void)state;
	memset(&a, 0, sizeof(a));
	form(&f, "happened=no&lives=yes");
	assert_int_equal(answers_apply(&a, ANS_ELIGIBLE, &f, &e), 0);
	form(&f, "agree=yes");
	assert_int_equal(answers_apply(&a, ANS_CONSENT, &f, &e), 0);
	form(&f, "name=%3Cscript%3E+%D8%B3%D8%A7%D9%85&m_call=yes&m_email=yes&"
		 "phone=07700900123&email=s%40example.org&t_evening=yes&"
		 "voicemail=yes");
	assert_int_equal(answers_apply(&a, ANS_CONTACT, &f, &e), 0);
	assert_int_equal(e.n, 0);
	form(&f, "crime=stalking&borough=tower-hamlets&interpreter=yes&"
		 "interpreter_lang=Arabic");
	assert_int_equal(answers_apply(&a, ANS_DETAILS, &f, &e), 0);
	assert_int_equal(payload_referral(out, sizeof(out), &len, &a, &pi), 0);
	o = json_loads(out, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(o);
	assert_string_equal(
	    json_string_value(json_object_get(o, "channel")), "kiosk");
	assert_string_equal(
	    json_string_value(json_object_get(o, "venue")), "CAM-LIB-01");
	assert_string_equal(
	    json_string_value(json_object_get(o, "borough")), "tower-hamlets");
	assert_true(json_is_true(json_object_get(o, "risk_assessment")));
	c = json_object_get(o, "contact");
	assert_string_equal(
	    json_string_value(json_object_get(c, "name")), "<script> سام");
	assert_string_equal(
	    json_string_value(json_object_get(c, "phone")), "+447700900123");
	assert_string_equal(
	    json_string_value(json_object_get(c, "method")), "call");
	assert_string_equal(
	    json_string_value(json_object_get(c, "time")), "evening");
	assert_int_equal(json_array_size(json_object_get(c, "methods")), 2);
	assert_true(json_is_true(json_object_get(c, "voicemail_ok")));
	assert_true(json_is_false(json_object_get(c, "may_say_service")));
	assert_true(json_is_true(json_object_get(
	    json_object_get(o, "eligibility"), "lives_in_london")));
	assert_int_equal(json_integer_value(json_object_get(
			     json_object_get(o, "consent"), "wording_version")),
	    3);
	json_decref(o);
}

/* --- say: what a page reads aloud --- */

static void
say_reads_what_is_shown(void **state)
{
	static const char html[] =
	    "<p class=\"back\" data-nosay><a href=\"/\">Back</a></p>"
	    "<h1>Where it   happened</h1><p>Tom &amp; Jerry &lt;3 it&#39;s"
	    "</p><div id=\"q-a\"><button data-nosay>Listen</button><fieldset>"
	    "<legend>Did it?</legend><div><label>Yes</label></div><div>"
	    "<label>No</label></div></fieldset></div><textarea>secret"
	    "</textarea><svg><text>qr</text></svg><div hidden><p>gone</p>"
	    "</div><script>x()</script><p>End<br>line</p>";
	char buf[1024];
	struct say s;

	(void)state;
	assert_int_equal(say_extract(&s, buf, sizeof(buf), html, NULL), 0);
	assert_int_equal(s.n, 7);
	assert_string_equal(s.clip[0], "Where it happened");
	assert_string_equal(s.clip[1], "Tom & Jerry <3 it's");
	assert_string_equal(s.clip[2], "Did it?");
	assert_string_equal(s.clip[3], "Yes");
	assert_string_equal(s.clip[4], "No");
	assert_string_equal(s.clip[5], "End");
	assert_string_equal(s.clip[6], "line");
	/* One question only, nested divs and all. */
	assert_int_equal(say_extract(&s, buf, sizeof(buf), html, "q-a"), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.clip[0], "Did it?");
	assert_string_equal(s.clip[2], "No");
	assert_int_equal(say_extract(&s, buf, sizeof(buf), html, "q-b"), -1);
	assert_int_equal(say_extract(&s, buf, 8, html, NULL), -1);
}

/* Long text is cut at a sentence end, within the clip limit, never
 * inside a UTF-8 letter. */
static void
say_cuts_long_text(void **state)
{
	char html[8192], buf[16384];
	struct say s;
	size_t n = 0, total = 0;

	(void)state;
	n += (size_t)snprintf(html, sizeof(html), "<p>");
	for (int i = 0; i < 60; i++)
		n += (size_t)snprintf(html + n, sizeof(html) - n,
		    "Zdanie numer %d jest tutaj, żółć. ", i);
	snprintf(html + n, sizeof(html) - n, "</p>");
	assert_int_equal(say_extract(&s, buf, sizeof(buf), html, NULL), 0);
	assert_true(s.n > 3);
	for (size_t i = 0; i < s.n; i++) {
		size_t l = strlen(s.clip[i]);
		assert_true(l <= SAY_CLIP_MAX);
		assert_true(utf8_valid(s.clip[i], l));
		if (i + 1 < s.n)
			assert_int_equal(s.clip[i][l - 1], '.');
		total += l;
	}
	assert_true(total > 60 * 30);
}

/* espeak-ng's audio: valid, not silent, longer for longer text, slower
 * when asked, in every voice the kiosk ships. */
static void
speech_makes_real_audio(void **state)
{
	static const char *const voices[][2] = {{"en-gb", "Hello."},
	    {"ar", "مرحبا"}, {"pl", "Dzień dobry."}, {"bn", "নমস্কার"},
	    {"ur", "سلام"}, {"tr", "Merhaba."}, {"ro", "Bună ziua."},
	    {"pt", "Olá."}, {"es", "Hola."}};
	struct speech *sp = speech_new();
	uint8_t *wav = malloc(SPEECH_WAV_MAX);
	size_t a, b, c;

	(void)state;
	assert_non_null(sp);
	assert_non_null(wav);
	assert_false(speech_has_voice(sp, "so"));
	for (size_t i = 0; i < sizeof(voices) / sizeof(voices[0]); i++) {
		double sum = 0;
		assert_true(speech_has_voice(sp, voices[i][0]));
		assert_int_equal(speech_wav(sp, voices[i][0], 160, voices[i][1],
				     wav, SPEECH_WAV_MAX, &a),
		    0);
		assert_memory_equal(wav, "RIFF", 4);
		for (size_t k = SPEECH_WAV_HEADER; k < a; k++)
			sum += (wav[k] - 128.0) * (wav[k] - 128.0);
		assert_true(sum / (double)(a - SPEECH_WAV_HEADER) > 16.0);
	}
	assert_int_equal(
	    speech_wav(sp, "en-gb", 160, "Yes.", wav, SPEECH_WAV_MAX, &a), 0);
	assert_int_equal(speech_wav(sp, "en-gb", 160,
			     "Yes. You can stop at any time, even after you "
			     "send this.",
			     wav, SPEECH_WAV_MAX, &b),
	    0);
	assert_int_equal(speech_wav(sp, "en-gb", 100,
			     "Yes. You can stop at any time, even after you "
			     "send this.",
			     wav, SPEECH_WAV_MAX, &c),
	    0);
	assert_true(b > 2 * a);
	assert_true(c > b);
	assert_int_equal(
	    speech_wav(sp, "xx-none", 160, "Hi.", wav, SPEECH_WAV_MAX, &a), -1);
	assert_int_equal(
	    speech_wav(sp, "en-gb", 160, "", wav, SPEECH_WAV_MAX, &a), -1);
	free(wav);
	speech_free(sp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(html_escapes_everything_markup_could_use),
	    cmocka_unit_test(html_overflow_is_sticky),
	    cmocka_unit_test(html_random_text_is_inert),
	    cmocka_unit_test(tmpl_renders_and_escapes),
	    cmocka_unit_test(tmpl_refuses_words_and_bad_syntax),
	    cmocka_unit_test(shipped_templates_hold_no_words),
	    cmocka_unit_test(session_wipe_really_zeroes),
	    cmocka_unit_test(session_idle_expiry),
	    cmocka_unit_test(answers_eligibility),
	    cmocka_unit_test(answers_refuse_what_no_form_sends),
	    cmocka_unit_test(answers_contact_rules),
	    cmocka_unit_test(answers_phone_random),
	    cmocka_unit_test(answers_postcode_random),
	    cmocka_unit_test(answers_risk),
	    cmocka_unit_test(payload_has_what_was_entered),
	    cmocka_unit_test(say_reads_what_is_shown),
	    cmocka_unit_test(say_cuts_long_text),
	    cmocka_unit_test(speech_makes_real_audio),
	};

	log_init("test_kiosk_parts");
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
