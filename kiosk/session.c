#include <string.h>

#include <sodium.h>

#include "kiosk/session.h"
#include "util/log.h"

struct session *
session_new(void)
{
	struct session *s = sodium_malloc(sizeof(*s));

	if (s == NULL) {
		log_err("session: out of locked memory");
		return NULL;
	}
	sodium_memzero(s, sizeof(*s));
	return s;
}

void
session_free(struct session *s)
{
	if (s != NULL)
		sodium_free(s); /* sodium_free wipes it too */
}

void
session_wipe(struct session *s)
{
	sodium_memzero(s, sizeof(*s));
}

static void
token(char out[SESSION_TOKEN_HEX])
{
	uint8_t raw[SESSION_TOKEN_BYTES];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(out, SESSION_TOKEN_HEX, raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
}

int
session_start(struct session *s, int64_t now_ms)
{
	session_wipe(s);
	token(s->id);
	token(s->csrf);
	s->started_ms = now_ms;
	s->last_ms = now_ms;
	s->active = 1;
	return 0;
}

static int
same_token(const char *have, const char *given)
{
	if (given == NULL || strlen(given) != SESSION_TOKEN_HEX - 1)
		return 0;
	return sodium_memcmp(have, given, SESSION_TOKEN_HEX - 1) == 0;
}

int
session_owns(const struct session *s, const char *cookie)
{
	return s->active && same_token(s->id, cookie);
}

int
session_csrf_ok(const struct session *s, const char *token_in)
{
	return s->active && same_token(s->csrf, token_in);
}

int
session_idle(const struct session *s, int64_t now_ms, int64_t idle_ms)
{
	return s->active && now_ms - s->last_ms > idle_ms;
}
