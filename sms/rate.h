#ifndef SMS_RATE_H
#define SMS_RATE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Fixed-window message counters, one per keyed sender, in memory.
 *
 * They were rows of the gateway's database (sms_rate) until issue 12:
 * each message then paid a SELECT and an UPDATE or INSERT, and a new
 * sender one more random B-tree page to encrypt, write and fsync in
 * the group commit's serial writer (a fifth of its time). A counter is
 * an abuse guard, not a record: nobody is owed it after a restart, and
 * a keyed hash of every recent texter's number with the times they
 * texted is better never written to disk at all.
 *
 * A table of RATE_SLOTS counters in locked memory (sodium_malloc), wiped
 * when freed. A key lives in one of RATE_PROBE slots from its hash (the
 * keys are HMAC outputs under a secret, so nobody can aim many at one
 * neighbourhood). When all of those hold a live window, the one that
 * started first is dropped: one sender then starts a fresh window, which
 * takes RATE_PROBE senders texting within one window into the same
 * neighbourhood, far beyond any real gateway's hour.
 *
 * Not thread-safe: the dialog calls it only inside its serialised
 * transaction (the group commit's writer, or under the dialog's mutex).
 */
#define RATE_KEY_LEN 32
#define RATE_SLOTS 16384 /* a power of two */
#define RATE_PROBE 32

/* One counter: messages since start. hits 0 is an unused slot. */
struct rate_window {
	int64_t start;
	int hits;
};

/*
 * Count one message in w, a fixed window of window_ms that restarts at
 * now once it has passed (or when the clock went back). Returns 1 while
 * the window holds at most max messages, 0 over it. Stops counting once
 * over, so hits stays bounded.
 */
int rate_window_hit(
    struct rate_window *w, int64_t now, int64_t window_ms, int max);

struct rate;

struct rate *rate_new(void);
void rate_free(struct rate *r);

/* rate_window_hit on key's counter (a new one if key has none). */
int rate_hit(struct rate *r, const uint8_t key[RATE_KEY_LEN], int64_t now,
    int64_t window_ms, int max);

/* Counters whose window is still live at now: for tests and the log. */
size_t rate_live(const struct rate *r, int64_t now, int64_t window_ms);

#endif
