/*
 * source.h - the read-only view of what dredge recovers from.
 *
 * A source is a regular file (disk image) or a block device.  It is opened
 * O_RDONLY twice: a buffered descriptor for the validators' random reads,
 * and, where the source accepts it, an O_DIRECT descriptor for the reader's
 * large sequential reads.  Nothing ever writes to it.
 */
#ifndef DREDGE_IO_SOURCE_H
#define DREDGE_IO_SOURCE_H

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

/* Whether a read error means the source is gone (device unplugged), as
 * opposed to an unreadable sector: err is a positive errno. */
int source_gone(int err);

/* Told about each piece that could not be read and was zero-filled:
 * [off, off+len) of the source, err the positive errno (0: the source
 * ended before it). */
typedef void (*source_bad_fn)(void *arg, uint64_t off, uint64_t len, int err);

/*
 * Reads [off, off+len) of fd into dst the way every stage of the pipeline
 * must, so that they all see the same bytes: one large read first; when it
 * fails, what is left is read a sector (ss bytes, aligned) at a time, and a
 * sector that cannot be read is zero-filled and passed to bad (may be
 * NULL).  Returns 0, or -errno when the source is gone (nothing after the
 * failing piece is read then), or -ENODATA when the source ended early and
 * end_is_error is set (otherwise the missing tail is zero-filled and passed
 * to bad with err 0).
 */
int source_read(int fd, uint32_t ss, uint8_t *dst, uint64_t off, size_t len,
                int end_is_error, source_bad_fn bad, void *arg);

#endif
