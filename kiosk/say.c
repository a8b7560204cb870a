#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "kiosk/say.h"
#include "util/log.h"

#define TAG_MAX 16

/* Elements whose text is never spoken, with all inside them. */
static const char *const skipped[] = {
    "script", "style", "svg", "textarea", "title", "head", NULL};
/* Elements that start and end a clip. */
static const char *const blocks[] = {"p", "h1", "h2", "h3", "h4", "li",
    "legend", "label", "dt", "dd", "button", "a", "div", "fieldset", "section",
    "br", "summary", "th", "td", "tr", "ul", "ol", "dl", "main", "form",
    "option", NULL};

struct state {
	struct say *s;
	char cur[SAY_CLIP_MAX * 2];
	size_t curlen;
	int space;
	int failed;
};

static int
in_list(const char *const *l, const char *name)
{
	for (; *l != NULL; l++)
		if (strcasecmp(*l, name) == 0)
			return 1;
	return 0;
}

static void
emit(struct state *st, const char *text, size_t n)
{
	struct say *s = st->s;

	while (n > 0 && text[n - 1] == ' ')
		n--;
	while (n > 0 && *text == ' ') {
		text++;
		n--;
	}
	if (n == 0)
		return;
	if (s->n == SAY_CLIPS_MAX || n + 1 > s->cap - s->len) {
		st->failed = 1;
		return;
	}
	memcpy(s->buf + s->len, text, n);
	s->buf[s->len + n] = '\0';
	s->clip[s->n++] = s->buf + s->len;
	s->len += n + 1;
}

/*
 * Emit clips from the text being built: all of it when the block ends
 * (last), or while more than a clip waits, keeping the rest to go on.
 */
static void
cut_clips(struct state *st, int last)
{
	const char *t = st->cur;
	size_t n = st->curlen;

	while (n > SAY_CLIP_MAX) {
		size_t cut = 0;
		for (size_t i = 1; i < SAY_CLIP_MAX; i++)
			if ((t[i - 1] == '.' || t[i - 1] == '?' ||
				t[i - 1] == '!') &&
			    t[i] == ' ')
				cut = i;
		if (cut == 0)
			for (size_t i = SAY_CLIP_MAX - 1; i > 0 && cut == 0;
			     i--)
				if (t[i] == ' ')
					cut = i;
		if (cut == 0)
			cut = SAY_CLIP_MAX;
		/* Never inside a UTF-8 sequence. */
		while (cut > 0 && ((unsigned char)t[cut] & 0xc0) == 0x80)
			cut--;
		emit(st, t, cut);
		t += cut;
		n -= cut;
	}
	if (last) {
		emit(st, t, n);
		n = 0;
	}
	memmove(st->cur, t, n);
	st->curlen = n;
	if (last)
		st->space = 0;
}

static void
flush(struct state *st)
{
	cut_clips(st, 1);
}

static void
add_char(struct state *st, char c)
{
	if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
		st->space = st->curlen > 0;
		return;
	}
	if (st->curlen + 2 >= sizeof(st->cur))
		cut_clips(st, 0);
	if (st->space) {
		st->cur[st->curlen++] = ' ';
		st->space = 0;
	}
	st->cur[st->curlen++] = c;
}

static const char *
entity(const char *p, char *out)
{
	static const struct {
		const char *name;
		char c;
	} ents[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'},
	    {"&quot;", '"'}, {"&#39;", '\''}, {"&nbsp;", ' '}};

	for (size_t i = 0; i < sizeof(ents) / sizeof(ents[0]); i++) {
		size_t l = strlen(ents[i].name);
		if (strncmp(p, ents[i].name, l) == 0) {
			*out = ents[i].c;
			return p + l;
		}
	}
	*out = '&';
	return p + 1;
}

/* The tag at p ("<name ...>"): its name, whether it closes, and whether
 * it keeps its text from being spoken. Returns the byte after '>'. */
static const char *
read_tag(const char *p, char name[TAG_MAX], int *closing, int *quiet,
    const char **attrs, size_t *attrs_len)
{
	const char *e = strchr(p, '>'), *q = p + 1;
	size_t n = 0;

	if (e == NULL)
		return NULL;
	*closing = *q == '/';
	if (*closing)
		q++;
	while (q < e && (isalnum((unsigned char)*q)) && n + 1 < TAG_MAX)
		name[n++] = (char)tolower((unsigned char)*q++);
	name[n] = '\0';
	*attrs = q;
	*attrs_len = (size_t)(e - q);
	*quiet = memmem(q, *attrs_len, " hidden", 7) != NULL ||
		 memmem(q, *attrs_len, "aria-hidden=\"true\"", 18) != NULL ||
		 memmem(q, *attrs_len, "data-nosay", 10) != NULL;
	return e + 1;
}

static int
void_element(const char *name)
{
	static const char *const v[] = {"br", "input", "img", "meta", "link",
	    "hr", "source", "area", "wbr", NULL};

	return in_list(v, name);
}

int
say_extract(
    struct say *s, char *buf, size_t cap, const char *html, const char *id)
{
	struct state st;
	char name[TAG_MAX], skip_name[TAG_MAX] = "", root_name[TAG_MAX] = "";
	const char *p = html, *attrs;
	size_t attrs_len, skip_depth = 0, root_depth = 0;
	int closing, quiet, inside = id == NULL;

	memset(s, 0, sizeof(*s));
	s->buf = buf;
	s->cap = cap;
	memset(&st, 0, sizeof(st));
	st.s = s;
	while (*p != '\0' && !st.failed) {
		if (strncmp(p, "<!--", 4) == 0) {
			const char *e = strstr(p + 4, "-->");
			p = e != NULL ? e + 3 : p + strlen(p);
			continue;
		}
		if (*p != '<') {
			char c = *p;
			if (c == '&')
				p = entity(p, &c);
			else
				p++;
			if (inside && skip_depth == 0)
				add_char(&st, c);
			continue;
		}
		p = read_tag(p, name, &closing, &quiet, &attrs, &attrs_len);
		if (p == NULL)
			break;
		if (name[0] == '\0' || void_element(name)) {
			if (strcmp(name, "br") == 0 && inside)
				flush(&st);
			continue;
		}
		if (!inside) {
			char want[80];
			int n = snprintf(want, sizeof(want), "id=\"%s\"", id);
			if (!closing && n > 0 && (size_t)n < sizeof(want) &&
			    memmem(attrs, attrs_len, want, (size_t)n) != NULL) {
				inside = 1;
				memcpy(root_name, name, sizeof(root_name));
				root_depth = 1;
			}
			continue;
		}
		if (skip_depth > 0) {
			if (strcmp(name, skip_name) == 0)
				skip_depth += closing ? -1 : 1;
			continue;
		}
		if (!closing && (quiet || in_list(skipped, name))) {
			memcpy(skip_name, name, sizeof(skip_name));
			skip_depth = 1;
			flush(&st);
			continue;
		}
		if (in_list(blocks, name))
			flush(&st);
		if (root_name[0] != '\0' && strcmp(name, root_name) == 0) {
			root_depth += closing ? -1 : 1;
			if (root_depth == 0)
				break;
		}
	}
	flush(&st);
	/* The check page's clips hold a visitor's answers. */
	sodium_memzero(st.cur, sizeof(st.cur));
	if (st.failed || (id != NULL && !inside)) {
		if (st.failed)
			log_err("say: more text than room for it");
		return -1;
	}
	return 0;
}
