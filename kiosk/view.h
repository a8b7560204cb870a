#ifndef KIOSK_VIEW_H
#define KIOSK_VIEW_H

#include <stddef.h>

#include "kiosk/flow.h"
#include "kiosk/answers.h"

/*
 * A page as the visitor sees it: the variables and fragments of
 * docs/kiosk.md ("Templates") filled from the session, the visitor's
 * language, their answers and errors, support lines and QR codes.
 */
struct page;

/* A display or speech choice: its form field, its values (the index is
 * what the session keeps), and where the session keeps it. */
struct view_pref {
	const char *field;
	const char *const values[4];
	size_t off;
};

extern const struct view_pref view_prefs[];
#define VIEW_NPREFS 4

/* The visitor's language, or the first offered to anyone else. */
const struct kiosk_lang *view_lang(struct flow_req *r);

/*
 * Fill a page as the visitor sees it (every variable and fragment but
 * errors), with their answers or, for audio that may be cached, without.
 */
void view_fill(
    struct page *p, struct flow_req *r, const char *name, int answers);

/* Render page NAME as the response (422 when errs has any). */
int view_show(
    struct flow_req *r, const char *name, const struct ans_errors *errs);

/* An error page in the visitor's language (or the first one). */
int view_error(struct flow_req *r, int status, const char *what);

#endif
