#ifndef KIOSK_SESSION_H
#define KIOSK_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/refcode.h"
#include "kiosk/answers.h"
#include "util/content.h"

/*
 * The one visitor at the screen. Lives in sodium_malloc memory (locked,
 * guarded, never swapped) for the whole life of kioskd and is wiped with
 * sodium_memzero when the visitor finishes, quits quickly or walks away;
 * it is never written to disk. A new visitor gets a fresh random id (the
 * cookie) and CSRF token.
 */
#define SESSION_TOKEN_BYTES 32
#define SESSION_TOKEN_HEX (2 * SESSION_TOKEN_BYTES + 1)

/* Pages a visitor has reached: the order of the flow is enforced. */
enum session_step {
	STEP_ABOUT = 1 << 0,
	STEP_CHOOSE = 1 << 1,
	STEP_INFO = 1 << 2,
	STEP_ELIGIBLE = 1 << 3,
	STEP_OUTSIDE = 1 << 4,
	STEP_CONSENT = 1 << 5,
	STEP_CONTACT = 1 << 6,
	STEP_DETAILS = 1 << 7,
	STEP_CHECK = 1 << 8,
	STEP_DONE = 1 << 9,
};

struct session {
	int active;
	char id[SESSION_TOKEN_HEX];
	char csrf[SESSION_TOKEN_HEX];
	int64_t started_ms; /* kiosk_clock_ms: monotonic */
	int64_t last_ms;
	char lang[CONTENT_LANG_MAX]; /* "" until chosen; "en-easy" too */
	int size; /* the index of a value in kiosk/view.c's view_prefs */
	int contrast;
	int rate; /* speech: normal, slow, fast */
	int volume; /* speech: normal, quiet, loud */
	unsigned reached;
	struct answers a;
	int64_t consent_at_ms;
	int submitted;
	char ref[REFCODE_BUFLEN];
	int print_failed;
};

struct session *session_new(void);
void session_free(struct session *s);

/* Wipe everything, then give the next visitor fresh tokens. */
int session_start(struct session *s, int64_t now_ms);
/* Wipe everything: no visitor. */
void session_wipe(struct session *s);

/* Does this cookie value name the live session? Constant time. */
int session_owns(const struct session *s, const char *cookie);
/* Is this the live session's CSRF token? Constant time. */
int session_csrf_ok(const struct session *s, const char *token);

/* Quiet for longer than idle_ms: the caller wipes it. */
int session_idle(const struct session *s, int64_t now_ms, int64_t idle_ms);

#endif
