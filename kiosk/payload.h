#ifndef KIOSK_PAYLOAD_H
#define KIOSK_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "kiosk/answers.h"

/*
 * The referral a kiosk visit seals to the hub: schema 1 as in DESIGN.md
 * (the same keys smsd sends where they mean the same thing) plus channel
 * "kiosk", the venue code, Easy Read, every contact method chosen with
 * its details, and "risk_assessment" for the crimes that need a
 * specialist assessment before contact. Unanswered questions are left
 * out, never guessed.
 */
#define PAYLOAD_MAX (16 * 1024)

struct payload_info {
	const char *ref;
	const char *venue_code;
	const char *language; /* "en", "ar", ...: never "en-easy" */
	int easy_read;
	int consent_version;
	const char *consent_sha256; /* hex */
	int64_t consent_at_ms;
	int64_t now_ms;
};

/* JSON into out (NUL-terminated); -1 when it cannot be built or is too
 * large. out should be locked memory: it holds the answers. */
int payload_referral(char *out, size_t cap, size_t *len,
    const struct answers *a, const struct payload_info *pi);

#endif
