/*
 * output.h - the writer stage: the output folder, recovered files, hashes,
 * de-duplication, the reports and the checkpoint.
 *
 * The writer sees the scan through this door only: a config of what it
 * writes from (the source, the formats, the file system carved), hooks
 * back into the pipeline (stop the run, publish how far accepted files
 * reach, validate a candidate it kept, the list of unreadable ranges), and
 * batches handed to output_commit in chunk order (pipeline/commit.h).
 */
#ifndef DREDGE_OUT_OUTPUT_H
#define DREDGE_OUT_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

#include "common/bread.h"
#include "dredge.h"
#include "formats/format.h"
#include "fs/fsview.h"
#include "io/source.h"
#include "out/report.h"
#include "pipeline/batch.h"

struct output;

/* What the writer writes from; all of it outlives the writer. */
struct writer_config {
	const struct dredge_scan_config *cfg;
	struct dredge_summary *sum;      /* error message, counts at the end */
	const struct source *src;
	const struct format *const *formats;   /* candidate.fmt indexes it */
	unsigned nformats;
	const struct fsview *fsv;        /* the file system carved, or NULL */
	const char *engine;              /* the I/O engine, for the report */
	uint64_t scan_lo, scan_hi;       /* the source range the scan reads */
	/* --shard K/N (count 0: none): edges[0..count], the shards' starts
	 * and the scan's end; this one owns [edges[K-1], edges[K]). */
	unsigned shard_index, shard_count;
	const uint64_t *shard_edges;
};

/* A visitor of unreadable ranges. */
typedef void (*writer_range_fn)(void *fn_arg, uint64_t off, uint64_t len);

/* How the writer reaches the rest of the scan (arg is passed to each). */
struct writer_hooks {
	void *arg;
	/* Records the first fatal error (msg) and stops every stage. */
	void (*fail)(void *arg, int code, const char *msg);
	/* Accepted files reach hi: validators may skip starts before it. */
	void (*cover)(void *arg, uint64_t hi);
	/* Validates c, which validators skipped (see candidate.skipped). */
	void (*validate)(void *arg, struct candidate *c, struct bread *br,
	                 uint8_t *win, size_t win_cap);
	/*
	 * Looks for the rest of c, truncated at a fragmentation point
	 * (candidate.fragment), over blocks that none of claims[0..nclaims)
	 * (later fragments of files kept) holds; on success c becomes the
	 * whole file (accepted, with its runs).  *spent (in and out) is what
	 * the scan's searches have spent so far, which bounds them in total.
	 * Reads through win (win_cap bytes).  0, or -errno.
	 */
	int (*reassemble)(void *arg, struct candidate *c,
	                  const struct extent *claims, size_t nclaims,
	                  uint64_t *spent, uint8_t *win, size_t win_cap);
	/* Records an unreadable range met while copying, or one a resumed
	 * scan's checkpoint lists. */
	source_bad_fn note_bad;
	/* How many unreadable ranges are recorded now. */
	size_t (*bad_count)(void *arg);
	/* Calls fn for each unreadable range starting before `before`, in
	 * order (under the list's lock: fn must not call back). */
	void (*bad_each)(void *arg, uint64_t before, writer_range_fn fn,
	                 void *fn_arg);
	/* A shard handed over at off: nothing from there on is its own, so
	 * reading can stop (batches after it are ignored). */
	void (*handover)(void *arg, uint64_t off);
};

/*
 * Prepares the output folder (created if missing; one that already holds
 * files is refused unless cfg->force), opens the reports and holds back
 * the reserve; with cfg->resume, takes up the interrupted scan there.
 * *start: in, where the scanned range starts; out, where this run starts
 * reading (a resumed scan's checkpoint says).  The pipeline is built over
 * [*start, end) afterwards.  0 or -errno with wc->sum->error set.
 */
int output_open(const struct writer_config *wc,
                const struct writer_hooks *hooks, uint64_t *start,
                struct output **out);

/*
 * Commits the batch that comes next in chunk order: writes its files,
 * adds them to the reports, and notes the checkpoint.  0, or -errno after
 * a failure that stops the run (reported through hooks->fail).
 */
int output_commit(struct output *out, struct batch *b);

/* No more batches: gives the reserve back, and removes the checkpoint
 * (completed: all batches were committed) or saves it for a resume. */
void output_finish(struct output *out, int completed);

/* Distinct files written so far, resumed ones included; any thread. */
uint64_t output_files(struct output *out);

/* What the reports close with. */
struct writer_end {
	uint64_t bytes_scanned;          /* over the whole scan, resumed too */
	const struct report_range *bad;  /* unreadable at the end */
	size_t nbad;
	const struct report_range *reread;   /* unreadable, read on retry */
	size_t nreread;
	uint64_t read_end;               /* how far the source was read */
};

/* Finishes the reports, fills the summary's counts and frees out; 0 or
 * -errno.  status: 0, or the error that ended the run. */
int output_close(struct output *out, int status, const struct writer_end *end);

#endif
