#ifndef KIOSK_TMPL_H
#define KIOSK_TMPL_H

#include <stddef.h>

#include "kiosk/html.h"

/*
 * Page templates (kiosk/templates/NAME.html), loaded and parsed once at
 * start. The syntax is in docs/kiosk.md: {{t:key}} a content text,
 * {{v:name}} a variable, {{h:name}} a fragment kioskd built, {{#name}}
 * and {{^name}} sections ended by {{/name}}, {{>name}} another template.
 *
 * A template may hold no words: outside tags and {{...}} only whitespace
 * is allowed, and aria-label, alt, title and placeholder attributes must
 * be made of {{...}} alone. tmpl_load refuses a template that breaks
 * this, so every word a visitor reads comes from content/.
 */
#define TMPL_MAX_FILES 64
#define TMPL_FILE_MAX (64 * 1024)
#define TMPL_NAME_MAX 64
#define TMPL_DEPTH_MAX 8

struct tmpl_set;

/* What a render asks its caller for. kind is 't', 'v' or 'h'; NULL from
 * 't' is an error (a missing text), from 'v' or 'h' it means empty. */
typedef const char *(*tmpl_lookup)(void *ctx, int kind, const char *name);

struct tmpl_set *tmpl_load(const char *dir);
void tmpl_free(struct tmpl_set *ts);
int tmpl_has(const struct tmpl_set *ts, const char *name);

/* Render template name into out; -1 (logged) on a missing template or
 * text, a loop of includes, or overflow (see html_finish). */
int tmpl_render(const struct tmpl_set *ts, const char *name, tmpl_lookup lookup,
    void *ctx, struct html *out);

/* Call fn for every {{t:key}} in every template (start-up checks). */
int tmpl_each_text(const struct tmpl_set *ts,
    int (*fn)(void *arg, const char *tmpl, const char *key), void *arg);

/* The no-words rule on one template's source; 0 when it holds. */
int tmpl_check_words(const char *name, const char *src, size_t len);

#endif
