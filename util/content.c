#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util/content.h"
#include "util/file.h"
#include "util/log.h"

/* A placeholder name: {code}, {number}, ... */
#define PLACEHOLDER_NAME_MAX 32
/* Largest day count service.json may state. */
#define WORKING_DAYS_MAX 60
#define TEXT_SCALE_MIN 50
#define TEXT_SCALE_MAX 200
#define LINE_SPACING_MIN 50
#define LINE_SPACING_MAX 200

/*
 * Language codes and table names become path components, so only a
 * narrow alphabet is accepted (no "/", no "..").
 */
static int
valid_lang(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 2 || n >= CONTENT_LANG_MAX || s[0] < 'a' || s[0] > 'z')
		return 0;
	for (i = 0; i < n; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
			(s[i] >= 'A' && s[i] <= 'Z') ||
			(s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	}
	return 1;
}

static int
valid_name(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n >= CONTENT_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
			return 0;
	}
	return 1;
}

static json_t *
load_json(const char *path)
{
	uint8_t *data = NULL;
	size_t len;
	json_error_t e;
	json_t *j;

	if (file_read_alloc(path, CONTENT_FILE_MAX, &data, &len) != 0)
		return NULL;
	j = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, &e);
	free(data);
	if (j == NULL) {
		log_err("%s:%d: %s", path, e.line, e.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		log_err("%s: not a JSON object", path);
		json_decref(j);
		return NULL;
	}
	return j;
}

static int
root_path(char *buf, size_t cap, const char *root, const char *file)
{
	int n = snprintf(buf, cap, "%s/%s", root, file);

	if (n < 0 || (size_t)n >= cap) {
		log_err("content: path too long");
		return -1;
	}
	return 0;
}

/* Copy a string member; a missing member is "" unless required. */
static int
get_str(const char *what, json_t *obj, const char *key, char *dst, size_t cap,
    int required)
{
	json_t *v = json_object_get(obj, key);
	const char *s;

	dst[0] = '\0';
	if (v == NULL && !required)
		return 0;
	if (!json_is_string(v)) {
		log_err("%s: \"%s\" missing or not a string", what, key);
		return -1;
	}
	s = json_string_value(v);
	if (strlen(s) >= cap) {
		log_err("%s: \"%s\" longer than %zu bytes", what, key, cap - 1);
		return -1;
	}
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

static int
get_bool(const char *what, json_t *obj, const char *key, int *out, int required)
{
	json_t *v = json_object_get(obj, key);

	*out = 0;
	if (v == NULL && !required)
		return 0;
	if (!json_is_boolean(v)) {
		log_err("%s: \"%s\" missing or not true/false", what, key);
		return -1;
	}
	*out = json_is_true(v);
	return 0;
}

static int
get_int(
    const char *what, json_t *obj, const char *key, int lo, int hi, int *out)
{
	json_t *v = json_object_get(obj, key);
	json_int_t n;

	if (!json_is_integer(v)) {
		log_err("%s: \"%s\" missing or not a whole number", what, key);
		return -1;
	}
	n = json_integer_value(v);
	if (n < lo || n > hi) {
		log_err("%s: \"%s\" out of range %d..%d", what, key, lo, hi);
		return -1;
	}
	*out = (int)n;
	return 0;
}

int
content_load(
    struct content *c, const char *root, const char *lang, const char *name)
{
	char path[PATH_MAX], mlang[CONTENT_LANG_MAX];
	const char *key;
	json_t *j = NULL, *meta, *v;
	int n, rc = -1;

	memset(c, 0, sizeof(*c));
	if (!valid_lang(lang) || !valid_name(name)) {
		log_err("content: bad language code or table name");
		return -1;
	}
	n = snprintf(path, sizeof(path), "%s/%s/%s.json", root, lang, name);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		log_err("content: path too long");
		return -1;
	}
	if ((j = load_json(path)) == NULL)
		goto out;
	meta = json_object_get(j, "_meta");
	if (!json_is_object(meta)) {
		log_err("%s: no \"_meta\" object", path);
		goto out;
	}
	if (get_str(path, meta, "language", mlang, sizeof(mlang), 1) != 0 ||
	    get_int(path, meta, "version", 1, INT_MAX, &c->version) != 0 ||
	    get_bool(path, meta, "draft", &c->draft, 1) != 0)
		goto out;
	if (strcmp(mlang, lang) != 0) {
		log_err("%s: _meta.language is \"%s\"", path, mlang);
		goto out;
	}
	json_object_foreach(j, key, v)
	{
		if (key[0] == '_')
			continue;
		if (!valid_name(key) || !json_is_string(v)) {
			log_err("%s: \"%s\": keys are a-z and _, values text",
			    path, key);
			goto out;
		}
	}
	memcpy(c->lang, lang, strlen(lang) + 1);
	memcpy(c->name, name, strlen(name) + 1);
	c->table = j;
	j = NULL;
	rc = 0;
out:
	json_decref(j);
	return rc;
}

