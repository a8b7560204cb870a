#include <string.h>

#include <sodium.h>

#include "sms/rate.h"
#include "util/log.h"

struct slot {
	uint8_t key[RATE_KEY_LEN];
	struct rate_window w;
};

struct rate {
	struct slot *slots; /* RATE_SLOTS, locked */
};

static int
live(const struct rate_window *w, int64_t now, int64_t window_ms)
{
	/* A clock that went backwards starts a new window too. */
	return w->hits > 0 && w->start <= now && now - w->start < window_ms;
}

int
rate_window_hit(struct rate_window *w, int64_t now, int64_t window_ms, int max)
{
	if (!live(w, now, window_ms)) {
		w->start = now;
		w->hits = 0;
	}
	if (w->hits <= max)
		w->hits++;
	return w->hits <= max;
}

struct rate *
rate_new(void)
{
	struct rate *r;

	if ((r = sodium_malloc(sizeof(*r))) == NULL ||
	    (r->slots = sodium_allocarray(RATE_SLOTS, sizeof(struct slot))) ==
		NULL) {
		log_err("rate: out of locked memory");
		if (r != NULL)
			sodium_free(r);
		return NULL;
	}
	memset(r->slots, 0, RATE_SLOTS * sizeof(struct slot));
	return r;
}

void
rate_free(struct rate *r)
{
	if (r == NULL)
		return;
	/* sodium_free wipes before it unmaps. */
	sodium_free(r->slots);
	sodium_free(r);
}

int
rate_hit(struct rate *r, const uint8_t key[RATE_KEY_LEN], int64_t now,
    int64_t window_ms, int max)
{
	uint64_t h;
	struct slot *s, *free_slot = NULL, *oldest = NULL;
	size_t i, at;

	memcpy(&h, key, sizeof(h));
	at = (size_t)h & (RATE_SLOTS - 1);
	for (i = 0; i < RATE_PROBE; i++) {
		s = &r->slots[(at + i) & (RATE_SLOTS - 1)];
		if (s->w.hits > 0 &&
		    sodium_memcmp(s->key, key, RATE_KEY_LEN) == 0)
			return rate_window_hit(&s->w, now, window_ms, max);
		if (!live(&s->w, now, window_ms)) {
			if (free_slot == NULL)
				free_slot = s;
		} else if (oldest == NULL || s->w.start < oldest->w.start) {
			oldest = s;
		}
	}
	s = free_slot != NULL ? free_slot : oldest;
	memcpy(s->key, key, RATE_KEY_LEN);
	s->w.hits = 0;
	return rate_window_hit(&s->w, now, window_ms, max);
}

size_t
rate_live(const struct rate *r, int64_t now, int64_t window_ms)
{
	size_t i, n = 0;

	for (i = 0; i < RATE_SLOTS; i++)
		n += (size_t)live(&r->slots[i].w, now, window_ms);
	return n;
}
