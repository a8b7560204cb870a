#ifndef NET_LPOOL_H
#define NET_LPOOL_H

#include <stddef.h>

/*
 * Equal-sized buffers in locked memory (sodium_malloc: never swapped,
 * guard pages, no core dumps), allocated in chunks as they are first
 * needed and then reused, so the hot path never calls sodium_malloc.
 * At most max buffers exist. One owner: not for use from two threads.
 *
 * The caller wipes a buffer before handing it back (it knows how much
 * of it was used).
 */
struct lpool;

struct lpool *lpool_new(size_t size, size_t per_chunk, size_t max);

/* A buffer of the pool's size, or NULL when max are out (or no memory). */
void *lpool_get(struct lpool *p);

void lpool_put(struct lpool *p, void *buf);

size_t lpool_size(const struct lpool *p);

/* Buffers handed out now. */
size_t lpool_used(const struct lpool *p);

void lpool_free(struct lpool *p);

#endif
