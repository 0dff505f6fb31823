/*
 * run.h - one validation: a format's validate over a candidate's extents.
 *
 * Three callers judge candidates: the validator pool (one run of the
 * source from the candidate's start), reassembly (a cluster map it is
 * trying out) and the fs command (a file's cluster chain).  They differ in
 * where the extents come from, not in how a verdict is reached, so all
 * three hand their extents to run_validate: it sets up the bounded reader,
 * calls the format's validate, and holds the verdict to what the reader
 * could serve.
 *
 * The runner lives in src/formats because that is the one folder every
 * caller may include (formats see only src/common; fs, reassemble and
 * pipeline may all include formats), and because it needs nothing but the
 * bounded reader and a descriptor.  Turning clusters into extents stays
 * with the callers: that is file-system knowledge.
 */
#ifndef DREDGE_FORMATS_RUN_H
#define DREDGE_FORMATS_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/bread.h"
#include "formats/format.h"

/* What to validate and how to read it. */
struct run_req {
	const struct source *src;    /* what the extents lie on */
	const struct extent *ext;    /* the candidate's bytes, in order */
	unsigned next;               /* 1 .. BREAD_MAX_EXTENTS */
	/* The caller's read window (reused across candidates), or NULL for
	 * one allocated for this run of win_cap bytes (0: the default). */
	uint8_t *win;
	size_t win_cap;
	/* Told of each sector that could not be read and
	 * reads as zeros; NULL: nobody is told. */
	source_bad_fn bad;
	void *bad_arg;
	bool thorough;               /* the reader's thorough (bread.h) */
	bool seams_placed;           /* ... and seams_placed */
	/* Source bytes already in memory, served without reading again
	 * (bread_use_memory; one extent only): [mem_off, mem_off + mem_len)
	 * of the source, or mem NULL. */
	const uint8_t *mem;
	uint64_t mem_off;
	size_t mem_len;
	/* With a format that has validate_resume: its state across runs
	 * over one candidate's maps, and the bytes all of them share
	 * (format.h); NULL: validate is called. */
	struct carve_resume **resume;
	uint64_t stable;
	uint64_t shared;             /* bread.shared (format.h) */
	/* When not NULL: set to the bytes the validator's searches looked
	 * through (bread.searched). */
	uint64_t *searched;
};

/*
 * Validates the candidate of req as a file of fmt.  The reader is cut at
 * fmt's max_size; a verdict that claims more bytes than the reader holds
 * is cut back to them ("validator overran its reader").  A truncated
 * verdict that ends at the reader's limit is marked open_end: it ends
 * where the data ran out, which says nothing of where the file does.
 * Returns 0 with
 * res filled and *io_err (may be NULL) set to the reader's first I/O error
 * (0: none), or -errno when no reader could be set up (res is then a
 * rejection, "reader setup failed").
 */
int run_validate(const struct format *fmt, const struct run_req *req,
                 struct carve_result *res, int *io_err);

#endif
