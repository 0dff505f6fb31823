/*
 * commit.h - the ordered commit: validated batches arrive from the
 * validator pool in any order; they leave strictly in chunk order, so
 * that what the writer does never depends on thread timing.
 *
 *   validators ──► queue (any order) ──► commit_run ──► take(batch 0, 1, 2 …)
 *
 * The pipeline caps the batches alive at once (its credits), so a window
 * of that many slots, indexed by sequence number, holds every batch that
 * came early.
 */
#ifndef DREDGE_PIPELINE_COMMIT_H
#define DREDGE_PIPELINE_COMMIT_H

#include <stdint.h>

#include "pipeline/batch.h"
#include "pipeline/queue.h"

/* Commits batch b, which it now owns; 0, or -errno to stop. */
typedef int (*commit_take_fn)(void *arg, struct batch *b);

/*
 * Pops batches numbered 0 to n-1 from q and hands them to take in that
 * order.  window: at most this many batches exist at once, so a batch's
 * sequence number is less than window past the one awaited.  Stops early
 * when take fails or q ends (aborted, or closed with batches missing).
 * *taken: how many were taken without error.  Batches still waiting are
 * freed.  0, or -ENOMEM when nothing could start.
 */
int commit_run(struct queue *q, uint64_t n, unsigned window,
               commit_take_fn take, void *arg, uint64_t *taken);

#endif
