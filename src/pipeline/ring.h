/*
 * ring.h - the chunk ring: a fixed set of aligned buffers the reader fills
 * and the scan workers borrow.
 *
 * All chunk memory is allocated once, 4096-aligned (O_DIRECT and io_uring
 * registered buffers need it), so memory use depends on the slot count and
 * chunk size, never on the size of the source.  A slot goes back to the free
 * list when the scan worker that borrowed it is done with it.
 */
#ifndef DREDGE_PIPELINE_RING_H
#define DREDGE_PIPELINE_RING_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "io/reader.h"   /* struct chunk */

struct ring {
	pthread_mutex_t lock;
	pthread_cond_t freed;
	uint8_t *mem;
	struct chunk *slots;
	unsigned nslots;
	size_t chunk_size;
	unsigned *free_list;
	unsigned nfree;
	int aborted;
};

/*
 * The most chunk memory a ring holds, whatever the options: a chunk is
 * read as at most half of it, and fewer chunks are kept when more would
 * not fit.  dredge(1) states it.
 */
#define RING_MAX_BYTES ((size_t)256 << 20)

/*
 * Sizes a ring for reading span bytes: *chunk (a multiple of 4096) is cut
 * to span rounded up to 4096 and to RING_MAX_BYTES / 2; *nslots, as many
 * as the reader and workers could use, is cut to the chunks span holds
 * and to what fits in RING_MAX_BYTES.  At least one slot, of 4096 bytes.
 */
void ring_plan(uint64_t span, size_t *chunk, unsigned *nslots);

/* Allocates nslots chunks of chunk_size bytes (a multiple of 4096). */
int ring_init(struct ring *r, unsigned nslots, size_t chunk_size);
void ring_destroy(struct ring *r);

/* Takes a free slot, waiting for one; NULL once aborted. */
struct chunk *ring_acquire(struct ring *r);

/* Takes a free slot if there is one, else NULL at once. */
struct chunk *ring_try_acquire(struct ring *r);

/* Gives a slot back. */
void ring_release(struct ring *r, struct chunk *c);

/* Wakes waiters; acquire returns NULL from now on. */
void ring_abort(struct ring *r);

#endif
