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
	void *base;          /* the mapping, page-aligned */
	size_t len;          /* its length */
};

/* Whether src can be viewed: 1 or 0. */
int source_mappable(const struct source *src);

/* Views [off, off + len) of src in *m; 0, or -errno (nothing mapped). */
int source_map(const struct source *src, uint64_t off, size_t len,
               struct source_map *m);

/* Ends a view made by source_map. */
void source_unmap(struct source_map *m);

#endif
