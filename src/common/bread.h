/*
 * bread.h - the bounded random-access reader validators read through.
 *
 * A validator sees one candidate file as a byte array [0, size): logical
 * offset 0 is the candidate's start.  The array is backed by one or more
 * extents of the source image (several when a file was reassembled from
 * fragments) and is cut at the smaller of the source's end and the format's
 * maximum size.  Reads past that limit fail instead of reading on, so a
 * hostile length field cannot walk a validator off the medium.
 *
 * Reads are served from a window (a few hundred KiB) refilled through the
 * source object (source_read), so walking a structure byte by byte
 * costs no system call per byte.  An unreadable sector reads as zeros, as
 * it did for the scan (source_read); only a source that ended early or
 * vanished makes reads fail.
 */
#ifndef DREDGE_COMMON_BREAD_H
#define DREDGE_COMMON_BREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io/source.h"
#include "io/source_map.h"
#include "common/mem.h"

/* One contiguous run of the source image. */
struct extent {
	uint64_t img_off;
	uint64_t len;
};

/*
 * A reassembled file may have many fragments; the list is the caller's and
 * the reader adds only an index of their logical starts (8 bytes each), so
 * memory stays bounded by this.
 */
#define BREAD_MAX_EXTENTS 65536

struct bread {
	const struct source *src;
	uint64_t size;               /* logical bytes readable */
	const struct extent *ext;    /* logical 0.. maps to these in order */
	unsigned next;
	uint64_t *starts;            /* logical start of each extent (several) */
	struct extent one;           /* storage for the single-extent case */
	uint8_t *win;
	size_t win_cap;
	const uint8_t *cur;          /* the window's bytes: win, or in mem */
	uint64_t win_off;            /* logical offset of cur[0] */
	size_t win_len;
	/* Source bytes the caller already holds in memory (the chunk the
	 * candidate was found in): [mem_off, mem_off + mem_len) of the
	 * source.  A window that lies in them is served from there with no
	 * read and no copy (bread_use_memory); NULL: none. */
	const uint8_t *mem;
	uint64_t mem_off;
	size_t mem_len;
	size_t fill;                 /* next refill size: grows from 4 KiB */
	/* A long walk over an image file is served from views of its page
	 * cache (source_map.h) rather than copies into win: map is the
	 * current view (cur points into it), mappable 0 not yet asked,
	 * 1 yes, -1 no; map_len the next view's length, doubled while the
	 * reads go on forward from the window, 0 after a jump. */
	struct source_map map;
	int mappable;
	int whole;           /* the source is read through a copy of it all
	                        (source_whole): 0 not asked yet, 1, -1 */
	size_t map_len;
	int err;                     /* first I/O error (-errno), sticky */
	int own_win;                 /* win was allocated by bread_open */
	source_bad_fn bad;           /* told of zero-filled pieces, or NULL */
	void *bad_arg;
	/* Bytes read so far that were unreadable and read as zeros: a
	 * validator does not take them for the file's own zeros. */
	uint64_t unreadable;
	/* Bytes bread_find has looked through so far: what a validator's
	 * searches cost beyond the file's own length. */
	uint64_t searched;
	/* Asks the validator for every check it has, however slow
	 * (decoding entropy-coded data, not just walking its markers):
	 * set by callers that must tell a right byte order from a wrong
	 * one, such as reassembly.  False after bread_open*. */
	bool thorough;
	/* With thorough: the caller placed the pieces by the file's own
	 * index, every boundary of its data checked where the pieces meet
	 * (mp4_index.h), so a check that only judges the bytes round a seam
	 * (decoding the H.264 slice that holds it) is left out.  False after
	 * bread_open*. */
	bool seams_placed;
	/* For validate_resume (format.h): how far this run's bytes read as
	 * other runs' with the same stable, 0 when no further than stable.
	 * Zero after bread_open*. */
	uint64_t shared;
};

/*
 * Opens a reader over the bytes [img_off, img_off + size) of src.
 * win_cap is the window size (0 picks the default).  Returns 0 or -errno.
 */
int bread_open(struct bread *br, const struct source *src, uint64_t img_off,
               uint64_t size, size_t win_cap);

