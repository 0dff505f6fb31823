/*
 * queue.c - bounded blocking queue (a ring of pointers under one mutex).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "pipeline/queue.h"

int queue_init(struct queue *q, size_t cap)
{
	q->items = calloc(cap, sizeof(*q->items));
	if (q->items == NULL)
		return -ENOMEM;
	q->cap = cap;
	q->head = q->count = 0;
	q->closed = q->aborted = 0;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->not_empty, NULL);
	pthread_cond_init(&q->not_full, NULL);
	return 0;
}

void queue_destroy(struct queue *q)
{
	if (q->items == NULL)
		return;
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->not_empty);
	pthread_cond_destroy(&q->not_full);
	free(q->items);
	q->items = NULL;
}

int queue_push(struct queue *q, void *item)
{
	pthread_mutex_lock(&q->lock);
	while (q->count == q->cap && !q->closed && !q->aborted)
		pthread_cond_wait(&q->not_full, &q->lock);
	if (q->closed || q->aborted) {
		pthread_mutex_unlock(&q->lock);
		return -EPIPE;
	}
	q->items[(q->head + q->count) % q->cap] = item;
	q->count++;
	pthread_cond_signal(&q->not_empty);
	pthread_mutex_unlock(&q->lock);
	return 0;
}

void *queue_pop(struct queue *q)
{
	void *item = NULL;

	pthread_mutex_lock(&q->lock);
	while (q->count == 0 && !q->closed && !q->aborted)
		pthread_cond_wait(&q->not_empty, &q->lock);
	if (!q->aborted && q->count > 0) {
		item = q->items[q->head];
		q->head = (q->head + 1) % q->cap;
		q->count--;
		pthread_cond_signal(&q->not_full);
	}
	pthread_mutex_unlock(&q->lock);
	return item;
}

void queue_close(struct queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->closed = 1;
	pthread_cond_broadcast(&q->not_empty);
	pthread_cond_broadcast(&q->not_full);
	pthread_mutex_unlock(&q->lock);
}

void queue_abort(struct queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->aborted = 1;
	pthread_cond_broadcast(&q->not_empty);
	pthread_cond_broadcast(&q->not_full);
	pthread_mutex_unlock(&q->lock);
}

void *queue_take_left(struct queue *q)
{
	void *item = NULL;

	pthread_mutex_lock(&q->lock);
	if (q->count > 0) {
		item = q->items[q->head];
		q->head = (q->head + 1) % q->cap;
		q->count--;
	}
	pthread_mutex_unlock(&q->lock);
	return item;
}
