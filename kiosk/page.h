#ifndef KIOSK_PAGE_H
#define KIOSK_PAGE_H

#include <stddef.h>

#include "kiosk/kiosk.h"
#include "net/http.h"

/*
 * One page being filled: its variables and fragments (docs/kiosk.md,
 * "Templates"), with every string kept in the kiosk's locked scratch
 * memory, which is wiped after each request.
 */
#define PAGE_VARS_MAX 160
#define PAGE_FRAGS_MAX 16

struct page_kv {
	const char *name;
	const char *value;
};

struct page {
	struct kiosk *k;
	const struct kiosk_lang *L;
	const char *name; /* the route, "contact" */
	struct page_kv vars[PAGE_VARS_MAX];
	size_t nvars;
	struct page_kv frags[PAGE_FRAGS_MAX];
	size_t nfrags;
	size_t used; /* of k->scratch */
	int failed;
};

void page_init(struct page *p, struct kiosk *k, const struct kiosk_lang *L,
    const char *name);
/* Wipe what the page put in scratch memory. */
void page_done(struct page *p);

/*
 * cap bytes of scratch memory (NULL, and the page failed, if full). With
 * page_trim, the last reservation gives back what its writer did not use:
 * nothing may be reserved in between.
 */
char *page_reserve(struct page *p, size_t cap);
void page_trim(struct page *p, const char *start, size_t used);

/* A copy of s in scratch memory (NULL, and the page failed, if full). */
char *page_strdup(struct page *p, const char *s);
char *page_printf(struct page *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void page_var(struct page *p, const char *name, const char *value);
void page_flag(struct page *p, const char *name);
/* The flag for choice value v of field f: f_v with '-' as '_'. */
void page_choice_flag(struct page *p, const char *field, const char *v);
void page_frag(struct page *p, const char *name, const char *html);

/* A text of the page's language with its placeholders filled; NULL if
 * the key is missing. */
const char *page_text(struct page *p, const char *key);

/* Render a template into scratch memory (for a fragment). */
const char *page_render_frag(struct page *p, const char *tmpl);

/* Render NAME.html inside layout.html as the response. */
int page_respond(struct page *p, int status, struct http_resp *resp);

#endif
