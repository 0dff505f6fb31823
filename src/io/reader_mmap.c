/*
 * reader_mmap.c - the mapping read engine: chunks are views of the page
 * cache, not copies of it.
 *
 * For an image file (a regular file with a descriptor), each chunk's
 * range is mapped read-only and its pages are made resident with
 * MADV_POPULATE_READ before the chunk is handed on; the scan workers and
 * the validators then read the page cache in place, and the copy the other
 * engines make into chunk buffers is gone.  The next chunk's range is
 * announced to the kernel (POSIX_FADV_WILLNEED) so that a cold file is
 * read ahead while this one is scanned.
 *
 * A page that cannot be read would raise SIGBUS when touched.  Populating
 * touches every page first, in the kernel, and fails instead of
 * signalling: such a chunk is unmapped and filled through the slot's own
 * buffer by the path every engine shares (reader_fill, source_read), which
 * isolates the unreadable sectors, zero-fills and records them.  So an
 * unreadable sector gives the same zeros and the same report ranges as
 * with io_uring or pread.  Where populating is not supported (kernels
 * before 5.14) or mapping is refused (some FUSE file systems), every
 * chunk takes that path: the engine is then the pread one.  What a
 * populated view cannot cover is the image changing under it: a file
 * truncated while it is scanned, or a page the kernel dropped under memory
 * pressure and then fails to read again, still raises SIGBUS; auto picks
 * this engine for image files only, which neither shrink nor fail page by
 * page in the normal course (block devices, which do, keep io_uring).
 *
 * A mapping lives as long as its chunk: chunk_unview, called when the
 * chunk goes back to the ring, unmaps it, so the resident mapped pages are
 * bounded by the ring, never by the size of the source.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/reader_impl.h"
#include "io/source_map.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

int reader_mmap_probe(const struct source *src)
{
	int fd = source_fd(src, 0);

	if (fd < 0)
		return fd;
	return source_can_map(src) ? 0 : -ENOTSUP;
}

void chunk_unview(struct chunk *c)
{
	if (c->map == NULL)
		return;
	munmap(c->map, c->map_len);
	c->map = NULL;
	c->map_len = 0;
	c->buf = c->slot_buf;
}

/* Points c at a populated mapping of its range; 0, or -errno when the
 * range must be read instead (c is then untouched). */
static int view(struct chunk *c, int fd, size_t page)
{
	uint64_t base = c->off & ~(uint64_t)(page - 1);
	size_t lead = (size_t)(c->off - base);
	size_t len = lead + c->len;
	void *m = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, (off_t)base);

	if (m == MAP_FAILED)
		return -errno;
	if (madvise(m, len, MADV_POPULATE_READ) != 0) {
		int e = errno;
		munmap(m, len);
		return -e;
	}
	c->slot_buf = c->buf;
	c->map = m;
	c->map_len = len;
	c->buf = (uint8_t *)m + lead;
	c->done = c->len;
	return 0;
}

int reader_mmap_run(struct reader *r)
{
	const struct reader_config *cfg = r->cfg;
	const struct reader_sink *s = r->sink;
	int fd = source_fd(cfg->src, 0);
	long pg = sysconf(_SC_PAGESIZE);
	size_t page = pg > 0 ? (size_t)pg : 4096;
	int mapping = 1;   /* off after the kernel refuses for good */

	int want = r->nchunks > 0 && reader_wants(r, 0);

	for (uint64_t seq = 0; seq < r->nchunks; seq++) {
		if (s->stop(s->arg, reader_chunk_off(r, seq)))
			return 0;
		/* (not a chunk the sink wants nothing of: it is not read) */
		int want_next = seq + 1 < r->nchunks && reader_wants(r, seq + 1);
		if (want_next)
			posix_fadvise(fd, (off_t)reader_chunk_off(r, seq + 1),
			              (off_t)reader_chunk_len(r, seq + 1),
			              POSIX_FADV_WILLNEED);
		struct chunk *c = s->acquire(s->arg);
		if (c == NULL)
			return 0;
		reader_place(r, c, seq);
		if (!reader_skip(c, want) && mapping) {
			int rc = view(c, fd, page);
			/* EINVAL: no MADV_POPULATE_READ here; ENODEV: the file
			 * system cannot map.  Neither will change. */
			if (rc == -EINVAL || rc == -ENODEV)
				mapping = 0;
		}
		want = want_next;
		if (c->done < c->len) {
			int rc = reader_fill(r, c, 0);
			if (rc != 0) {
				s->release(s->arg, c);
				return rc;
			}
		}
		if (s->deliver(s->arg, c) != 0)
			return 0;
	}
	return 0;
}
