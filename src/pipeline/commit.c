/*
 * commit.c - the ordered commit (see commit.h), and freeing batches.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "pipeline/commit.h"

void batch_free(struct batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		free(b->cand[i].meta);
		free(b->cand[i].runs);
		free(b->cand[i].hash);
	}
	free(b->cand);
	free(b);
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
