#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiosk/tmpl.h"
#include "util/file.h"
#include "util/log.h"

enum node_kind { N_LIT, N_TEXT, N_VAR, N_FRAG, N_IF, N_UNLESS, N_END, N_INC };

struct node {
	enum node_kind kind;
	const char *lit; /* N_LIT: into src */
	size_t len;
	char name[TMPL_NAME_MAX];
	size_t end; /* N_IF, N_UNLESS: index of the matching N_END */
};

struct tmpl {
	char name[TMPL_NAME_MAX];
	char *src;
	struct node *nodes;
	size_t n;
};

struct tmpl_set {
	struct tmpl t[TMPL_MAX_FILES];
	size_t n;
};

static int
name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
	       c == '-';
}

static int
push(struct tmpl *t, size_t *cap, const struct node *nd)
{
	if (t->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct node *nn = realloc(t->nodes, ncap * sizeof(*nn));
		if (nn == NULL) {
			log_err("out of memory");
			return -1;
		}
		t->nodes = nn;
		*cap = ncap;
	}
	t->nodes[t->n++] = *nd;
	return 0;
}

/* One {{...}} tag at p (after "{{"), up to "}}". */
static int
parse_tag(const char *tname, const char *p, const char *end, struct node *nd)
{
	size_t n = (size_t)(end - p), i = 0;
	char op = p[0];

	memset(nd, 0, sizeof(*nd));
	switch (op) {
	case 't':
	case 'v':
	case 'h':
		if (n < 3 || p[1] != ':')
			goto bad;
		nd->kind = op == 't' ? N_TEXT : op == 'v' ? N_VAR : N_FRAG;
		i = 2;
		break;
	case '#':
		nd->kind = N_IF;
		i = 1;
		break;
	case '^':
		nd->kind = N_UNLESS;
		i = 1;
		break;
	case '/':
		nd->kind = N_END;
		i = 1;
		break;
	case '>':
		nd->kind = N_INC;
		i = 1;
		break;
	default:
		goto bad;
	}
	if (n - i == 0 || n - i >= TMPL_NAME_MAX)
		goto bad;
	for (size_t k = i; k < n; k++)
		if (!name_char(p[k]))
			goto bad;
	memcpy(nd->name, p + i, n - i);
	nd->name[n - i] = '\0';
	return 0;
bad:
	log_err(
	    "template %s: bad tag {{%.*s}}", tname, (int)(n > 40 ? 40 : n), p);
	return -1;
}

static int
parse(struct tmpl *t, size_t len)
{
	const char *p = t->src, *end = t->src + len;
	size_t cap = 0, stack[TMPL_DEPTH_MAX * 4], depth = 0;
	struct node nd;

	while (p < end) {
		const char *open = strstr(p, "{{"), *close;
		if (open == NULL)
			open = end;
		if (open > p) {
			memset(&nd, 0, sizeof(nd));
			nd.kind = N_LIT;
			nd.lit = p;
			nd.len = (size_t)(open - p);
			if (push(t, &cap, &nd) != 0)
				return -1;
		}
		if (open == end)
			break;
		close = strstr(open + 2, "}}");
		if (close == NULL) {
			log_err("template %s: {{ without }}", t->name);
			return -1;
		}
		if (parse_tag(t->name, open + 2, close, &nd) != 0)
			return -1;
		if (nd.kind == N_IF || nd.kind == N_UNLESS) {
			if (depth == sizeof(stack) / sizeof(stack[0])) {
				log_err("template %s: sections nested too deep",
				    t->name);
				return -1;
			}
			stack[depth++] = t->n;
		} else if (nd.kind == N_END) {
			if (depth == 0 ||
			    strcmp(t->nodes[stack[depth - 1]].name, nd.name) !=
				0) {
				log_err("template %s: {{/%s}} does not close "
					"the open section",
				    t->name, nd.name);
				return -1;
			}
			t->nodes[stack[--depth]].end = t->n;
		}
		if (push(t, &cap, &nd) != 0)
			return -1;
		p = close + 2;
	}
	if (depth != 0) {
		log_err("template %s: section {{%s}} is never closed", t->name,
		    t->nodes[stack[depth - 1]].name);
		return -1;
	}
	return 0;
}

