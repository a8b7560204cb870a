/* The dialog's keywords: messages normalised, words matched, the
 * keyword lists loaded and checked, and the parts of a message read as
 * words (a STOP, a REF, a code, a name). */
#include <stdio.h>
#include <string.h>

#include "crypto/refcode.h"
#include "sms/dialog_int.h"
#include "util/log.h"

/*
 * Opt-out words that carriers and providers act on themselves: each
 * always means STOP here too, whatever the content says.
 */
static const char stop_words[] = "STOP STOPALL UNSUBSCRIBE CANCEL END QUIT";
/* Opt-in and help words providers answer on their own: never a consent
 * or exit word, or the provider's answer would arrive beside ours. */
static const char provider_words[] = "YES START UNSTOP HELP INFO";

/* A code written after STOP: its symbols, spaces and dashes removed, is
 * about this long (a symbol more or less is still a try at a code). */
#define CODE_TRY_MIN (REFCODE_SYMBOLS - 1)
#define CODE_TRY_MAX (REFCODE_SYMBOLS + 3)

/* Content key of each keyword list and the placeholder showing it. */
const struct dialog_kw dialog_kw_def[KW_N] = {
    {"kw_consent", "consent", STEP_CONSENT},
    {"kw_decline", "decline", STEP_CONSENT},
    {"kw_exit", "exit", 0},
    {"kw_skip", "skip", STEP_NAME},
    {"kw_call", "call", STEP_CONTACT},
    {"kw_text", "text", STEP_CONTACT},
    {"kw_only", "only", STEP_CONTACT},
    {"kw_morning", "morning", STEP_CONTACT},
    {"kw_afternoon", "afternoon", STEP_CONTACT},
    {"kw_evening", "evening", STEP_CONTACT},
    {"kw_anytime", "anytime", STEP_CONTACT},
    {"kw_vm_yes", "vm_yes", STEP_VOICEMAIL},
    {"kw_vm_no", "vm_no", STEP_VOICEMAIL},
    {"kw_place_happened", "place_happened", STEP_PLACE},
    {"kw_place_live", "place_live", STEP_PLACE},
    {"kw_place_both", "place_both", STEP_PLACE},
    {"kw_place_neither", "place_neither", STEP_PLACE},
};

static int
is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	       (c >= 'a' && c <= 'z');
}

/*
 * Keywords are compared in this form: ASCII letters upper-cased, every
 * run of ASCII spaces, punctuation and control characters one space,
 * none at either end. Other UTF-8 bytes are kept as they are. out must
 * hold strlen(in) + 1 bytes.
 */
