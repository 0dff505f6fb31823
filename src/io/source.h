/*
 * source.h - the read-only view of what dredge recovers from.
 *
 * A source is an object with one read operation behind a small table of
 * operations (struct source_ops), plus its size, sector size and name.
 * Every stage reads through it: the reader's chunks, the validators'
 * bounded reader, the writer's copy, the file system code, `extract` and
 * `bench`.  source_read is the one way to read bytes the way the scan
 * does, isolating unreadable sectors; a new kind of input (an mmap view,
 * say) is a new file in src/io with its own operations, and nothing
 * outside src/io changes.  Nothing ever writes to
 * a source.
 *
 * The raw backend (source_raw.c) reads an image file or a block device
 * opened O_RDONLY twice: a buffered descriptor for everything, and, where
 * the source accepts it, an O_DIRECT descriptor for the reader's large
 * sequential reads.  The split backend (source_split.c) reads disk.001,
 * disk.002 ... as one image, and the E01 backend (source_ewf.c) the media
 * inside an EWF container through libewf; neither has a descriptor, so
 * the reader reads them through the read operation.
 */
#ifndef DREDGE_IO_SOURCE_H
#define DREDGE_IO_SOURCE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct source;

/* Flags for source_ops.read. */
#define SOURCE_DIRECT 1u     /* bypass the page cache (aligned buffers) */

struct source_ops {
	const char *kind;    /* what the backend reads, for messages */
	/* Reads up to len bytes at off into buf: the count read (> 0), 0 at
	 * the end, or -errno.  Called from several threads at once.  With
	 * SOURCE_DIRECT, -EINVAL when the backend cannot. */
	ssize_t (*read)(const struct source *src, void *buf, size_t len,
	                uint64_t off, unsigned flags);
	/* The descriptor that reads the source (direct: the O_DIRECT one),
	 * for io_uring and device measurement; -ENOTSUP when there is none. */
	int (*fd)(const struct source *src, int direct);
	/* Releases what the backend holds. */
	void (*close)(struct source *src);
};

/* source.views: viewed where views pay (measured), everywhere it can be,
 * or never. */
enum { SOURCE_VIEWS_AUTO = 0, SOURCE_VIEWS_ON, SOURCE_VIEWS_OFF };

struct source {
	const struct source_ops *ops;   /* NULL: not open */
	void *impl;                     /* the backend's state */
	char *path;                     /* the name messages use */
	uint64_t size;
	uint32_t sector_size;
	int is_blockdev;
	int is_file;         /* one regular file, read through source_fd */
	dev_t rdev;          /* the device, for block devices */
	dev_t dev;           /* the file system holding an image file */
	int views;           /* SOURCE_VIEWS_*: where it is viewed rather
	                        than copied (source_map.h) */
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

/*
 * Makes a source of a descriptor the caller opened and keeps (it is not
 * closed here), named name: for tests and tools that already hold one.
 * 0 or -errno.
 */
int source_open_fd(struct source *src, int fd, const char *name);

/* Closes the source; accepts a zeroed or closed source. */
void source_close(struct source *src);

/* The source's descriptor (direct: the O_DIRECT one), or -errno when it
 * has none: for the io_uring reader and `bench`, which measure the
 * device itself. */
int source_fd(const struct source *src, int direct);

/* One read of up to len bytes at off, as the backend gives it: the count
 * (> 0), 0 at the end, or -errno. */
static inline ssize_t source_pread(const struct source *src, void *buf,
                                   size_t len, uint64_t off, unsigned flags)
{
	return src->ops->read(src, buf, len, off, flags);
}

/*
 * A few bytes (len <= SOURCE_PEEK_MAX) at off, for a look past the end of
 * a chunk: on a block device with an O_DIRECT descriptor through that
 * (one aligned block read into a bounce buffer), else buffered.  On a
 * block device read O_DIRECT, a buffered read there is a page-cache miss
 * that sends a synchronous read with readahead to the device in the middle
 * of the reader's stream (measured on a loop device: the scan fell from
 * 3.8 GB/s to 0.2-0.5 GB/s at 256 KiB chunks).  An image file's pages are
 * often in the page cache, where a buffered read costs no device read
 * (an O_DIRECT peek there cost 15-20% at 256 KiB chunks).  Returns the
 * count read (> 0), 0 at the end, or -errno; no sector isolation.
 */
#define SOURCE_PEEK_MAX 2048
ssize_t source_peek(const struct source *src, void *buf, size_t len,
                    uint64_t off);

/* Reads [off, off+len) whole: 0, -errno, or -EIO when the source ends
 * first.  No sector isolation: for callers that report a failed read.
 * A source copied whole (source_whole_wanted) is read from that copy. */
int source_read_full(const struct source *src, void *buf, size_t len,
                     uint64_t off);

/* As source_read_full, always from the source itself. */
int source_pread_full(const struct source *src, void *buf, size_t len,
                      uint64_t off);

/* Whether a read error means the source is gone (device unplugged), as
 * opposed to an unreadable sector: err is a positive errno. */
int source_gone(int err);

/* Told about each piece that could not be read and was zero-filled:
 * [off, off+len) of the source, err the positive errno (0: the source
 * ended before it). */
typedef void (*source_bad_fn)(void *arg, uint64_t off, uint64_t len, int err);

/*
 * Reads [off, off+len) of src into dst the way every stage of the pipeline
 * must, so that they all see the same bytes: one large read first; when it
 * fails, what is left is read a sector (the source's sector size, aligned)
 * at a time, and a sector that cannot be read is zero-filled and passed to
 * bad (may be NULL).  Returns 0, or -errno when the source is gone (nothing
 * after the failing piece is read then), or -ENODATA when the source ended
 * early and end_is_error is set (otherwise the missing tail is zero-filled
 * and passed to bad with err 0).  On failure what was not read is zeros.
 * A source copied whole is read from that copy, where its parts could be
 * read.
 */
int source_read(const struct source *src, uint8_t *dst, uint64_t off,
                size_t len, int end_is_error, source_bad_fn bad, void *arg);

#endif
