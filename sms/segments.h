#ifndef SMS_SEGMENTS_H
#define SMS_SEGMENTS_H

#include <stddef.h>

/*
 * How long an SMS reply is on the air. A text whose every character is
 * in the GSM 03.38 default alphabet (or its extension table, two septets
 * each) travels as GSM-7: 160 septets in one message, 153 in each part
 * of a concatenated one. Anything else travels as UCS-2: 70 UTF-16 units
 * in one message, 67 in each part. Every reply smsd sends must fit in
 * SMS_MAX_SEGMENTS parts (content/README.md says so, and the tests check
 * every language); Kannel's max-messages in docs/sms.md is the same
 * number, so a reply is never cut.
 */

#define SMS_GSM7_SINGLE 160
#define SMS_GSM7_PART 153
#define SMS_UCS2_SINGLE 70
#define SMS_UCS2_PART 67
#define SMS_MAX_SEGMENTS 6

struct sms_segments {
	int ucs2; /* 0: GSM-7, 1: UCS-2 */
	size_t units; /* septets (GSM-7) or UTF-16 code units (UCS-2) */
	size_t parts; /* messages on the air; 1 for an empty text */
};

/* Measure a NUL-terminated UTF-8 text: 0, or -1 if it is not UTF-8. */
int sms_segments_measure(const char *text, struct sms_segments *out);

/* Characters (Unicode code points) in len bytes of valid UTF-8. */
size_t sms_segments_chars(const char *text, size_t len);

#endif