void
content_free(struct content *c)
{
	json_decref(c->table);
	memset(c, 0, sizeof(*c));
}

const char *
content_get(const struct content *c, const char *key)
{
	json_t *v;

	if (c->table == NULL || key[0] == '_')
		return NULL;
	v = json_object_get(c->table, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/*
 * Length of the placeholder name at s (just after a "{"), or 0 if s does
 * not start a well-formed placeholder.
 */
static size_t
placeholder_len(const char *s)
{
	size_t n = 0;

	while ((s[n] >= 'a' && s[n] <= 'z') || s[n] == '_') {
		if (++n > PLACEHOLDER_NAME_MAX)
			return 0;
	}
	return n > 0 && s[n] == '}' ? n : 0;
}

/* Is name the placeholder of length len at s? */
static int
name_is(const char *name, const char *s, size_t len)
{
	return strncmp(name, s, len) == 0 && name[len] == '\0';
}

/* The distinct placeholder names in s, sorted. */
struct placeholders {
	char name[CONTENT_PLACEHOLDERS_MAX][PLACEHOLDER_NAME_MAX + 1];
	size_t n;
};

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int
placeholders_of(const char *s, struct placeholders *p)
{
	size_t len, i;

	p->n = 0;
	for (; *s != '\0'; s++) {
		if (*s != '{' || (len = placeholder_len(s + 1)) == 0)
			continue;
		for (i = 0; i < p->n; i++)
			if (name_is(p->name[i], s + 1, len))
				break;
		if (i == p->n) {
			if (p->n == CONTENT_PLACEHOLDERS_MAX)
				return -1;
			memcpy(p->name[p->n], s + 1, len);
			p->name[p->n][len] = '\0';
			p->n++;
		}
		s += len + 1;
	}
	qsort(p->name, p->n, sizeof(p->name[0]), cmp_name);
	return 0;
}

int
content_check_keys(const struct content *ref, const struct content *c)
{
	struct placeholders a, b;
	const char *key;
	json_t *v, *w;
	size_t i;
	int rc = 0;

	if (ref->table == NULL || c->table == NULL)
		return -1;
	json_object_foreach(ref->table, key, v)
	{
		if (key[0] == '_')
			continue;
		w = json_object_get(c->table, key);
		if (w == NULL) {
			log_err("content: %s/%s: key \"%s\" missing", c->lang,
			    c->name, key);
			rc = -1;
			continue;
		}
		if (placeholders_of(json_string_value(v), &a) != 0 ||
		    placeholders_of(json_string_value(w), &b) != 0) {
			log_err("content: \"%s\": too many placeholders", key);
			rc = -1;
			continue;
		}
		for (i = 0; i < a.n && a.n == b.n; i++)
			if (strcmp(a.name[i], b.name[i]) != 0)
				break;
		if (a.n != b.n || i != a.n) {
			log_err("content: %s/%s: \"%s\" has other placeholders "
				"than %s",
			    c->lang, c->name, key, ref->lang);
			rc = -1;
		}
	}
	json_object_foreach(c->table, key, w)
	{
		if (key[0] != '_' && json_object_get(ref->table, key) == NULL) {
			log_err("content: %s/%s: key \"%s\" not in %s", c->lang,
			    c->name, key, ref->lang);
			rc = -1;
		}
	}
	return rc;
}

int
content_expand(const char *tmpl, const struct content_var *vars, size_t nvars,
    char *out, size_t cap)
{
	size_t o = 0, len, i, vlen;
	const char *p;
	int rc = -1;

	if (cap == 0)
		return -1;
	for (p = tmpl; *p != '\0';) {
		if (*p == '{' && (len = placeholder_len(p + 1)) > 0) {
			for (i = 0; i < nvars; i++)
				if (name_is(vars[i].name, p + 1, len))
					break;
			if (i == nvars || vars[i].value == NULL) {
				log_err("content: no value for {%.*s}",
				    (int)len, p + 1);
				goto out;
			}
			vlen = strlen(vars[i].value);
			if (vlen >= cap - o) {
				log_err("content: text longer than %zu bytes",
				    cap - 1);
				goto out;
			}
			memcpy(out + o, vars[i].value, vlen);
			o += vlen;
			p += len + 2;
			continue;
		}
		if (o + 1 >= cap) {
			log_err("content: text longer than %zu bytes", cap - 1);
			goto out;
		}
		out[o++] = *p++;
	}
	out[o] = '\0';
	rc = 0;
out:
	if (rc != 0)
		out[0] = '\0';
	return rc;
}

int
content_langs_load(struct content_langs *l, const char *root)
{
	char path[PATH_MAX], dir[8];
	struct content_lang *cl;
	json_t *j = NULL, *arr, *e;
	size_t i, k;
	int rc = -1;

	memset(l, 0, sizeof(*l));
	if (root_path(path, sizeof(path), root, "languages.json") != 0 ||
	    (j = load_json(path)) == NULL)
		goto out;
	arr = json_object_get(j, "languages");
	if (!json_is_array(arr) || json_array_size(arr) == 0 ||
	    json_array_size(arr) > CONTENT_LANGS_MAX) {
		log_err("%s: \"languages\" must list 1..%d languages", path,
		    CONTENT_LANGS_MAX);
		goto out;
	}
	json_array_foreach(arr, i, e)
	{
		cl = &l->lang[i];
		if (!json_is_object(e) ||
		    get_str(path, e, "code", cl->code, sizeof(cl->code), 1) ||
		    get_str(
			path, e, "native", cl->native, sizeof(cl->native), 1) ||
		    get_str(path, e, "english", cl->english,
			sizeof(cl->english), 1) ||
		    get_str(path, e, "dir", dir, sizeof(dir), 1) ||
		    get_str(path, e, "font", cl->font, sizeof(cl->font), 0) ||
		    get_str(
			path, e, "voice", cl->voice, sizeof(cl->voice), 0) ||
		    get_bool(path, e, "draft", &cl->draft, 1)) {
			log_err("%s: language %zu is incomplete", path, i + 1);
			goto out;
		}
		cl->text_scale = 100;
		if (json_object_get(e, "text_scale") != NULL &&
		    get_int(path, e, "text_scale", TEXT_SCALE_MIN,
			TEXT_SCALE_MAX, &cl->text_scale) != 0)
			goto out;
		if (json_object_get(e, "line_spacing") != NULL &&
		    get_int(path, e, "line_spacing", LINE_SPACING_MIN,
			LINE_SPACING_MAX, &cl->line_spacing) != 0)
			goto out;
		if (!valid_lang(cl->code) ||
		    (strcmp(dir, "ltr") != 0 && strcmp(dir, "rtl") != 0)) {
			log_err("%s: \"%s\": bad code or dir", path, cl->code);
			goto out;
		}
		cl->rtl = strcmp(dir, "rtl") == 0;
		for (k = 0; k < i; k++) {
			if (strcmp(l->lang[k].code, cl->code) == 0) {
				log_err(
				    "%s: \"%s\" listed twice", path, cl->code);
				goto out;
			}
		}
		l->n = i + 1;
	}
	if (content_langs_find(l, "en") == NULL) {
		log_err("%s: English (en) must be listed", path);
		goto out;
	}
	rc = 0;
out:
	json_decref(j);
	if (rc != 0)
		l->n = 0;
	return rc;
}

const struct content_lang *
content_langs_find(const struct content_langs *l, const char *code)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->lang[i].code, code) == 0)
			return &l->lang[i];
	return NULL;
}

