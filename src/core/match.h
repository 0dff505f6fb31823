/*
 * match.h - finding candidate file starts in a buffer.
 *
 * The matcher is compiled once from the chosen formats' signatures.  It
 * checks every block boundary (the default: files start at sector or
 * cluster boundaries on real media) or, with any_offset, every byte, and
 * reports (offset, format) pairs in the order found.  The scalar code here
 * is the reference every faster variant must agree with.
 */
#ifndef DREDGE_CORE_MATCH_H
#define DREDGE_CORE_MATCH_H

#include <stddef.h>
#include <stdint.h>

#include "formats/format.h"

struct match_sig {
	uint8_t bytes[FORMAT_SIG_MAX_REACH];
	uint8_t mask[FORMAT_SIG_MAX_REACH];
	uint8_t len;
	uint8_t offset;
	uint8_t reach;       /* offset + len */
	uint8_t exact;       /* no mask: memcmp suffices */
	uint16_t fmt;        /* index into the matcher's format list */
	uint32_t align;      /* a start must be a multiple of this */
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
	/* sigs whose byte at their own offset is b: anchor[first[b]..+count[b]] */
	uint16_t first[256];
	uint16_t count[256];
	uint16_t *anchor;
};

/* Candidate sink: one call per matching (start, format index). */
typedef void (*match_emit_fn)(void *arg, uint64_t start, unsigned fmt);

/*
 * Builds a matcher for formats[0..nformats) (indices in emitted candidates
 * refer to this list).  block: candidate spacing without any_offset.
 */
int match_init(struct matcher *m, const struct format *const *formats,
               unsigned nformats, uint32_t block, int any_offset);
void match_free(struct matcher *m);

/* Moves the block grid so that source offset base is a block boundary. */
static inline void match_set_base(struct matcher *m, uint64_t base)
{
	m->base = base % m->block;
}

/*
 * Reports matches whose start lies in [own_lo, own_hi) and whose signature
 * bytes lie wholly inside data[0..len) (data[0] is source offset data_off)
 * and end after need_end (pass 0 to report all that fit).
 */
void match_scan(const struct matcher *m, const uint8_t *data, size_t len,
                uint64_t data_off, uint64_t own_lo, uint64_t own_hi,
                uint64_t need_end, match_emit_fn emit, void *arg);

#endif