void
dialog_normalise(const char *in, char *out)
{
	size_t o = 0;
	int gap = 0;

	for (; *in != '\0'; in++) {
		unsigned char c = (unsigned char)*in;

		if (c < 0x80 && !is_alnum(c)) {
			gap = o > 0;
			continue;
		}
		if (gap) {
			out[o++] = ' ';
			gap = 0;
		}
		out[o++] = (char)(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
	}
	out[o] = '\0';
}

/* Is the word of len bytes one of the space-separated list? */
int
dialog_word_in(const char *word, size_t len, const char *list)
{
	const char *p = list, *e;

	while (*p != '\0') {
		e = strchr(p, ' ');
		if (e == NULL)
			e = p + strlen(p);
		if ((size_t)(e - p) == len && memcmp(p, word, len) == 0)
			return 1;
		p = *e == ' ' ? e + 1 : e;
	}
	return 0;
}

int
dialog_whole_in(const char *norm, const char *list)
{
	return norm[0] != '\0' && strchr(norm, ' ') == NULL &&
	       dialog_word_in(norm, strlen(norm), list);
}

/* The first word's length; *rest points after it and its space. */
size_t
dialog_first_word(const char *norm, const char **rest)
{
	const char *e = strchr(norm, ' ');

	if (e == NULL) {
		*rest = norm + strlen(norm);
		return strlen(norm);
	}
	*rest = e + 1;
	return (size_t)(e - norm);
}

/*
 * Take a keyword list from content or configuration: words of A-Z and
 * 0-9, at least one. Stored normalised; shown is the first word.
 */
int
dialog_load_words(const char *what, const char *src, char *words, char *shown)
{
	char tmp[DIALOG_WORDS_MAX];
	size_t n = strlen(src), i;

	if (n == 0 || n >= DIALOG_WORDS_MAX) {
		log_err("dialog: %s: empty or too long", what);
		return -1;
	}
	dialog_normalise(src, tmp);
	for (i = 0; tmp[i] != '\0'; i++) {
		if (!is_alnum((unsigned char)tmp[i]) && tmp[i] != ' ') {
			log_err("dialog: %s: keywords are A-Z and 0-9", what);
			return -1;
		}
	}
	if (tmp[0] == '\0') {
		log_err("dialog: %s: no keyword", what);
		return -1;
	}
	memcpy(words, tmp, strlen(tmp) + 1);
	i = strcspn(tmp, " ");
	memcpy(shown, tmp, i);
	shown[i] = '\0';
	return 0;
}

/* Does any word of list a appear in list b? */
static int
lists_meet(const char *a, const char *b)
{
	const char *p = a, *rest;
	size_t len;

	while (*p != '\0') {
		len = dialog_first_word(p, &rest);
		if (dialog_word_in(p, len, b))
			return 1;
		p = rest;
	}
	return 0;
}

int
dialog_check_words(struct dialog *d)
{
	char global[DIALOG_WORDS_MAX * 2];
	int n, i, j;

	n = snprintf(global, sizeof(global), "%s %s %s %s", stop_words,
	    d->stop_kw, d->ref_kw, d->words[KW_EXIT]);
	if (n < 0 || (size_t)n >= sizeof(global))
		return -1;
	if (strchr(d->words[KW_EXIT], ' ') != NULL) {
		log_err("dialog: the exit word must be one word");
		return -1;
	}
	if (lists_meet(d->words[KW_EXIT], stop_words) ||
	    lists_meet(d->words[KW_EXIT], d->stop_kw) ||
	    lists_meet(d->words[KW_EXIT], d->ref_kw)) {
		log_err("dialog: the exit word cannot be a STOP word or %s",
		    d->ref_kw);
		return -1;
	}
	if (lists_meet(d->words[KW_CONSENT], provider_words) ||
	    lists_meet(d->words[KW_EXIT], provider_words) ||
	    lists_meet(d->words[KW_CONSENT], d->info_kw) ||
	    lists_meet(d->words[KW_EXIT], d->info_kw)) {
		log_err("dialog: YES, START, UNSTOP, HELP and INFO cannot be "
			"consent or exit words: providers answer them");
		return -1;
	}
	for (i = 0; i < KW_N; i++) {
		if (dialog_kw_def[i].step == 0)
			continue;
		if (lists_meet(d->words[i], global)) {
			log_err("dialog: %s uses a word kept for STOP, %s or "
				"the exit word",
			    dialog_kw_def[i].key, d->ref_kw);
			return -1;
		}
		for (j = i + 1; j < KW_N; j++) {
			if (dialog_kw_def[j].step == dialog_kw_def[i].step &&
			    lists_meet(d->words[i], d->words[j])) {
				log_err("dialog: %s and %s share a word",
				    dialog_kw_def[i].key, dialog_kw_def[j].key);
				return -1;
			}
		}
	}
	return 0;
}

/* Does the text after STOP look like a try at a reference code? */
int
dialog_code_try(const char *rest)
{
	size_t n = 0;

	for (; *rest != '\0'; rest++) {
		if (*rest == ' ')
			continue;
		if (!is_alnum((unsigned char)*rest))
			return 0;
		n++;
	}
	return n >= CODE_TRY_MIN && n <= CODE_TRY_MAX;
}

/* The name as written: blanks at either end dropped, control characters
 * made spaces. 0 if it is usable. */
int
dialog_take_name(const char *text, char out[CONVERSATION_NAME_MAX + 1])
{
	size_t n;
	int letters = 0;

	while (*text == ' ' || *text == '\t' || *text == '\r' || *text == '\n')
		text++;
	n = strlen(text);
	while (
	    n > 0 && ((unsigned char)text[n - 1] <= ' ' || text[n - 1] == 0x7f))
		n--;
	if (n == 0 || n > CONVERSATION_NAME_MAX)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];

		out[i] = (char)(c < 0x20 || c == 0x7f ? ' ' : c);
		/* A letter or digit in any script, not punctuation alone. */
		if (is_alnum(c) || c >= 0x80)
			letters = 1;
	}
	out[n] = '\0';
	if (!letters) {
		sodium_memzero(out, CONVERSATION_NAME_MAX + 1);
		return -1;
	}
	return 0;
}

int
dialog_is_stop(const struct dialog *d, const char *norm, const char **rest)
{
	size_t len;

	if (dialog_whole_in(norm, stop_words) ||
	    dialog_whole_in(norm, d->stop_kw)) {
		*rest = "";
		return 1;
	}
	len = dialog_first_word(norm, rest);
	return len > 0 && dialog_word_in(norm, len, d->stop_kw);
}

int
dialog_is_ref(const struct dialog *d, const char *norm, const char **rest)
{
	size_t len = dialog_first_word(norm, rest);

	return len > 0 && dialog_word_in(norm, len, d->ref_kw);
}