int
content_support_load(struct content_support *s, const char *root)
{
	char path[PATH_MAX];
	struct content_contact *c;
	json_t *j = NULL, *arr, *e;
	size_t i;
	int rc = -1;

	memset(s, 0, sizeof(*s));
	if (root_path(path, sizeof(path), root, "support.json") != 0 ||
	    (j = load_json(path)) == NULL)
		goto out;
	if (!json_is_object(json_object_get(j, "_meta")) ||
	    get_int(path, json_object_get(j, "_meta"), "version", 1, INT_MAX,
		&s->version) != 0)
		goto out;
	arr = json_object_get(j, "contacts");
	if (!json_is_array(arr) ||
	    json_array_size(arr) > CONTENT_CONTACTS_MAX) {
		log_err("%s: \"contacts\" must list at most %d", path,
		    CONTENT_CONTACTS_MAX);
		goto out;
	}
	json_array_foreach(arr, i, e)
	{
		c = &s->contact[i];
		if (!json_is_object(e) ||
		    get_str(path, e, "id", c->id, sizeof(c->id), 1) ||
		    get_str(path, e, "text_key", c->text_key,
			sizeof(c->text_key), 1) ||
		    get_str(path, e, "phone", c->phone, sizeof(c->phone), 0) ||
		    get_str(path, e, "web", c->web, sizeof(c->web), 0) ||
		    get_str(path, e, "hours", c->hours, sizeof(c->hours), 0) ||
		    get_bool(path, e, "placeholder", &c->placeholder, 0) ||
		    get_bool(path, e, "verify_before_use",
			&c->verify_before_use, 1)) {
			log_err("%s: contact %zu is incomplete", path, i + 1);
			goto out;
		}
		if (!valid_name(c->text_key)) {
			log_err("%s: \"%s\": bad text_key", path, c->id);
			goto out;
		}
		s->n = i + 1;
	}
	rc = 0;
out:
	json_decref(j);
	if (rc != 0)
		s->n = 0;
	return rc;
}

