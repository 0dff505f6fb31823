/*
 * source_backend.h - how source.c reaches its backends.  Only src/io
 * includes this; everyone else sees struct source and its operations.
 */
#ifndef DREDGE_IO_SOURCE_BACKEND_H
#define DREDGE_IO_SOURCE_BACKEND_H

#include "io/source.h"

/* The raw backend (source_raw.c): an image file or a block device. */
int source_raw_open(struct source *src, const char *path, int direct,
                    char *err, size_t errlen);
int source_raw_open_fd(struct source *src, int fd, const char *name);

/* The split raw backend (source_split.c): disk.001, disk.002, ...
 * source_split_probe: whether path names the first segment of a set of
 * two or more. */
int source_split_probe(const char *path);
int source_split_open(struct source *src, const char *path, char *err,
                      size_t errlen);

/* The E01 backend (source_ewf.c through libewf, or source_ewf_none.c,
 * which refuses). */
int source_ewf_open(struct source *src, const char *path, char *err,
                    size_t errlen);

#endif
