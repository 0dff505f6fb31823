/*
 * batch.h - what travels down the pipeline: a batch of candidate file
 * starts found in one chunk, in source order, each with the verdict its
 * validator gave.  Scan workers make batches, validators fill in the
 * verdicts, the ordered commit (commit.h) hands them to the writer in
 * chunk order.  The writer sees these types and nothing else of the
 * pipeline.
 */
#ifndef DREDGE_PIPELINE_BATCH_H
#define DREDGE_PIPELINE_BATCH_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/format.h"
#include "reassemble/frag.h"

struct fsview_file;
struct chunk;
struct file_hash;

/* candidate.fmt of a live file whose format dredge does not know */
#define CANDIDATE_NO_FORMAT 0xFFFFu

struct candidate {
	uint64_t off;
	uint16_t fmt;            /* index into the scan's formats */
	uint8_t verdict;         /* enum carve_verdict */
	uint8_t skipped;         /* not validated: inside an accepted file */
	uint8_t validated;       /* already validated by its scan worker */
	uint8_t open_end;        /* truncated where the data ran out
	                            (carve_result.open_end) */
	uint64_t length;
	uint64_t vouched;        /* with open_end: carve_result.vouched */
	/* truncated at a fragmentation point (CARVE_NOTE_FRAGMENT at
	 * note_off): the writer has reassembly look for the rest (in a
	 * volume, also after a cluster map of several runs: the search
	 * starts again from the candidate's first cluster) */
	uint8_t fragment;
	uint64_t note_off;
	/* ... and the search's first validation, made by its validator
	 * (frag_first_make), or NULL */
	struct frag_first *ahead;
	/* accepted: carve_result.unverified_off (0: none) and why; the
	 * writer sets suspect to why when a whole file starts there */
	uint64_t unverified;
	const char *unverified_why;
	const char *suspect;
	const char *ext;
	const char *reason;
	/* metadata of an accepted or truncated file (NULL when none): only
	 * as many entries as it holds, for dense hostile images */
	struct carve_meta *meta;
	unsigned nmeta;
	struct extent *runs;         /* a reassembled file's extents, or NULL */
	unsigned nruns;              /*   (then at least 2) */
	/* A live file of a whole-volume scan (fsview.h), written from its
	 * own clusters whatever its validator says; check is that
	 * validator's verdict (CARVE_*, or CANDIDATE_UNCHECKED), check_reason
	 * its reason. */
	const struct fsview_file *live;
	uint8_t check;
	const char *check_reason;
	/* Its hashes, computed by its validator (out/filehash.h), or NULL:
	 * the writer then hashes it while copying. */
	struct file_hash *hash;
};

#define CANDIDATE_UNCHECKED 0xFFu

/*
 * Candidate arrays of batches the writer is done with, handed to the
 * batches the scan workers fill next: a sector-dense image fills
 * thousands of candidates a chunk, and an array made anew for each batch
 * costs the growing copies and the kernel's zeroing of its fresh pages.
 * At most CAND_POOL_MAX arrays are kept (no more than were in flight).
 */
#define CAND_POOL_MAX 16

struct cand_pool {
	pthread_mutex_t lock;
	unsigned n;
	struct candidate *cand[CAND_POOL_MAX];
	size_t cap[CAND_POOL_MAX];
};

void cand_pool_init(struct cand_pool *cp);
/* Frees the arrays kept. */
void cand_pool_destroy(struct cand_pool *cp);
/* An array kept (its size in *cap), or NULL with *cap 0. */
struct candidate *cand_pool_take(struct cand_pool *cp, size_t *cap);

struct batch {
	uint64_t seq;
	uint64_t lo, hi;             /* source range whose starts it holds */
	struct candidate *cand;
	size_t n, cap;
	size_t held;                 /* cap when scanned: the entries its
	                                credit counts (pipeline.h) */
	uint64_t emitted;            /* candidates found (n counts those kept) */
	/* The chunk it was found in, held until its candidates are
	 * validated so that validators read it from memory; NULL once
	 * given back to the ring. */
	struct chunk *chunk;
	/* where batch_free gives cand back to, or NULL */
	struct cand_pool *pool;
};

/* Frees a batch and what its candidates hold. */
void batch_free(struct batch *b);

/* Frees what candidate c holds (metadata, runs, hashes, a search begun)
 * and clears those pointers. */
void candidate_release(struct candidate *c);

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
