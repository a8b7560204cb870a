#ifndef KIOSK_SAY_H
#define KIOSK_SAY_H

#include <stddef.h>

/*
 * What a page says aloud: its visible text, taken from the HTML kioskd
 * rendered, in reading order, cut into clips at block elements (heading,
 * paragraph, label, legend, list item, button...). Left out: scripts,
 * styles, SVG, text areas (a visitor's own words), and anything marked
 * hidden, aria-hidden="true" or data-nosay (the Listen buttons).
 * Entities written by kiosk/html.c are decoded; runs of white space
 * become one space. A block longer than SAY_CLIP_MAX bytes is cut at a
 * sentence end, or failing that at a space.
 */
#define SAY_CLIP_MAX 400
#define SAY_CLIPS_MAX 96

struct say {
	char *buf; /* the caller's: clips one after another, each NUL-ended */
	size_t cap;
	size_t len;
	const char *clip[SAY_CLIPS_MAX];
	size_t n;
};

/*
 * Clips of html, or of the element with this id only (id NULL: all).
 * -1 when buf is too small or the id is not there.
 */
int say_extract(
    struct say *s, char *buf, size_t cap, const char *html, const char *id);

#endif