/* Is the attribute value at v (up to its quote) made of tags alone? */
static int
tags_only(const char *v, const char *vend)
{
	while (v < vend) {
		const char *close;
		if (v + 1 >= vend || v[0] != '{' || v[1] != '{')
			return 0;
		close = strstr(v, "}}");
		if (close == NULL || close + 2 > vend)
			return 0;
		v = close + 2;
	}
	return 1;
}

static const char *const worded_attrs[] = {
    "aria-label", "alt", "title", "placeholder", "aria-description"};

static int
space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Every worded attribute of the tag (however it is spaced around its
 * "=") must be quoted and made of {{...}} alone. */
static int
check_tag_attrs(const char *name, const char *tag, const char *tend)
{
	for (size_t i = 0; i < sizeof(worded_attrs) / sizeof(worded_attrs[0]);
	     i++) {
		const char *a = tag;
		size_t an = strlen(worded_attrs[i]);
		while ((a = strstr(a, worded_attrs[i])) != NULL && a < tend) {
			const char *v = a + an, *vend;
			/* A whole attribute name, not part of another. */
			if (!space(a[-1]) || (!space(*v) && *v != '=')) {
				a = v;
				continue;
			}
			while (v < tend && space(*v))
				v++;
			if (*v != '=') {
				a = v;
				continue;
			}
			v++;
			while (v < tend && space(*v))
				v++;
			if (*v != '"' && *v != '\'') {
				log_err("template %s: unquoted %s", name,
				    worded_attrs[i]);
				return -1;
			}
			vend = memchr(v + 1, *v, (size_t)(tend - v - 1));
			if (vend == NULL || !tags_only(v + 1, vend)) {
				log_err("template %s: words in %s", name,
				    worded_attrs[i]);
				return -1;
			}
			a = vend;
		}
	}
	return 0;
}

int
tmpl_check_words(const char *name, const char *src, size_t len)
{
	const char *p = src, *end = src + len;

	while (p < end) {
		if (p + 1 < end && p[0] == '{' && p[1] == '{') {
			const char *c = strstr(p + 2, "}}");
			if (c == NULL)
				return -1;
			p = c + 2;
		} else if (p + 3 < end && strncmp(p, "<!--", 4) == 0) {
			const char *c = strstr(p + 4, "-->");
			if (c == NULL)
				return -1;
			p = c + 3;
		} else if (*p == '<') {
			const char *c = memchr(p, '>', (size_t)(end - p));
			if (c == NULL) {
				log_err("template %s: < without >", name);
				return -1;
			}
			if (check_tag_attrs(name, p, c) != 0)
				return -1;
			p = c + 1;
		} else if (*p == ' ' || *p == '\t' || *p == '\n' ||
			   *p == '\r') {
			p++;
		} else {
			log_err("template %s: text outside a tag near "
				"\"%.20s\"; words belong in content/",
			    name, p);
			return -1;
		}
	}
	return 0;
}

static void
tmpl_clear(struct tmpl *t)
{
	free(t->src);
	free(t->nodes);
	memset(t, 0, sizeof(*t));
}

static int
load_one(struct tmpl_set *ts, const char *dir, const char *file)
{
	struct tmpl *t = &ts->t[ts->n];
	char path[4096];
	uint8_t *src = NULL;
	size_t len = 0, nlen = strlen(file) - 5;
	int n;

	if (ts->n == TMPL_MAX_FILES || nlen == 0 || nlen >= TMPL_NAME_MAX) {
		log_err("templates: too many files or a bad name: %s", file);
		return -1;
	}
	n = snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		log_err("templates: path too long");
		return -1;
	}
	if (file_read_alloc(path, TMPL_FILE_MAX, &src, &len) != 0)
		return -1;
	memset(t, 0, sizeof(*t));
	memcpy(t->name, file, nlen);
	t->src = (char *)src;
	if (tmpl_check_words(t->name, t->src, len) != 0 || parse(t, len) != 0) {
		tmpl_clear(t);
		return -1;
	}
	ts->n++;
	return 0;
}

