/*
 * frag.h - continuing a file that its validator cut short at a
 * fragmentation point, without help from a file system.
 *
 * A validator that can tell where its data stop being consistent says so
 * with CARVE_NOTE_FRAGMENT (format.h): the verdict is TRUNCATED, length is
 * the bytes shown consistent and note_off a byte that cannot belong to the
 * file where it lies, so the fragment boundary (where the medium's next
 * block stopped being this file's) lies at a block start in
 * [block of length, note_off].  The search here tries those boundaries and,
 * for each, the blocks after it as the start of the rest of the file:
 *
 *   1. bifragment gap carving: head up to boundary B, a gap of G blocks,
 *      then the tail from B + G blocks to wherever the validator takes it;
 *      gaps in increasing size, boundaries from the note back; the first
 *      map the validator ACCEPTs wins;
 *   2. when no map is accepted, more fragments, greedily: the first map
 *      that moved the validator's fragmentation point forward (a tail whose
 *      bytes the validator could read past the boundary) is kept and the
 *      search starts again from its new fragmentation point.
 *
 * A block is offered as a tail start only when the caller does not say it
 * is taken (another kept file's, or a live file's), when it lies in no
 * file found in the search window (a block start where one of the scan's
 * formats' signatures matches and its validator accepts a whole file, or
 * shows the head of another fragmented file consistent up to that file's
 * own fragmentation point: the files a fragmented one was written around,
 * decided from the bytes alone so that the result does not depend on
 * which files the writer has seen yet), when it does not start with one of the format's
 * own signatures (a new file starts there), and when the format's
 * may_continue (if it has one) does not rule it out.
 * Only an ACCEPTed map is a result: a file the search cannot finish stays
 * the truncated prefix its validator gave, never a wrong "whole" file.
 *
 * What the search reads is bounded per candidate and in total, counted in
 * bytes the validator runs are given (never in time), so the result is the
 * same on every run and a card full of broken files costs a predictable
 * amount.
 *
 * What it asks of a validator (the whole contract):
 *   - In its ordinary pass (bread.thorough false), the one the scan runs,
 *     a file cut short where its data stop being consistent is TRUNCATED
 *     with carve_note(res, CARVE_NOTE_FRAGMENT, N) after the verdict;
 *     only such candidates are searched.  Data that merely ran out (the
 *     reader's end, open_end) carry no note.
 *   - length L is the bytes shown consistent and N >= L a byte that cannot
 *     belong to the file where it lies, so that the boundary (the first
 *     byte that came from elsewhere) is at or before N: N is the last
 *     byte the failing check covered (PNG: the failing chunk's CRC) or the
 *     first byte proven wrong (a Huffman code that decodes to nothing).
 *     Boundaries are tried at the block starts from N's block back to
 *     L's, FRAG_MAX_BOUNDARIES at most (FRAG_MAX_BOUNDARIES_EXPECT when
 *     the verdict says what must lie at or past N), so the closer N is,
 *     the cheaper.
 *   - With bread.thorough set (every map tried, and the candidate once
 *     first, whose verdict then gives the L and N the search starts from)
 *     the validator runs all its checks however slow.
 *   - Over a right map it returns ACCEPT with the file's exact length;
 *     over a map right so far but with pieces still missing, TRUNCATED
 *     with CARVE_NOTE_FRAGMENT at an N further on than before (and an L
 *     past the boundary); over a wrong one, anything else (the same
 *     point, REJECT, ...).  Only ACCEPT ends a search with a file, so a
 *     validator that accepts wrong bytes is the only way to a wrong file.
 *   - validate_resume (optional, format.h) lets the tries of one
 *     candidate share the validator's work on the head: every map a step
 *     tries holds the same bytes up to the step's lowest boundary, which
 *     is the stable offset those runs are given (steps only move it
 *     forward); the maps under it that the ambiguity check tries, and the
 *     first thorough run, are validated in full.  The budgets still count
 *     the bytes each run covers, resumed or not, so what is searched, and
 *     found, does not depend on it.
 *   - A verdict may say what bytes must lie at N for any map to get past
 *     it (carve_result.expect: a ZIP member shown wrong only at its end,
 *     where the next record starts): with a gap of G blocks, N lies at
 *     the same image byte whatever the boundary, so a gap that does not
 *     put those bytes there is skipped without a validator run.
 *   - may_continue (optional) is called on the first bytes (at most a
 *     block, FRAG_PROBE_MAX) of a block before it is offered as a tail
 *     start; false only when no file of the format can continue there.
 *     A block starting with one of the format's own signatures is never
 *     offered.
 */
#ifndef DREDGE_REASSEMBLE_FRAG_H
#define DREDGE_REASSEMBLE_FRAG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/bread.h"
#include "formats/format.h"
#include "io/source.h"

/* Fragments of one file at most (head and tails). */
#define FRAG_MAX_FRAGMENTS 8
/* Block starts tried as the boundary, from the note back towards the
 * consistent length (a chunk whose CRC fails can hide it anywhere); more
 * when the verdict says what must lie at or past the note
 * (carve_result.expect), which rules out most gaps in one look each. */
#define FRAG_MAX_BOUNDARIES 64
#define FRAG_MAX_BOUNDARIES_EXPECT 256
/* Once a map is accepted (or moves the point), block starts under the
 * lowest boundary tried too, with the same gap: another map the validator
 * accepts there that gives other bytes means it cannot tell where the
 * boundary is (its consistent length took in bytes it does not check),
 * and the file is left as it was. */
