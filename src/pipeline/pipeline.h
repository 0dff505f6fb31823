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
 * The number of batches alive at once is capped (credits), and so are the
 * candidates they hold, which bounds memory whatever the size of the
 * source.  Beyond the chunks the ring holds, batches cost little, so the
 * scan runs up to PIPELINE_AHEAD of them past the oldest one the writer
 * waits for: a clip whose placing takes long keeps one validator busy
 * while the other validators go on with the clips after it.
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

/* Batches alive beyond those of the chunks in the ring and in the
 * workers' hands. */
#define PIPELINE_AHEAD 256
/* Files the validators accepted that are looked up to skip the starts
 * inside them (pipeline.c, covers). */
#define PIPELINE_COVERS 64

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

	/* Batch credits: at most `credits` batches exist at once, and no
	 * new one is begun while those scanned hold cand_max candidate
	 * entries (their arrays' capacity) or more. */
	pthread_mutex_t credit_lock;
	pthread_cond_t credit_cond;
	unsigned credits;            /* free now */
	unsigned max_credits;        /* fixed before the threads start */
	size_t cand_held;            /* entries of the batches scanned */
	size_t cand_max;             /* fixed before the threads start */
	/* A chunk from ahead_end on (a shard's end: its writer hands over
	 * somewhere past it, and reading stops there) is read with
	 * PIPELINE_AHEAD credits fewer, so that a shard reads past its end
	 * no further than before.  next_off: where the reader reads next
	 * (the reader's thread only). */
	uint64_t ahead_end;
	uint64_t next_off;
	int aborted;

	/* The end of the furthest file the writer accepted: a start before
	 * it will be dropped, so validators may skip it. */
	atomic_uint_fast64_t cover_hi;
	/* Files validators accepted, [lo, hi) each (hi 0: a free entry),
	 * that may still cover starts the writer has not reached: a start
	 * inside one will be dropped too.  Validators run ahead of the
	 * writer (PIPELINE_AHEAD), so the writer's cover_hi alone would
	 * leave them validating the photos inside a large file. */
	pthread_mutex_t covers_lock;
	uint64_t covers[PIPELINE_COVERS][2];
	atomic_uint_fast64_t covers_hi;   /* no entry ends after this */
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

/* Waits for a batch credit for the chunk at next_off; -ECANCELED once
 * aborted. */
int pipeline_take_credit(struct pipeline *p);
/* Takes a credit if one is free: 1, else 0 at once. */
int pipeline_try_credit(struct pipeline *p);
/* Gives a credit back, with the candidate entries its batch held. */
void pipeline_give_credit(struct pipeline *p, size_t held);

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