struct tmpl_set *
tmpl_load(const char *dir)
{
	struct tmpl_set *ts = calloc(1, sizeof(*ts));
	struct dirent *de;
	DIR *d = NULL;
	int rc = -1;

	if (ts == NULL) {
		log_err("out of memory");
		return NULL;
	}
	if ((d = opendir(dir)) == NULL) {
		log_err("templates: cannot open %s", dir);
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		if (l <= 5 || strcmp(de->d_name + l - 5, ".html") != 0)
			continue;
		if (load_one(ts, dir, de->d_name) != 0)
			goto out;
	}
	if (ts->n == 0) {
		log_err("templates: no .html files in %s", dir);
		goto out;
	}
	rc = 0;
out:
	if (d != NULL)
		closedir(d);
	if (rc != 0) {
		tmpl_free(ts);
		return NULL;
	}
	return ts;
}

void
tmpl_free(struct tmpl_set *ts)
{
	if (ts == NULL)
		return;
	for (size_t i = 0; i < ts->n; i++)
		tmpl_clear(&ts->t[i]);
	free(ts);
}

static const struct tmpl *
find(const struct tmpl_set *ts, const char *name)
{
	for (size_t i = 0; i < ts->n; i++)
		if (strcmp(ts->t[i].name, name) == 0)
			return &ts->t[i];
	return NULL;
}

int
tmpl_has(const struct tmpl_set *ts, const char *name)
{
	return find(ts, name) != NULL;
}

static int
is_set(const char *v)
{
	return v != NULL && v[0] != '\0' && strcmp(v, "0") != 0;
}

static int
render(const struct tmpl_set *ts, const char *name, tmpl_lookup lookup,
    void *ctx, struct html *out, int depth)
{
	const struct tmpl *t = find(ts, name);
	const char *v;

	if (t == NULL || depth > TMPL_DEPTH_MAX) {
		log_err("template %s: %s", name,
		    t == NULL ? "not found" : "includes nested too deep");
		return -1;
	}
	for (size_t i = 0; i < t->n; i++) {
		const struct node *nd = &t->nodes[i];
		switch (nd->kind) {
		case N_LIT:
			html_raw(out, nd->lit, nd->len);
			break;
		case N_TEXT:
			if ((v = lookup(ctx, 't', nd->name)) == NULL) {
				log_err(
				    "template %s: no text %s", name, nd->name);
				return -1;
			}
			html_text(out, v);
			break;
		case N_VAR:
			if ((v = lookup(ctx, 'v', nd->name)) != NULL)
				html_text(out, v);
			break;
		case N_FRAG:
			if ((v = lookup(ctx, 'h', nd->name)) != NULL)
				html_raw(out, v, strlen(v));
			break;
		case N_IF:
		case N_UNLESS:
			if (is_set(lookup(ctx, 'v', nd->name)) !=
			    (nd->kind == N_IF))
				i = nd->end;
			break;
		case N_END:
			break;
		case N_INC:
			if (render(ts, nd->name, lookup, ctx, out, depth + 1) !=
			    0)
				return -1;
			break;
		}
	}
	return 0;
}

int
tmpl_render(const struct tmpl_set *ts, const char *name, tmpl_lookup lookup,
    void *ctx, struct html *out)
{
	if (render(ts, name, lookup, ctx, out, 0) != 0)
		return -1;
	if (html_finish(out) != 0) {
		log_err(
		    "template %s: page larger than %zu bytes", name, out->cap);
		return -1;
	}
	return 0;
}

int
tmpl_each_text(const struct tmpl_set *ts,
    int (*fn)(void *arg, const char *tmpl, const char *key), void *arg)
{
	int rc = 0;

	for (size_t i = 0; i < ts->n; i++)
		for (size_t k = 0; k < ts->t[i].n; k++)
			if (ts->t[i].nodes[k].kind == N_TEXT &&
			    fn(arg, ts->t[i].name, ts->t[i].nodes[k].name) != 0)
				rc = -1;
	return rc;
}
