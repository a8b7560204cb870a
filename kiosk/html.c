#include <string.h>

#include "kiosk/html.h"
#include "util/escape.h"

void
html_init(struct html *h, char *buf, size_t cap)
{
	h->buf = buf;
	h->cap = cap;
	h->len = 0;
	h->overflow = cap == 0;
}

void
html_raw(struct html *h, const char *s, size_t n)
{
	if (h->overflow)
		return;
	/* Keep one byte for the NUL html_finish writes. */
	if (n >= h->cap - h->len) {
		h->overflow = 1;
		return;
	}
	memcpy(h->buf + h->len, s, n);
	h->len += n;
}

void
html_textn(struct html *h, const char *s, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i < n; i++) {
		const char *rep = escape_entity((unsigned char)s[i]);
		if (rep == NULL)
			continue;
		html_raw(h, s + start, i - start);
		html_raw(h, rep, strlen(rep));
		start = i + 1;
	}
	html_raw(h, s + start, n - start);
}

void
html_text(struct html *h, const char *s)
{
	html_textn(h, s, strlen(s));
}

int
html_finish(struct html *h)
{
	if (h->overflow)
		return -1;
	h->buf[h->len] = '\0';
	return 0;
}
