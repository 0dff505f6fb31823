/*
 * source_map.h - a populated, read-only view of part of an image file.
 *
 * The writer and the hashers read a recovered file's bytes through such
 * views where they can, rather than copying them into buffers: the pages
 * are made resident when the view is made (MADV_POPULATE_READ), so a page
 * that cannot be read fails here, with an error, instead of raising
 * SIGBUS when touched; the caller then reads that range the usual way
 * (source_read), which isolates the unreadable sectors.  Only a raw
 * source that is a regular file can be viewed.
 */
#ifndef DREDGE_IO_SOURCE_MAP_H
#define DREDGE_IO_SOURCE_MAP_H

#include <stddef.h>
#include <stdint.h>

#include "io/source.h"

struct source_map {
	const uint8_t *p;    /* the bytes asked for */
	void *base;          /* the mapping, page-aligned (or the copy) */
	size_t len;          /* its length */
	int copied;          /* a copy (source_piece), not a mapping;
	                        SOURCE_MAP_SHARED: in the source's copy;
	                        SOURCE_MAP_CACHED: a view all readers share */
	size_t cap;          /* the copy's memory, kept for the next piece */
	unsigned slot;       /* SOURCE_MAP_CACHED: which of the views */
};

/* The bytes of m from m->p on (a view starts on a page, before p). */
static inline size_t source_map_bytes(const struct source_map *m)
{
	return m->len - (size_t)(m->p - (const uint8_t *)m->base);
}

/* source_map.copied of a piece in the copy of a whole source that all its
 * readers share (source_piece): no memory of the piece's own. */
#define SOURCE_MAP_SHARED 2
/* ... of a piece in a view of the source that its readers share
 * (source_piece), held until source_unmap gives it back. */
#define SOURCE_MAP_CACHED 3

/* Whether src can be viewed at all: 1 or 0. */
int source_can_map(const struct source *src);

/*
 * Sources smaller than this are copied under SOURCE_VIEWS_AUTO without
 * the measure: it costs a process up to 16 ms (most of it faulting in its
 * 4 MiB of memory), more than views could save on so few bytes.  From
 * here on the copy of the whole source (below) faults in four times as
 * many pages as the measure, and a 60 MiB pair card's scan took 0.087 s
 * copied whole, 0.064 s measured and viewed.
 */
#define SOURCE_VIEWS_MEASURED_FROM (16ull << 20)

/*
 * Whether src is to be viewed: it can be, and source.views says so
 * (SOURCE_VIEWS_AUTO: where views pay here, for a source of at least
 * SOURCE_VIEWS_MEASURED_FROM bytes).  Readers of a source ask this and
 * copy through source_read when it says no.
 */
int source_mappable(const struct source *src);

/*
 * Whether viewing the page cache costs less than copying it on this
 * machine, measured once a process (the first call): making a view means
 * new page-table entries, which some virtual machines make costly (a
 * shadow page fault on a page's first touch, measured here at about 1 us
 * a page, five times the cost of copying it).  The times measured, in
 * microseconds for 2 MiB, go to *map_us and *copy_us when not NULL.
 */
int source_views_pay(double *map_us, double *copy_us);

/* Views [off, off + len) of src in *m; 0, or -errno (nothing mapped). */
int source_map(const struct source *src, uint64_t off, size_t len,
               struct source_map *m);

/*
 * [off, off + len) of src in *m, for a reader that looks at the same
 * bytes again and again: a view where src is to be viewed
 * (source_mappable), which the readers asking for the same piece share,
 * and which is kept a while once none holds it, so that a piece asked for
 * again is not mapped and populated again; else a copy (source_read_full,
 * which fails on an unreadable sector): in the copy of the whole source
 * where there is one (source_whole), shared by every reader until
 * source_close; else a copy in memory of the piece's own.  *m is zeroed
 * or holds an earlier piece, which this one replaces: a copy's memory is
 * used again (new memory, like a new view, costs a page fault a page).
 * 0, or -errno (nothing held).
 */
int source_piece(const struct source *src, uint64_t off, size_t len,
                 struct source_map *m);

/* Ends a view made by source_map or source_piece, and frees a copy's
 * memory. */
void source_unmap(struct source_map *m);

/*
 * The copy of a whole source: an image file smaller than
 * SOURCE_VIEWS_MEASURED_FROM that is not viewed is read once into memory,
 * SOURCE_WHOLE_PART bytes at a time as each part is first asked for, and
 * its readers point into that (source_piece, and the validators' reader)
 * instead of copying the same bytes again; the reads of source_read and
 * source_read_full copy out of it.  A part that cannot be read
 * whole is not held: its readers read the usual way, which isolates the
 * unreadable sectors.
 */
#define SOURCE_WHOLE_PART (2u << 20)

/* Whether src is read through a copy of it all: 1 or 0. */
int source_whole_wanted(const struct source *src);

/* [off, off + len) of src in the copy of it all, its parts read now if
 * they were not; NULL when src is not copied whole, or a part of that
 * range cannot be read or held. */
const uint8_t *source_whole(const struct source *src, uint64_t off,
                            size_t len);

/* Copies [off, off + len) of src out of the copy of it all into dst: 0,
 * or -1 when src is not copied whole, or a part of that range cannot be
 * read or held (the caller reads the source then). */
int source_whole_read(const struct source *src, void *dst, size_t len,
                      uint64_t off);

/* Frees the copy of src, if any (source_close calls it: no piece or
 * window of src may be held then). */
void source_forget(const struct source *src);

#endif