const struct content_contact *
content_support_find(const struct content_support *s, const char *id)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->contact[i].id, id) == 0)
			return &s->contact[i];
	return NULL;
}

int
content_service_load(struct content_service *s, const char *root)
{
	char path[PATH_MAX];
	json_t *j = NULL, *kw;
	int rc = -1;

	memset(s, 0, sizeof(*s));
	if (root_path(path, sizeof(path), root, "service.json") != 0 ||
	    (j = load_json(path)) == NULL)
		goto out;
	if (!json_is_object(json_object_get(j, "_meta")) ||
	    get_int(path, json_object_get(j, "_meta"), "version", 1, INT_MAX,
		&s->version) != 0 ||
	    get_int(path, j, "contact_working_days", 1, WORKING_DAYS_MAX,
		&s->contact_working_days) != 0)
		goto out;
	kw = json_object_get(j, "sms_keywords");
	if (!json_is_object(kw) ||
	    get_str(path, kw, "referral", s->kw_referral,
		sizeof(s->kw_referral), 1) ||
	    get_str(path, kw, "info", s->kw_info, sizeof(s->kw_info), 1) ||
	    get_str(path, kw, "stop", s->kw_stop, sizeof(s->kw_stop), 1)) {
		log_err(
		    "%s: \"sms_keywords\" needs referral, info, stop", path);
		goto out;
	}
	if (s->kw_referral[0] == '\0' || s->kw_info[0] == '\0' ||
	    s->kw_stop[0] == '\0') {
		log_err("%s: an SMS keyword is empty", path);
		goto out;
	}
	rc = 0;
out:
	json_decref(j);
	return rc;
}
