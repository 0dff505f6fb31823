/*
 * reader.c - what both read engines share: the pread path that fills a
 * chunk, isolating unreadable sectors.
 *
 * When a large read fails, the range is re-read a sector at a time so that
 * one bad sector costs one sector, not a chunk: the unreadable sectors are
 * zero-filled and recorded, and the scan goes on.  The validators' reader
 * and the writer's copy read the same way (source_read), so every stage
 * sees the same bytes.  A source that vanishes (device unplugged) is the
 * one read failure that stops the run.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/pipeline.h"

int reader_fill_pread(struct pipeline *p, struct chunk *c, size_t from)
{
	int rc = source_read(p->src.fd, p->src.sector_size, c->buf + from,
	                     c->off + from, c->len - from, 0, pipeline_note_bad,
	                     p);
	if (rc != 0) {
		pipeline_fail(p, rc, "source '%s' disappeared while reading "
		              "offset %llu: %s", p->src.path,
		              (unsigned long long)(c->off + from),
		              strerror(-rc));
		return rc;
	}
	c->done = c->len;
	return 0;
}
