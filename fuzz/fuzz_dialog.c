/*
 * libFuzzer target for the SMS conversation's handling of what a person
 * texts (the text functions of sms/dialog_words.c and dialog_reply.c): the
 * text as a provider hands it over (valid UTF-8 without NUL, at most
 * SMS_MAX_TEXT characters), normalised, tested for STOP (with a code
 * after it), the exit word and REF <code>, matched against every keyword
 * list word by word, taken as a name, and, where it held a valid code,
 * that code put in the replies that carry one. The dialog is made by
 * dialog_new from the shipped English content; no database is touched
 * (the text functions never use it, and a pointer nobody may follow
 * stands in for it).
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "crypto/refcode.h"
#include "sms/dialog_int.h"
#include "util/log.h"

#include "fuzz/fuzz_check.h"
#include "util/utf8.h"

static struct dialog_content dc;
static struct dialog *d;
static struct sms_inbound in;
static char norm[SMS_MAX_TEXT_BYTES + 1];
static char reply[SMS_MAX_REPLY + 1];

static int
no_seal(void *ctx, enum envelope_kind kind, const char *payload, size_t len)
{
	(void)ctx;
	(void)kind;
	(void)payload;
	(void)len;
	abort();
}

static void
setup(void)
{
	static uint8_t key[DIALOG_KEY_LEN];
	static char db_stand_in;
	struct dialog_cfg cfg;

	CHECK(sodium_init() >= 0);
	log_quiet(1);
	CHECK(dialog_content_load(&dc, "content", "en") == 0);
	memset(&cfg, 0, sizeof(cfg));
	cfg.db = (struct db *)&db_stand_in;
	cfg.content = &dc;
	cfg.state_key = key;
	cfg.seal = no_seal;
	CHECK((d = dialog_new(&cfg)) != NULL);
}

/* The promises of normalise: upper-case ASCII letters, digits and other
 * UTF-8 bytes, words split by one space, none at either end. */
static void
check_norm(const char *text)
{
	size_t n = strlen(norm);

	CHECK(n <= strlen(text));
	CHECK(n == 0 || (norm[0] != ' ' && norm[n - 1] != ' '));
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)norm[i];

		CHECK(c >= 0x80 || (c >= '0' && c <= '9') ||
		      (c >= 'A' && c <= 'Z') ||
		      (c == ' ' && norm[i + 1] != ' '));
	}
}

static void
try_code(const char *rest, enum reply r)
{
	char code[REFCODE_BUFLEN];

	CHECK(rest >= norm && rest <= norm + strlen(norm));
	if (refcode_parse(code, sizeof(code), rest) != 0)
		return;
	CHECK(strlen(code) == REFCODE_LEN);
	/* A reply that carries the code must still fit. */
	CHECK(dialog_expand(d, r, code, reply, sizeof(reply)) == 0);
	CHECK(dialog_expand(d, R_CONFIRM, code, reply, sizeof(reply)) == 0);
	CHECK(strstr(reply, code) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char name[CONVERSATION_NAME_MAX + 1];
	const char *rest = "", *p;
	size_t len;
	int stop;

	if (d == NULL)
		setup();
	if (sms_set_text(in.text, (const char *)data, size) != 0)
		return 0;
	dialog_normalise(in.text, norm);
	check_norm(in.text);
	stop = dialog_is_stop(d, norm, &rest);
	if (stop) {
		if (dialog_code_try(rest))
			try_code(rest, R_STOP_WITHDRAWN);
	} else if (!dialog_whole_in(norm, d->words[KW_EXIT]) &&
		   dialog_is_ref(d, norm, &rest)) {
		try_code(rest, R_REF_OK);
	}
	for (int i = 0; i < KW_N; i++) {
		(void)dialog_whole_in(norm, d->words[i]);
		for (p = norm; *p != '\0'; p = rest) {
			len = dialog_first_word(p, &rest);
			CHECK(len > 0 && rest > p);
			(void)dialog_word_in(p, len, d->words[i]);
		}
	}
	if (dialog_take_name(in.text, name) == 0) {
		len = strlen(name);
		CHECK(len > 0 && len <= CONVERSATION_NAME_MAX);
		CHECK(utf8_valid(name, len) || len == CONVERSATION_NAME_MAX ||
		      !utf8_valid(in.text, strlen(in.text)));
		for (size_t i = 0; i < len; i++)
			CHECK(
			    (unsigned char)name[i] >= 0x20 && name[i] != 0x7f);
	}
	sms_inbound_wipe(&in);
	return 0;
}
