/*
 * Strict %-decoding and application/x-www-form-urlencoded forms: the
 * webhooks' bodies and the kiosk's POSTs (net/http.h).
 */
#include <string.h>

#include "net/http.h"
#include "net/http_int.h"

int
http_hex_digit(unsigned c)
{
	if (c >= '0' && c <= '9')
		return (int)(c - '0');
	if (c >= 'a' && c <= 'f')
		return (int)(c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (int)(c - 'A' + 10);
	return -1;
}

int
http_pct_decode(const char *in, size_t len, int plus_space, char *out,
    size_t cap, size_t *out_len)
{
	size_t i, o = 0;
	unsigned c;
	int hi, lo;

	for (i = 0; i < len; i++) {
		c = (unsigned char)in[i];
		if (c < 0x21 || c > 0x7e)
			return -1;
		if (c == '%') {
			if (len - i < 3)
				return -1;
			hi = http_hex_digit((unsigned char)in[i + 1]);
			lo = http_hex_digit((unsigned char)in[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return -1;
			c = (unsigned)(hi * 16 + lo);
			i += 2;
		} else if (c == '+' && plus_space) {
			c = ' ';
		}
		if (o + 1 >= cap)
			return -1;
		out[o++] = (char)c;
	}
	if (o >= cap)
		return -1;
	out[o] = '\0';
	if (out_len != NULL)
		*out_len = o;
	return 0;
}

int
http_form_parse(struct http_form *form, const char *in, size_t len)
{
	/* No arithmetic on in when it is empty: (NULL, 0) is an empty form
	 * (found by fuzz_twilio). */
	const char *seg, *end, *eq, *stop = len > 0 ? in + len : in;
	size_t used = 0, slen, nlen, n;
	struct http_pair *pair;
	int rc = -1;

	form->npairs = 0;
	if (len > HTTP_MAX_FORM)
		goto out;
	for (seg = in; len > 0; seg = end + 1) {
		end = memchr(seg, '&', (size_t)(stop - seg));
		if (end == NULL)
			end = stop;
		slen = (size_t)(end - seg);
		eq = memchr(seg, '=', slen);
		nlen = eq != NULL ? (size_t)(eq - seg) : slen;
		if (nlen == 0 || form->npairs >= HTTP_MAX_FORM_PAIRS)
			goto out;
		pair = &form->pairs[form->npairs];
		if (http_pct_decode(seg, nlen, 1, form->buf + used,
			sizeof(form->buf) - used, &n) != 0)
			goto out;
		pair->name = form->buf + used;
		used += n + 1;
		/* A name without '=' has an empty value. */
		if (http_pct_decode(eq != NULL ? eq + 1 : end,
			eq != NULL ? (size_t)(end - eq - 1) : 0, 1,
			form->buf + used, sizeof(form->buf) - used, &n) != 0)
			goto out;
		pair->value = form->buf + used;
		used += n + 1;
		form->npairs++;
		if (end == stop)
			break;
	}
	rc = 0;
out:
	/* Half a form must not look like a whole one. */
	if (rc != 0)
		form->npairs = 0;
	return rc;
}

const char *
http_form_get(const struct http_form *form, const char *name)
{
	const char *v = NULL;
	size_t i;

	for (i = 0; i < form->npairs; i++) {
		if (strcmp(form->pairs[i].name, name) != 0)
			continue;
		if (v != NULL)
			return NULL;
		v = form->pairs[i].value;
	}
	return v;
}
