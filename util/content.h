#ifndef UTIL_CONTENT_H
#define UTIL_CONTENT_H

#include <stddef.h>

/*
 * Every word a visitor reads lives in content/ (see content/README.md).
 * A string table is content/<lang>/<name>.json: an object of "key": "text"
 * plus "_meta": {"language", "version", "draft"}. Text may hold
 * placeholders such as {code}; content_expand fills them in.
 */

/* Limits for files that are shipped, not typed by visitors. */
#define CONTENT_FILE_MAX (256 * 1024)
#define CONTENT_LANG_MAX 16 /* "en", "pt-BR", with the NUL */
#define CONTENT_NAME_MAX 64 /* table names, ids, language names */
#define CONTENT_LANGS_MAX 32
#define CONTENT_CONTACTS_MAX 16
#define CONTENT_PHONE_MAX 32
#define CONTENT_WEB_MAX 128
#define CONTENT_KEYWORD_MAX 16
#define CONTENT_PLACEHOLDERS_MAX 16 /* distinct {names} in one text */
#define CONTENT_TEXT_MAX 4096 /* one expanded text */

struct json_t;

struct content {
	struct json_t *table; /* owns every string content_get returns */
	char lang[CONTENT_LANG_MAX];
	char name[CONTENT_NAME_MAX];
	int version;
	int draft;
};

/* Load root/lang/name.json; its _meta must name the same language. */
int content_load(
    struct content *c, const char *root, const char *lang, const char *name);
void content_free(struct content *c);

/* The text for key, or NULL if the table has none ("_meta" is not text). */
const char *content_get(const struct content *c, const char *key);

/*
 * 0 if c has exactly the keys of ref (English) and each text has the same
 * placeholders as ref's; otherwise -1, with each difference logged.
 */
int content_check_keys(const struct content *ref, const struct content *c);

struct content_var {
	const char *name;
	const char *value;
};

/*
 * Copy tmpl to out with each {name} replaced by its value. A placeholder
 * with no value given is an error, so a typo cannot reach a slip; a "{"
 * that does not start a placeholder is copied as it is.
 */
int content_expand(const char *tmpl, const struct content_var *vars,
    size_t nvars, char *out, size_t cap);

/* content/languages.json */
struct content_lang {
	char code[CONTENT_LANG_MAX];
	char native[CONTENT_NAME_MAX]; /* the language's name for itself */
	char english[CONTENT_NAME_MAX]; /* its English name */
	char font[CONTENT_NAME_MAX]; /* Pango family list, "" for default */
	char voice[CONTENT_NAME_MAX]; /* espeak-ng voice, "" for none */
	int text_scale; /* percent, for scripts set larger */
	int line_spacing; /* percent of the font's line height */
	int rtl;
	int draft;
};

struct content_langs {
	struct content_lang lang[CONTENT_LANGS_MAX];
	size_t n;
};

int content_langs_load(struct content_langs *l, const char *root);
const struct content_lang *content_langs_find(
    const struct content_langs *l, const char *code);

/* content/support.json: contacts shown on the slip and the screens. */
struct content_contact {
	char id[CONTENT_NAME_MAX];
	char text_key[CONTENT_NAME_MAX]; /* string-table key of its line */
	char phone[CONTENT_PHONE_MAX]; /* "" when it has none */
	char web[CONTENT_WEB_MAX];
	char hours[CONTENT_NAME_MAX];
	int placeholder; /* for the operator to fill in; unused while empty */
	int verify_before_use;
};

struct content_support {
	struct content_contact contact[CONTENT_CONTACTS_MAX];
	size_t n;
	int version;
};

int content_support_load(struct content_support *s, const char *root);
const struct content_contact *content_support_find(
    const struct content_support *s, const char *id);

/* content/service.json: facts and SMS keywords shared by all languages. */
struct content_service {
	int version;
	int contact_working_days;
	char kw_referral[CONTENT_KEYWORD_MAX]; /* "REF": about a referral */
	char kw_info[CONTENT_KEYWORD_MAX]; /* "INFO": tell me more */
	char kw_stop[CONTENT_KEYWORD_MAX]; /* "STOP": withdraw */
};

int content_service_load(struct content_service *s, const char *root);

#endif