/*
 * Opens a reader over a list of extents (a reassembled file); logical
 * offsets run through them in order.  ext must outlive the reader.
 */
int bread_open_extents(struct bread *br, const struct source *src,
                       const struct extent *ext, unsigned next,
                       size_t win_cap);

/* As bread_open_extents, through the caller's window (win_cap bytes). */
int bread_open_extents_window(struct bread *br, const struct source *src,
                              const struct extent *ext, unsigned next,
                              uint8_t *win, size_t win_cap);

/*
 * As bread_open, but reads through the caller's window buffer (win_cap
 * bytes) instead of allocating one: for callers that validate many
 * candidates in a row.
 */
int bread_open_window(struct bread *br, const struct source *src,
                      uint64_t img_off, uint64_t size, uint8_t *win,
                      size_t win_cap);

/* Tells bad (may be NULL) about each sector that could not be read and
 * reads as zeros. */
static inline void bread_on_bad(struct bread *br, source_bad_fn bad,
                                void *arg)
{
	br->bad = bad;
	br->bad_arg = arg;
}

/*
 * Serves reads that fall in [off, off + len) of the source from mem, the
 * same bytes a read would give (the scan's chunk: unreadable sectors are
 * zeros there too), instead of reading the source again.  For a reader
 * over one extent; mem must outlive the reader.
 */
static inline void bread_use_memory(struct bread *br, const uint8_t *mem,
                                    uint64_t off, size_t len)
{
	br->mem = mem;
	br->mem_off = off;
	br->mem_len = len;
}

/* Releases the window.  Accepts a zeroed or already closed reader. */
void bread_close(struct bread *br);

/* Logical size: reads at or past it fail. */
static inline uint64_t bread_size(const struct bread *br)
{
	return br->size;
}

/* Narrows the readable size (never widens it). */
void bread_limit(struct bread *br, uint64_t size);

/*
 * Pointer to n contiguous bytes at logical offset off, valid until the next
 * call on br; NULL when [off, off+n) is not wholly readable (past the limit,
 * n larger than the window, or an I/O error).
 */
const uint8_t *bread_peek(struct bread *br, uint64_t off, size_t n);

/*
 * Pointer to the bytes from off up to the end of what the window can hold
 * (at least one byte), with their count in *len; NULL at or past the limit.
 * For scanning runs of data (entropy-coded JPEG data, searching a marker).
 */
const uint8_t *bread_span(struct bread *br, uint64_t off, size_t *len);

/* The CRC-32 (common/crc32.h) of [off, off+n) into *crc; 0, or -1 when
 * not all of it can be read. */
int bread_crc32(struct bread *br, uint64_t off, uint64_t n, uint32_t *crc);

/* The same, continuing from the CRC in *crc (that of the bytes before
 * off); *crc is left alone when not all of it can be read. */
int bread_crc32_update(struct bread *br, uint64_t off, uint64_t n,
                       uint32_t *crc);

/*
 * The logical offset of the first seam in [lo, hi): where a piece of a
 * reader over several extents starts that does not follow the one before
 * it in the source (a reassembled file's junction between two fragments).
 * UINT64_MAX when none; always so for a single extent.
 */
uint64_t bread_seam_in(const struct bread *br, uint64_t lo, uint64_t hi);

/* Copies up to n bytes at off into dst; returns the count copied. */
size_t bread_read(struct bread *br, uint64_t off, void *dst, size_t n);

/*
 * Finds the first occurrence of needle at or after off and before end
 * (end is clamped to the size); returns its offset or UINT64_MAX.
 */
uint64_t bread_find(struct bread *br, uint64_t off, uint64_t end,
                    const void *needle, size_t nlen);

/* Single-value helpers: return 0 and set *v, or -1 when not readable. */
int bread_u8(struct bread *br, uint64_t off, uint8_t *v);
int bread_le16(struct bread *br, uint64_t off, uint16_t *v);
int bread_le32(struct bread *br, uint64_t off, uint32_t *v);
int bread_le64(struct bread *br, uint64_t off, uint64_t *v);
int bread_be16(struct bread *br, uint64_t off, uint16_t *v);
int bread_be32(struct bread *br, uint64_t off, uint32_t *v);
int bread_be64(struct bread *br, uint64_t off, uint64_t *v);

#endif
