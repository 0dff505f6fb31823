/*
 * ring.c - fixed pool of aligned chunk buffers with a free list, sized
 * to the source and capped at RING_MAX_BYTES.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/ring.h"

void ring_plan(uint64_t span, size_t *chunk, unsigned *nslots)
{
	uint64_t rounded = span > UINT64_MAX - 4095 ? UINT64_MAX & ~(uint64_t)4095
	                   : (span + 4095) & ~(uint64_t)4095;
	size_t c = *chunk;

	if (rounded == 0)
		rounded = 4096;
	if (c > rounded)
		c = (size_t)rounded;
	if (c > RING_MAX_BYTES / 2)
		c = RING_MAX_BYTES / 2;
	uint64_t chunks = span / c + (span % c != 0);
	unsigned n = *nslots;
	if (n > chunks)
		n = (unsigned)chunks;
	if (n > RING_MAX_BYTES / c)
		n = (unsigned)(RING_MAX_BYTES / c);
	*chunk = c;
	*nslots = n ? n : 1;
}

int ring_init(struct ring *r, unsigned nslots, size_t chunk_size)
{
	memset(r, 0, sizeof(*r));
	if (nslots == 0 || chunk_size == 0 || chunk_size % 4096 != 0)
		return -EINVAL;
	if (posix_memalign((void **)&r->mem, 4096, (size_t)nslots * chunk_size))
		return -ENOMEM;
	r->slots = calloc(nslots, sizeof(*r->slots));
	r->free_list = calloc(nslots, sizeof(*r->free_list));
	if (r->slots == NULL || r->free_list == NULL) {
		ring_destroy(r);
		return -ENOMEM;
	}
	r->nslots = nslots;
	r->chunk_size = chunk_size;
	for (unsigned i = 0; i < nslots; i++) {
		r->slots[i].buf = r->mem + (size_t)i * chunk_size;
		r->slots[i].index = i;
		r->free_list[i] = nslots - 1 - i;
	}
	r->nfree = nslots;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->freed, NULL);
	return 0;
}

void ring_destroy(struct ring *r)
{
	for (unsigned i = 0; r->slots != NULL && i < r->nslots; i++)
		chunk_unview(&r->slots[i]);
	if (r->nslots) {
		pthread_mutex_destroy(&r->lock);
		pthread_cond_destroy(&r->freed);
	}
	free(r->mem);
	free(r->slots);
	free(r->free_list);
	memset(r, 0, sizeof(*r));
}

static struct chunk *ring_take(struct ring *r, int wait)
{
	struct chunk *c = NULL;

	pthread_mutex_lock(&r->lock);
	while (wait && r->nfree == 0 && !r->aborted)
		pthread_cond_wait(&r->freed, &r->lock);
	if (!r->aborted && r->nfree > 0)
		c = &r->slots[r->free_list[--r->nfree]];
	pthread_mutex_unlock(&r->lock);
	return c;
}

struct chunk *ring_acquire(struct ring *r)
{
	return ring_take(r, 1);
}

struct chunk *ring_try_acquire(struct ring *r)
{
	return ring_take(r, 0);
}

void ring_release(struct ring *r, struct chunk *c)
{
	chunk_unview(c);
	pthread_mutex_lock(&r->lock);
	r->free_list[r->nfree++] = c->index;
	pthread_cond_signal(&r->freed);
	pthread_mutex_unlock(&r->lock);
}

void ring_abort(struct ring *r)
{
	pthread_mutex_lock(&r->lock);
	r->aborted = 1;
	pthread_cond_broadcast(&r->freed);
	pthread_mutex_unlock(&r->lock);
}
