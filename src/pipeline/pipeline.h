/*
 * pipeline.h - the scan context shared by the pipeline's threads.
 *
 *   reader ──► scan queue ──► scan workers ──► validate queue ──► validators
 *                                                                    │
 *                                   writer (in chunk order) ◄────────┘
 *
 * The reader fills chunks from the ring and numbers them.  A scan worker
 * turns a chunk into a batch of candidates and gives the chunk back.
 * Validators fill in each candidate's verdict.  The writer takes batches
 * strictly in chunk order, so the output never depends on thread timing.
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
#include "pipeline/queue.h"
#include "pipeline/ring.h"
#include "io/source.h"
#include "formats/format.h"

/* Read size and reads in flight unless told otherwise (see README). */
#define DREDGE_DEFAULT_CHUNK (2u << 20)
#define DREDGE_DEFAULT_DEPTH 4

struct candidate {
	uint64_t off;
	uint16_t fmt;            /* index into pipeline.formats */
	uint8_t verdict;         /* enum carve_verdict */
	uint8_t skipped;         /* not validated: inside an accepted file */
	uint8_t validated;       /* already validated by its scan worker */
	uint64_t length;
	const char *ext;
	const char *reason;
	/* metadata of an accepted or truncated file (NULL when none): only
	 * as many entries as it holds, for dense hostile images */
	struct carve_meta *meta;
	unsigned nmeta;
	struct extent *runs;         /* a reassembled file's extents, or NULL */
	unsigned nruns;              /*   (then at least 2) */
};

struct batch {
	uint64_t seq;
	uint64_t lo, hi;             /* source range whose starts it holds */
	struct candidate *cand;
	size_t n, cap;
	uint64_t emitted;            /* candidates found (n counts those kept) */
};

/* An unreadable range met by the reader. */
struct bad_range {
	uint64_t off, len;
};

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

	struct fsview *fsv;          /* the file system carved, or NULL */
	uint64_t start, end;         /* source range scanned */
	size_t chunk_size;
	uint64_t nchunks;
	unsigned threads;
	unsigned queue_depth;
	int use_direct;              /* reader uses src.fd_direct */
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

	pthread_mutex_t bad_lock;
	struct bad_range *bad;       /* sorted, disjoint, not adjacent */
	size_t nbad, capbad;
	/* unreadable in the scan, read by --retries at the end */
	struct bad_range *reread;
	size_t nreread;

	atomic_uint_fast64_t bytes_read;
	atomic_uint_fast64_t bytes_scanned;
	atomic_uint_fast64_t ncandidates;
	atomic_uint_fast64_t nfiles;
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

/* Records an unreadable range; the list stays sorted, and overlapping or
 * adjacent ranges are merged, whatever order they are met in. */
void pipeline_add_bad(struct pipeline *p, uint64_t off, uint64_t len);

/* A source_bad_fn (arg: the pipeline) that records the piece. */
void pipeline_note_bad(void *arg, uint64_t off, uint64_t len, int err);

/* Whether the scan must stop before reading the chunk at source offset
 * off: the user asked (a signal), or --stop-at was reached. */
static inline int pipeline_stop_requested(const struct pipeline *p,
                                          uint64_t off)
{
	return (p->cfg->stop != NULL &&
	        atomic_load_explicit(p->cfg->stop, memory_order_relaxed)) ||
	       (p->cfg->stop_at != 0 && off >= p->cfg->stop_at);
}

/* Hands a filled chunk to the scan workers. */
int pipeline_chunk_ready(struct pipeline *p, struct chunk *c);

/*
 * Validates one candidate with the pipeline's formats and source; in a
 * file system, over the clusters no live file owns when it starts in one.
 * br is not used any more (run_validate opens the reader); it stays until
 * the callers are next reworked.
 */
void pipeline_validate(struct pipeline *p, struct candidate *c,
                       struct bread *br, uint8_t *win, size_t win_cap);

/* The reader thread bodies; each returns 0 or -errno. */
int reader_uring_run(struct pipeline *p);
int reader_pread_run(struct pipeline *p);
/* Whether io_uring can be set up here (0) or why not (-errno). */
int reader_uring_probe(unsigned depth);

/* Fills c->buf[from..c->len) with pread on the buffered descriptor,
 * isolating unreadable sectors (zero-filled, recorded). 0 or -errno for a
 * failure that must stop the scan. */
int reader_fill_pread(struct pipeline *p, struct chunk *c, size_t from);

/* The writer thread body. */
void *writer_main(void *arg);

/* Where the part of candidate c that starts at its offset ends: the
 * file's end, or its first fragment's when it was reassembled. */
static inline uint64_t candidate_first_end(const struct candidate *c)
{
	return c->nruns > 1 ? c->runs[0].img_off + c->runs[0].len
	                    : c->off + c->length;
}

/* Where candidate c's last byte ends on the source. */
static inline uint64_t candidate_last_end(const struct candidate *c)
{
	return c->nruns > 1 ? c->runs[c->nruns - 1].img_off +
	                      c->runs[c->nruns - 1].len
	                    : c->off + c->length;
}

#endif
