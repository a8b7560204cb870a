#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "net/lpool.h"
#include "util/log.h"

/* A free buffer's first bytes link it to the next free one. */
struct free_buf {
	struct free_buf *next;
};

struct lpool {
	size_t size; /* rounded up so every buffer stays aligned */
	size_t per_chunk;
	size_t max;
	size_t total;
	size_t used;
	struct free_buf *free;
	void **chunks;
	size_t nchunks;
	size_t chunks_cap;
};

#define LPOOL_ALIGN 64

struct lpool *
lpool_new(size_t size, size_t per_chunk, size_t max)
{
	struct lpool *p;

	if (size < sizeof(struct free_buf) || per_chunk == 0 || max == 0 ||
	    size > SIZE_MAX / 2) {
		log_err("lpool: bad sizes");
		return NULL;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		log_err("lpool: out of memory");
		return NULL;
	}
	p->size = (size + LPOOL_ALIGN - 1) & ~(size_t)(LPOOL_ALIGN - 1);
	p->per_chunk = per_chunk;
	p->max = max;
	return p;
}

static int
grow(struct lpool *p)
{
	size_t n = p->per_chunk, i;
	uint8_t *chunk;
	void **chunks;

	if (n > p->max - p->total)
		n = p->max - p->total;
	if (n == 0 || n > SIZE_MAX / p->size)
		return -1;
	if (p->nchunks == p->chunks_cap) {
		chunks = realloc(
		    p->chunks, (p->chunks_cap * 2 + 4) * sizeof(*p->chunks));
		if (chunks == NULL) {
			log_err("lpool: out of memory");
			return -1;
		}
		p->chunks = chunks;
		p->chunks_cap = p->chunks_cap * 2 + 4;
	}
	if ((chunk = sodium_malloc(n * p->size)) == NULL) {
		log_err("lpool: out of locked memory");
		return -1;
	}
	p->chunks[p->nchunks++] = chunk;
	for (i = 0; i < n; i++)
		lpool_put(p, chunk + i * p->size);
	p->used += n; /* lpool_put counted them as returned */
	p->total += n;
	return 0;
}

void *
lpool_get(struct lpool *p)
{
	struct free_buf *b;

	if (p->free == NULL && grow(p) != 0)
		return NULL;
	b = p->free;
	p->free = b->next;
	b->next = NULL;
	p->used++;
	return b;
}

void
lpool_put(struct lpool *p, void *buf)
{
	struct free_buf *b = buf;

	if (buf == NULL)
		return;
	b->next = p->free;
	p->free = b;
	p->used--;
}

size_t
lpool_size(const struct lpool *p)
{
	return p->size;
}

size_t
lpool_used(const struct lpool *p)
{
	return p->used;
}

void
lpool_free(struct lpool *p)
{
	size_t i;

	if (p == NULL)
		return;
	/* sodium_free wipes each chunk before unmapping it. */
	for (i = 0; i < p->nchunks; i++)
		sodium_free(p->chunks[i]);
	free(p->chunks);
	free(p);
}
