/*
 * commit.c - the ordered commit (see commit.h), and freeing batches
 * (their candidate arrays back to the pool, batch.h).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "pipeline/commit.h"

void candidate_release(struct candidate *c)
{
	/* most hold nothing: no calls for them */
	if (c->meta != NULL)
		free(c->meta);
	if (c->runs != NULL)
		free(c->runs);
	if (c->hash != NULL)
		free(c->hash);
	if (c->ahead != NULL)
		frag_first_free(c->ahead);
	c->meta = NULL;
	c->runs = NULL;
	c->hash = NULL;
	c->ahead = NULL;
}

void batch_free(struct batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		candidate_release(&b->cand[i]);
	if (b->pool != NULL && b->cand != NULL) {
		struct cand_pool *cp = b->pool;
		pthread_mutex_lock(&cp->lock);
		if (cp->n < CAND_POOL_MAX) {
			cp->cand[cp->n] = b->cand;
			cp->cap[cp->n++] = b->cap;
			b->cand = NULL;
		}
		pthread_mutex_unlock(&cp->lock);
	}
	free(b->cand);
	free(b);
}

void cand_pool_init(struct cand_pool *cp)
{
	pthread_mutex_init(&cp->lock, NULL);
	cp->n = 0;
}

void cand_pool_destroy(struct cand_pool *cp)
{
	while (cp->n > 0)
		free(cp->cand[--cp->n]);
	pthread_mutex_destroy(&cp->lock);
}

struct candidate *cand_pool_take(struct cand_pool *cp, size_t *cap)
{
	struct candidate *c = NULL;

	*cap = 0;
	pthread_mutex_lock(&cp->lock);
	if (cp->n > 0) {
		c = cp->cand[--cp->n];
		*cap = cp->cap[cp->n];
	}
	pthread_mutex_unlock(&cp->lock);
	return c;
}

int commit_run(struct queue *q, uint64_t n, unsigned window,
               commit_take_fn take, void *arg, uint64_t *taken)
{
	struct batch **pending = calloc(window, sizeof(*pending));
	uint64_t next = 0;

	*taken = 0;
	if (pending == NULL)
		return -ENOMEM;
	while (next < n) {
		struct batch *b = pending[next % window];
		if (b != NULL && b->seq == next) {
			pending[next % window] = NULL;
			if (take(arg, b) != 0)
				break;
			next++;
			continue;
		}
		b = queue_pop(q);
		if (b == NULL)
			break;   /* aborted, or the pipeline ran dry */
		pending[b->seq % window] = b;
	}
	for (unsigned i = 0; i < window; i++)
		if (pending[i] != NULL)
			batch_free(pending[i]);
	free(pending);
	*taken = next;
	return 0;
}
