/*
 * reader.c - what both read engines share: the pread path that fills a
 * chunk, isolating unreadable sectors.
 *
 * When a large read fails, the range is re-read a sector at a time so that
 * one bad sector costs one sector, not a chunk: the unreadable sectors are
 * zero-filled and recorded, and the scan goes on.  A source that vanishes
 * (device unplugged) is the one read failure that stops the run.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "core/pipeline.h"

static int read_gone(int e)
{
	return e == ENODEV || e == ENXIO || e == ESHUTDOWN || e == ENOMEDIUM;
}

/* Reads [off, off+len) sector by sector into dst; 0 or fatal -errno. */
static int fill_sectors(struct pipeline *p, uint8_t *dst, uint64_t off,
                        size_t len)
{
	uint32_t ss = p->src.sector_size;
	size_t done = 0;

	while (done < len) {
		uint64_t at = off + done;
		size_t want = ss - (size_t)(at % ss);
		if (want > len - done)
			want = len - done;
		ssize_t r;
		do
			r = pread(p->src.fd, dst + done, want, (off_t)at);
		while (r < 0 && (errno == EINTR || errno == EAGAIN));
		if (r < 0 && read_gone(errno))
			return -errno;
		if (r <= 0) {
			/* Unreadable, or the source ended early. */
			memset(dst + done, 0, len - done > want ? want : len - done);
			pipeline_add_bad(p, at, want);
			done += want;
			continue;
		}
		done += (size_t)r;
	}
	return 0;
}

int reader_fill_pread(struct pipeline *p, struct chunk *c, size_t from)
{
	size_t done = from;

	while (done < c->len) {
		ssize_t r = pread(p->src.fd, c->buf + done, c->len - done,
		                  (off_t)(c->off + done));
		if (r > 0) {
			done += (size_t)r;
			continue;
		}
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0 && read_gone(errno)) {
			int e = errno;
			pipeline_fail(p, -e, "source '%s' disappeared at offset "
			              "%llu: %s", p->src.path,
			              (unsigned long long)(c->off + done),
			              strerror(e));
			return -e;
		}
		/* An error (or an early end): go sector by sector over what
		 * is left of this chunk. */
		int rc = fill_sectors(p, c->buf + done, c->off + done,
		                      c->len - done);
		if (rc != 0) {
			pipeline_fail(p, rc, "source '%s' disappeared: %s",
			              p->src.path, strerror(-rc));
			return rc;
		}
		done = c->len;
	}
	c->done = c->len;
	return 0;
}
