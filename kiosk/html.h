#ifndef KIOSK_HTML_H
#define KIOSK_HTML_H

#include <stddef.h>

/*
 * The one writer every byte of a kiosk page goes through. Markup from the
 * project's own templates is copied with html_raw; anything else (content
 * strings, a visitor's answers, settings) goes through html_text, which
 * escapes & < > " and ' so it is inert in text and in quoted attribute
 * values alike. Overflow is sticky: once a write does not fit, the page
 * is refused as a whole, never sent cut short.
 */
struct html {
	char *buf;
	size_t cap;
	size_t len;
	int overflow;
};

void html_init(struct html *h, char *buf, size_t cap);
void html_raw(struct html *h, const char *s, size_t n);
void html_text(struct html *h, const char *s);
void html_textn(struct html *h, const char *s, size_t n);
/* 0 when everything fitted (the buffer is then NUL-terminated), else -1. */
int html_finish(struct html *h);

#endif
