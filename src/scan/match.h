/*
 * match.h - finding candidate file starts in a buffer.
 *
 * The matcher is compiled once from a list of patterns: magic bytes at a
 * distance from the file start, the alignment a start must have, and the
 * number of the format they stand for.  The matcher knows nothing else of
 * formats: the pipeline (and the matcher's tests and benchmark) build the
 * list from the format descriptors.  It checks every block boundary (the
 * default: files start at sector or cluster boundaries on real media) or,
 * with any_offset, every byte, and reports (offset, format) pairs.  The scalar code in match.c is the
 * reference; the SIMD variants of the any-offset search (match_sse2.c,
 * match_avx2.c, match_avx512.c) report exactly the same set of pairs,
 * though not necessarily in the same order.  The variant is chosen once, at
 * match_init, and kept in the matcher.
 */
#ifndef DREDGE_SCAN_MATCH_H
#define DREDGE_SCAN_MATCH_H

#include <stddef.h>
#include <stdint.h>

#include "dredge.h"

/*
 * A pattern may sit as far as MATCH_MAX_REACH bytes from the file start
 * (tar's magic is at 257), but its own bytes are few: the compiled arrays
 * hold MATCH_MAX_LEN of them, not the whole reach.
 */
#define MATCH_MAX_REACH 264  /* offset + len of any pattern */
#define MATCH_MAX_LEN 32     /* len of any pattern */

/*
 * One signature as the matcher's caller describes it.  Every byte must
 * match, except that mask (when not NULL) selects which bits count.  The
 * bytes are copied at match_init; the list need not outlive it.
 */
struct match_pattern {
	const uint8_t *bytes;
	const uint8_t *mask;
	uint8_t len;         /* 1 .. MATCH_MAX_LEN, offset + len <= reach */
	uint16_t offset;     /* distance from the file start */
	uint32_t align;      /* a start must be a multiple of this (0: 1) */
	unsigned fmt;        /* reported with each match: 0 .. UINT16_MAX */
};

/* A pattern as compiled into the matcher. */
struct match_sig {
	uint8_t bytes[MATCH_MAX_LEN];
	uint8_t mask[MATCH_MAX_LEN];
	uint8_t len;
	uint16_t offset;
	uint16_t reach;      /* offset + len */
	uint16_t fmt;        /* the pattern's fmt */
	uint32_t align;      /* a start must be a multiple of this */
	/* The first min(len, 8) bytes as a little-endian word and its mask,
	 * for the one-load compare of the fast paths. */
	uint64_t word;
	uint64_t wmask;
};

/* Candidate sink: one call per matching (start, format index). */
typedef void (*match_emit_fn)(void *arg, uint64_t start, unsigned fmt);

/* Everything one match_scan call works on, passed down to the variants. */
struct match_run {
	const struct matcher *m;
	const uint8_t *data;
	size_t len;
	uint64_t data_off;       /* source offset of data[0] */
	uint64_t lo, hi;         /* starts reported: [lo, hi), inside data */
	uint64_t need_end;
	match_emit_fn emit;
	void *arg;
};

typedef void (*match_scan_fn)(const struct match_run *r);

/*
 * The any-offset prefilter shared by the SIMD variants (built by match.c,
 * read by match_*.c).  Each signature that is not left to the aligned pass
 * gets an anchor: a window of MATCH_WIN bytes at distance k from the file
 * start, inside the signature where it is long enough (a shorter one is
 * padded with "any byte").  A position q can only hold the anchor of a
 * match starting at q - k if every window byte is accepted there.
 */
#define MATCH_WIN 3
#define MATCH_BUCKETS 8
#define MATCH_SET_MAX 64

struct match_anchor {
	uint16_t sig;            /* index into matcher.sigs */
	uint16_t k;              /* window start, from the file start */
	uint8_t bucket;          /* nibble-table bucket (AVX2, AVX-512) */
	uint8_t val[MATCH_WIN];  /* window bytes, already masked */
	uint8_t mask[MATCH_WIN]; /* 0: any byte */
};

struct match_filter {
	struct match_anchor *anchors;
	unsigned nanchors;
	unsigned kmin, kmax;     /* range of anchor distances */
	/* Anchors whose window byte 0 accepts value b:
	 * by_byte[first[b] .. first[b + 1]). */
	uint16_t first[257];
	uint16_t *by_byte;
	/*
	 * Nibble tables: bit t of lo[j][x] is set when some anchor of bucket
	 * t accepts a byte with low nibble x at window position j; hi[j]
	 * likewise for the high nibble.  A byte c passes position j for
	 * bucket t when bit t is set in both lo[j][c & 15] and hi[j][c >> 4].
	 */
	uint8_t lo[MATCH_WIN][16];
	uint8_t hi[MATCH_WIN][16];
	/*
	 * Byte sets for the compare-based filter (SSE2): the distinct
	 * (value, mask) pairs of window positions 0 and 1.  set_any[j] means
	 * some anchor takes any byte there, so position j filters nothing.
	 */
	uint8_t set_val[2][MATCH_SET_MAX];
	uint8_t set_mask[2][MATCH_SET_MAX];
	unsigned set_n[2];
	int set_any[2];
	/* Signatures aligned so coarsely that visiting their aligned starts
	 * is cheaper than filtering every byte for them. */
	uint16_t *aligned;
	unsigned naligned;
};

struct matcher {
	struct match_sig *sigs;
	unsigned nsigs;
	unsigned reach;              /* largest offset + len */
	int any_offset;
	uint32_t block;
	/* Block boundaries are base + k * block (a file system's clusters
	 * start at its data area, not at a multiple of the cluster size);
	 * signature alignments count from base too.  Below block. */
	uint64_t base;
	/* Signatures whose byte at their own offset accepts b:
	 * anchor[first[b] .. first[b + 1]). */
	uint16_t first[257];
	uint16_t *anchor;
	/* Distinct signature offsets, for the block-mode byte lookup. */
	uint16_t offsets[MATCH_MAX_REACH];
	unsigned noffsets;
	struct match_filter filter;
	enum dredge_simd simd;       /* the variant scan_any is */
	match_scan_fn scan_any;
};

/*
 * Builds a matcher for pats[0..npats) (emitted candidates carry their
 * fmt).  block: candidate spacing without any_offset, and the least
 * alignment of every pattern then.  The any-offset search is the fastest
 * variant this CPU runs; match_use changes it.  0, -EINVAL for a pattern
 * out of bounds, -E2BIG for too many, or -ENOMEM.
 */
int match_init(struct matcher *m, const struct match_pattern *pats,
               unsigned npats, uint32_t block, int any_offset);
void match_free(struct matcher *m);

/* Moves the block grid so that source offset base is a block boundary. */
static inline void match_set_base(struct matcher *m, uint64_t base)
{
	m->base = base % m->block;
}
/* Selects the any-offset variant; AUTO picks the fastest.  0, or -ENOTSUP
 * when this build or CPU cannot run it. */
int match_use(struct matcher *m, enum dredge_simd v);

/*
 * Reports matches whose start lies in [own_lo, own_hi) and whose signature
 * bytes lie wholly inside data[0..len) (data[0] is source offset data_off)
 * and end after need_end (pass 0 to report all that fit).  Each matching
 * signature is reported once; two signatures of one format that both match
 * at a start are reported twice.
 */
void match_scan(const struct matcher *m, const uint8_t *data, size_t len,
                uint64_t data_off, uint64_t own_lo, uint64_t own_hi,
                uint64_t need_end, match_emit_fn emit, void *arg);

#endif
