/*
 * queue.h - a bounded multi-producer multi-consumer queue of pointers.
 *
 * The pipeline's stages hand work to each other through these.  The
 * capacity is fixed at creation, so a fast stage blocks instead of piling up
 * memory.  Closing lets consumers drain what is left and then see NULL;
 * aborting wakes everybody at once.
 */
#ifndef DREDGE_PIPELINE_QUEUE_H
#define DREDGE_PIPELINE_QUEUE_H

#include <pthread.h>
#include <stddef.h>

struct queue {
	pthread_mutex_t lock;
	pthread_cond_t not_empty;
	pthread_cond_t not_full;
	void **items;
	size_t cap, head, count;
	int closed;
	int aborted;
};

/* Creates a queue for cap items; 0 or -errno. */
int queue_init(struct queue *q, size_t cap);
void queue_destroy(struct queue *q);

/* Adds item, waiting while full; -EPIPE once closed or aborted. */
int queue_push(struct queue *q, void *item);

/* Takes the oldest item, waiting while empty; NULL once closed and drained,
 * or aborted. */
void *queue_pop(struct queue *q);

/* No more pushes; consumers drain the rest. */
void queue_close(struct queue *q);

/* Takes an item left in the queue without waiting, aborted or not; NULL
 * when empty.  For freeing what an aborted pipeline left behind. */
void *queue_take_left(struct queue *q);

/* Wakes all waiters; pushes fail and pops return NULL from now on. */
void queue_abort(struct queue *q);

#endif
