#include <string.h>

#include "sms/segments.h"
#include "util/log.h"
#include "util/utf8.h"

/* The GSM 03.38 default alphabet above ASCII, and the ASCII characters
 * it lacks; the extension table costs two septets a character. */
static const unsigned long gsm_extra[] = {0x00a3, 0x00a5, 0x00e8, 0x00e9,
    0x00f9, 0x00ec, 0x00f2, 0x00c7, 0x00d8, 0x00f8, 0x00c5, 0x00e5, 0x0394,
    0x03a6, 0x0393, 0x039b, 0x03a9, 0x03a0, 0x03a8, 0x03a3, 0x0398, 0x039e,
    0x00c6, 0x00e6, 0x00df, 0x00c9, 0x00a4, 0x00a1, 0x00c4, 0x00d6, 0x00d1,
    0x00dc, 0x00a7, 0x00bf, 0x00e4, 0x00f6, 0x00f1, 0x00fc, 0x00e0};
static const char ascii_missing[] = "`";
static const char ascii_ext[] = "^{}\\[~]|\f";
#define EURO 0x20ac

/* Septets for one code point in GSM-7, or 0 if it has none. */
static int
gsm7_cost(unsigned long cp)
{
	if (cp == '\n' || cp == '\r')
		return 1;
	if (cp == EURO)
		return 2;
	if (cp < 0x80) {
		if (cp == '\f' || (cp >= 0x20 && cp < 0x7f &&
				      strchr(ascii_ext, (int)cp) != NULL))
			return 2;
		if (cp < 0x20 || cp == 0x7f ||
		    strchr(ascii_missing, (int)cp) != NULL)
			return 0;
		return 1;
	}
	for (size_t i = 0; i < sizeof(gsm_extra) / sizeof(gsm_extra[0]); i++)
		if (gsm_extra[i] == cp)
			return 1;
	return 0;
}

/* The code point at *p (valid UTF-8), advancing p. */
static unsigned long
next_cp(const unsigned char **p)
{
	const unsigned char *s = *p;
	unsigned long cp;
	size_t need, k;

	if (s[0] < 0x80) {
		*p = s + 1;
		return s[0];
	}
	need = s[0] >= 0xf0 ? 3 : s[0] >= 0xe0 ? 2 : 1;
	cp = s[0] & (0x3f >> need);
	for (k = 1; k <= need; k++)
		cp = (cp << 6) | (s[k] & 0x3f);
	*p = s + need + 1;
	return cp;
}

size_t
sms_segments_chars(const char *text, size_t len)
{
	size_t n = 0;

	/* Count every byte that does not continue a sequence. */
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)text[i] & 0xc0) != 0x80)
			n++;
	return n;
}

static size_t
parts(size_t units, size_t single, size_t part)
{
	if (units <= single)
		return 1;
	return (units + part - 1) / part;
}

int
sms_segments_measure(const char *text, struct sms_segments *out)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t len = strlen(text), septets = 0, utf16 = 0;
	int gsm = 1, cost;
	unsigned long cp;

	memset(out, 0, sizeof(*out));
	if (!utf8_valid(text, len)) {
		log_err("segments: reply is not UTF-8");
		return -1;
	}
	while (*p != '\0') {
		cp = next_cp(&p);
		utf16 += cp > 0xffff ? 2 : 1;
		cost = gsm7_cost(cp);
		if (cost == 0)
			gsm = 0;
		septets += (size_t)cost;
	}
	out->ucs2 = !gsm;
	out->units = gsm ? septets : utf16;
	out->parts = gsm ? parts(septets, SMS_GSM7_SINGLE, SMS_GSM7_PART)
			 : parts(utf16, SMS_UCS2_SINGLE, SMS_UCS2_PART);
	return 0;
}
