/*
 * pipeline.h - the scan context shared by the pipeline's threads.
 *
 *   reader ──► scan queue ──► scan workers ──► validate queue ──► validators
 *                                                                    │
 *                                   writer (in chunk order) ◄────────┘
 *
 * The reader fills chunks from the ring and numbers them.  A scan worker
 * turns a chunk into a batch of candidates (batch.h) and gives the chunk
 * back.  Validators fill in each candidate's verdict.  The ordered commit
 * (commit.h) hands batches to the writer strictly in chunk order, so the
 * output never depends on thread timing; the writer sees the scan only
 * through the hooks in out/output.h.
 * The number of batches alive at once is capped (credits), which bounds
 * memory whatever the size of the source.
 */
#ifndef DREDGE_PIPELINE_PIPELINE_H
#define DREDGE_PIPELINE_PIPELINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "dredge.h"
#include "fs/fsview.h"
#include "scan/match.h"
#include "pipeline/batch.h"
#include "pipeline/queue.h"
#include "pipeline/ring.h"
#include "io/badlist.h"
#include "io/reader.h"
#include "io/source.h"
#include "formats/format.h"
#include "reassemble/reassemble.h"

/* Read size and reads in flight unless told otherwise (see README). */
#define DREDGE_DEFAULT_CHUNK (2u << 20)
#define DREDGE_DEFAULT_DEPTH 4

struct pipeline {
	const struct dredge_scan_config *cfg;
	struct dredge_summary *sum;
	struct source src;
	const struct format *formats[DREDGE_MAX_TYPES];
	unsigned nformats;
	struct matcher match;
	struct ring ring;
	struct queue scan_q;         /* chunks to scan */
	struct queue valid_q;        /* batches to validate */
	struct queue done_q;         /* validated batches, any order */
	struct cand_pool cand_pool;  /* batches' arrays, reused (batch.h) */

	struct output *out;          /* the writer (out/output.h) */
	struct fsview *fsv;          /* the file system carved, or NULL */
	struct grid_starts *starts;  /* clip starts, without a file system */
	struct fsview_grid vgrid;    /* ... and the cluster grid of the volume
	                                the source holds, in whole blocks
	                                (cluster_size 0: none) */
	uint64_t start, end;         /* source range scanned */
	size_t chunk_size;
	uint64_t nchunks;
	unsigned threads;
	unsigned queue_depth;
	int direct;                  /* the reader reads with O_DIRECT */
	const char *engine;

	/* Batch credits: at most `credits` batches exist at once. */
	pthread_mutex_t credit_lock;
	pthread_cond_t credit_cond;
	unsigned credits;            /* free now */
	unsigned max_credits;        /* fixed before the threads start */
	int aborted;

	/* The end of the furthest file the writer accepted: a start before
	 * it will be dropped, so validators may skip it. */
	atomic_uint_fast64_t cover_hi;
	/* What the fragment searches have spent so far (frag_total_budget),
	 * as the writer last said, and the memory held by the first
	 * validations the validators made ahead for them (frag_ahead). */
	atomic_uint_fast64_t frag_spent;
	atomic_uint_fast64_t frag_ahead;

	/* --shard K/N: the shards' edges (out/shard.h), the first start
	 * this one owns, and where its writer handed over (reading stops
	 * there; UINT64_MAX until then). */
	uint64_t *shard_edges;
	uint64_t shard_lo;
	atomic_uint_fast64_t handover;

	struct badlist bad;          /* unreadable ranges */
	/* unreadable in the scan, read by --retries at the end */
	struct badlist reread;

	atomic_uint_fast64_t bytes_read;
	atomic_uint_fast64_t bytes_scanned;
	atomic_uint_fast64_t bytes_skipped;   /* ... of them not read */
	atomic_uint_fast64_t ncandidates;
	atomic_int fatal;            /* first fatal error, -errno */
	char fatal_msg[512];
	pthread_mutex_t fatal_lock;
};

/* Records the first fatal error and stops every stage. */
void pipeline_fail(struct pipeline *p, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Stops every stage (after a failure or an interruption). */
void pipeline_abort(struct pipeline *p);

/* Waits for a batch credit; -ECANCELED once aborted. */
int pipeline_take_credit(struct pipeline *p);
/* Takes a credit if one is free: 1, else 0 at once. */
int pipeline_try_credit(struct pipeline *p);
void pipeline_give_credit(struct pipeline *p);

/* Whether the scan must stop before reading the chunk at source offset
 * off: the user asked (a signal), or --stop-at was reached. */
static inline int pipeline_stop_requested(const struct pipeline *p,
                                          uint64_t off)
{
	return (p->cfg->stop != NULL &&
	        atomic_load_explicit(p->cfg->stop, memory_order_relaxed)) ||
	       (p->cfg->stop_at != 0 && off >= p->cfg->stop_at) ||
	       off >= atomic_load_explicit(&p->handover, memory_order_relaxed);
}

/*
 * Validates one candidate with the pipeline's formats and source; in a
 * file system, over the clusters no live file owns when it starts in one.
 * br is not used any more (run_validate opens the reader); it stays until
 * the callers are next reworked.
 */
void pipeline_validate(struct pipeline *p, struct candidate *c,
                       struct bread *br, uint8_t *win, size_t win_cap);


#endif
