/*
 * source.h - the read-only view of what dredge recovers from.
 *
 * A source is a regular file (disk image) or a block device.  It is opened
 * O_RDONLY twice: a buffered descriptor for the validators' random reads,
 * and, where the source accepts it, an O_DIRECT descriptor for the reader's
 * large sequential reads.  Nothing ever writes to it.
 */
#ifndef DREDGE_CORE_SOURCE_H
#define DREDGE_CORE_SOURCE_H

#include <stdint.h>
#include <sys/types.h>

struct source {
	char *path;
	int fd;              /* buffered, O_RDONLY */
	int fd_direct;       /* O_DIRECT, or -1 */
	uint64_t size;
	uint32_t sector_size;
	int is_blockdev;
	dev_t rdev;          /* the device, for block devices */
	dev_t dev;           /* the file system holding an image file */
};

/*
 * Opens path.  direct: 1 also opens an O_DIRECT descriptor where the kernel
 * accepts it; 0 and -1 (auto) read buffered.  Buffered is the default
 * because validators and the writer read candidate bytes a second time:
 * through the page cache that second read costs no device I/O, while after
 * an O_DIRECT read it reads the device again (measured: twice the image
 * size read from disk on a card full of photos).  On failure returns -errno and writes a
 * one-line reason naming the path into err.
 */
int source_open(struct source *src, const char *path, int direct,
                char *err, size_t errlen);

/* Closes both descriptors; accepts a zeroed or closed source. */
void source_close(struct source *src);

#endif