#define FRAG_CHECK_BELOW 4
/* Blocks past a boundary where the next fragment is looked for: 8 MiB on
 * the 512-byte grid, 64 MiB on 4 KiB clusters. */
#define FRAG_MAX_GAP_BLOCKS 16384
/* Validator runs per step (one more fragment looked for).  A file whose
 * rest was overwritten spends them in its first step and stops, so this
 * is what a lost file costs: for a PNG of 200 KiB, 400 MiB of CRC-32. */
#define FRAG_STEP_VALIDATIONS 2048
/* Validator runs per candidate, all steps together. */
#define FRAG_MAX_VALIDATIONS 4096
/* Bytes those runs may be given per candidate (a run costs about the
 * bytes the validator got through before it stopped; for a validator
 * that resumes, the bytes every map of the step shares cost a
 * sixteenth, as it only walks their structure again). */
#define FRAG_MAX_BYTES (1ull << 30)
/* What a validator run costs besides the bytes it gets through: its
 * reader and state set up, its first reads (on a grid of larger blocks,
 * the block).  Measured: a JPEG try that resumes and stops a few hundred
 * bytes into the tail takes the time of reading some 20 KiB. */
#define FRAG_TRY_COST (16u << 10)
/* A byte a validator's search (bread_find) looks through costs this
 * much less than a byte it validates: a search runs at memory speed. */
#define FRAG_SEARCH_SHARE 16
/* Once a map moved the fragmentation point forward, validator runs still
 * spent looking for a map that ends the file at this step. */
#define FRAG_AFTER_PROGRESS 256
/* The whole scan's search, whatever the number of broken files: by the
 * time the scan reaches source byte X, the searches together have been
 * given at most FRAG_TOTAL_BASE + FRAG_TOTAL_PER_BYTE * X bytes, so
 * reassembly never costs more than a few times what the scan reads, and
 * broken files early on the medium cannot starve later ones. */
#define FRAG_TOTAL_BASE (512ull << 20)
#define FRAG_TOTAL_PER_BYTE 4
/* A search that finds its file counts this much less against that: the
 * bound is on the searches that find nothing (a card of heads whose
 * rest was overwritten), and those that find a file take at most this
 * many times what it allows. */
#define FRAG_FOUND_SHARE 4
/* Bytes of a block that the signature and may_continue tests look at. */
#define FRAG_PROBE_MAX (64u * 1024u)

/* The block grid fragments lie on: blocks start at origin + k * block. */
struct frag_grid {
	uint64_t origin;
	uint32_t block;
};

/* Whether any block of [off, off + len) belongs to another file. */
typedef bool (*frag_taken_fn)(void *arg, uint64_t off, uint64_t len);

struct frag_req {
	const struct format *fmt;
	const struct source *src;
	uint64_t src_end;            /* no fragment reaches past it */
	struct frag_grid grid;
	uint64_t off;                /* the candidate's start */
	/* The scan's verdict on it (consistent bytes, fragmentation point);
	 * the search validates it again thoroughly and starts from that
	 * verdict's point, searching nothing when it gives none. */
	uint64_t length;
	uint64_t note_off;
	frag_taken_fn taken;         /* NULL: nothing is taken */
	/* formats whose whole files in the window are not offered */
	const struct format *const *formats;
	unsigned nformats;
	void *taken_arg;
	uint8_t *win;                /* the validators' read window */
	size_t win_cap;
	/* in and out: what the whole scan may still spend, in bytes given to
	 * validator runs (frag_total_budget) */
	uint64_t *budget;
	/* The search's first validation, made ahead for this candidate by
	 * frag_first_make (in a validator's thread, while the writer is
	 * busy), or NULL.  frag_reassemble takes what it holds when it was
	 * made for the same first step, and validates again otherwise: the
	 * result is the same either way. */
	struct frag_first *first;
};

/* A candidate's first thorough verdict and the validator's progress
 * (frag_first_make). */
struct frag_first {
	const struct format *fmt;
	uint64_t stable;             /* of the first step it was made for */
	struct carve_result res;
	struct carve_resume *resume; /* taken by frag_reassemble */
	uint64_t bytes;              /* the memory it held when made */
	atomic_uint_fast64_t *held;  /* bytes added to it while it lives */
};

struct frag_result {
	struct carve_result res;     /* the ACCEPT verdict over ext */
	struct extent *ext;          /* the file's runs, in order (malloc'd) */
	unsigned next;
	unsigned validations;        /* validator runs spent */
	uint64_t spent;              /* bytes given to them */
};

/* What all searches together may have spent once the scan reaches
 * source byte off. */
uint64_t frag_total_budget(uint64_t off);

/*
 * Searches the continuation of the candidate rq describes.  Returns 1
 * with out filled when a whole file was found (free out->ext), 0 when
 * not (out->validations and out->spent still say what was spent), or
 * -errno (out of memory).
 */
int frag_reassemble(const struct frag_req *rq, struct frag_result *out);

/*
 * Makes the first validation frag_reassemble(rq) would (rq's taken,
 * formats, budget and first are not used): NULL when rq asks for no
 * search, memory ran out or the validator failed.  The memory it holds
 * is added to *held (when not NULL) until frag_first_free.
 */
struct frag_first *frag_first_make(const struct frag_req *rq,
                                   atomic_uint_fast64_t *held);
void frag_first_free(struct frag_first *f);

#endif
