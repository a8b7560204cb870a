#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>

#include <jansson.h>
#include <sodium.h>

#include "util/jsonmem.h"

/* The size lives just before the block, so free knows what to wipe. */
#define HDR                                                                    \
	(sizeof(max_align_t) > sizeof(size_t) ? sizeof(max_align_t)            \
					      : sizeof(size_t))

static void *
wiping_malloc(size_t n)
{
	unsigned char *p;

	if (n > SIZE_MAX - HDR)
		return NULL;
	p = malloc(n + HDR);
	if (p == NULL)
		return NULL;
	*(size_t *)(void *)p = n;
	return p + HDR;
}

static void
wiping_free(void *q)
{
	unsigned char *p;

	if (q == NULL)
		return;
	p = (unsigned char *)q - HDR;
	sodium_memzero(p, *(size_t *)(void *)p + HDR);
	free(p);
}

void
jsonmem_init(void)
{
	json_set_alloc_funcs(wiping_malloc, wiping_free);
}

void
jsonmem_free(void *p)
{
	json_malloc_t m;
	json_free_t f;

	json_get_alloc_funcs(&m, &f);
	if (f == wiping_free)
		wiping_free(p);
	else
		free(p);
}
